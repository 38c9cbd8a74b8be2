# Parallel hnsw builds whose arena fills up take the out-of-memory path with
# workers: a NOTICE, the graph linked and written by all participants, the
# remaining rows inserted by all of them (searching at once, writing one at
# a time). 006 gets there with a small maintenance_work_mem; each case here
# makes the arena's estimate wrong instead:
# - dense: the row density ANALYZE saw (one wide row per page) is stale, so
#   the node array is sized for a few hundred rows of 20,000;
# - sparse: rows stored compressed (STORAGE extended) take less room in the
#   heap and TOAST than their elements, so the element pool, sized from
#   them, fills before the heap is read.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('parallel_full');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');
$node->safe_psql('postgres', q{
SELECT setseed(0.5);
CREATE TABLE items (id int, pad text, v vector(8)) WITH (autovacuum_enabled = off);
ALTER TABLE items ALTER COLUMN pad SET STORAGE plain;
INSERT INTO items SELECT i, repeat('x', 7000), NULL FROM generate_series(1, 50) i;
ANALYZE items;
DELETE FROM items;
INSERT INTO items SELECT i, NULL, ARRAY(SELECT random() FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 20000) i;
CREATE TABLE queries (id int, v vector(8));
INSERT INTO queries SELECT i, ARRAY(SELECT random() FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 30) i;

-- 900 consecutive indices from a varying start, values of four levels.
CREATE FUNCTION packed_sparse(start int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(j || ':' || (1 + floor(random() * 4)::int) / 4.0, ',' ORDER BY j) || '}/3000')::sparsevec
	FROM generate_series(start, start + 899) j
$$;
CREATE TABLE sparse_items (id int, u sparsevec(3000));
ALTER TABLE sparse_items ALTER COLUMN u SET STORAGE extended;
INSERT INTO sparse_items SELECT i, packed_sparse(1 + (i * 97) % 2000) FROM generate_series(1, 1000) i;
CREATE TABLE sparse_queries (id int, u sparsevec(3000));
INSERT INTO sparse_queries SELECT i, packed_sparse(1 + (i * 61) % 2000) FROM generate_series(1, 20) i;
ANALYZE sparse_items;
});
my $stored = $node->safe_psql('postgres',
	'SELECT pg_table_size(\'sparse_items\') < sum(4 + 8 * 900) FROM sparse_items');
is($stored, 't', 'the sparse rows take less room than their elements');

my $parallel = "SET maintenance_work_mem = '64MB'; SET max_parallel_maintenance_workers = 2; "
  . 'SET min_parallel_table_scan_size = 0; SET client_min_messages = debug1;';
for my $case ([ 'items', 'v', 'vector_l2_ops', 'queries' ], [ 'sparse_items', 'u', 'sparsevec_l2_ops', 'sparse_queries' ]) {
	my ($table, $col, $opclass, $queries) = @$case;
	my ($ret, $out, $err) = $node->psql('postgres',
		"$parallel CREATE INDEX ${table}_idx ON $table USING hnsw ($col $opclass)");
	is($ret, 0, "$opclass: parallel build succeeds") or diag($err);
	my ($workers) = $err =~ /hnsw build of "$table" using (\d+) parallel workers/;
	cmp_ok($workers // 0, '>=', 1, "$opclass: the build uses parallel workers");
	like($err, qr/hnsw graph no longer fits into maintenance_work_mem after \d+ tuples/, "$opclass: with a NOTICE");
	my $recall = measure_recall($node, 'postgres', $table, $col, '<->', $queries, 100);
	cmp_ok($recall, '>=', 0.99, "$opclass: recall $recall");
	check_index($node, 'postgres', "$opclass parallel out-of-memory");
	$node->safe_psql('postgres', "DROP INDEX ${table}_idx");
}

$node->stop;
done_testing();
