# VACUUM after deleting half the rows: recall stays within 1% of a fresh
# build's, the dead rows' slots are reused by later inserts (the index does
# not grow), and the index checks clean. Also: a cancelled build stops
# promptly, and progress shows in pg_stat_progress_create_index's phases.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('vacuum');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(16))');
fill_random($node, 'postgres', 'items', 'vector', 16, 1, 10000);
$node->safe_psql('postgres', 'CREATE TABLE queries (id int, v vector(16))');
fill_random($node, 'postgres', 'queries', 'vector', 16, 1, 50);
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops)');

$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0');
$node->safe_psql('postgres', 'VACUUM items');
check_index($node, 'postgres', 'after deleting half and vacuum');
my $after_vacuum = measure_recall($node, 'postgres', 'items', 'v', '<->', 'queries', 40);
$node->safe_psql('postgres', 'REINDEX INDEX idx');
my $fresh = measure_recall($node, 'postgres', 'items', 'v', '<->', 'queries', 40);
cmp_ok($after_vacuum, '>=', $fresh - 0.01, "recall after vacuum $after_vacuum is within 1% of a fresh build's $fresh");

# Freed slots are reused: delete and vacuum, then insert as many rows again.
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 4 = 1');
$node->safe_psql('postgres', 'VACUUM items');
my $pages = $node->safe_psql('postgres', q{SELECT pg_relation_size('idx')});
fill_random($node, 'postgres', 'items', 'vector', 16, 20001, 22000);
is($node->safe_psql('postgres', q{SELECT pg_relation_size('idx')}), $pages, 'inserts reuse the slots vacuum freed');
check_index($node, 'postgres', 'after reuse');
my $reused = measure_recall($node, 'postgres', 'items', 'v', '<->', 'queries', 40);
cmp_ok($reused, '>=', 0.98, "recall after reuse $reused");

# Cancel: statement_timeout stops a long build; a cancel while a serial
# build links the graph stops it having linked less than half of the rows.
$node->safe_psql('postgres', 'CREATE TABLE big (id int, v vector(64))');
fill_random($node, 'postgres', 'big', 'vector', 64, 1, 30000);
my ($ret, $out, $err) = $node->psql('postgres',
	"SET statement_timeout = '500ms'; CREATE INDEX ON big USING hnsw (v) WITH (m = 32, ef_construction = 200)");
like($err, qr/canceling statement due to statement timeout/, 'a build is cancelled');
cancel_build_in_phase($node, 'SET max_parallel_maintenance_workers = 0;',
	'CREATE INDEX ON big USING hnsw (v) WITH (m = 32, ef_construction = 200)', 'linking graph', 'a serial build');

# Progress: a build in a second session reports its phase and tuple counts.
my $build = $node->background_psql('postgres');
$build->query_until(qr/started/,
	"\\echo started\nCREATE INDEX big_idx ON big USING hnsw (v) WITH (m = 32, ef_construction = 200);\n");
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_progress_create_index
WHERE phase = 'building index: linking graph' AND tuples_total = 30000 AND tuples_done > 0}),
	'pg_stat_progress_create_index shows the linking phase and its progress');
$build->quit;
check_index($node, 'postgres', 'big index');
$node->stop;
done_testing();
