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

run_mixed_pgbench($node, 'select@4' => 'SELECT id FROM items ORDER BY v <-> $RANDOM LIMIT 10;');
check_index($node, 'postgres', 'after concurrent work');
$node->safe_psql('postgres', 'VACUUM items');
check_index($node, 'postgres', 'after a final vacuum');

$node->stop;
done_testing();
