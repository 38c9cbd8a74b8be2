# The workers' merge task (docs/workers.md, "Per-index tasks"): with
# vector_db preloaded, the rows an hnsw index with fastupdate holds in its
# pending area are merged into its graph by a worker within a few nap times,
# with no call to vector_db_merge, no VACUUM and a pending_list_limit no
# insert reaches. While a session holds the table SHARE UPDATE EXCLUSIVE
# (as VACUUM would) the worker leaves the index alone: the rows stay
# pending and are found by index scans. Afterwards nothing is pending,
# vector_db_index_stats shows the merge's time, the index check passes and
# every row is found through the graph alone. The same for an ivf index
# (lists instead of a graph) on a copy of the table.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use worker_common;

my $node = start_worker_node('merge', 500, 0.25);
$node->safe_psql('postgres', q{
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops)
	WITH (m = 8, ef_construction = 32, fastupdate = on, pending_list_limit = 65536);
CREATE TABLE ivf_items AS SELECT * FROM items;
CREATE INDEX items_ivf ON ivf_items USING ivf (v vector_l2_ops)
	WITH (lists = 4, quantizer = 'sq8', fastupdate = on, pending_list_limit = 65536);
});

# Keep the worker out while rows are appended.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE items, ivf_items IN SHARE UPDATE EXCLUSIVE MODE;');
$node->safe_psql('postgres', q{
INSERT INTO items SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 16) WHERE i > 0)::vector
FROM generate_series(501, 800) i;
INSERT INTO ivf_items SELECT * FROM items WHERE id > 500;
});

# Each row is its own nearest neighbour; counts the rows an index scan
# finds so (the pending area is searched exactly, the graph with a wide ef).
my $found_query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 200;
SELECT count(*) FROM items i
WHERE (SELECT j.id FROM items j ORDER BY j.v <-> i.v LIMIT 1) = i.id;
};
is($node->safe_psql('postgres', 'SELECT pending, last_merge IS NULL FROM vector_db_index_stats(\'items_hnsw\')'),
	'300|t', 'the appended rows are pending while the table is locked, and nothing was merged');
is($node->safe_psql('postgres', $found_query), '800', 'pending rows are found by index scans before any merge');
is($node->safe_psql('postgres', 'SELECT pending, last_merge IS NULL FROM vector_db_index_stats(\'items_ivf\')'),
	'300|t', 'ivf: the appended rows are pending too');

$holder->query_safe('COMMIT;');
$holder->quit;
ok($node->poll_query_until('postgres',
		q{SELECT pending = 0 AND live = 800 AND last_merge IS NOT NULL FROM vector_db_index_stats('items_hnsw')}),
	'a worker merged the pending area by itself');
ok($node->poll_query_until('postgres',
		q{SELECT pending = 0 AND live = 800 AND last_merge IS NOT NULL FROM vector_db_index_stats('items_ivf')}),
	'ivf: a worker merged the pending area by itself');

my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('items_hnsw', true)");
is($ret, 0, 'vector_db_index_check passes after the merge') or diag($err);
is($node->safe_psql('postgres', $found_query), '800', 'every row is found through the graph after the merge');
is($node->safe_psql('postgres', "SELECT vector_db_merge('items_hnsw')"), '0', 'nothing was left to merge');
($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('items_ivf', true)");
is($ret, 0, 'ivf: vector_db_index_check passes after the merge') or diag($err);
is($node->safe_psql('postgres', "SELECT vector_db_merge('items_ivf')"), '0', 'ivf: nothing was left to merge');

$node->stop;
done_testing();
