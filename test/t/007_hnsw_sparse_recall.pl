# Recall of hnsw over sparsevec against exact search on 3,000 random rows of
# very different lengths, for each operator class, built serially, with
# parallel workers, and out of memory (maintenance_work_mem too small, so
# the build goes on through inserts), then after inserts, deletes
# and VACUUM; every index ends with vector_db_index_check.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('sparse_recall');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');
# Two kinds of random sparse rows, lengths from 10 to 60 non-zeros and every
# tenth row long (100 to 700), values scaled by 1/sqrt(nnz) so that long and
# short rows have similar norms (far-off rows would be left without links):
# - u: indices anywhere (low ones likelier), signed values: for L2 and L1;
# - s: rows drawn from one of 20 "topics" (a range of 100 indices, 80% of
#   the non-zeros), positive values, as term weights are: for inner product
#   and cosine, which on u would be near 0 for most pairs, so the top 10
#   would be picked among near-ties.
# (Tried on the same rows as vector(3000), vector_*_ops indexes had the same
# recall: what is measured here is the graph, not how sparse rows are stored.)
$node->safe_psql('postgres', q{
SELECT setseed(0.31);
CREATE FUNCTION random_sparse(dims int, nnz int, topic int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(i || ':' || (CASE WHEN topic < 0 THEN random() - 0.5 ELSE random() + 0.01 END / sqrt(n))::float4,
	                          ',' ORDER BY i) || '}/' || dims)::sparsevec
	FROM (SELECT i, count(*) OVER () n FROM (
		SELECT DISTINCT CASE WHEN topic < 0 THEN 1 + floor(random() ^ 3 * dims)::int
		                     WHEN random() < 0.8 THEN 1 + topic * 100 + floor(random() ^ 2 * 100)::int
		                     ELSE 1 + floor(random() * dims)::int END i
		FROM generate_series(1, nnz)) d) s
$$;
CREATE FUNCTION row_nnz(i int) RETURNS int LANGUAGE sql AS $$
	SELECT CASE WHEN i % 10 = 0 THEN 100 + (i * 37) % 600 ELSE 10 + (i * 13) % 51 END
$$;
CREATE TABLE items (id int, u sparsevec(3000), s sparsevec(3000));
INSERT INTO items SELECT i, random_sparse(3000, row_nnz(i), -1), random_sparse(3000, row_nnz(i), i % 20)
FROM generate_series(1, 3000) i;
-- Queries on u have 100 to 400 non-zeros: shorter ones would tie most rows.
CREATE TABLE queries (id int, u sparsevec(3000), s sparsevec(3000));
INSERT INTO queries SELECT i, random_sparse(3000, 100 + (i * 53) % 300, -1), random_sparse(3000, row_nnz(i * 7 + 1), i % 20)
FROM generate_series(1, 40) i;
ANALYZE items;
});

my @metrics = (
	[ 'u', 'sparsevec_l2_ops',     '<->' ],
	[ 's', 'sparsevec_ip_ops',     '<#>' ],
	[ 's', 'sparsevec_cosine_ops', '<=>' ],
	[ 'u', 'sparsevec_l1_ops',     '<+>' ],
);
recall_on_build_paths($node, 'postgres', @metrics);

# Out of memory: 1MB holds a few hundred of these nodes and their elements,
# not 3,000 (the element pool's refusal is unit-tested in
# hnsw_sparse_element_test.cpp). 014 builds sparse indexes past memory with
# workers.
recall_past_memory($node, 'postgres', ['serial'], @metrics[ 0, 2 ]);

# Inserts, deletes of a third, VACUUM, inserts into the freed slots.
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (u sparsevec_l2_ops)');
$node->safe_psql('postgres', q{
INSERT INTO items SELECT i, random_sparse(3000, row_nnz(i), -1) FROM generate_series(3001, 4000) i;
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
INSERT INTO items SELECT i, random_sparse(3000, row_nnz(i), -1) FROM generate_series(4001, 4500) i;
});
my $recall = measure_recall($node, 'postgres', 'items', 'u', '<->', 'queries', 100);
cmp_ok($recall, '>=', 0.99, "after inserts, deletes and VACUUM: recall $recall");
check_index($node, 'postgres', 'after vacuum');

$node->stop;
done_testing();
