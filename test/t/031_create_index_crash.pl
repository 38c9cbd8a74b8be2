# A crash during CREATE INDEX (docs/reliability.md): the building backend,
# or one of its parallel workers, is killed with SIGKILL at a fault point
# (a defined moment, unlike a timed kill), for serial and parallel builds of
# hnsw, ivfflat and ivf. After recovery no index remains (the CREATE INDEX
# rolled back) and a rerun succeeds. A crash during CREATE INDEX
# CONCURRENTLY leaves an INVALID index, which REINDEX repairs: the check
# passes and index scans equal an exact search.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = start_fault_node('create_index_crash');
$node->safe_psql('postgres', 'CREATE TABLE t (id int PRIMARY KEY, v vector(8))');
fill_random($node, 'postgres', 't', 'vector', 8, 1, 2000);
my @ids = (1 .. 2000);

my %using = (
	hnsw => 'hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)',
	ivfflat => 'ivfflat (v vector_l2_ops) WITH (lists = 10)',
	ivf => 'ivf (v vector_l2_ops) WITH (lists = 10)',
);
# Where the build dies: in the leader (the building backend) and, in a
# parallel build, also in a worker while the leader waits for it.
my %points = (
	hnsw => { serial => ['hnsw-build-linked'], parallel => [ 'hnsw-build-written', 'hnsw-build-worker' ] },
	ivfflat => { serial => ['ivf-build-trained'], parallel => [ 'ivf-build-launched', 'ivf-build-worker' ] },
	ivf => { serial => ['ivf-build-assigned'], parallel => [ 'ivf-build-launched', 'ivf-build-worker' ] },
);

for my $am (sort keys %using) {
	for my $mode ('serial', 'parallel') {
		my $settings = $mode eq 'serial' ? 'SET max_parallel_maintenance_workers = 0;' : 'SET client_min_messages = debug1;';
		for my $point (@{ $points{$am}{$mode} }) {
			my $name = "$am $mode build killed at $point";
			my $offset = -s $node->logfile;
			my $err = fire_fault($node, $point, 'kill', "CREATE INDEX t_idx ON t USING $using{$am}", 0, $settings);
			if ($mode eq 'parallel' && $point =~ /-worker$/) {
				# The leader reports its workers only once all have attached,
				# and an ivf worker never waits for the leader: it may read
				# the whole heap and be killed before that report. The proof
				# is then the postmaster's: the process killed at the point
				# was a parallel worker.
				my $log = substr(slurp_file($node->logfile), $offset);
				my %killed = map { $_ => 1 } $log =~ /fault point "\Q$point\E" reached: killing process (\d+)/g;
				my @workers = $log =~ /background worker "parallel worker" \(PID (\d+)\) was terminated by signal 9/g;
				ok((grep { $killed{$_} } @workers) > 0, "$name: the build was parallel")
				  or diag("killed at the point: @{[sort keys %killed]}; parallel workers killed: @workers");
			} elsif ($mode eq 'parallel') {
				like($err, qr/build of "t" using [1-9]\d* parallel workers/, "$name: the build was parallel");
			}
			ok(!index_exists($node, 't_idx'), "$name: no index remains");
			is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass}), '1',
				"$name: the table has only its primary key");
			committed_rows_found($node, 't', undef, \@ids, $name);
			my ($ret, $out, $err2) = $node->psql('postgres', "$settings CREATE INDEX t_idx ON t USING $using{$am}");
			is($ret, 0, "$name: a rerun succeeds") or diag($err2);
			committed_rows_found($node, 't', 't_idx', \@ids, "$name, rerun");
			exact_equals_index($node, 't', 8, "$name, rerun");
			$node->safe_psql('postgres', 'DROP INDEX t_idx');
		}
	}

	my $name = "$am CREATE INDEX CONCURRENTLY killed";
	fire_fault($node, $points{$am}{parallel}[0], 'kill', "CREATE INDEX CONCURRENTLY t_idx ON t USING $using{$am}");
	is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass}), 'f',
		"$name: leaves an INVALID index");
	committed_rows_found($node, 't', undef, \@ids, $name);
	$node->safe_psql('postgres', 'REINDEX INDEX t_idx');
	is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass}), 't',
		"$name: REINDEX makes it valid");
	committed_rows_found($node, 't', 't_idx', \@ids, "$name, reindexed");
	exact_equals_index($node, 't', 8, "$name, reindexed");
	$node->safe_psql('postgres', 'DROP INDEX t_idx');
}

$node->stop;
done_testing();
