# vector_db_index_check with heapallindexed runs again and again while
# pgbench inserts and deletes rows, on hnsw, ivfflat and ivf: no run may
# report corruption (before MVCC snapshots, a row inserted between reading
# the index and scanning the heap was reported missing). Afterwards a row the
# index never received (inserted while pg_index.indisready was false) is
# still reported.
#
# The hnsw index has m = 100 and its table never holds more than 200 ids, so
# no level-0 list (200 links) ever fills and is pruned: every node stays
# reachable whatever the order of inserts. Autovacuum is off so that the
# deleted nodes stay in the graph.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('check_under_writes');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');

my %using = (
	hnsw    => 'hnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 200)',
	ivfflat => 'ivfflat (v vector_l2_ops) WITH (lists = 4)',
	ivf     => "ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8')",
);
my $random = 'ARRAY[random(), random(), random(), random(), random(), random(), random(), random()]::vector';
my $dir = PostgreSQL::Test::Utils::tempdir;

for my $am (qw(hnsw ivfflat ivf)) {
	my $tab = "items_$am";
	my $initial = $am eq 'hnsw' ? 50 : 1000;
	$node->safe_psql('postgres', "CREATE TABLE $tab (id serial, v vector(8))");
	fill_random($node, 'postgres', "$tab (id, v)", 'vector', 8, 1, $initial);
	$node->safe_psql('postgres', "SELECT setval('${tab}_id_seq', $initial); CREATE INDEX idx_$am ON $tab USING $using{$am}");

	# hnsw: no id past 196 (three clients may each pass the test at once, two rows each).
	my $cap = $am eq 'hnsw' ? "WHERE (SELECT last_value FROM ${tab}_id_seq) < 190" : '';
	my %scripts = (
		insert => "INSERT INTO $tab (v) SELECT $random FROM generate_series(1, 2) $cap;\n",
		delete => "DELETE FROM $tab WHERE id = (SELECT (random() * (SELECT last_value FROM ${tab}_id_seq))::int);\n",
	);
	my @files;
	for my $name (sort keys %scripts) {
		my $file = "$dir/$am-$name.sql";
		PostgreSQL::Test::Utils::append_to_file($file, $scripts{$name});
		push @files, '-f', $file . ($name eq 'insert' ? '@3' : '@1');
	}
	# Rate-limited for hnsw so that its 140 inserts spread over the run.
	my @rate = $am eq 'hnsw' ? ('--rate=15') : ();
	my ($stdout, $stderr) = ('', '');
	my $bench = IPC::Run::start(
		[ 'pgbench', '--no-vacuum', '--client=3', '--time=8', @rate, @files,
			'--host=' . $node->host, '--port=' . $node->port, 'postgres' ],
		'>', \$stdout, '2>', \$stderr);

	my ($runs, $during, $failures) = (0, 0, 0);
	while (1) {
		$bench->pump_nb;
		my $running = $bench->pumpable;
		my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('idx_$am', true)");
		$runs++;
		$during++ if $running;
		if ($ret != 0) {
			$failures++;
			diag("$am: $err");
		}
		last unless $running;
	}
	$bench->finish;
	is($bench->result(0), 0, "$am: pgbench ran without errors") or diag($stderr);
	my ($processed) = $stdout =~ /number of transactions actually processed: (\d+)/;
	cmp_ok($processed // 0, '>', 0, "$am: pgbench processed transactions");
	cmp_ok($during, '>=', 1, "$am: checks ran while pgbench wrote");
	is($failures, 0, "$am: no false report");
	# The figure docs/reliability.md quotes.
	diag("$am: $runs checks, $during of them during writes, $processed pgbench transactions, $failures false reports");

	# A row the index never received is still found.
	$node->safe_psql('postgres', qq{
UPDATE pg_index SET indisready = false WHERE indexrelid = 'idx_$am'::regclass;
INSERT INTO $tab (v) VALUES ('[1,2,3,4,5,6,7,8]');
UPDATE pg_index SET indisready = true WHERE indexrelid = 'idx_$am'::regclass;
});
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('idx_$am', true)",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$am: a row missing from the index fails the check");
	like($err, qr/XX002.*index "idx_$am" lacks heap row/s, "$am: naming the row") or diag($err);
}

$node->stop;
done_testing();
