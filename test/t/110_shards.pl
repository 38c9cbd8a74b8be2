# Scale-out over postgres_fdw shards (docs/scale-out.md): a coordinator and
# three shard servers on loopback ports. The helpers build the layout; the
# coordinator's top-10 over the shards equals the exact top-10 of one table
# holding every row (hnsw and ivf); the shards sort (EXPLAIN VERBOSE shows the
# ORDER BY and the WHERE in their Remote SQL); the session's search settings
# reach the shards (up to PostgreSQL 15; from 16 a WARNING says they do not);
# writes and COPY land on the shard their key hashes to; a
# table moves from 2 to 3 shards by the documented procedure; a stopped shard
# gives postgres_fdw's error naming its server.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PostgreSQL::Test::RecursiveCopy;
use hnsw_common;

# One initdb; the shards start from copies of its data directory (a
# third of the time of an initdb each on a loaded machine).
my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
my @shards = map { PostgreSQL::Test::Cluster->new("shard$_") } 1 .. 3;
for my $shard (@shards) {
	PostgreSQL::Test::RecursiveCopy::copypath($coord->data_dir, $shard->data_dir);
	chmod(0700, $shard->data_dir) or die "chmod: $!";
	$shard->append_conf('postgresql.conf', 'port = ' . $shard->port);
}
$_->start for $coord, @shards;

$coord->safe_psql('postgres', 'CREATE EXTENSION vector_db');
# The helpers say what they need before postgres_fdw and dblink are there.
my ($rc, $out, $err) = $coord->psql('postgres', "SELECT vector_db_add_shard('s1', '127.0.0.1', 1, 'postgres')");
like($err, qr/ERROR:  vector_db_add_shard needs the postgres_fdw extension/, 'add_shard without postgres_fdw: a clear error');
$coord->safe_psql('postgres', 'CREATE EXTENSION postgres_fdw; CREATE EXTENSION dblink');
for my $i (1 .. 3) {
	my ($host, $port) = ($shards[ $i - 1 ]->host, $shards[ $i - 1 ]->port);
	$coord->safe_psql('postgres', "SELECT vector_db_add_shard('s$i', '$host', $port, 'postgres')");
}
is($shards[1]->safe_psql('postgres', "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'vector_db'"),
	'public', 'add_shard installs vector_db on the shard, in the coordinator\'s schema');

# The reference: one local table with every row. Two sharded tables, one per
# index type, get the same rows through the coordinator.
$coord->safe_psql('postgres', 'CREATE TABLE ref (id int, v vector(8), cat int)');
fill_random($coord, 'postgres', 'ref', 'vector', 8, 1, 2000);
$coord->safe_psql('postgres', 'UPDATE ref SET cat = id % 5');
my %index = (
	h => q{USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 64, quantizer = 'flat')},
	i => q{USING ivf (v vector_l2_ops) WITH (lists = 4)});
for my $t (sort keys %index) {
	$coord->safe_psql('postgres', qq{
CREATE TABLE items_$t (id int NOT NULL, v vector(8), cat int) PARTITION BY HASH (id);
ALTER TABLE items_$t ALTER v SET STORAGE PLAIN;
SELECT vector_db_shard_table('items_$t', '{s1,s2,s3}', ARRAY[\$idx\$$index{$t}\$idx\$]);
INSERT INTO items_$t SELECT * FROM ref;
ANALYZE items_$t;
});
}
($rc, $out, $err) = $coord->psql('postgres', q{
SELECT vector_db_shard_table('ref', '{s1}');
SELECT vector_db_shard_table('items_h', '{s1}');
CREATE TABLE empty_h (id int) PARTITION BY HASH (id);
SELECT vector_db_shard_table('empty_h', '{}');}, on_error_stop => 0);
like($err, qr/ERROR:  "ref" is not a hash-partitioned table.*ERROR:  "items_h" already has partitions.*ERROR:  vector_db_shard_table needs at least one shard server/s,
	'shard_table refuses a plain table, a table with partitions, no servers');
is($shards[0]->safe_psql('postgres', q{SELECT count(*) FROM pg_indexes WHERE tablename IN ('items_h_shard0', 'items_i_shard0');
SELECT attstorage FROM pg_attribute WHERE attrelid = 'items_h_shard0'::regclass AND attname = 'v'}),
	"2\np", 'each shard table has its vector index, and the column storage of the coordinator\'s table');
