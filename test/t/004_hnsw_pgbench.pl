# Concurrency: pgbench clients insert, delete, search and vacuum one table at
# once; nothing errors, and the index is valid and complete afterwards.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('pgbench');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial, v vector(8))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 2000);
$node->safe_psql('postgres', q{SELECT setval('items_id_seq', 2000)});
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)');

my $random = 'ARRAY[random(), random(), random(), random(), random(), random(), random(), random()]::vector';
$node->pgbench(
	'--no-vacuum --client=6 --transactions=150',
	0,
	[qr{actually processed}],
	[qr{^$}],
	'concurrent insert, delete, select and vacuum',
	{
		'insert@6' => "INSERT INTO items (v) SELECT $random FROM generate_series(1, 3);\n",
		'delete@2' => "DELETE FROM items WHERE id = (SELECT (random() * (SELECT last_value FROM items_id_seq))::int);\n",
		'select@4' => "SELECT id FROM items ORDER BY v <-> $random LIMIT 10;\n",
		'vacuum@1' => "VACUUM items;\n",
	});
check_index($node, 'postgres', 'after concurrent work');
$node->safe_psql('postgres', 'VACUUM items');
check_index($node, 'postgres', 'after a final vacuum');

$node->stop;
done_testing();
