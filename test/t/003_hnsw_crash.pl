# Crash safety: an immediate stop while several clients insert, then
# recovery; the index passes vector_db_index_check and an index scan with a
# large ef_search returns what a sequential scan returns. An unlogged table
# comes back empty with a usable index.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial, v vector(4))');
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16)');
$node->safe_psql('postgres', 'CREATE UNLOGGED TABLE scratch (id int, v vector(4))');
$node->safe_psql('postgres', 'CREATE INDEX scratch_idx ON scratch USING hnsw (v)');
$node->safe_psql('postgres', q{INSERT INTO scratch SELECT i, ARRAY[i, 1, 2, 3] FROM generate_series(1, 500) i});
$node->safe_psql('postgres', 'CHECKPOINT');

my $script = $node->basedir . '/insert.sql';
open(my $fh, '>', $script) or die;
print $fh "INSERT INTO items (v) SELECT ARRAY[random(), random(), random(), random()]::vector FROM generate_series(1, 20);\n";
close($fh);
my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '4', '-T', '60', '-f', $script, '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);
# let the inserts run, then crash mid-flight
$node->poll_query_until('postgres', 'SELECT count(*) > 3000 FROM items') or die 'inserts did not start';
$node->stop('immediate');
$pgbench->finish;
$node->start;

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($rows, '>', 3000, "recovered $rows rows");
check_index($node, 'postgres', 'after crash');
my $query = q{SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '[0.3,-0.1,0.2,0.4]' LIMIT 20) s};
my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $query");
my $by_index = $node->safe_psql('postgres', "SET enable_seqscan = off; SET hnsw.ef_search = 1000; $query");
is($by_index, $exact, 'index scan after recovery equals the sequential scan');
my $plan = $node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN $query");
like($plan, qr/Index Scan using idx\b/, 'and it was an index scan');

is($node->safe_psql('postgres', 'SELECT count(*) FROM scratch'), '0', 'unlogged table is empty after the crash');
$node->safe_psql('postgres', q{INSERT INTO scratch SELECT i, ARRAY[i, 1, 2, 3] FROM generate_series(1, 100) i});
is($node->safe_psql('postgres', q{SET enable_seqscan = off; SELECT id FROM scratch ORDER BY v <-> '[42,1,2,3]' LIMIT 1}),
	'42', 'and its index works');
check_index($node, 'postgres', 'unlogged after crash');

$node->stop;
done_testing();
