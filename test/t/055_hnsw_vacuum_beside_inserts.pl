# VACUUM of an hnsw index while pgbench clients insert (docs/hnsw.md,
# "Locks: inserts, scans and VACUUM"): the repair takes the graph write lock
# a batch at a time and its reachability walk none, so inserts land between
# batches, beside the walk and before the slots are freed. Small lists
# (m = 4) and exact duplicates make the repair and the walk work hard.
# After each of three rounds (a third of the rows deleted, then VACUUM with
# inserts beside it): pgbench ran without errors and overlapped the VACUUM,
# vector_db_index_check with heapallindexed passes (every live node
# reachable from the entry point, no link to a free slot), and an index
# scan that visits every node returns every row.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('vacuum_beside_inserts');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial, v vector(8)) WITH (autovacuum_enabled = off)');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 2000);
# 1,000 exact copies of 100 of those rows.
$node->safe_psql('postgres', q{
SELECT setval('items_id_seq', 2000);
INSERT INTO items (v) SELECT v FROM items, generate_series(1, 10) WHERE id <= 100;
});
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16)');

# Each transaction inserts a random row and a copy of a random existing one.
my $random = 'ARRAY[random(), random(), random(), random(), random(), random(), random(), random()]::vector';
my $dir = PostgreSQL::Test::Utils::tempdir;
my $script = "$dir/insert.sql";
PostgreSQL::Test::Utils::append_to_file($script,
	"INSERT INTO items (v) VALUES ($random);\n"
	  . "INSERT INTO items (v) SELECT v FROM items WHERE id = (random() * 3000)::int;\n");

my $everything = 'SET enable_seqscan = off; SET hnsw.ef_search = 1000; '
  . 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 1000000; '
  . "SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]') s";

for my $round (0 .. 2) {
	$node->safe_psql('postgres', "DELETE FROM items WHERE id % 3 = $round");
	my ($vacuum_out, $vacuum_err) = ('', '');
	my $vacuum = IPC::Run::start(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'VACUUM items', '-d', $node->connstr('postgres') ],
		'>', \$vacuum_out, '2>', \$vacuum_err);
	# pgbench in short runs until the VACUUM is over.
	my ($runs, $failed, $processed) = (0, 0, 0);
	while (1) {
		$vacuum->pump_nb;
		last unless $vacuum->pumpable;
		my ($out, $err) = ('', '');
		my $ok = IPC::Run::run(
			[ 'pgbench', '--no-vacuum', '--client=2', '--time=1', '-f', $script,
				'--host=' . $node->host, '--port=' . $node->port, 'postgres' ],
			'>', \$out, '2>', \$err);
		$runs++;
		$failed++ unless $ok;
		diag($err) unless $ok;
		$processed += $1 if $out =~ /number of transactions actually processed: (\d+)/;
	}
	$vacuum->finish;
	is($vacuum->result(0), 0, "round $round: VACUUM succeeded") or diag($vacuum_err);
	is($failed, 0, "round $round: pgbench ran without errors");
	cmp_ok($runs, '>=', 1, "round $round: pgbench ran while VACUUM did ($processed transactions)");
	check_index($node, 'postgres', "round $round, after VACUUM beside inserts");
	is($node->safe_psql('postgres', $everything), $node->safe_psql('postgres', 'SELECT count(*) FROM items'),
		"round $round: an index scan returns every row");
}

$node->stop;
done_testing();
