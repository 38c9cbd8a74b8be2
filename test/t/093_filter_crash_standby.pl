# Filter columns (docs/hnsw.md and docs/ivf.md, "Filter columns") through a
# crash and on a standby: one primary, with a streaming standby, both with
# wal_consistency_checking = 'generic'. An hnsw, an ivfflat and an ivf
# (sq8, fastupdate: the pending area) index with filter columns each see
# a transaction of inserts killed (kill -9, by a fault point) after some
# of its rows reached the index; then more rows are committed. Afterwards
# each index passes vector_db_index_check, its filtered top 10 equal an
# exact search's on the primary, and the standby returns the primary's.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my ($primary, $standby) = start_primary_and_standby('filter_');
# The fault points' settings exist once the library is loaded; no worker
# merges the pending area behind the test's back; a killed backend makes
# the postmaster restart.
$primary->append_conf('postgresql.conf',
	"shared_preload_libraries = 'vector_db'\nvector_db.max_workers = 0\nrestart_after_crash = on\n"
	  # Crash recovery restores the standby's slot as the last checkpoint
	  # saved it, and its end-of-recovery checkpoint may remove the segments
	  # the standby still needs: keep them.
	  . "wal_keep_size = '256MB'\n");
$primary->restart;
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
is($primary->safe_psql('postgres', q{SELECT vartype FROM pg_settings WHERE name = 'vector_db.fault_action'}),
	'enum', 'the server runs the fault-injection build')
  or BAIL_OUT('vector_db was built without VDB_FAULT_INJECTION=1 (scripts/run-tests.sh builds it so)');
$primary->safe_psql('postgres', 'CREATE TABLE staging (id int, v vector(8))');
fill_random($primary, 'postgres', 'staging (id, v)', 'vector', 8, 1, 1000);

my @cases = (
	[ 'h', 'hnsw', '', 'hnsw-insert-linked' ],
	[ 'f', 'ivfflat', 'WITH (lists = 4)', 'ivf-insert' ],
	[ 'q', 'ivf', "WITH (lists = 4, quantizer = 'sq8', fastupdate = on)", 'ivf-insert' ],
);
sub add_rows {
	my ($table, $first, $last) = @_;
	return "INSERT INTO $table SELECT id, v, id % 10, ARRAY[id % 7, id % 11] FROM staging "
	  . "WHERE id BETWEEN $first AND $last";
}
# Every list probed, every candidate re-ranked, a wide hnsw search: the
# filtered top 10 are the exact ones.
my $settings = 'SET enable_seqscan = off; SET ivfflat.probes = 4; SET ivf.probes = 4; SET ivf.rerank = 100000; '
  . 'SET hnsw.ef_search = 1000;';
sub filtered_top10 {
	my ($table) = @_;
	return "SELECT id FROM $table WHERE tenant = 3 AND labels && '{2,5}' "
	  . "ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10";
}

for my $case (@cases) {
	my ($table, $am, $with, $point) = @$case;
	$primary->safe_psql('postgres', "CREATE TABLE $table (id int, v vector(8), tenant int, labels int[])");
	$primary->safe_psql('postgres', add_rows($table, 1, 600));
	$primary->safe_psql('postgres', "CREATE INDEX ${table}_idx ON $table USING $am (v, tenant, labels) $with");
	fire_fault($primary, $point, 'kill', add_rows($table, 601, 800), 50);
	$primary->safe_psql('postgres', add_rows($table, 801, 1000));
	$primary->safe_psql('postgres', "SELECT vector_db_index_check('${table}_idx')");
	pass("$am: vector_db_index_check passes after the crash");
	my $top10 = filtered_top10($table);
	like($primary->safe_psql('postgres', "$settings EXPLAIN (COSTS OFF) $top10"),
		qr/Index Scan using ${table}_idx.*Index Cond: \(\(tenant = 3\) AND/s, "$am: the filter is an index condition");
	my $query = "$settings SELECT string_agg(id::text, ',') FROM ($top10) s";
	is($primary->safe_psql('postgres', $query), $primary->safe_psql('postgres', "SET enable_indexscan = off; $query"),
		"$am: the filtered top 10 after the crash are exact");
	standby_matches_primary($primary, $standby, 'postgres', $query, "$am filtered");
}
is($primary->safe_psql('postgres', "SELECT pending > 0 FROM vector_db_index_stats('q_idx')"), 't',
	'ivf: rows are pending');
standby_checks_and_stop($primary, $standby);
done_testing();
