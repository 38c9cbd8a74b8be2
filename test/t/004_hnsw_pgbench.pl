# Concurrency: pgbench clients insert, delete, search and vacuum one table at
# once; nothing errors, every search's result is checked against an exact
# (sequential) search under the same snapshot, and the index is valid and
# complete afterwards.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('pgbench');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial, v vector(8))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 2000);
$node->safe_psql('postgres', q{SELECT setval('items_id_seq', 2000)});
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)');

# Each search runs by index and by sequential scan in one REPEATABLE READ
# transaction (one snapshot) and records what it found.
$node->safe_psql('postgres', q{
CREATE TABLE search_checks (exact int, found int, hits int, dead int);
CREATE FUNCTION checked_search(q vector) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	sql text := 'SELECT array(SELECT id FROM items ORDER BY v <-> $1 LIMIT 10)';
	exact int[];
	got int[];
BEGIN
	PERFORM set_config('hnsw.ef_search', '100', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	EXECUTE sql INTO exact USING q;
	PERFORM set_config('enable_indexscan', 'on', true);
	PERFORM set_config('enable_seqscan', 'off', true);
	EXECUTE sql INTO got USING q;
	INSERT INTO search_checks VALUES (cardinality(exact), cardinality(got),
		cardinality(array(SELECT unnest(exact) INTERSECT SELECT unnest(got))),
		cardinality(array(SELECT unnest(got) EXCEPT SELECT id FROM items)));
END $$;
});
run_mixed_pgbench($node,
	'select@4' => "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT checked_search(\$RANDOM);\nCOMMIT;\n");
my ($searches, $short, $dead, $recall) = split /\|/, $node->safe_psql('postgres',
	'SELECT count(*), count(*) FILTER (WHERE found < exact), sum(dead), sum(hits)::float8 / sum(exact) FROM search_checks');
cmp_ok($searches, '>=', 50, "$searches concurrent searches were checked against an exact search");
is($short, 0, 'every search returned as many rows as the exact one');
is($dead, 0, 'no search returned a row its snapshot does not see');
cmp_ok($recall, '>=', 0.95, "concurrent searches: recall $recall against the exact top 10");
check_index($node, 'postgres', 'after concurrent work');
$node->safe_psql('postgres', 'VACUUM items');
check_index($node, 'postgres', 'after a final vacuum');

$node->stop;
done_testing();
