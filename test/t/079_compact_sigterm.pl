# SIGTERM in the middle of a compaction (issue #9): a backend running
# vector_db_compact, held at a fault point part way through its pass
# (action 'wait', src/pg/fault.h), is ended by pg_terminate_backend, which
# aborts its transaction as an ERROR would. Afterwards the server is up (no
# crash), vector_db_index_check passes, every committed row is found through the
# index, and a second compaction finishes the job: the index ends no larger
# than a twin index of the same rows that one compaction ran on whole.
# hnsw (held after its first batch of moves, and after the redirect) and
# ivfflat (after the switch of its first list, and of its third; not
# before a switch: that point holds the list's buffer lock, so interrupts
# are held and SIGTERM waits until the lock is let go).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = start_fault_node('compact_sigterm');

sub size_of { return $node->safe_psql('postgres', "SELECT pg_relation_size('$_[0]')"); }

sub ids_of {
	my ($table) = @_;
	return [ split /\n/, $node->safe_psql('postgres', "SELECT id FROM $table ORDER BY id") ];
}

# compact_terminated(index, point, skip): starts vector_db_compact(index) in
# a session that waits at the point, ends that session with SIGTERM while it
# waits there, and checks that it was terminated.
sub compact_terminated {
	my ($index, $point, $skip) = @_;
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('SELECT pg_advisory_lock(7470)');
	my $compactor = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $compactor->query_safe('SELECT pg_backend_pid()');
	$compactor->query_until(qr/started/, qq{
SET vector_db.fault_point = '$point';
SET vector_db.fault_action = 'wait';
SET vector_db.fault_skip = $skip;
\\echo started
SELECT vector_db_compact('$index');
});
	ok($node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_locks WHERE pid = $pid AND locktype = 'advisory' AND NOT granted"),
		"$index: the compaction waits at $point");
	is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)"), 't', "$index: SIGTERM sent at $point");
	ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
		"$index: the compacting backend has exited");
	# Its psql saw the connection close: there is no session left to quit.
	eval { $compactor->quit };
	$holder->query_safe('SELECT pg_advisory_unlock(7470)');
	$holder->quit;
	$node->poll_query_until('postgres', 'SELECT true') or die 'the server is not back';
	unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
		"$index: no crash, the server went on");
}

# Two tables of the same rows: `items` whose compaction is terminated, and
# `twin` that one whole compaction runs on, for the size to reach. Returns
# twin's size after that compaction.
sub make_tables {
	my ($am, $options, $dims) = @_;
	for my $table ('items', 'twin') {
		$node->safe_psql('postgres', "DROP TABLE IF EXISTS $table; CREATE TABLE $table (id int PRIMARY KEY, v vector($dims))");
		fill_random($node, 'postgres', $table, 'vector', $dims, 1, 2000);
		$node->safe_psql('postgres', qq{
CREATE INDEX ${table}_idx ON $table USING $am (v vector_l2_ops) WITH ($options);
DELETE FROM $table WHERE id % 2 = 0;
VACUUM $table;
});
	}
	$node->safe_psql('postgres', "SELECT vector_db_compact('twin_idx')");
	return size_of('twin_idx');
}

for my $case (
	[ 'hnsw', 'm = 8, ef_construction = 32', 16, 'hnsw-compact-moved', 1 ],
	[ 'hnsw', 'm = 8, ef_construction = 32', 16, 'hnsw-compact-redirected', 0 ],
	[ 'ivfflat', 'lists = 4', 64, 'ivf-compact-switched', 0 ],
	[ 'ivfflat', 'lists = 4', 64, 'ivf-compact-switched', 2 ])
{
	my ($am, $options, $dims, $point, $skip) = @$case;
	my $full = make_tables($am, $options, $dims);
	my $before = size_of('items_idx');
	compact_terminated('items_idx', $point, $skip);
	committed_rows_found($node, 'items', 'items_idx', ids_of('items'), "$am, SIGTERM at $point");
	$node->safe_psql('postgres', "SELECT vector_db_compact('items_idx')");
	my $after = size_of('items_idx');
	# The twin's index is another build of the same rows: hnsw's node
	# levels, ivf's k-means differ, and with them up to a partial page
	# (hnsw) or one a list (ivf).
	my $slack = $am eq 'hnsw' ? 8192 : 4 * 8192;
	cmp_ok($after, '<', $before, "$am, SIGTERM at $point: a second compaction returns pages ($before -> $after)");
	# ivf: the terminated pass left a list's chain at the end, so the next
	# one's last pass finds a list with pages on both sides of the packed
	# end, which it must move out and back in to pack.
	cmp_ok($after, '<=', $full + $slack,
		"$am, SIGTERM at $point: a second compaction ends as small as a whole one ($after, whole $full)");
	cmp_ok($after, '<=', 0.6 * $before, "$am, SIGTERM at $point: the index is at least 40% smaller in the end");
	committed_rows_found($node, 'items', 'items_idx', ids_of('items'), "$am, SIGTERM at $point, compacted again");
}

$node->stop;
done_testing();
