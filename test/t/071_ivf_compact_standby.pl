# Compaction of ivfflat and ivf (sq8) indexes on a primary with a streaming
# standby, both with wal_consistency_checking: half the rows deleted (not
# vacuumed), one compaction makes each index at least 40% smaller, the
# standby replays it (truncation included) and returns the primary's top 10,
# and both indexes pass the check on both servers, before and after more
# inserts into the packed lists. A standby session that scanned an index
# before its compaction and is still in its transaction is ended by a
# recovery conflict before the freed pages are replayed.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my ($primary, $standby) = start_primary_and_standby('ivfc_');
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(32))');
fill_random($primary, 'postgres', 'items', 'vector', 32, 1, 6000);
$primary->safe_psql('postgres', q{
CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 4);
CREATE INDEX sq8_idx ON items USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
});
my $q = '[' . join(',', map { sprintf('%.3f', cos($_) / 2) } 1 .. 32) . ']';
my %queries = (
	ivfflat => "SET enable_seqscan = off; SET ivfflat.probes = 3; "
	  . "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10) s",
	ivf => "SET enable_seqscan = off; SET ivf.probes = 3; "
	  . "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10) s",
);
my %index = (ivfflat => 'flat_idx', ivf => 'sq8_idx');

my %before = map { $_ => $primary->safe_psql('postgres', "SELECT pg_relation_size('$index{$_}')") } keys %index;
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0');
for my $am (sort keys %index) {
	standby_scan_conflicts($primary, $standby, $queries{$am}, "SELECT vector_db_compact('$index{$am}')",
		"$am compaction");
	my $after = $primary->safe_psql('postgres', "SELECT pg_relation_size('$index{$am}')");
	cmp_ok($after, '<=', 0.6 * $before{$am}, "$am: half deleted, one compaction: $before{$am} -> $after bytes");
	standby_matches_primary($primary, $standby, 'postgres', $queries{$am}, "$am after compaction");
}
check_ivf_indexes($primary, 'postgres', 'primary after compaction');
check_ivf_indexes($standby, 'postgres', 'standby after compaction');

fill_random($primary, 'postgres', 'items', 'vector', 32, 7001, 7600);
for my $am (sort keys %index) {
	standby_matches_primary($primary, $standby, 'postgres', $queries{$am}, "$am after inserts");
}
standby_checks_and_stop($primary, $standby, 'after inserts');
done_testing();
