# WAL for ivfflat and ivf: a streaming standby replaying the indexes through
# rounds of inserts, deletes and VACUUM returns the same top-10 as the
# primary, with wal_consistency_checking comparing every replayed generic-WAL
# page image with the primary's. Then an immediate stop (a crash) and
# recovery: the indexes come back whole and keep taking inserts.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my ($primary, $standby) = start_primary_and_standby('ivf_');

$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 2000);
$primary->safe_psql('postgres', q{
CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX pq_idx ON items USING ivf (v vector_cosine_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 4);
});

my %queries = (
	ivfflat => q{SET enable_seqscan = off; SET ivfflat.probes = 3;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s;},
	ivf => q{SET enable_seqscan = off; SET ivf.probes = 3;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <=> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s;},
);
for my $round (1 .. 3) {
	my $base = 2000 + $round * 1000;
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base, $base + 500);
	$primary->safe_psql('postgres', "DELETE FROM items WHERE id % 4 = $round % 4");
	$primary->safe_psql('postgres', 'VACUUM items');
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base + 501, $base + 700);
	for my $am (sort keys %queries) {
		standby_matches_primary($primary, $standby, 'postgres', $queries{$am}, "round $round, $am");
	}
}
check_ivf_indexes($primary, 'postgres', 'primary');
check_ivf_indexes($standby, 'postgres', 'standby');
ok(!$standby->log_contains('inconsistent page found'), 'no inconsistent page during replay');
$standby->stop;

# Crash: rows inserted since the last checkpoint are replayed from WAL.
my $before = $primary->safe_psql('postgres', $queries{ivf});
fill_random($primary, 'postgres', 'items', 'vector', 8, 9001, 9300);
my $expected = $primary->safe_psql('postgres', $queries{ivfflat});
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $queries{ivfflat}), $expected, 'after crash recovery: same top 10');
check_ivf_indexes($primary, 'postgres', 'after crash recovery');
fill_random($primary, 'postgres', 'items', 'vector', 8, 9301, 9400);
check_ivf_indexes($primary, 'postgres', 'inserts after recovery');
isnt($before, '', 'ivf index answered before the crash');

# An unlogged table's index is reset to its init fork by a crash: one empty
# list, usable at once.
$primary->safe_psql('postgres', q{
CREATE UNLOGGED TABLE scratch (id int, v vector(8));
INSERT INTO scratch SELECT i, '[1,2,3,4,5,6,7,8]' FROM generate_series(1, 100) i;
CREATE INDEX scratch_idx ON scratch USING ivf (v) WITH (lists = 4, quantizer = 'sq8');
});
$primary->stop('immediate');
$primary->start;
$primary->safe_psql('postgres', "INSERT INTO scratch VALUES (1, '[1,1,1,1,1,1,1,1]'), (2, '[9,9,9,9,9,9,9,9]')");
is($primary->safe_psql('postgres',
	"SET enable_seqscan = off; SELECT id FROM scratch ORDER BY v <-> '[2,2,2,2,2,2,2,2]' LIMIT 1"),
	'1', 'unlogged ivf index after a crash: empty, then takes inserts');
check_ivf_indexes($primary, 'postgres', 'unlogged after crash');

$primary->stop;
done_testing();
