# ivfflat and ivf on wide vectors (docs/ivf.md, "Wide vectors"): at 4,000
# dimensions an ivfflat code, a pending element and a centroid no longer
# fit a page, at 16,000 an sq8 code does not either; they span pages. For
# each index below, built serially or by parallel workers (which send whole
# tuples to the leader): with every list probed (and every candidate
# re-ranked) the index finds every row exact search finds, in exact order
# (the same distances), and vector_db_index_check (heapallindexed) passes;
# after the build, after inserts into the lists and into the pending area,
# after deletes and VACUUM, and after a compaction and a rebalance. A
# streaming standby replays it all, checking every generic WAL record
# against the page it rebuilds, and then returns the primary's rows and
# passes the check too.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my ($node, $standby) = start_primary_and_standby('ivf_dims_');
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');

my $lists = 3;
my $all_ivfflat = "SET ivfflat.probes = $lists;";
my $all_ivf = "SET ivf.probes = $lists; SET ivf.rerank = 10000;";
# dimensions, rows, name, access method, options, settings, build workers
my @cases = (
	[ 4000,  80, 'ivfflat', 'ivfflat', "lists = $lists",                    $all_ivfflat, 0 ],
	[ 4000,  80, 'ivf pq',  'ivf',     "lists = $lists, quantizer = 'pq'",  $all_ivf,     2 ],
	[ 16000, 30, 'ivfflat', 'ivfflat', "lists = $lists",                    $all_ivfflat, 2 ],
	[ 16000, 30, 'ivf sq8', 'ivf',     "lists = $lists, quantizer = 'sq8'", $all_ivf,     0 ],
);

# Recall 1, the same distances for both queries, and a clean check, in one call.
sub exact {
	my ($settings, $what) = @_;
	my ($ret, $out, $err) = $node->psql('postgres',
		"$settings SELECT recall('items', 'v', '<->', 'queries', 10), same_distances('items', 'v', '<->', 'queries', 10), "
		  . "(SELECT count(*) FROM (SELECT vector_db_index_check('idx', true)) c)");
	is($ret, 0, "$what: vector_db_index_check passes") or diag($err);
	is($out, '1|2|1', "$what: every row found in exact order with every list probed");
}

for my $case (@cases) {
	my ($dims, $rows, $name, $am, $with, $settings, $workers) = @$case;
	my $what = "$name, $dims dimensions";
	$node->safe_psql('postgres', "CREATE TABLE items (id int, v vector($dims)); CREATE TABLE queries (id int, v vector($dims))");
	fill_random($node, 'postgres', 'items (id, v)', 'vector', $dims, 1, $rows);
	fill_random($node, 'postgres', 'queries (id, v)', 'vector', $dims, 1, 2);
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET max_parallel_maintenance_workers = $workers; SET min_parallel_table_scan_size = 0; "
		  . "SET client_min_messages = debug1; CREATE INDEX idx ON items USING $am (v vector_l2_ops) WITH ($with)");
	is($ret, 0, "$what: build with $workers workers") or diag($err);
	like($err, qr/build of "items" using \d+ parallel workers/, "$what: the build used parallel workers")
	  if $workers > 0;
	exact($settings, "$what, built");
	# Into the lists, then (fastupdate) into the pending area, which the
	# VACUUM below merges.
	fill_random($node, 'postgres', 'items (id, v)', 'vector', $dims, $rows + 1, $rows + 8);
	$node->safe_psql('postgres', 'ALTER INDEX idx SET (fastupdate = on)');
	fill_random($node, 'postgres', 'items (id, v)', 'vector', $dims, $rows + 9, $rows + 16);
	exact($settings, "$what, after inserts");
	$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0; VACUUM items');
	exact($settings, "$what, after VACUUM");
	# Deleted and not vacuumed: the compaction drops them.
	$node->safe_psql('postgres',
		"DELETE FROM items WHERE id % 5 = 0; SELECT vector_db_compact('idx'); SELECT vector_db_rebalance('idx')");
	exact($settings, "$what, after compaction and rebalance");
	standby_matches_primary($node, $standby, 'postgres',
		"$settings SET enable_seqscan = off; SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 1) LIMIT 10",
		$what);
	check_ivf_indexes($standby, 'postgres', "$what, standby");
	$node->safe_psql('postgres', 'DROP TABLE items, queries');
}

ok(!$standby->log_contains('inconsistent page found'), 'no inconsistent page during replay');
$standby->stop;
$node->stop;
done_testing();
