# WAL: a streaming standby replaying an hnsw index through rounds of
# inserts, deletes and VACUUM returns the same top-10 as the primary, with
# wal_consistency_checking comparing every replayed generic-WAL page image
# with the primary's (as contrib/bloom's t/001_wal.pl does).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('');

$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 2000);
$primary->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)');

my $query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s;
};
for my $round (1 .. 4) {
	my $base = 2000 + $round * 1000;
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base, $base + 500);
	$primary->safe_psql('postgres', "DELETE FROM items WHERE id % 4 = $round % 4");
	$primary->safe_psql('postgres', 'VACUUM items');
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base + 501, $base + 700);
	standby_matches_primary($primary, $standby, 'postgres', $query, "round $round");
}
standby_checks_and_stop($primary, $standby);
done_testing();
