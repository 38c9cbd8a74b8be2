# A mixed load while the background workers run (issue #9): pgbench clients
# insert, delete, search and VACUUM a table with an hnsw index (fastupdate,
# a small pending_list_limit) and an ivf (sq8) index, while the workers
# merge, compact and rebalance on their own every second. No client errors;
# afterwards, once the workers have merged what is pending, both indexes
# check clean and each one's recall@10 is within 0.02 of a fresh build of
# the same index on the same rows.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my $node = PostgreSQL::Test::Cluster->new('mixed');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
});
$node->start;
my %index = (
	hnsw => 'USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32',
	ivf  => "USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'sq8'",
);
$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE TABLE items (id serial, v vector(8));
});
fill_random($node, 'postgres', 'items', 'vector', 8, 1, 2000);
$node->safe_psql('postgres', qq{
SELECT setval('items_id_seq', 2000);
CREATE INDEX items_hnsw ON items $index{hnsw}, fastupdate = on, pending_list_limit = 64);
CREATE INDEX items_ivf ON items $index{ivf});
CREATE TABLE queries (id int, v vector(8));
});
fill_random($node, 'postgres', 'queries', 'vector', 8, 900001, 900050);
create_recall_function($node, 'postgres');

run_mixed_pgbench($node,
	'search@4' => "SET enable_seqscan = off; SELECT id FROM items ORDER BY v <-> \$RANDOM LIMIT 10;\n");
ok($node->poll_query_until('postgres', q{SELECT pending = 0 FROM vector_db_index_stats('items_hnsw')}),
	'the workers merge what the load left pending');
check_index($node, 'postgres', 'hnsw after the load');
check_ivf_indexes($node, 'postgres', 'ivf after the load');

# Each index alone on the table (the other dropped in a transaction rolled
# back), against a fresh build of it on a copy of the rows.
$node->safe_psql('postgres', 'CREATE TABLE fresh AS SELECT * FROM items');
my %settings = (hnsw => 'SET hnsw.ef_search = 40;', ivf => 'SET ivf.probes = 4;');
for my $am ('hnsw', 'ivf') {
	my $other = $am eq 'hnsw' ? 'items_ivf' : 'items_hnsw';
	my $after = $node->safe_psql('postgres',
		"BEGIN; DROP INDEX $other; $settings{$am} SELECT recall('items', 'v', '<->', 'queries', 10); ROLLBACK;");
	$node->safe_psql('postgres', "CREATE INDEX fresh_$am ON fresh $index{$am})");
	my $fresh = $node->safe_psql('postgres', "$settings{$am} SELECT recall('fresh', 'v', '<->', 'queries', 10)");
	$node->safe_psql('postgres', "DROP INDEX fresh_$am");
	cmp_ok($after, '>=', $fresh - 0.02, "$am: recall\@10 after the load ($after) within 0.02 of a fresh build ($fresh)");
}

unlike(slurp_file($node->logfile), qr/vector_db (worker|launcher).*(ERROR|FATAL)|PANIC/,
	'no worker error in the log');
$node->stop;
done_testing();
