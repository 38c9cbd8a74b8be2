# Helpers shared by the TAP tests of every index: random data, recall against
# an exact (sequential) scan, a primary with a streaming standby, a mixed
# pgbench workload, and the hnsw index check.
package hnsw_common;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT = qw(create_recall_function fill_random measure_recall check_indexes check_index standby_checks_and_stop
                 start_primary_and_standby start_standby run_mixed_pgbench %build_paths create_index_on_path
                 recall_on_build_paths standby_matches_primary standby_scan_conflicts cancel_build_in_phase
                 recall_past_memory init_for_page_edits pending_standby_rounds);

# Initialises a cluster whose test edits index pages on disk: without data
# checksums, which initdb turns on by default from PostgreSQL 18 (an edited
# page would fail its checksum as it is read, before vector_db sees it).
sub init_for_page_edits {
	my ($node) = @_;
	$node->init(extra => $node->pg_version >= 18 ? ['--no-data-checksums'] : []);
}

# A SQL function recall(table, column, operator, queries table, k) that runs
# every query by index and by sequential scan and returns the mean overlap.
sub create_recall_function {
	my ($node, $db) = @_;
	$node->safe_psql($db, q{
CREATE FUNCTION recall(tab text, col text, op text, queries text, k int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	q text;
	exact int[];
	got int[];
	hits int := 0;
	total int := 0;
	sql text;
BEGIN
	FOR q IN EXECUTE format('SELECT %I::text FROM %I', col, queries) LOOP
		sql := format('SELECT array(SELECT id FROM %I ORDER BY %I %s %L LIMIT %s)', tab, col, op, q, k);
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_seqscan', 'on', true);
		EXECUTE sql INTO exact;
		PERFORM set_config('enable_indexscan', 'on', true);
		PERFORM set_config('enable_seqscan', 'off', true);
		EXECUTE sql INTO got;
		hits := hits + cardinality(array(SELECT unnest(exact) INTERSECT SELECT unnest(got)));
		total := total + cardinality(exact);
	END LOOP;
	RETURN hits::float8 / greatest(total, 1);
END $$;
-- For metrics with many ties (bits): queries whose k distances by index equal the exact ones.
CREATE FUNCTION same_distances(tab text, col text, op text, queries text, k int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	q text;
	exact float8[];
	got float8[];
	same int := 0;
	sql text;
BEGIN
	FOR q IN EXECUTE format('SELECT %I::text FROM %I', col, queries) LOOP
		sql := format('SELECT array(SELECT %I %s %L FROM %I ORDER BY %I %s %L LIMIT %s)', col, op, q, tab, col, op, q, k);
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_seqscan', 'on', true);
		EXECUTE sql INTO exact;
		PERFORM set_config('enable_indexscan', 'on', true);
		PERFORM set_config('enable_seqscan', 'off', true);
		EXECUTE sql INTO got;
		IF exact = got THEN
			same := same + 1;
		END IF;
	END LOOP;
	RETURN same;
END $$;
});
}

# Appends rows first..last of random dims-dimensional vectors to tab(id, v),
# uniform in [-0.5, 0.5): centred like real embeddings. (Uniform [0, 1) data
# makes inner product degenerate: every query's best match is the same few
# longest vectors.)
sub fill_random {
	my ($node, $db, $tab, $type, $dims, $first, $last) = @_;
	# Seeded from the arguments: every run sees the same rows (a recall gate
	# must not pass or fail by the luck of the data), each call other rows.
	my $seed = (($first * 7919 + $last * 104729 + $dims * 31 + length($tab)) % 19997) / 10000.0 - 1;
	$node->safe_psql($db, qq{
SELECT setseed($seed);
INSERT INTO $tab SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, $dims) WHERE i > 0)::vector::$type
FROM generate_series($first, $last) i;
});
}

sub measure_recall {
	my ($node, $db, $tab, $col, $op, $queries, $ef) = @_;
	return $node->safe_psql($db, "SET hnsw.ef_search = $ef; SELECT recall('$tab', '$col', '$op', '$queries', 10)");
}

# vector_db_index_check with heapallindexed on every index of the database
# whose access method is one of @ams (all of vector_db's when none is
# named); returns how many it checked.
sub check_indexes {
	my ($node, $db, $name, @ams) = @_;
	my $names = join(', ', map { "'$_'" } (@ams ? @ams : qw(hnsw ivfflat ivf)));
	my ($ret, $out, $err) = $node->psql($db,
		"SELECT count(vector_db_index_check(c.oid, true)) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname IN ($names)");
	is($ret, 0, "$name: vector_db_index_check passes") or diag($err);
	return $out;
}

# The same on every hnsw index.
sub check_index {
	my ($node, $db, $name) = @_;
	return check_indexes($node, $db, $name, 'hnsw');
}

# A started primary and a streaming standby made from its backup, both
# checking every generic WAL record they replay against the page it rebuilds.
sub start_primary_and_standby {
	my ($prefix) = @_;
	my $primary = PostgreSQL::Test::Cluster->new("${prefix}primary");
	$primary->init(allows_streaming => 1);
	$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'\n");
	$primary->start;
	return ($primary, start_standby($primary, "${prefix}standby"));
}

