# Helpers shared by the hnsw TAP tests: random data, recall against an exact
# (sequential) scan, and the index check every test ends with.
package hnsw_common;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT = qw(create_recall_function fill_random measure_recall check_index);

# A SQL function recall(table, column, operator, queries table, k) that runs
# every query by index and by sequential scan and returns the mean overlap.
sub create_recall_function {
	my ($node, $db) = @_;
	$node->safe_psql($db, q{
CREATE FUNCTION recall(tab text, col text, op text, queries text, k int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	q text;
	exact int[];
	got int[];
	hits int := 0;
	total int := 0;
	sql text;
BEGIN
	FOR q IN EXECUTE format('SELECT %I::text FROM %I', col, queries) LOOP
		sql := format('SELECT array(SELECT id FROM %I ORDER BY %I %s %L LIMIT %s)', tab, col, op, q, k);
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_seqscan', 'on', true);
		EXECUTE sql INTO exact;
		PERFORM set_config('enable_indexscan', 'on', true);
		PERFORM set_config('enable_seqscan', 'off', true);
		EXECUTE sql INTO got;
		hits := hits + cardinality(array(SELECT unnest(exact) INTERSECT SELECT unnest(got)));
		total := total + cardinality(exact);
	END LOOP;
	RETURN hits::float8 / greatest(total, 1);
END $$;
-- For metrics with many ties (bits): queries whose k distances by index equal the exact ones.
CREATE FUNCTION same_distances(tab text, col text, op text, queries text, k int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	q text;
	exact float8[];
	got float8[];
	same int := 0;
	sql text;
BEGIN
	FOR q IN EXECUTE format('SELECT %I::text FROM %I', col, queries) LOOP
		sql := format('SELECT array(SELECT %I %s %L FROM %I ORDER BY %I %s %L LIMIT %s)', col, op, q, tab, col, op, q, k);
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_seqscan', 'on', true);
		EXECUTE sql INTO exact;
		PERFORM set_config('enable_indexscan', 'on', true);
		PERFORM set_config('enable_seqscan', 'off', true);
		EXECUTE sql INTO got;
		IF exact = got THEN
			same := same + 1;
		END IF;
	END LOOP;
	RETURN same;
END $$;
});
}

# Appends rows first..last of random dims-dimensional vectors to tab(id, v),
# uniform in [-0.5, 0.5): centred like real embeddings. (Uniform [0, 1) data
# makes inner product degenerate: every query's best match is the same few
# longest vectors.)
sub fill_random {
	my ($node, $db, $tab, $type, $dims, $first, $last) = @_;
	$node->safe_psql($db, qq{
INSERT INTO $tab SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, $dims) WHERE i > 0)::vector::$type
FROM generate_series($first, $last) i;
});
}

sub measure_recall {
	my ($node, $db, $tab, $col, $op, $queries, $ef) = @_;
	return $node->safe_psql($db, "SET hnsw.ef_search = $ef; SELECT recall('$tab', '$col', '$op', '$queries', 10)");
}

# vector_db_index_check with heapallindexed on every hnsw index of the database.
sub check_index {
	my ($node, $db, $name) = @_;
	my ($ret, $out, $err) = $node->psql($db,
		"SELECT count(vector_db_index_check(c.oid, true)) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw'");
	is($ret, 0, "$name: vector_db_index_check passes") or diag($err);
}

1;
