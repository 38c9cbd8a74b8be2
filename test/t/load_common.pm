# The load test every index type runs (test/t/037): 8 pgbench clients
# insert, update, delete, search and vacuum one table for two minutes. The
# index types run at the same time, each in a database of its own on one
# server, so that the two minutes are spent once rather than once per type.
# Some searches are checked as they run: in one REPEATABLE READ snapshot a
# function asks the index and an exact scan for the same top 10 and logs
# both. Pass means pgbench ran every transaction without an error, the
# server log shows no crash, the index check (heapallindexed) passes, and
# recall@10 of the loaded index, over the same queries and settings, is
# within 0.02 of a fresh build over the same rows (a copy of the table) and
# so is the recall the checked searches saw during the load.
package load_common;

use strict;
use warnings;
use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

our @EXPORT = qw(run_load_tests);

my $dims = 32;
my $rows = 10000;
my $query_count = 200;
my $seconds = 120;
my $clients = 8;

# The pgbench scripts, name@weight. Ids to update or delete are drawn over
# every id handed out so far, so some miss (already deleted): that is fine.
my $random_id = '(SELECT (random() * (SELECT last_value FROM items_id_seq))::int)';
my %scripts = (
	'insert@4'  => "INSERT INTO items (v) SELECT random_vector();\n",
	'update@2'  => "UPDATE items SET v = random_vector() WHERE id = $random_id;\n",
	'delete@4'  => "DELETE FROM items WHERE id = $random_id;\n",
	'search@6'  => "\\set q random(1, $query_count)\n"
	  . "SELECT id FROM items ORDER BY v OP (SELECT v FROM queries WHERE id = :q) LIMIT 10;\n",
	'checked@2' => "\\set q random(1, $query_count)\n"
	  . "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT checked_search(:q);\nCOMMIT;\n",
	'vacuum@1'  => "VACUUM items;\n",
);

# run_load_tests({ name => ..., index => 'USING hnsw (v vector_l2_ops) WITH (...)',
#                  op => '<->', settings => { 'hnsw.ef_search' => 100 } }, ...)
# Each name is also the name of the test's database.
sub run_load_tests {
	my @tests = @_;
	my $node = PostgreSQL::Test::Cluster->new('load');
	$node->init;
	$node->start;
	set_up_database($node, $_) for @tests;
	my @runs = map { start_pgbench($node, $_->{name}, $_->{op}) } @tests;
	my %results = map { $_->{name} => [ finish_pgbench($_) ] } @runs;
	unlike(slurp_file($node->logfile), qr/PANIC|TRAP:|terminated by signal|was terminated/,
		'the server log shows no crash');
	check_after_load($node, $_, @{ $results{ $_->{name} } }) for @tests;
	$node->stop;
}

