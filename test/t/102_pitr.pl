# Point-in-time recovery (docs/operations.md#point-in-time-recovery): a base
# backup with pg_basebackup and WAL archiving, then rounds of inserts,
# deletes and VACUUM on a table with hnsw and ivf indexes. A copy recovered
# from the backup and the archive to a time between two rounds has exactly
# the rows of that time; its indexes pass vector_db_index_check and their
# top 10 equal the exact top 10 the primary returned at that time.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $primary = PostgreSQL::Test::Cluster->new('pitr_primary');
$primary->init(has_archiving => 1, allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db; CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 400);
$primary->safe_psql('postgres', q{
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_ivf ON items USING ivf (v vector_cosine_ops) WITH (lists = 4);
});
$primary->backup('base');

# Searches wide enough to be exact on a few hundred rows (ef_search above
# the row count, every list probed): the index must then return the exact
# top 10, and any difference is a lost or stale entry. One line per search.
my @probes = ('[0.3,-0.2,0.1,0.4,-0.1,0.2,0,-0.3]', '[-0.4,0.1,0.2,-0.1,0.3,0,0.2,0.1]', '[0,0,0,0,0,0,0,0.5]');
my %order = (hnsw => '<->', ivf => '<=>');
my @searches = map { my $am = $_; map { [$am, $_] } 0 .. $#probes } sort keys %order;
my $searches = 'SET hnsw.ef_search = 1000; SET ivf.probes = 4;' . join('', map {
	"SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v $order{$_->[0]} '$probes[$_->[1]]' LIMIT 10) s;"
} @searches);
my $ids = "SELECT string_agg(id::text, ',' ORDER BY id) FROM items;";
# The rows and the exact answers now, and a time after them, in one call.
sub state_now {
	my ($rows, @exact) = split /\n/, $primary->safe_psql('postgres',
		"$ids SET enable_indexscan = off; SET enable_bitmapscan = off; $searches SELECT clock_timestamp()");
	return { ids => $rows, time => pop @exact, exact => \@exact };
}

my @rounds;
for my $round (1 .. 3) {
	my $base = 1000 * $round;
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base, $base + 100);
	$primary->safe_psql('postgres', "DELETE FROM items WHERE id % 5 = $round; VACUUM items");
	fill_random($primary, 'postgres', 'items', 'vector', 8, $base + 101, $base + 130);
	# The round's last commit lies before the time recorded, the next
	# round's first commit after it.
	push @rounds, state_now();
}
isnt($rounds[1]{ids}, $rounds[2]{ids}, 'the last round changed the rows');

# Every segment up to the end of the rounds in the archive.
my $segment = $primary->safe_psql('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
$primary->safe_psql('postgres', 'SELECT pg_switch_wal()');
$primary->poll_query_until('postgres', "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver")
	or die 'WAL was not archived';

my $target = $rounds[1];
my $recovered = PostgreSQL::Test::Cluster->new('pitr_recovered');
$recovered->init_from_backup($primary, 'base', has_restoring => 1);
$recovered->append_conf('postgresql.conf',
	"recovery_target_time = '$target->{time}'\nrecovery_target_action = 'promote'\n");
$recovered->start;
$recovered->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()') or die 'recovery did not end';
ok($recovered->log_contains('recovery stopping before commit'), 'recovery stopped at a commit after the target');
my ($rows, @by_index) = split /\n/, $recovered->safe_psql('postgres', "$ids SET enable_seqscan = off; $searches");
is($rows, $target->{ids}, 'the recovered table has the rows of the target time');
check_indexes($recovered, 'postgres', 'recovered', 'hnsw', 'ivf');
is($by_index[$_], $target->{exact}[$_],
	"recovered $searches[$_][0] index: probe $searches[$_][1] returns the exact top 10 of the target time")
	for 0 .. $#searches;
# The recovered indexes keep taking writes.
fill_random($recovered, 'postgres', 'items', 'vector', 8, 9001, 9030);
check_indexes($recovered, 'postgres', 'inserts after recovery', 'hnsw', 'ivf');
$recovered->stop;
$primary->stop;
done_testing();