# A streaming standby of a started primary (made with allows_streaming)
# from a backup taken now, checking every generic WAL record it replays.
sub start_standby {
	my ($primary, $name) = @_;
	# A slot keeps the WAL the standby has not received: with a full-page
	# image in every record, a checkpoint on a busy machine could otherwise
	# remove a segment before a slow standby streamed it.
	$primary->safe_psql('postgres', "SELECT pg_create_physical_replication_slot('standby')");
	$primary->backup('backup');
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, 'backup', has_streaming => 1);
	$standby->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'\nprimary_slot_name = 'standby'\n");
	$standby->start;
	return $standby;
}

# pgbench clients inserting, deleting and vacuuming items(id serial, v
# vector(8)) while running the given search scripts ('name@weight' => SQL with
# $RANDOM for a random query vector); passes when nothing errors.
sub run_mixed_pgbench {
	my ($node, %searches) = @_;
	# The same distribution as fill_random's rows, so that the load adds rows
	# like those the indexes were built on (a drift is TAP 074's subject).
	my $random = 'ARRAY[' . join(', ', ('random() - 0.5') x 8) . ']::vector';
	my %scripts = (
		'insert@6' => "INSERT INTO items (v) SELECT $random FROM generate_series(1, 3);\n",
		'delete@2' => "DELETE FROM items WHERE id = (SELECT (random() * (SELECT last_value FROM items_id_seq))::int);\n",
		'vacuum@1' => "VACUUM items;\n",
	);
	$scripts{$_} = $searches{$_} =~ s/\$RANDOM/$random/gr for keys %searches;
	$node->pgbench('--no-vacuum --client=6 --transactions=150',
		0, [qr{actually processed}], [qr{^$}], 'concurrent insert, delete, select and vacuum', \%scripts);
}

# The ways a build can go: serial, or with parallel workers (the test tables
# are far below min_parallel_table_scan_size, so that limit is lifted).
# debug1 makes the build say how many workers it started.
our %build_paths = (
	serial   => 'SET max_parallel_maintenance_workers = 0; SET client_min_messages = debug1;',
	parallel => 'SET max_parallel_maintenance_workers = 3; SET min_parallel_table_scan_size = 0; '
	  . 'SET client_min_messages = debug1;',
);

