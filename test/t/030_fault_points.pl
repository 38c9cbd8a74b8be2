# Fault injection (docs/reliability.md): every fault point of the test build
# fires as an ERROR and as a crash (SIGKILL of the process that reaches it,
# a parallel worker included), in CREATE INDEX (parallel; serial builds only
# as an ERROR, 031 crashes them), INSERT and VACUUM, on hnsw and ivfflat. After each round the server is up,
# vector_db_index_check passes, every committed row is there, and the index
# (where it exists) finds each one as its own nearest neighbour; then the
# failed statement, run again without the fault, succeeds.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use fault_common;

my $node = start_fault_node('fault_points');
# The checks disable sequential scans, whose huge cost makes each query
# cross jit_above_cost: no compiling them.
$node->append_conf('postgresql.conf', 'jit = off');
$node->reload;

my %am = (
	hnsw => 'USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)',
	ivfflat => 'USING ivfflat (v vector_l2_ops) WITH (lists = 4)',
);
my %ids;  # table => { committed id => 1 }
my %next_id;
my $rounds = 0;

# The checks run in one psql session, kept open between rounds and opened
# again after each crash: on a loaded machine a psql start costs more than
# most checks. Each script ends with RESET ALL, so no setting outlives it.
# Returns what psql printed on stdout, and whether it printed on stderr (a
# session that did is closed, so that the next starts clean).
my $session;
sub in_session {
	my ($sql) = @_;
	if (!$session) {
		$session = $node->background_psql('postgres', on_error_stop => 0);
		$session->set_query_timer_restart;
	}
	my ($out, $failed) = $session->query("$sql;\nRESET ALL;");
	$out =~ s/\n\z// if defined $out;  # the newline 16.2's BackgroundPsql leaves (15.20's does not)
	end_session() if $failed;
	return ($out, $failed);
}
sub end_session {
	$session->quit if $session;
	undef $session;
}
# A statement that must succeed; its output.
sub session_do {
	my ($out, $failed) = in_session($_[0]);
	die "failed in the session: $_[0]" if $failed;
	return $out;
}
# fire_fault, closing the session first when the fault crashes the server.
sub fire {
	my ($point, $action, @rest) = @_;
	end_session() if $action ne 'error';
	return fire_fault($node, $point, $action, @rest);
}

sub insert_sql {
	my ($table, $first, $last) = @_;
	return "INSERT INTO $table SELECT i, (SELECT array_agg(random() - 0.5)::float4[] "
	  . "FROM generate_series(1, 8) WHERE i > 0)::vector FROM generate_series($first, $last) i;";
}

# Inserts `n` new rows (committed).
sub add_rows {
	my ($table, $n) = @_;
	my $first = $next_id{$table};
	$next_id{$table} += $n;
	session_do(insert_sql($table, $first, $first + $n - 1));
	$ids{$table}{$_} = 1 for $first .. $first + $n - 1;
}

sub check_rows {
	my ($table, $with_index, $name) = @_;
	committed_rows_found($node, $table, $with_index ? "${table}_idx" : undef, [ keys %{ $ids{$table} } ], $name,
		\&in_session);
}

for my $am (sort keys %am) {
	my $table = "t_$am";
	$node->safe_psql('postgres', "CREATE TABLE $table (id int PRIMARY KEY, v vector(8))");
	$next_id{$table} = 1;
	add_rows($table, 400);
}

sub create_sql {
	my ($am) = @_;
	return "CREATE INDEX t_${am}_idx ON t_$am $am{$am};";
}

# CREATE INDEX: nothing of the index remains, and a rerun succeeds.
my %build_points = (
	hnsw => [ [ 'hnsw-build-scanned', 0 ], [ 'hnsw-build-linked', 0 ], [ 'hnsw-build-written', 0 ],
		[ 'hnsw-build-worker', 0 ], [ 'index-extend', 1 ] ],
	ivfflat => [ [ 'ivf-build-sampled', 0 ], [ 'ivf-build-trained', 0 ], [ 'ivf-build-launched', 0 ],
		[ 'ivf-build-assigned', 0 ],
		[ 'ivf-build-written', 0 ], [ 'ivf-build-worker', 0 ], [ 'index-extend', 1 ] ],
);
for my $mode ('parallel', 'serial') {
	my $settings = $mode eq 'serial' ? 'SET max_parallel_maintenance_workers = 0;' : '';
	for my $am (sort keys %am) {
		my $table = "t_$am";
		for my $p (@{ $build_points{$am} }) {
			my ($point, $skip) = @$p;
			next if $mode eq 'serial' && $point =~ /worker/;
			# A crash in a serial build is 031's subject.
			for my $action ($mode eq 'serial' ? ('error') : ('error', 'kill')) {
				my $name = "$am $mode build, $point/$action";
				session_do("SET client_min_messages = warning; DROP INDEX IF EXISTS ${table}_idx");
				fire($point, $action, create_sql($am), $skip, $settings);
				is(session_do("SELECT count(*) FROM pg_class WHERE relname = '${table}_idx'"), '0',
					"$name: no index remains");
				check_rows($table, 0, $name);
				my ($ret, $out, $err) = $node->psql('postgres', "$settings SET client_min_messages = debug1; " . create_sql($am));
				is($ret, 0, "$name: the build succeeds when run again") or diag($err);
				if ($mode eq 'parallel') {
					like($err, qr/build of "$table" using [1-9]\d* parallel workers/, "$name: and it is parallel");
				}
				check_rows($table, 1, "$name, rebuilt");
				$rounds++;
			}
		}
	}
}

