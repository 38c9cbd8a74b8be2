# Helpers of the WAL-prefix tests (077 hnsw, 078 ivfflat, 080 ivf sq8 and
# pq, 081 ivf merge and rebalance): a crash may stop recovery at any WAL
# record, and a VACUUM, a compaction, a merge or a rebalance commits nothing
# that would force its records out together, so the index must be sound
# after every one of them. check_every_prefix takes a base backup, runs the
# operation, lists the WAL records it wrote that touch the index
# (pg_waldump over the archived WAL: block references to the index's file,
# and its truncations), and for each one has a copy of the backup recover
# up to and including that record (a hot standby given the WAL up to the
# next record only) and checks the index there: vector_db_index_check
# passes, and one index scan with every list probed (or an iterative hnsw
# scan that goes on until it has visited every node it reaches) returns
# each row a sequential scan returns, once.
package wal_prefix_common;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use Time::HiRes qw(usleep);

our @EXPORT = qw(start_wal_node check_every_prefix indexed_table check_compaction check_vacuum_then_compaction check_merge);

# A started primary that archives its WAL, with the extension; no
# background workers (vector_db is not preloaded) and no autovacuum, so the
# only index records between two LSNs are the operation's.
sub start_wal_node {
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	# 1 MB WAL segments: check_every_prefix copies a segment for each
	# record.
	$node->init(allows_streaming => 1, has_archiving => 1, extra => ['--wal-segsize=1']);
	$node->append_conf('postgresql.conf', qq{
autovacuum = off
max_wal_senders = 2
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
	return $node;
}

# An LSN as the server prints it (X/X), as a number.
sub lsn_value {
	my ($lsn) = @_;
	my ($hi, $lo) = $lsn =~ m{^([0-9A-F]+)/([0-9A-F]+)$}i or die "not an LSN: $lsn";
	return hex($hi) * 2**32 + hex($lo);
}

# The WAL records between two LSNs that change the main fork of the
# relation at `path` (base/DB/FILE): a block reference to it, or its
# truncation. Returns [start LSN as the server prints it, what the record
# is, start of the record after it] in WAL order. `to` must lie past the
# last such record's end. (Records of the free space map alone leave the
# index as the record before left it.)
sub index_records {
	my ($node, $from, $to, $path) = @_;
	my ($db, $file) = $path =~ m{^base/(\d+)/(\d+)$} or die "unexpected relation path $path";
	my ($stdout, $stderr);
	IPC::Run::run [ 'pg_waldump', '-p', $node->archive_dir, '-s', $from, '-e', $to ], '>', \$stdout, '2>', \$stderr;
	die "pg_waldump: $stderr" unless $stdout =~ /\S/;
	my @records;
	for my $line (split /\n/, $stdout) {
		my ($hi, $lo) = $line =~ /\blsn: ([0-9A-F]+)\/([0-9A-F]+)/ or die "no LSN in: $line";
		my $lsn = sprintf('%X/%X', hex($hi), hex($lo));
		$records[-1][2] //= $lsn if @records;
		my @blocks = $line =~ m{\brel \d+/$db/$file blk (\d+)}g;
		my ($truncate) = $line =~ m{desc: (TRUNCATE base/$db/$file to \d+ blocks)};
		next unless @blocks || $truncate;
		my ($rmgr) = $line =~ /^rmgr: (\S+)/;
		push @records, [ $lsn, $truncate // "$rmgr, block" . (@blocks > 1 ? 's ' : ' ') . join(' ', @blocks) ];
	}
	die "no record follows the last index record before $to" if @records && !defined $records[-1][2];
	return @records;
}

# Serves the copy the node's archived WAL up to `cut` (exclusive) in the
# directory its restore_command reads: whole segments before the one that
# holds `cut`, and that one with zeros from `cut` on, which reads as the end
# of the WAL. Each file is written beside and renamed into place, so that a
# restore never copies half of one.
sub feed_wal {
	my ($node, $dir, $cut, $segment_size) = @_;
	my $end = lsn_value($cut);
	opendir(my $archive, $node->archive_dir) or die "archive: $!";
	for my $name (sort grep { /^[0-9A-F]{24}$/ } readdir $archive) {
		my $start = (hex(substr($name, 8, 8)) * 2**32 / $segment_size + hex(substr($name, 16, 8))) * $segment_size;
		last if $start >= $end;
		next if $start + $segment_size <= $end && -s "$dir/$name";
		open(my $in, '<:raw', $node->archive_dir . "/$name") or die "$name: $!";
		my $bytes = do { local $/; <$in> };
		close($in);
		substr($bytes, $end - $start) = "\0" x ($start + $segment_size - $end) if $start + $segment_size > $end;
		open(my $out, '>:raw', "$dir/$name.tmp") or die "$dir/$name.tmp: $!";
		print $out $bytes;
		close($out) or die "$dir/$name.tmp: $!";
		rename("$dir/$name.tmp", "$dir/$name") or die "rename $name: $!";
	}
	closedir $archive;
}

# A copy `name` of the node's backup `backup` in standby mode that restores
# WAL only from its own archive directory, which feed_wal fills; started
# once WAL up to `cut` is there. It archives nothing (its WAL never reaches
# the node's archive) and, at the end of its WAL, retries a restore every
# 50 ms (a shell and a copy each). Returns it and a session on it.
sub start_copy {
	my ($node, $backup, $name, $cut, $segment_size) = @_;
	my $copy = PostgreSQL::Test::Cluster->new($name);
	$copy->init_from_backup($node, $backup);
	$copy->set_standby_mode;
	my $dir = $copy->archive_dir;
	$copy->append_conf('postgresql.conf', qq{
archive_mode = off
hot_standby = on
restore_command = 'cp "$dir/%f" "%p"'
wal_retrieve_retry_interval = '50ms'
});
	feed_wal($node, $dir, $cut, $segment_size);
	$copy->start;
	my $session = $copy->background_psql('postgres', on_error_stop => 0);
	$session->set_query_timer_restart;
	return ($copy, $session);
}

# check_every_prefix(node, name, table, index, operation SQL): see the top.
# The table has an int `id` and a vector `v`. Returns the number of records.
sub check_every_prefix {
	my ($node, $name, $table, $index, $operation) = @_;
	my $path = $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	my $locked = $node->safe_psql('postgres', "SELECT '$table'::regclass::oid || ', ' || '$index'::regclass::oid");
	my $segment_size = $node->safe_psql('postgres', "SELECT pg_size_bytes(current_setting('wal_segment_size'))");
	$node->backup($name);
	my $from = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	$node->safe_psql('postgres', $operation);
	my $to = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	is($node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')"), $path,
		"$name: the operation keeps the index's file");
	# Close the segment and wait until it is archived: every record up to
	# the switch is there, so the record after the operation's last one is
	# known.
	my $segment = $node->safe_psql('postgres', "SELECT pg_walfile_name('$to')");
	my $switch = $node->safe_psql('postgres', 'SELECT pg_switch_wal()');
	$node->poll_query_until('postgres', "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver")
	  or die "$name: WAL segment $segment was not archived";

	my @records = grep { lsn_value($_->[0]) < lsn_value($to) } index_records($node, $from, $switch, $path);
	cmp_ok(scalar(@records), '>', 0, "$name: the operation wrote WAL records for the index");
	note("$name: " . scalar(@records) . " records from $from to $to");

	# One standby copy of the backup is fed the WAL record by record (up to
	# the start of the next record, so that replay stops after it), and the
	# index is checked while it waits for more: its pages are those a crash
	# after that record leaves. If recovery holds an AccessExclusiveLock on
	# the table or the index there (taken by a transaction the operation has
	# not committed yet), the check would wait for it: that copy is promoted
	# instead, as crash recovery ends, which releases it, and the next
	# record gets a new copy.
	my $all = "SELECT count(DISTINCT id) || ' ' || count(*) || ' ' || coalesce(sum(id), 0) FROM (SELECT id FROM $table "
	  . "ORDER BY v <-> (SELECT v FROM $table ORDER BY id LIMIT 1) LIMIT 100000000) s";
	my $exact = "SET enable_indexscan = off; SET enable_bitmapscan = off; "
	  . "SELECT count(*) || ' ' || count(*) || ' ' || coalesce(sum(id), 0) FROM $table";
	my $by_index = 'SET enable_seqscan = off; SET enable_sort = off; SET hnsw.ef_search = 1000; '
	  . 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 100000000; '
	  . 'SET ivfflat.probes = 1000; SET ivf.probes = 1000;';
	my ($n, $failed, $copies, $promoted, $copy, $session) = (0, 0, 0, 0);
	for my $record (@records) {
		my ($lsn, $what, $cut) = @$record;
		$n++;
		if ($copy) {
			feed_wal($node, $copy->archive_dir, $cut, $segment_size);
		} else {
			($copy, $session) = start_copy($node, $name, "${name}_copy" . ++$copies, $cut, $segment_size);
		}
		my $at = "$name, after record $n of " . scalar(@records) . " ($lsn, $what)";
		my ($replayed, $holds);
		my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
		for (;;) {
			($replayed, $holds) = split /\|/, $session->query_safe(
				"SELECT coalesce(pg_last_wal_replay_lsn(), '0/0'), count(*) FROM pg_locks WHERE locktype = 'relation' "
				  . "AND mode = 'AccessExclusiveLock' AND granted AND relation IN ($locked)");
			last if lsn_value($replayed) > lsn_value($lsn) || time() > $deadline;
			usleep(10_000);
		}
		my $ok = ok(lsn_value($replayed) > lsn_value($lsn) && lsn_value($replayed) <= lsn_value($cut),
			"$at: replay stopped after the record ($replayed)");
		if ($holds) {
			$session->query_safe('SELECT pg_promote()');
			$promoted++;
		}
		if ($n == 1) {
			like($copy->safe_psql('postgres', "$by_index EXPLAIN $all"), qr/Index Scan using $index\b/,
				"$name: the whole search uses $index");
		}
		# Going on past an error: the check, then the rows by the index,
		# then exactly.
		$session->{stderr} = '';
		my $out = $session->query("SELECT vector_db_index_check('$index', true); $by_index $all; RESET ALL; $exact");
		my $err = $session->{stderr};
		$ok = ok($err !~ /ERROR|FATAL|PANIC/, "$at: vector_db_index_check passes") && $ok;
		diag($err) if $err =~ /\S/;
		my ($found, $rows) = (split /\n/, $out)[-2, -1];
		$ok = is($found, $rows, "$at: one index scan returns every row once") && $ok;
		$failed++ unless $ok;
		if ($holds || $n == @records) {
			$session->quit;
			$copy->stop('immediate');
			# Keep the data directory of a copy that failed, for the post-mortem.
			$copy->clean_node unless $failed;
			$copy = undef;
		}
	}
	note("$name: $promoted copies promoted, where recovery held a lock on $table or $index");
	return scalar(@records);
}

# indexed_table(node, table, dims, rows, using, delete): a table of `rows`
# random rows of `dims` dimensions, an index `table`_idx on them USING
# `using`, and then, if given, the rows WHERE `delete` deleted (not
# vacuumed).
sub indexed_table {
	my ($node, $table, $dims, $rows, $using, $delete) = @_;
	$node->safe_psql('postgres', "CREATE TABLE $table (id int PRIMARY KEY, v vector($dims))");
	fill_random($node, 'postgres', $table, 'vector', $dims, 1, $rows);
	$node->safe_psql('postgres',
		"CREATE INDEX ${table}_idx ON $table USING $using;" . (defined $delete ? " DELETE FROM $table WHERE $delete;" : ''));
}

# check_compaction(node, name, table): every prefix of a vector_db_compact
# of `table`_idx, which must give pages back (so that its truncation is
# among the records tested).
sub check_compaction {
	my ($node, $name, $table) = @_;
	my $size = "SELECT pg_relation_size('${table}_idx')";
	my $before = $node->safe_psql('postgres', $size);
	check_every_prefix($node, $name, $table, "${table}_idx", "SELECT vector_db_compact('${table}_idx')");
	cmp_ok($node->safe_psql('postgres', $size), '<', $before, "$name: the compaction gave pages back");
}

# check_vacuum_then_compaction(node, table, dims, rows, using): an
# indexed_table with two thirds of its rows deleted, every prefix of its
# VACUUM, then a fifth more rows appended (so that the lists end on new
# pages too) and every prefix of a compaction.
sub check_vacuum_then_compaction {
	my ($node, $table, $dims, $rows, $using) = @_;
	indexed_table($node, $table, $dims, $rows, $using, 'id % 3 <> 0');
	check_every_prefix($node, "${table}_vacuum", $table, "${table}_idx", "VACUUM $table");
	fill_random($node, 'postgres', $table, 'vector', $dims, $rows + 1, $rows + $rows / 5);
	check_compaction($node, "${table}_compact", $table);
}

# check_merge(node, table, dims, built, pending, using): an indexed_table of
# `built` rows (`using` turns fastupdate on), `pending` rows more in its
# pending area, and every prefix of a vector_db_merge, which must empty it.
sub check_merge {
	my ($node, $table, $dims, $built, $pending, $using) = @_;
	indexed_table($node, $table, $dims, $built, $using);
	fill_random($node, 'postgres', $table, 'vector', $dims, $built + 1, $built + $pending);
	my $stats = "SELECT pending FROM vector_db_index_stats('${table}_idx')";
	is($node->safe_psql('postgres', $stats), $pending, "$table: the rows inserted after the build are pending");
	check_every_prefix($node, "${table}_merge", $table, "${table}_idx", "SELECT vector_db_merge('${table}_idx')");
	is($node->safe_psql('postgres', $stats), '0', "$table: the merge emptied the pending area");
}

1;
