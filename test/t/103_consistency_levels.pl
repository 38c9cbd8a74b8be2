# The consistency levels of docs/operations.md on a primary and a streaming
# standby, with hnsw and ivf indexes:
# - Strong: the primary; vector_db_wait_for_lsn there returns at once for
#   WAL already written, errors 57014 for a position not yet written.
# - Session: with the standby's replay paused, a write is not visible there
#   and vector_db_wait_for_lsn times out with 57014; once replay resumes it
#   returns and the write is visible, through the index too.
# - Bounded staleness: with replay paused behind received WAL, a vector
#   search under vector_db.max_standby_staleness fails (hnsw and ivf alike);
#   with the setting off, or above the lag, the search runs on the old data.
# - Eventually: once caught up, the standby's top 10 is the primary's (also
#   under a staleness bound).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('levels_');
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db; CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 400);
$primary->safe_psql('postgres', q{
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_ivf ON items USING ivf (v vector_cosine_ops) WITH (lists = 4);
});
my $probe = '[0.3,-0.2,0.1,0.4,-0.1,0.2,0,-0.3]';
my %search = (
	hnsw => "SET enable_seqscan = off; SET hnsw.ef_search = 100;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$probe' LIMIT 10) s",
	ivf => "SET enable_seqscan = off; SET ivf.probes = 4;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <=> '$probe' LIMIT 10) s",
);

my $both = "$search{hnsw}; $search{ivf}";

# Runs the statements one by one, going on after errors; returns stdout and
# stderr.
sub run_all {
	my ($node, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql", on_error_stop => 0);
	return ($out, $err);
}

# Strong: the primary.
my ($out, $err) = run_all($primary, "SELECT 'at once' FROM vector_db_wait_for_lsn(pg_current_wal_insert_lsn(), '0');
SELECT vector_db_wait_for_lsn(pg_current_wal_insert_lsn() + 1e12, '10ms');
SELECT vector_db_wait_for_lsn('0/0', '-1s');
SELECT vector_db_wait_for_lsn(NULL, '1s');");
is($out, 'at once', 'primary: a position already written needs no wait, even with a zero timeout');
like($err, qr/57014: timed out waiting for WAL position .*\n.*DETAIL:  The server has written WAL up to/,
	'primary: a position not yet written times out with 57014');
like($err, qr/22023: timeout must not be negative/, 'a negative timeout is refused');
like($err, qr/22004: lsn must not be null/, 'a NULL position is refused');

# Session: read your own writes on a paused standby.
standby_matches_primary($primary, $standby, 'postgres', $both, 'before the pause');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres', "SELECT pg_get_wal_replay_pause_state() = 'paused'")
	or die 'replay did not pause';
my $lsn = $primary->safe_psql('postgres',
	"INSERT INTO items VALUES (100001, '$probe'); SELECT pg_current_wal_insert_lsn()");
my $own_write = "SELECT count(*) FROM items WHERE id = 100001";
($out, $err) = run_all($standby, "$own_write; SELECT vector_db_wait_for_lsn('$lsn', '20ms')");
is($out, '0', 'paused standby: the write is not visible yet');
like($err, qr/57014: timed out waiting for WAL position \Q$lsn\E.*\n.*DETAIL:  The standby has replayed WAL up to/,
	'paused standby: vector_db_wait_for_lsn times out with 57014');

# Bounded staleness: replay is paused behind WAL the standby has received.
# Each search runs with the setting small (fails), above the lag and off
# (Eventually): both on the old rows.
$standby->poll_query_until('postgres', "SELECT pg_last_wal_receive_lsn() >= '$lsn'")
	or die 'the standby did not receive the write';
($out, $err) = run_all($standby, "SET vector_db.max_standby_staleness = '1ms'; $both;
SET vector_db.max_standby_staleness = '10min'; $both; RESET vector_db.max_standby_staleness; $both");
my @failures = $err =~ /57014: standby replay is further behind than vector_db.max_standby_staleness \(1 ms\)/g;
is(scalar @failures, 2, 'paused standby, staleness 1ms: the hnsw and the ivf search fail with 57014');
my @old = grep { !/\b100001\b/ } split /\n/, $out;
is(scalar @old, 4, 'paused standby, staleness 10min or off: both searches run, on the old rows');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
my $on_primary = $primary->safe_psql('postgres', $search{hnsw});
like($on_primary, qr/^100001,/, 'primary: the write comes first in the hnsw search');
is($standby->safe_psql('postgres', "SELECT 1 FROM vector_db_wait_for_lsn('$lsn', NULL); $own_write; $search{hnsw}"),
	"1\n1\n$on_primary", 'resumed standby: after vector_db_wait_for_lsn the write is visible, in the search too');

# Eventually, and bounded staleness once caught up: the primary's answers
# after inserts, deletes and VACUUM (the standby tests of each index cover
# more rounds).
fill_random($primary, 'postgres', 'items', 'vector', 8, 1000, 1050);
$primary->safe_psql('postgres', "DELETE FROM items WHERE id % 7 = 1; VACUUM items");
standby_matches_primary($primary, $standby, 'postgres', "SET vector_db.max_standby_staleness = '10min'; $both",
	'after inserts, deletes and VACUUM');
standby_checks_and_stop($primary, $standby);
done_testing();
