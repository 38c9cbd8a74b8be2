# Canceling parallel index builds: a cancel during an hnsw build's linking,
# during an ivf build's assign pass, or a statement_timeout, ends a build
# with parallel workers before it does another quarter of its tuples
# (counted in pg_stat_progress_create_index, not timed), leaves no parallel
# worker running and no dynamic shared memory segment behind (segments are
# files in pg_dynshmem with dynamic_shared_memory_type = mmap, so they can
# be counted), and the next build of the same index succeeds and passes
# vector_db_index_check. Progress is reported while the build runs.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use hnsw_common;
use ivf_common;

my $node = PostgreSQL::Test::Cluster->new('cancel');
$node->init;
$node->append_conf('postgresql.conf', "dynamic_shared_memory_type = mmap\nmax_worker_processes = 8");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(64))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 64, 1, 30000);
# ivf's parallel pass is short: give it more rows to assign.
$node->safe_psql('postgres', 'CREATE TABLE big (id int, v vector(64))');
fill_random($node, 'postgres', 'big (id, v)', 'vector', 64, 1, 100000);
$node->safe_psql('postgres', 'ANALYZE items; ANALYZE big');

my $parallel = 'SET max_parallel_maintenance_workers = 2; SET min_parallel_table_scan_size = 0; '
  . 'SET client_min_messages = debug1;';
my $shm_dir = $node->data_dir . '/pg_dynshmem';
sub segments { opendir(my $dir, $shm_dir) or die $!; my $n = grep { !/^\./ } readdir($dir); closedir($dir); return $n; }
my $before = segments();
# The segment count once exiting workers have detached (a few seconds at most).
sub segments_left {
	for (1 .. 100) { return $before if segments() == $before; sleep 0.1; }
	return segments();
}

# Starts a parallel build in a background session, cancels it once
# pg_stat_progress_create_index shows the phase, and checks that it stops
# having done less than half of its tuples, and leaves nothing behind.
sub cancel_in_phase {
	my ($am, $table, $using, $phase) = @_;
	my $stderr = cancel_build_in_phase($node, $parallel, "CREATE INDEX idx ON $table $using", $phase, "$am build");
	like($stderr, qr/using [1-9]\d* parallel workers/, "$am build had parallel workers");
	$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'parallel worker'")
	  or fail("$am: parallel workers still running after the cancel");
	is(segments_left(), $before, "$am: no shared memory segment left after a cancel in $phase");
}

my $hnsw = 'USING hnsw (v vector_l2_ops)';
my $ivf = "USING ivf (v vector_l2_ops) WITH (lists = 300, quantizer = 'sq8')";
cancel_in_phase('hnsw', 'items', $hnsw, 'linking graph');
cancel_in_phase('ivf', 'big', $ivf, 'assigning tuples');

# statement_timeout cancels a parallel hnsw build the same way (through the
# same pending interrupt as pg_cancel_backend, whose promptness is counted
# above), and leaves no index behind.
my ($ret, $out, $err) = $node->psql('postgres', "$parallel SET statement_timeout = '500ms'; CREATE INDEX idx ON items $hnsw");
like($err, qr/canceling statement due to statement timeout/, 'statement_timeout cancels a parallel hnsw build');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'idx'}), 0, 'and leaves no index');
is(segments_left(), $before, 'no shared memory segment left after the timeout');

for my $build ([ 'hnsw', 'items', $hnsw, \&check_index ], [ 'ivf', 'big', $ivf, \&check_ivf_indexes ]) {
	my ($am, $table, $using, $check) = @$build;
	($ret, $out, $err) = $node->psql('postgres', "$parallel CREATE INDEX idx ON $table $using");
	is($ret, 0, "$am build after the cancels succeeds");
	like($err, qr/using [1-9]\d* parallel workers/, "$am build used parallel workers");
	$check->($node, 'postgres', "$am after cancels");
	is(segments_left(), $before, "$am: no shared memory segment left after the build");
	$node->safe_psql('postgres', 'DROP INDEX idx');
}

# Progress: a second session sees tuples done and total while a parallel
# hnsw build runs.
my $background = $node->background_psql('postgres');
$background->query_until(qr/started/, "$parallel \\echo started\nCREATE INDEX idx ON items USING hnsw (v vector_l2_ops);\n");
ok($node->poll_query_until('postgres',
		"SELECT tuples_done > 0 AND tuples_total > 0 FROM pg_stat_progress_create_index"),
	'progress shows tuples done and total during a parallel build');
$background->quit;
check_index($node, 'postgres', 'hnsw built beside the progress check');

my $log = slurp_file($node->logfile);
unlike($log, qr/leak|PANIC|terminated by signal/, 'no leak warnings or crashes in the server log');
$node->stop;
done_testing();
