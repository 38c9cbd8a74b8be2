# The workers' rebalance task (docs/workers.md, docs/ivf.md "Rebalancing"):
# an ivfflat index of clustered rows, half of the rows replaced by rows of
# other clusters, loses recall at fixed probes (the old lists split the new
# clusters between them). With the workers on and no
# manual action, a worker rebalances it (rows_since_training back to 0, by
# vector_db.rebalance_fraction = 0.5), and recall at the same probes comes
# back to within 0.01 of a fresh build of the same rows; the index check
# passes. Then an sq8 index whose new rows fall outside its quantizer's
# range is rebalanced by that rule alone (vector_db.rebalance_out_of_range).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('drift');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
vector_db.max_workers = 0
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');

# 24 clusters in 8 dimensions, seeded: rows c + noise. Half of them are
# then replaced by rows of 24 other clusters in the same space, whose rows
# the old lists split between them.
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE centres AS SELECT c, (SELECT array_agg(random() * 10 - 5)::float4[] FROM generate_series(1, 8) WHERE c >= 0) AS v
	FROM generate_series(0, 47) c;
CREATE FUNCTION near(c int) RETURNS vector LANGUAGE sql AS $$
	SELECT (SELECT array_agg(x + 2 * random() - 1)::float4[] FROM unnest(v) x)::vector FROM centres WHERE centres.c = near.c $$;
CREATE TABLE items (id int PRIMARY KEY, v vector(8));
INSERT INTO items SELECT i, near(i % 24) FROM generate_series(1, 3000) i;
CREATE INDEX drift_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 24);
CREATE INDEX drift_sq8 ON items USING ivf (v vector_l2_ops) WITH (lists = 24, quantizer = 'sq8');
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'drift_sq8'::regclass;
DELETE FROM items WHERE id % 2 = 0;
INSERT INTO items SELECT i, near(24 + i % 24) FROM generate_series(3001, 4500) i;
VACUUM items;
CREATE TABLE queries AS SELECT near(i % 48) AS v FROM generate_series(1, 96) i;
});
my $settings = 'SET ivfflat.probes = 1;';
my $drifted = $node->safe_psql('postgres', "$settings SELECT recall('items', 'v', '<->', 'queries', 10)");
cmp_ok($node->safe_psql('postgres', 'SELECT rows_since_training FROM vector_db_index_stats(\'drift_idx\')'),
	'>=', 1500, 'half the rows were added since training');

# The workers on: one rebalances the index by itself.
$node->safe_psql('postgres', 'ALTER SYSTEM SET vector_db.max_workers = 1; SELECT pg_reload_conf();');
ok($node->poll_query_until('postgres',
		"SELECT rows_since_training = 0 FROM vector_db_index_stats('drift_idx')"),
	'a worker rebalanced the index');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('drift_idx', true)");
is($ret, 0, 'vector_db_index_check passes after the rebalance') or diag($err);
# An sq8 index (its codes re-encoded from the heap rows), made valid only
# now that the recall of the other is measured.
$node->safe_psql('postgres', "UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'drift_sq8'::regclass");
ok($node->poll_query_until('postgres',
		"SELECT rows_since_training = 0 FROM vector_db_index_stats('drift_sq8')"),
	'a worker rebalanced the sq8 index');
($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('drift_sq8', true)");
is($ret, 0, 'vector_db_index_check passes on the sq8 index') or diag($err);
$node->safe_psql('postgres', "DROP INDEX drift_sq8");
my $rebalanced = $node->safe_psql('postgres', "$settings SELECT recall('items', 'v', '<->', 'queries', 10)");

$node->safe_psql('postgres', q{
ALTER SYSTEM SET vector_db.max_workers = 0; SELECT pg_reload_conf();
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'drift_idx'::regclass;
CREATE INDEX fresh_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 24);
});
my $fresh = $node->safe_psql('postgres', "$settings SELECT recall('items', 'v', '<->', 'queries', 10)");
cmp_ok($rebalanced, '>=', $fresh - 0.01,
	"recall at probes 1: drifted $drifted, rebalanced by the worker $rebalanced, fresh build $fresh");
cmp_ok($drifted, '<', $rebalanced, 'the drift cost recall that the rebalance won back');

# vector_db.rebalance_out_of_range (0.05), alone (the other two rules off):
# an sq8 index gets 200 rows 12 past the range its quantizer was trained on
# in every dimension, 9% of its rows, a number neither other rule would act
# on. The quantizer clamps them all onto one corner, so their estimates tie;
# the worker retrains, after which recall at probes 2 is within 0.01 of a
# fresh build's and no row is out of range.
$node->safe_psql('postgres', q{
ALTER SYSTEM SET vector_db.rebalance_fraction = 0;
ALTER SYSTEM SET vector_db.rebalance_imbalance = 0;
SELECT pg_reload_conf();
SELECT setseed(0.5);
CREATE FUNCTION shifted(c int) RETURNS vector LANGUAGE sql AS $$
	SELECT (SELECT array_agg(x + 12)::float4[] FROM unnest(near(c)::float4[]) x)::vector $$;
CREATE TABLE ranged (id int PRIMARY KEY, v vector(8));
INSERT INTO ranged SELECT i, near(i % 24) FROM generate_series(1, 2000) i;
CREATE INDEX ranged_sq8 ON ranged USING ivf (v vector_l2_ops) WITH (lists = 24, quantizer = 'sq8');
INSERT INTO ranged SELECT i, shifted(i % 24) FROM generate_series(2001, 2200) i;
CREATE TABLE ranged_queries AS SELECT shifted(i % 24) AS v FROM generate_series(1, 48) i;
});
is($node->safe_psql('postgres', "SELECT rows_out_of_range FROM vector_db_index_stats('ranged_sq8')"),
	200, 'the 200 shifted rows are counted out of range');
$settings = 'SET ivf.probes = 2;';
my $clamped = $node->safe_psql('postgres', "$settings SELECT recall('ranged', 'v', '<->', 'ranged_queries', 10)");
$node->safe_psql('postgres', 'ALTER SYSTEM SET vector_db.max_workers = 1; SELECT pg_reload_conf();');
ok($node->poll_query_until('postgres',
		"SELECT rows_out_of_range = 0 AND rows_since_training = 0 FROM vector_db_index_stats('ranged_sq8')"),
	'a worker rebalanced the index for its rows out of range');
($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('ranged_sq8', true)");
is($ret, 0, 'vector_db_index_check passes after that rebalance') or diag($err);
$rebalanced = $node->safe_psql('postgres', "$settings SELECT recall('ranged', 'v', '<->', 'ranged_queries', 10)");
$node->safe_psql('postgres', q{
ALTER SYSTEM SET vector_db.max_workers = 0; SELECT pg_reload_conf();
DROP INDEX ranged_sq8;
CREATE INDEX ranged_fresh ON ranged USING ivf (v vector_l2_ops) WITH (lists = 24, quantizer = 'sq8');
});
$fresh = $node->safe_psql('postgres', "$settings SELECT recall('ranged', 'v', '<->', 'ranged_queries', 10)");
cmp_ok($rebalanced, '>=', $fresh - 0.01,
	"recall at probes 2 near the shifted rows: clamped $clamped, rebalanced $rebalanced, fresh $fresh");

$node->stop;
done_testing();
