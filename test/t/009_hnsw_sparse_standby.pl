# WAL of sparse hnsw indexes: a streaming standby replaying rounds of inserts
# (long rows that make the element pool format groups ahead of the nodes,
# short rows that fill them), deletes and VACUUM (then inserts reusing the
# freed slots' element space) returns the same top-10 as the primary, with
# wal_consistency_checking comparing every replayed page image.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('sparse_');

$primary->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
SELECT setseed(0.5);
CREATE FUNCTION random_sparse(dims int, nnz int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(i || ':' || ((random() - 0.5) / sqrt(nnz))::float4, ',' ORDER BY i) || '}/' || dims)::sparsevec
	FROM (SELECT DISTINCT 1 + floor(random() ^ 3 * dims)::int i FROM generate_series(1, nnz)) s
$$;
CREATE TABLE items (id int, s sparsevec(2000));
CREATE INDEX idx ON items USING hnsw (s sparsevec_l2_ops) WITH (m = 8, ef_construction = 32);
});

my $query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY s <-> '{1:0.1,2:-0.2,3:0.3,5:0.2,8:-0.1}/2000' LIMIT 10) s;
};
for my $round (1 .. 4) {
	my $base = $round * 1000;
	$primary->safe_psql('postgres', qq{
INSERT INTO items SELECT i, random_sparse(2000, 700 + i % 200) FROM generate_series($base, $base + 30) i;
INSERT INTO items SELECT i, random_sparse(2000, 5 + i % 40) FROM generate_series($base + 31, $base + 400) i;
DELETE FROM items WHERE id % 4 = $round % 4;
VACUUM items;
INSERT INTO items SELECT i, random_sparse(2000, 5 + i % 400) FROM generate_series($base + 401, $base + 600) i;
});
	standby_matches_primary($primary, $standby, 'postgres', $query, "round $round");
}
standby_checks_and_stop($primary, $standby);
done_testing();
