# Helpers of the fault-injection TAP tests (030, 031): a cluster of the test
# build, firing a fault point (src/pg/fault.h) as an ERROR or a crash and
# waiting for the server to come back, and the checks every round ends with:
# the index check passes, and the committed rows are all there and all found
# through the index.
package fault_common;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(start_fault_node fire_fault index_exists committed_rows_found exact_equals_index);

# An index scan, with probes and ef large enough that it reaches every row
# it can reach (and no sort of the whole table instead).
our $BY_INDEX = 'SET enable_seqscan = off; SET enable_sort = off; SET hnsw.ef_search = 1000; '
  . 'SET ivfflat.probes = 1000; SET ivf.probes = 1000;';
# One hnsw search that goes on until it has visited every node it reaches.
our $ITERATIVE = 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 100000000;';

# A started node with up to two parallel maintenance workers, and the
# extension; bails out unless the server has the fault-injection build. The
# library is preloaded for its fault settings, but no background worker
# runs: the tests drive every merge and compaction themselves, and one the
# workers ran between their steps would change what they measure.
sub start_fault_node {
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.max_workers = 0
max_worker_processes = 8
max_parallel_maintenance_workers = 2
min_parallel_table_scan_size = 0
maintenance_work_mem = '128MB'
restart_after_crash = on
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
	my $type = $node->safe_psql('postgres', q{SELECT vartype FROM pg_settings WHERE name = 'vector_db.fault_action'});
	is($type, 'enum', 'the server runs the fault-injection build')
	  or BAIL_OUT('vector_db was built without VDB_FAULT_INJECTION=1 (scripts/run-tests.sh builds it so)');
	return $node;
}

# fire_fault(node, point, action, sql, skip, settings): runs the settings and
# sql with the point armed; asserts that the point fired as an ERROR (action
# 'error'), or crashed the server ('kill', 'panic'), which must be back.
# Returns what the client got on stderr.
sub fire_fault {
	my ($node, $point, $action, $sql, $skip, $settings) = @_;
	$skip //= 0;
	$settings //= '';
	my $offset = -s $node->logfile;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET vector_db.fault_point = '$point'; SET vector_db.fault_action = '$action'; "
		  . "SET vector_db.fault_skip = $skip; $settings $sql");
	isnt($ret, 0, "$point/$action: the statement fails");
	if ($action eq 'error') {
		like($err, qr/vector_db fault point "\Q$point\E" reached/, "$point/$action: with the fault point's error");
		return $err;
	}
	# Waits on the log, not by polling with psql: a psql that finds the server
	# still in recovery can exit before IPC::Run has written its query, and
	# IPC::Run then dies of the broken pipe (seen on 16 and 17).
	$node->wait_for_log(qr/database system is ready to accept connections/, $offset);
	my $log = substr(slurp_file($node->logfile), $offset);
	my $fired = $action eq 'kill' ? qr/fault point "\Q$point\E" reached: killing process/
	  : qr/PANIC:  vector_db fault point "\Q$point\E" reached/;
	like($log, $fired, "$point/$action: the point fired");
	like($log, qr/terminated by signal (9|6)|all server processes terminated; reinitializing/,
		"$point/$action: the server crashed and restarted");
	return $err;
}

sub index_exists {
	my ($node, $index) = @_;
	return $node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = '$index'") eq '1';
}

# The committed rows of `table` (ids, vectors `v`) are exactly `ids`, and,
# when `index` is given, vector_db_index_check passes on it and it finds
# them: one search from the first row returns every row (an iterative hnsw
# scan, every ivf list), and every tenth row is its own nearest neighbour.
# The statements run in one session (a psql start costs more than most of
# them on a loaded machine), each answer after a separator line: a new psql,
# or, when given, `run`, a sub that takes the script and returns what psql
# printed on stdout and whether it printed anything on stderr (030 passes
# one that uses a session it keeps open between rounds).
sub committed_rows_found {
	my ($node, $table, $index, $ids, $name, $run) = @_;
	$run //= sub {
		my ($ret, $out, $err) = $node->psql('postgres', $_[0], on_error_stop => 0);
		my $failed = $err =~ /ERROR|FATAL|PANIC/;
		diag($err) if $failed;
		return ($out, $failed);
	};
	my ($sum, $tenths) = (0, 0);
	for (@$ids) { $sum += $_; $tenths++ if $_ % 10 == 0; }
	my $count = scalar(@$ids);
	my $exact = "SELECT count(*) || ' ' || coalesce(sum(id), 0) FROM $table";
	if (!defined $index) {
		is(($run->("$exact;"))[0], "$count $sum", "$name: every committed row is there (exact)");
		return;
	}
	my $all = "SELECT count(DISTINCT id) || ' ' || coalesce(sum(id), 0) FROM (SELECT id FROM $table "
	  . "ORDER BY v <-> (SELECT v FROM $table ORDER BY id LIMIT 1) LIMIT 100000000) s";
	my $self = "SELECT count(*) FROM $table a WHERE a.id % 10 = 0 AND "
	  . "(SELECT b.id FROM $table b ORDER BY b.v <-> a.v LIMIT 1) = a.id";
	my @steps = ($exact, "SELECT vector_db_index_check('$index', true)", "$BY_INDEX $ITERATIVE EXPLAIN $all", $all,
		"RESET hnsw.iterative_scan; RESET hnsw.max_scan_tuples; EXPLAIN $self", $self);
	my $separator = '--- next step ---';
	my ($out, $failed) = $run->(join(";\n\\echo '$separator'\n", @steps) . ';');
	my @answers = split /\n?\Q$separator\E\n?/, $out, -1;
	is($answers[0], "$count $sum", "$name: every committed row is there (exact)");
	ok(!$failed && @answers == @steps, "$name: vector_db_index_check passes");
	my $scan = qr/Index Scan using $index\b/;
	like($answers[2] // '', $scan, "$name: the whole search uses $index");
	is($answers[3], "$count $sum", "$name: one index search returns every committed row");
	like($answers[4] // '', qr/$scan.* on $table b/, "$name: the nearest-neighbour searches use $index");
	is($answers[5], $tenths, "$name: every tenth row is its own nearest neighbour by the index");
}

# The index scan's `LIMIT 10` ids for five queries equal an exact scan's.
sub exact_equals_index {
	my ($node, $table, $dims, $name) = @_;
	for my $q (1 .. 5) {
		my $vec = '[' . join(',', map { sprintf('%.4f', sin($q * 7 + $_) / 2) } 1 .. $dims) . ']';
		my $query = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table ORDER BY v <-> '$vec' LIMIT 10) s";
		like($node->safe_psql('postgres', "$BY_INDEX EXPLAIN $query"), qr/Index Scan using/,
			"$name: query $q uses the index");
		is($node->safe_psql('postgres', "$BY_INDEX $query"),
			$node->safe_psql('postgres', "SET enable_indexscan = off; $query"),
			"$name: index results equal an exact search (query $q)");
	}
}

1;