# INSERT: the failed statement's rows are not there, the committed ones are
# all found; an insert then succeeds. The extension rounds insert enough
# rows to add pages.
my %insert_points = (
	hnsw => [ [ 'hnsw-insert-slot', 0, 50 ], [ 'hnsw-insert-linked', 3, 50 ], [ 'index-extend', 0, 1000 ] ],
	ivfflat => [ [ 'ivf-insert', 3, 50 ], [ 'index-extend', 0, 1000 ] ],
);
for my $am (sort keys %am) {
	my $table = "t_$am";
	for my $p (@{ $insert_points{$am} }) {
		my ($point, $skip, $rows) = @$p;
		for my $action ('error', 'kill') {
			my $name = "$am insert, $point/$action";
			my $first = $next_id{$table};
			fire($point, $action, insert_sql($table, $first, $first + $rows - 1), $skip);
			check_rows($table, 1, $name);
			add_rows($table, 50);
			check_rows($table, 1, "$name, then inserted");
			$rounds++;
		}
	}
}

# A PANIC is a crash like the others.
fire('hnsw-insert-linked', 'panic', insert_sql('t_hnsw', $next_id{t_hnsw}, $next_id{t_hnsw} + 9));
check_rows('t_hnsw', 1, 'hnsw insert, hnsw-insert-linked/panic');
$rounds++;

# VACUUM: a quarter of the rows deleted (committed), then the vacuum fails
# part way. The rest is found, and a vacuum run again finishes.
my %vacuum_points = (
	hnsw => [
		[ 'hnsw-vacuum-flagged', 0 ], [ 'hnsw-vacuum-batch', 2 ], [ 'hnsw-vacuum-batch-locked', 1 ],
		[ 'hnsw-vacuum-repaired', 0 ], [ 'hnsw-reach-walked', 0 ], [ 'hnsw-vacuum-emptying', 0 ],
		[ 'hnsw-vacuum-freeing', 0 ], [ 'hnsw-vacuum-freed', 0 ]
	],
	ivfflat => [ [ 'ivf-vacuum-list', 1 ] ],
);
my $part = 0;
for my $am (sort keys %am) {
	my $table = "t_$am";
	for my $p (@{ $vacuum_points{$am} }) {
		my ($point, $skip) = @$p;
		for my $action ('error', 'kill') {
			my $name = "$am vacuum, $point/$action";
			$part = ($part + 1) % 4;
			session_do("DELETE FROM $table WHERE id % 4 = $part");
			delete $ids{$table}{$_} for grep { $_ % 4 == $part } keys %{ $ids{$table} };
			fire($point, $action, "VACUUM $table", $skip);
			check_rows($table, 1, $name);
			session_do("VACUUM $table");
			check_rows($table, 1, "$name, vacuumed again");
			add_rows($table, 200);
			check_rows($table, 1, "$name, then inserted");
			$rounds++;
		}
	}
}

# A VACUUM that stops after the entry point moved but before the deleted
# nodes are freed: with one row left, the new entry point is likely on a
# lower level than the deleted one, which then stands above the top level
# until the next VACUUM frees it. The index is sound meanwhile.
end_session();
$node->safe_psql('postgres', "CREATE TABLE t_top (id int PRIMARY KEY, v vector(8)); "
	  . insert_sql('t_top', 1, 300)
	  . "SET max_parallel_maintenance_workers = 0; CREATE INDEX t_top_idx ON t_top $am{hnsw}; "
	  . 'DELETE FROM t_top WHERE id > 1;');
fire_fault($node, 'hnsw-reach-walked', 'error', 'VACUUM t_top');
committed_rows_found($node, 't_top', 't_top_idx', [1], 'one row left, VACUUM stopped before freeing');
$node->safe_psql('postgres', 'VACUUM t_top');
committed_rows_found($node, 't_top', 't_top_idx', [1], 'one row left, vacuumed again');

for my $am (sort keys %am) {
	exact_equals_index($node, "t_$am", 8, "$am at the end");
}
note("fault injection: $rounds rounds");

$node->stop;
done_testing();
