# Helpers of the filter-column recall tests (091 for hnsw, 092 for ivfflat
# and ivf): a table items (id, v vector(16), t10 int, t100 bigint, labels
# int[]) filled from staging (id, v), a table queries (id, v), and the
# check that a filtered top-10 through an index returns 10 rows on every
# query and finds at least 95% of the exact answer, at about 10% and 1%
# selectivity, for equality, = ANY and label overlap.
package filter_common;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Test::More;
use hnsw_common ();

our @EXPORT = qw(create_filter_tables add_filter_rows check_filtered_recall);

# The tables (staging and queries filled with seeded random rows) and
# filtered_recall(qual): per query, the exact top 10 of the rows the qual
# keeps and what the index scan returns; "queries with fewer than 10 rows,
# recall".
sub create_filter_tables {
	my ($node) = @_;
	$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(16), t10 int, t100 bigint, labels int[]); '
		  . 'CREATE TABLE staging (id int, v vector(16)); CREATE TABLE queries (id int, v vector(16))');
	hnsw_common::fill_random($node, 'postgres', 'staging (id, v)', 'vector', 16, 1, 3000);
	hnsw_common::fill_random($node, 'postgres', 'queries (id, v)', 'vector', 16, 1, 10);
	$node->safe_psql('postgres', q{
CREATE FUNCTION filtered_recall(qual text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	short int = 0;
	hits bigint = 0;
	total bigint = 0;
	q record;
	got int[];
	want int[];
BEGIN
	FOR q IN SELECT id, v FROM queries LOOP
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items WHERE %s ORDER BY v <-> %L LIMIT 10) s', qual, q.v) INTO got;
		EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items WHERE %s ORDER BY (v <-> %L) + 0 LIMIT 10) s', qual, q.v) INTO want;
		IF coalesce(cardinality(got), 0) < least(10, coalesce(cardinality(want), 0)) THEN short := short + 1; END IF;
		hits := hits + (SELECT count(*) FROM unnest(got) g WHERE g = ANY(want));
		total := total + coalesce(cardinality(want), 0);
	END LOOP;
	RETURN short || ' ' || round(hits::numeric / greatest(total, 1), 3);
END $$;
});
}

# Rows first..last of staging into items. t10: 10 values (10% each); t100:
# 100 values (1%); labels: 2 of 50.
sub add_filter_rows {
	my ($node, $first, $last) = @_;
	$node->safe_psql('postgres', "INSERT INTO items SELECT id, v, id % 10, (id * 7) % 100, "
		  . "ARRAY[id % 50, (id / 50) % 50] FROM staging WHERE id BETWEEN $first AND $last");
}

# The filter is an index condition of `index`, and every qual passes the
# recall check. `iterative`: the settings that turn the index's iterative
# scan on, for = ANY: PostgreSQL 15 and 16 keep = ANY on a later index
# column as a Filter above an ordered scan (docs/hnsw.md), which an
# iterative scan feeds; undef leaves = ANY out.
sub check_filtered_recall {
	my ($node, $index, $when, $iterative) = @_;
	my @quals = (
		[ '10% equality',    't10 = 3' ],
		[ '1% equality',     't100 = 42' ],
		[ '1% bigint = int', 't100 = 7::int' ],
		[ '2% = ANY',        't100 = ANY(\'{5,17}\')', $iterative ],
		[ '4% overlap',      'labels && \'{3}\'' ],
		[ '0.4% both',       't10 = 3 AND labels && \'{3,4}\'' ],
	);
	@quals = grep { $_->[0] ne '2% = ANY' } @quals unless defined $iterative;
	my $plan = $node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items WHERE t10 = 3 ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 10");
	like($plan, qr/Index Scan using $index .*Index Cond: \(t10 = 3\)/s, "$index, $when: the filter is an index condition");
	for my $qual (@quals) {
		my ($name, $sql, $settings) = @$qual;
		$settings //= '';
		my ($short, $recall) =
		  split / /, $node->safe_psql('postgres', "$settings SELECT filtered_recall(\$q\$$sql\$q\$)");
		is($short, 0, "$index, $when, $name: 10 rows on every query");
		cmp_ok($recall, '>=', 0.95, "$index, $when, $name: recall $recall");
	}
}

1;