is($coord->safe_psql('postgres', q{
SELECT string_agg(n::text, ',' ORDER BY p) FROM (SELECT tableoid::regclass::text p, count(*) n FROM items_h GROUP BY 1) s}),
	join(',', map { $shards[$_]->safe_psql('postgres', "SELECT count(*) FROM items_h_shard$_") } 0 .. 2),
	'every row is on the shard its partition names');

# From PostgreSQL 16 postgres_fdw exports no function to send the settings
# with (src/scaleout/shard_settings.cpp): there the shards take them from
# their own databases, as docs/scale-out.md advises.
my $forwards = $coord->pg_version < 16;
$_->safe_psql('postgres', 'ALTER DATABASE postgres SET hnsw.ef_search = 200; ALTER DATABASE postgres SET ivf.probes = 4')
  for ($forwards ? () : @shards);

my $q = "'[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]'";
sub top10 {
	my ($table, $where) = @_;
	return "SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table $where ORDER BY v <-> $q LIMIT 10) s;";
}
my ($exact, $exact_filtered) = split /\n/, $coord->safe_psql('postgres',
	'SET enable_indexscan = off;' . top10('ref', '') . top10('ref', 'WHERE cat = 3'));
my ($hnsw, $ivf, $hnsw_filtered) = split /\n/, $coord->safe_psql('postgres', 'SET hnsw.ef_search = 200; SET ivf.probes = 4;'
	  . top10('items_h', '') . top10('items_i', '') . top10('items_h', 'WHERE cat = 3'));
is($hnsw, $exact, 'hnsw shards: the global top-10 is the exact one');
is($ivf, $exact, 'ivf shards: the global top-10 is the exact one');
is($hnsw_filtered, $exact_filtered, 'filtered: the global top-10 is the exact one');