# Runs a CREATE INDEX on table items after one path's settings and checks
# that it succeeds and starts workers exactly when the path is parallel.
# Returns what the server said (stderr).
sub create_index_on_path {
	my ($node, $db, $path, $sql, $what) = @_;
	my ($ret, $out, $err) = $node->psql($db, "$build_paths{$path} $sql");
	is($ret, 0, "$path build of $what succeeds");
	my ($workers) = $err =~ /build of "items" using (\d+) parallel workers/;
	if ($path eq 'serial') {
		ok(!defined $workers, "serial build of $what starts no workers");
	} else {
		cmp_ok($workers // 0, '>=', 1, "parallel build of $what uses parallel workers");
	}
	return $err;
}

# The end of a standby test: the index check passes on every vector_db
# index (hnsw, ivfflat, ivf) on both nodes, which have the same number of
# them, at least one; the standby replayed no page that differed from the
# one it rebuilt; both stop. `when` (optional) ends the checks' names.
sub standby_checks_and_stop {
	my ($primary, $standby, $when) = @_;
	my $suffix = defined $when ? " $when" : '';
	my $checked = check_indexes($primary, 'postgres', "primary$suffix");
	cmp_ok($checked, '>', 0, "primary$suffix: indexes checked");
	is(check_indexes($standby, 'postgres', "standby$suffix"), $checked, "standby$suffix: the same indexes checked");
	ok(!$standby->log_contains('inconsistent page found'), 'no inconsistent page during replay');
	$standby->stop;
	$primary->stop;
}

# Once the standby has replayed all the primary's WAL, a query returns rows
# on the primary and the same rows on the standby.
sub standby_matches_primary {
	my ($primary, $standby, $db, $query, $what) = @_;
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	my $on_primary = $primary->safe_psql($db, $query);
	my $on_standby = $standby->safe_psql($db, $query);
	isnt($on_primary, '', "$what: primary returns rows");
	is($on_standby, $on_primary, "$what: standby returns the primary's top 10");
}

# Compaction frees index pages that a scan begun earlier may still read, and
# waits for such scans on hot standbys too: a standby session that has run
# $query (an index scan) and stays in its transaction, holding its lock on
# the index, is ended by a lock conflict with recovery once the standby
# replays $sql (a compaction on the primary). The standby gives up waiting
# for it after 100 ms, not the default 30 s.
sub standby_scan_conflicts {
	my ($primary, $standby, $query, $sql, $what) = @_;
	$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = 100ms\n");
	$standby->reload;
	my $conflicts = "FROM pg_stat_database_conflicts WHERE datname = 'postgres'";
	my $before = $standby->safe_psql('postgres', "SELECT confl_lock $conflicts");
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	my $reader = $standby->background_psql('postgres', on_error_stop => 0);
	$reader->query_safe("BEGIN; $query");
	$primary->safe_psql('postgres', $sql);
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	ok($standby->poll_query_until('postgres', "SELECT confl_lock > $before $conflicts"),
		"$what: a standby scan still in its transaction was ended by a lock conflict");
	$reader->quit;
}

# The rounds of the pending-area standby tests (061 hnsw, 064 ivf) on
# items(id, v vector(8)) indexed by $index with fastupdate on: rows appended
# to the pending area, then merged by vector_db_merge, then more appended,
# some deleted and VACUUM run; after each step the standby returns the
# primary's top 10 for $query.
sub pending_standby_rounds {
	my ($primary, $standby, $index, $query) = @_;
	for my $round (1 .. 2) {
		my $base = 1000 + $round * 1000;
		fill_random($primary, 'postgres', 'items', 'vector', 8, $base, $base + 400);
		standby_matches_primary($primary, $standby, 'postgres', $query, "round $round, pending");
		cmp_ok($primary->safe_psql('postgres', "SELECT vector_db_merge('$index')"), '>', 0,
			"round $round: rows were pending");
		standby_matches_primary($primary, $standby, 'postgres', $query, "round $round, merged");
		fill_random($primary, 'postgres', 'items', 'vector', 8, $base + 401, $base + 600);
		$primary->safe_psql('postgres', "DELETE FROM items WHERE id % 5 = $round");
		$primary->safe_psql('postgres', 'VACUUM items');
		standby_matches_primary($primary, $standby, 'postgres', $query, "round $round, vacuumed");
	}
}

# Runs $settings and then $create (a CREATE INDEX) in a background session,
# cancels it from the same query that sees pg_stat_progress_create_index in
# $phase, and checks that it stopped within a quarter of its tuples after the
# cancel: how much work a cancel lets through is counted in tuples, not
# seconds (the test machine may be loaded). A build that never ends (within
# the poll timeout) counts as having done everything. Returns the session's
# stderr.
sub cancel_build_in_phase {
	my ($node, $settings, $create, $phase, $what) = @_;
	my $session = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $session->query_safe('SELECT pg_backend_pid()');
	$session->query_until(qr/started/, "$settings \\echo started\n$create;\n");
	my $progress = "SELECT tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE pid = $pid";
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my ($at_cancel, $total);
	while (!defined $total && time() < $deadline) {
		($at_cancel, $total) = split /\|/, $node->safe_psql('postgres',
			"$progress AND CASE WHEN phase LIKE '%$phase' THEN pg_cancel_backend(pid) ELSE false END");
	}
	ok(defined $total, "$what reaches $phase") or return '';
	my ($most, $ended) = ($at_cancel, 0);
	while (!$ended && time() < $deadline) {
		my ($done) = split /\|/, $node->safe_psql('postgres', $progress);
		$ended = !defined $done || $done eq '';
		$most = $done if !$ended && $done > $most;
	}
	$most = $total unless $ended;
	cmp_ok($most - $at_cancel, '<', $total / 4,
		"$what canceled in $phase at $at_cancel of $total tuples stopped at $most");
	$session->quit;
	like($session->{stderr}, qr/canceling statement due to user request/, "$what was canceled");
	return $session->{stderr};
}

# For each [column, opclass, operator, optional WITH options]: an hnsw index on items built on
# every path reaches recall 0.99 on the top 100 of the queries table and
# passes the index check.
sub recall_on_build_paths {
	my ($node, $db, @metrics) = @_;
	recall_on_paths($node, $db, [ sort keys %build_paths ], 0, @metrics);
}

# The same on the paths named in `paths` (an array ref) with
# maintenance_work_mem at 1MB, which a test's table must outgrow: each
# build says so in a NOTICE and inserts the rest of the rows.
sub recall_past_memory {
	my ($node, $db, $paths, @metrics) = @_;
	recall_on_paths($node, $db, $paths, 1, @metrics);
}

# The loop of both.
sub recall_on_paths {
	my ($node, $db, $paths, $past_memory, @metrics) = @_;
	for my $path (@$paths) {
		for my $m (@metrics) {
			my ($col, $opclass, $op, $with) = @$m;
			my $what = $opclass . ($with ? " with ($with)" : '') . ($past_memory ? ' past 1MB' : '');
			my $err = create_index_on_path($node, $db, $path,
				($past_memory ? "SET maintenance_work_mem = '1MB'; " : '')
				  . "CREATE INDEX idx ON items USING hnsw ($col $opclass)" . ($with ? " WITH ($with)" : ''), $what);
			like($err, qr/hnsw graph no longer fits into maintenance_work_mem after \d+ tuples/, "$what: with a NOTICE")
			  if $past_memory;
			my $recall = measure_recall($node, $db, 'items', $col, $op, 'queries', 100);
			cmp_ok($recall, '>=', 0.99, "$path build, $what: recall $recall");
			check_index($node, $db, "$path $what");
			$node->safe_psql($db, 'DROP INDEX idx');
		}
	}
}

1;