# Creates database $t{name} with the table, its index, the queries and the
# checked-search function.
sub set_up_database {
	my ($node, $t) = @_;
	my %t = %$t;
	$node->safe_psql('postgres', "CREATE DATABASE $t{name}");
	my $settings = join '', map { "ALTER DATABASE $t{name} SET $_ = $t{settings}{$_};\n" } sort keys %{ $t{settings} };
	$node->safe_psql($t{name}, qq{
CREATE EXTENSION vector_db;
$settings
CREATE TABLE items (id serial PRIMARY KEY, v vector($dims));
CREATE TABLE queries (id int PRIMARY KEY, v vector($dims));
CREATE TABLE checked (qid int, got int[], exact int[]);
CREATE FUNCTION random_vector() RETURNS vector LANGUAGE sql VOLATILE
	AS 'SELECT array_agg(random() - 0.5)::float4[]::vector FROM generate_series(1, $dims)';
CREATE FUNCTION checked_search(qid int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
	q vector := (SELECT v FROM queries WHERE id = qid);
	got int[];
	exact int[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	got := array(SELECT id FROM items ORDER BY v $t{op} q LIMIT 10);
	PERFORM set_config('enable_seqscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	exact := array(SELECT id FROM items ORDER BY v $t{op} q LIMIT 10);
	INSERT INTO checked VALUES (qid, got, exact);
END \$\$;
});
	create_recall_function($node, $t{name});
	fill_random($node, $t{name}, 'items (id, v)', 'vector', $dims, 1, $rows);
	fill_random($node, $t{name}, 'queries (id, v)', 'vector', $dims, 1, $query_count);
	$node->safe_psql($t{name}, "SELECT setval('items_id_seq', $rows); CREATE INDEX idx ON items $t{index}");
	like($node->safe_psql($t{name}, "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items "
		  . "ORDER BY v $t{op} (SELECT v FROM queries WHERE id = 1) LIMIT 10"),
		qr/Index Scan using idx\b/, "$t{name}: searches use the index");
}

# The checks after the load, given pgbench's count of transactions and of
# failed ones.
sub check_after_load {
	my ($node, $t, $transactions, $failed) = @_;
	my %t = %$t;
	cmp_ok($transactions, '>', 0, "$t{name}: pgbench ran transactions");
	is($failed, 0, "$t{name}: no transaction failed");

	my ($ret, $out, $err) = $node->psql($t{name}, "SELECT vector_db_index_check('idx', true)");
	is($ret, 0, "$t{name}: vector_db_index_check passes after the load") or diag($err);

	# Every checked search returned 10 rows; their recall, and the final
	# recall, against a fresh build over the same rows.
	my ($checked, $short, $during) = split /\|/, $node->safe_psql($t{name}, q{
SELECT count(*), count(*) FILTER (WHERE cardinality(got) < 10),
       round(avg(cardinality(array(SELECT unnest(got) INTERSECT SELECT unnest(exact))) / 10.0), 4) FROM checked});
	cmp_ok($checked, '>', 0, "$t{name}: searches were checked during the load");
	is($short, 0, "$t{name}: every checked search returned 10 rows");
	my $after = $node->safe_psql($t{name}, "SELECT round(recall('items', 'v', '$t{op}', 'queries', 10)::numeric, 4)");
	$node->safe_psql($t{name}, "CREATE TABLE fresh AS SELECT * FROM items; CREATE INDEX fresh_idx ON fresh $t{index}");
	my $fresh = $node->safe_psql($t{name}, "SELECT round(recall('fresh', 'v', '$t{op}', 'queries', 10)::numeric, 4)");
	cmp_ok($after, '>=', $fresh - 0.02, "$t{name}: recall after the load $after, fresh build $fresh");
	cmp_ok($during, '>=', $fresh - 0.02, "$t{name}: recall of $checked checked searches during the load $during");
	my $count = $node->safe_psql($t{name}, 'SELECT count(*) FROM items');
	diag("$t{name}: $transactions transactions, $failed failed, $checked checked searches (recall $during), "
		  . "$count rows at the end, recall\@10 after $after, fresh build $fresh");
}

# Starts the scripts for $seconds with $clients clients on database $name;
# finish_pgbench waits for them.
sub start_pgbench {
	my ($node, $name, $op) = @_;
	my @files;
	for my $script (sort keys %scripts) {
		my ($file, $weight) = split /@/, $script;
		my $path = $node->basedir . "/$name-$file.sql";
		open(my $fh, '>', $path) or die "$path: $!";
		print $fh $scripts{$script} =~ s/ OP / $op /r;
		close($fh);
		push @files, '-f', "$path\@$weight";
	}
	my $run = { name => $name, out => '', err => '' };
	$run->{handle} = IPC::Run::start(['pgbench', '--no-vacuum', "--client=$clients", '--jobs=2', "--time=$seconds",
		'-h', $node->host, '-p', $node->port, @files, $name], '>', \$run->{out}, '2>', \$run->{err});
	return $run;
}

# Waits for a run of start_pgbench and returns the number of transactions
# and of failed ones; any error message fails the test.
sub finish_pgbench {
	my ($run) = @_;
	my $ok = $run->{handle}->finish;
	ok($ok, "$run->{name}: pgbench exits cleanly");
	unlike($run->{err}, qr/error|abort/i, "$run->{name}: pgbench reports no error");
	my ($transactions) = $run->{out} =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $run->{out} =~ /number of failed transactions: (\d+)/;
	diag(join "\n", grep { /transactions|tps|SQL script/ } split /\n/, $run->{out});
	return ($transactions // 0, $failed // -1);
}

1;