# The shards sort; the coordinator merges (Merge Append: no async fetches).
my $plan = $coord->safe_psql('postgres', "EXPLAIN VERBOSE SELECT id FROM items_h WHERE cat = 3 ORDER BY v <-> $q LIMIT 10");
is(scalar(() = $plan =~ /Remote SQL: SELECT .* WHERE \(\(cat = 3\)\) ORDER BY \(v OPERATOR\(public\.<->\)/g), 3,
	'EXPLAIN VERBOSE: each shard\'s Remote SQL has the WHERE and the distance ORDER BY');
like($plan, qr/Merge Append/, 'the coordinator merges the shards\' sorted streams');
unlike($plan, qr/Async Foreign Scan/, 'Merge Append fetches from the shards one after another');
# The per-shard form (docs/scale-out.md): each shard's LIMIT is pushed, and
# an outer sort on an expression the branches are not sorted by makes it an
# Append, whose foreign scans run at once.
my $per_shard = 'SELECT id FROM (' . join(' UNION ALL ', map {
	"(SELECT id, v <-> $q AS d FROM items_h_shard$_ ORDER BY d LIMIT 10)" } 0 .. 2) . ') s ORDER BY d + 0 LIMIT 10';
$plan = $coord->safe_psql('postgres', "EXPLAIN VERBOSE $per_shard");
is(scalar(() = $plan =~ /Async Foreign Scan.*\n.*\n\s*Remote SQL: SELECT .* ORDER BY \(v OPERATOR\(public\.<->\).* LIMIT 10/g), 3,
	'per-shard form: three async foreign scans, each with the ORDER BY and LIMIT in its Remote SQL');
is($coord->safe_psql('postgres', "SET hnsw.ef_search = 200; SELECT string_agg(id::text, ',') FROM ($per_shard) t"),
	$exact, 'per-shard form: the global top-10 is the exact one');

# Settings reach the shards, per query: with ef_search = 1 and no iterative
# scan each shard's hnsw scan returns a single row, so LIMIT 10 gets three.
my $count = "SELECT count(*) FROM (SELECT id FROM items_h ORDER BY v <-> $q LIMIT 10) s;";
SKIP: {
	skip 'postgres_fdw of PostgreSQL 16 and later exports no GetConnection', 1 unless $forwards;
is($coord->safe_psql('postgres', qq{
$count
SET hnsw.ef_search = 1;
$count
SET hnsw.iterative_scan = relaxed_order;
$count
BEGIN;
RESET hnsw.iterative_scan;
$count
RESET hnsw.ef_search;
$count
COMMIT;
}), join("\n", 10, 3, 10, 3, 10),
	'hnsw.ef_search and hnsw.iterative_scan reach every shard, SET and RESET, in and out of a transaction');
}
# Where they cannot be sent, a session that sets them is told so, once.
($rc, $out, $err) = $coord->psql('postgres', "SET hnsw.ef_search = 1; $count $count");
is(scalar(() = $err =~ /WARNING:  search settings are not sent to the shards/g), $forwards ? 0 : 1,
	$forwards ? 'settings sent: no warning' : 'settings not sent: one WARNING in the session');

# Writes through the coordinator land on the shard the key hashes to (7 is
# updated, 8 deleted).
$coord->safe_psql('postgres', q{
INSERT INTO items_h VALUES (5001, '[1,1,1,1,1,1,1,1]', 1);
COPY items_h FROM PROGRAM 'printf "5002\t[2,2,2,2,2,2,2,2]\t2\n"';
UPDATE items_h SET cat = 42 WHERE id = 7;
DELETE FROM items_h WHERE id = 8;
});
my @expected = split /\n/, $coord->safe_psql('postgres', q{
SELECT string_agg(id::text, ',' ORDER BY id) FROM generate_series(0, 2) i
LEFT JOIN (VALUES (7), (5001), (5002)) v(id) ON satisfies_hash_partition('items_h'::regclass, 3, i, id)
GROUP BY i ORDER BY i}), -1;
for my $i (0 .. 2) {
	is($shards[$i]->safe_psql('postgres', "SELECT string_agg(id::text, ',' ORDER BY id) FROM items_h_shard$i
		WHERE id IN (7, 8, 5001, 5002) AND (id <> 7 OR cat = 42)"), $expected[$i],
		"INSERT, COPY, UPDATE, DELETE: shard $i holds the rows its hash takes, as written");
}

# 2 -> 3 shards: a new table over the three shards, filled from the old one
# while writes wait, then the names swapped (docs/scale-out.md, Rebalancing).
$coord->safe_psql('postgres', q{
CREATE TABLE moved (id int NOT NULL, v vector(8), cat int) PARTITION BY HASH (id);
SELECT vector_db_shard_table('moved', '{s1,s2}');
INSERT INTO moved SELECT * FROM ref WHERE id <= 300;
BEGIN;
LOCK TABLE moved IN EXCLUSIVE MODE;
CREATE TABLE moved_3 (LIKE moved) PARTITION BY HASH (id);
SELECT vector_db_shard_table('moved_3', '{s1,s2,s3}');
INSERT INTO moved_3 SELECT * FROM moved;
ALTER TABLE moved RENAME TO moved_2;
ALTER TABLE moved_3 RENAME TO moved;
COMMIT;
});
is($shards[2]->safe_psql('postgres', 'SELECT count(*) > 0 FROM moved_3_shard2'), 't', 'the third shard holds rows after moving');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM moved;' . top10('moved', '')),
	"300\n" . $coord->safe_psql('postgres', 'SET enable_indexscan = off;' . top10('ref', 'WHERE id <= 300')),
	'every row is there after moving, and the top-10 is the exact one');

# A shard that is down: postgres_fdw's error names its server.
$shards[1]->stop;
($rc, $out, $err) = $coord->psql('postgres', "SELECT id FROM items_h ORDER BY v <-> $q LIMIT 10");
like($err, qr/ERROR:  could not connect to server "s2"/, 'a stopped shard: the error names its server');
# A query pruned to live shards (at plan time, or at executor start for a
# generic plan) does not contact the stopped one, settings forwarded or not.
my $on_first = $coord->safe_psql('postgres', "SELECT min(id) FROM ref WHERE satisfies_hash_partition('items_h'::regclass, 3, 0, id)");
is($coord->safe_psql('postgres', qq{
SET hnsw.ef_search = 50;
SELECT count(*) FROM items_h WHERE id = $on_first;
SET plan_cache_mode = force_generic_plan;
PREPARE one(int) AS SELECT count(*) FROM items_h WHERE id = \$1;
EXECUTE one($on_first);
}), "1\n1", 'with a shard down, queries pruned to the others work');

done_testing();
