# One ivf (sq8, fastupdate) index through the combination the single-task
# tests (063 merge crash, 070/071 compaction, 072/073 rebalance, 081 WAL
# prefixes) leave out: a rebalance killed (kill -9) in the middle of the
# merge of the pending area it starts with, then one killed after its
# switch. After each crash: the server is back, vector_db_index_check
# passes and every committed row is found once by one search over every
# list; after the second, the top 10 of five queries by a scan with
# probes = lists (every candidate re-ranked) are a sequential scan's. Then, on a streaming standby made from a backup of
# the recovered primary, both with wal_consistency_checking = 'generic': a
# merge, a rebalance and a compaction that complete; the standby returns
# the primary's top 10 at few probes after each, reports the same last
# rebalance and compaction times, and finds no inconsistent page.
# (The standby starts after the crashes: one attached across them can
# lose the tail of a record a crash cut short and then ask the primary for
# a segment its slot no longer keeps.)
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

# The primary as start_fault_node makes it, ready to stream; it checks
# every generic WAL record's page against the page it rebuilds.
my $primary = PostgreSQL::Test::Cluster->new('imrc_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'vector_db'
vector_db.max_workers = 0
restart_after_crash = on
wal_consistency_checking = 'generic'
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
is($primary->safe_psql('postgres', q{SELECT vartype FROM pg_settings WHERE name = 'vector_db.fault_action'}),
	'enum', 'the server runs the fault-injection build')
  or BAIL_OUT('vector_db was built without VDB_FAULT_INJECTION=1 (scripts/run-tests.sh builds it so)');

# Every candidate of the sq8 lists re-ranked: index order is exact order.
$fault_common::BY_INDEX .= ' SET ivf.rerank = 100000;';
my $lists = 6;
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 1200);
$primary->safe_psql('postgres', "CREATE INDEX sq8_idx ON items USING ivf (v vector_l2_ops) "
	  . "WITH (lists = $lists, quantizer = 'sq8', fastupdate = on)");
my %live = map { $_ => 1 } 1 .. 1200;

# n rows shifted by `shift` in every dimension, pending in the index: 203
# 8-dimensional rows fill a pending page.
sub add_shifted {
	my ($first, $n, $shift) = @_;
	$primary->safe_psql('postgres',
		"INSERT INTO items SELECT i, (SELECT array_agg($shift + sin(i * 0.731 + j * 1.37) / 2)::float4[] "
		  . "FROM generate_series(1, 8) j)::vector FROM generate_series($first, $first + $n - 1) i");
	$live{$_} = 1 for $first .. $first + $n - 1;
}

# committed_rows_found's search over every list returns each row once; the
# top 10 of five queries in index order follow after the last crash.
sub check_after_crash {
	my ($name, $in_order) = @_;
	my @ids = sort { $a <=> $b } keys %live;
	committed_rows_found($primary, 'items', 'sq8_idx', \@ids, $name);
	exact_equals_index($primary, 'items', 8, $name) if $in_order;
}

# 1. Killed in the merge the rebalance starts with, 100 rows into it.
add_shifted(2001, 500, 2);
cmp_ok($primary->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('sq8_idx')"), '>', 400,
	'the shifted rows are pending');
fire_fault($primary, 'ivf-merge-tuple', 'kill', "SELECT vector_db_rebalance('sq8_idx')", 100);
check_after_crash('rebalance killed in its merge');

# 2. Killed after its switch to the new centroids, with the rest of the
# pending area merged first and half the first rows gone.
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id <= 1200 AND id % 2 = 0');
delete $live{$_} for grep { $_ <= 1200 && $_ % 2 == 0 } keys %live;
fire_fault($primary, 'ivf-rebalance-switched', 'kill', "SELECT vector_db_rebalance('sq8_idx')");
check_after_crash('rebalance killed after its switch', 1);

# 3. Merge, rebalance and compaction to the end, a standby replaying.
my $standby = start_standby($primary, 'imrc_standby');
my $q = '[' . join(',', map { sprintf('%.3f', 2 + cos($_) / 2) } 1 .. 8) . ']';
my $top10 = "SET enable_seqscan = off; SET ivf.probes = 2; "
  . "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10) s";
add_shifted(3001, 300, 2.2);
$primary->safe_psql('postgres', "SELECT vector_db_merge('sq8_idx')");
standby_matches_primary($primary, $standby, 'postgres', $top10, 'after the merge');
$primary->safe_psql('postgres', "SELECT vector_db_rebalance('sq8_idx')");
standby_matches_primary($primary, $standby, 'postgres', $top10, 'after the rebalance');
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0');
$primary->safe_psql('postgres', "SELECT vector_db_compact('sq8_idx')");
standby_matches_primary($primary, $standby, 'postgres', $top10, 'after the compaction');
my $times = "SELECT last_rebalance IS NOT NULL AND last_compaction >= last_rebalance, last_rebalance, "
  . "last_compaction FROM vector_db_index_stats('sq8_idx')";
like($primary->safe_psql('postgres', $times), qr/^t\|/, 'the rebalance and then the compaction are recorded');
is($standby->safe_psql('postgres', $times), $primary->safe_psql('postgres', $times),
	'the standby reports the same rebalance and compaction times');
standby_checks_and_stop($primary, $standby, 'after merge, rebalance and compaction');
done_testing();
