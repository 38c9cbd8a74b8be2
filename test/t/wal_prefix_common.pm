# Helpers of the WAL-prefix tests (077 hnsw, 078 ivfflat): a crash may stop
# recovery at any WAL record, and a VACUUM, a compaction or a merge commits
# nothing that would force its records out together, so the index must be
# sound after every one of them. check_every_prefix takes a base backup,
# runs the operation, lists the WAL records it wrote that touch the index
# (pg_waldump over the archived WAL: block references to the index's file,
# and its truncations), and for each one recovers a copy of the backup up to
# and including that record (recovery_target_lsn, inclusive, then promote)
# and checks the index there: vector_db_index_check passes, and one index
# scan with every list probed (or an iterative hnsw scan that goes on until
# it has visited every node it reaches) returns each row a sequential scan
# returns, once.
package wal_prefix_common;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(start_wal_node check_every_prefix);

# A started primary that archives its WAL, with the extension; no
# background workers (vector_db is not preloaded) and no autovacuum, so the
# only index records between two LSNs are the operation's.
sub start_wal_node {
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => 1, has_archiving => 1);
	$node->append_conf('postgresql.conf', qq{
autovacuum = off
max_wal_senders = 2
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
	return $node;
}

# The WAL records between two LSNs that change the main fork of the
# relation at `path` (base/DB/FILE): a block reference to it, or its
# truncation. Returns [start LSN as the server prints it, what the record
# is] pairs in WAL order. (Records of the free space map alone leave the
# index as the record before left it.)
sub index_records {
	my ($node, $from, $to, $path) = @_;
	my ($db, $file) = $path =~ m{^base/(\d+)/(\d+)$} or die "unexpected relation path $path";
	my ($stdout, $stderr);
	IPC::Run::run [ 'pg_waldump', '-p', $node->archive_dir, '-s', $from, '-e', $to ], '>', \$stdout, '2>', \$stderr;
	die "pg_waldump: $stderr" unless $stdout =~ /\S/;
	my @records;
	for my $line (split /\n/, $stdout) {
		my @blocks = $line =~ m{\brel \d+/$db/$file blk (\d+)}g;
		my ($truncate) = $line =~ m{desc: (TRUNCATE base/$db/$file to \d+ blocks)};
		next unless @blocks || $truncate;
		my ($rmgr) = $line =~ /^rmgr: (\S+)/;
		my ($hi, $lo) = $line =~ /\blsn: ([0-9A-F]+)\/([0-9A-F]+)/ or die "no LSN in: $line";
		push @records, [ sprintf('%X/%X', hex($hi), hex($lo)),
			$truncate // "$rmgr, block" . (@blocks > 1 ? 's ' : ' ') . join(' ', @blocks) ];
	}
	return @records;
}

# check_every_prefix(node, name, table, index, operation SQL): see the top.
# The table has an int `id` and a vector `v`. Returns the number of records.
sub check_every_prefix {
	my ($node, $name, $table, $index, $operation) = @_;
	my $path = $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	$node->backup($name, backup_options => ['-Ft']);
	my $from = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	$node->safe_psql('postgres', $operation);
	my $to = $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	is($node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')"), $path,
		"$name: the operation keeps the index's file");
	# Close the segment and wait until it is archived, so that the copies
	# can restore every record up to `to`.
	my $segment = $node->safe_psql('postgres', "SELECT pg_walfile_name('$to')");
	$node->safe_psql('postgres', 'SELECT pg_switch_wal()');
	$node->poll_query_until('postgres', "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver")
	  or die "$name: WAL segment $segment was not archived";

	my @records = index_records($node, $from, $to, $path);
	cmp_ok(scalar(@records), '>', 0, "$name: the operation wrote WAL records for the index");
	note("$name: " . scalar(@records) . " records from $from to $to");

	my $all = "SELECT count(DISTINCT id) || ' ' || count(*) || ' ' || coalesce(sum(id), 0) FROM (SELECT id FROM $table "
	  . "ORDER BY v <-> (SELECT v FROM $table ORDER BY id LIMIT 1) LIMIT 100000000) s";
	my $exact = "SET enable_indexscan = off; SET enable_bitmapscan = off; "
	  . "SELECT count(*) || ' ' || count(*) || ' ' || coalesce(sum(id), 0) FROM $table";
	my $by_index = 'SET enable_seqscan = off; SET enable_sort = off; SET hnsw.ef_search = 1000; '
	  . 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 100000000; '
	  . 'SET ivfflat.probes = 1000; SET ivf.probes = 1000;';
	my $n = 0;
	for my $record (@records) {
		my ($lsn, $what) = @$record;
		$n++;
		my $copy = PostgreSQL::Test::Cluster->new("${name}_$n");
		$copy->init_from_backup($node, $name, tar_program => 'tar', has_restoring => 1, standby => 0);
		# A copy archives nothing: its timeline must not reach the primary's
		# archive, where the next copy would follow it.
		$copy->append_conf('postgresql.conf', qq{
archive_mode = off
recovery_target_lsn = '$lsn'
recovery_target_inclusive = on
recovery_target_action = 'promote'
});
		$copy->start;
		$copy->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
		  or die "$name: the copy recovered to $lsn was not promoted";
		my $at = "$name, after record $n of " . scalar(@records) . " ($lsn, $what)";
		my $ok = like(slurp_file($copy->logfile), qr/recovery stopping after WAL location \(LSN\) "\Q$lsn\E"/,
			"$at: recovery stopped after the record");
		if ($n == 1) {
			like($copy->safe_psql('postgres', "$by_index EXPLAIN $all"), qr/Index Scan using $index\b/,
				"$name: the whole search uses $index");
		}
		# One session, going on past an error: the check, then the rows by
		# the index, then exactly.
		my ($ret, $out, $err) = $copy->psql('postgres',
			"SELECT vector_db_index_check('$index', true); $by_index $all; RESET ALL; $exact",
			on_error_stop => 0);
		$ok = ok($ret == 0 && $err !~ /ERROR|FATAL|PANIC/, "$at: vector_db_index_check passes") && $ok;
		diag($err) if $err;
		my ($found, $rows) = (split /\n/, $out)[-2, -1];
		$ok = is($found, $rows, "$at: one index scan returns every row once") && $ok;
		$copy->stop('immediate');
		# Keep the data directory of a copy that failed, for the post-mortem.
		$copy->clean_node if $ok;
	}
	return scalar(@records);
}

1;
