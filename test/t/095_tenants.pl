# Multi-tenancy with PostgreSQL partitioning (docs/multitenancy.md): 1,000
# tenants of uneven sizes (3 of 500 rows, 27 of 60, the rest 1 to 15; 8-dim
# random vectors, seeded), in two layouts:
# - LIST (tenant_id), one partition per tenant, one partitioned index
#   (CREATE INDEX on the parent), hnsw and then ivf; plus a tenant whose
#   table is indexed first and then attached (ATTACH PARTITION attaches its
#   matching index instead of building one);
# - HASH (tenant_id) into 16 partitions, one index created on each partition
#   and then attached by a CREATE INDEX on the parent; the other tenants'
#   rows of a partition are filtered out during the scan (iterative scans).
# Every tenant's query runs through a generic plan (runtime partition
# pruning) with the sequential scan off, so the index of its partition
# answers: each top-10 must have recall >= 0.95 against an exact scan and
# as many rows as the tenant has, up to 10. EXPLAIN must show the pruning.
# First, on a small partitioned table, the background workers' round must
# visit the partitions' indexes and skip the partitioned index, which has
# no pages; and the SQL functions on a partitioned index raise 42809.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use worker_common;

my $node = PostgreSQL::Test::Cluster->new('tenants');
$node->init;
# The test build's worker task logs each index a round visits.
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
vector_db.test_index_task = 0
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE TABLE small (id int, tenant_id int, v vector(8)) PARTITION BY LIST (tenant_id);
CREATE TABLE small_1 PARTITION OF small FOR VALUES IN (1);
CREATE TABLE small_2 PARTITION OF small FOR VALUES IN (2);
INSERT INTO small SELECT g, 1 + g % 2, array_fill(g::real, ARRAY[8])::vector FROM generate_series(1, 20) g;
CREATE INDEX small_v ON small USING hnsw (v vector_l2_ops);
CREATE INDEX small_ivf ON small USING ivf (v vector_l2_ops);
});

my $ran = sub {
	my ($index) = @_;
	my @hits = slurp_file($node->logfile) =~ /vector_db test task ran on index "$index"/g;
	return scalar @hits;
};
ok(poll_until(sub { $ran->('small_1_v_idx') >= 2 && $ran->('small_2_v_idx') >= 2 }),
	"the workers' round visits the partitions' indexes");
is($ran->('small_v'), 0, 'and never the partitioned index');
unlike(slurp_file($node->logfile), qr/could not open file/, 'no worker task failed on it');
$node->append_conf('postgresql.conf', "vector_db.test_index_task = -1\nvector_db.naptime = 3600");
$node->reload;

for my $call ([ 'vector_db_index_stats', 'small_v', 'small_1_v_idx' ], [ 'vector_db_index_check', 'small_v', 'small_1_v_idx' ],
	[ 'vector_db_compact', 'small_v', 'small_1_v_idx' ], [ 'vector_db_merge', 'small_v', 'small_1_v_idx' ],
	[ 'vector_db_rebalance', 'small_ivf', 'small_1_v_idx1' ])
{
	my ($function, $partitioned, $leaf) = @$call;
	my ($rc, $out, $err) = $node->psql('postgres', "SELECT $function('$partitioned')",
		extra_params => [ '-v', 'VERBOSITY=sqlstate' ]);
	like($err, qr/42809/, "$function on a partitioned index: 42809");
	is($node->safe_psql('postgres', "SELECT count(*) FROM (SELECT $function('$leaf')) f"),
		'1', "$function on a partition's index works");
}

# The tenants (tenant 1001 is attached later), their rows in one plain
# table, one query per tenant and its exact top-10 (btree + sort).
$node->safe_psql('postgres', q{
SELECT setseed(0.095);
CREATE TABLE sizes AS SELECT t AS tenant_id,
	CASE WHEN t <= 3 THEN 500 WHEN t <= 30 THEN 60 ELSE 1 + (t * 7919) % 15 END AS n
	FROM generate_series(1, 1001) t;
CREATE TABLE src AS SELECT (row_number() OVER ())::int AS id, s.tenant_id,
	array(SELECT random()::real + 0 * g FROM generate_series(1, 8))::vector(8) AS v
	FROM sizes s, generate_series(1, s.n) g;
CREATE TABLE queries AS SELECT tenant_id,
	array(SELECT random()::real + 0 * tenant_id FROM generate_series(1, 8))::vector(8) AS q FROM sizes;
CREATE INDEX ON src (tenant_id);
CREATE TABLE truth AS SELECT tenant_id,
	array(SELECT id FROM src s WHERE s.tenant_id = q.tenant_id ORDER BY v <-> q.q LIMIT 10) AS ids FROM queries q;
});

# check_tenants(table): for each tenant, its top-10 through topk_TABLE, a
# PL/pgSQL function whose statement has a generic plan: "tenants, tenants
# with recall < 0.95, tenants with a wrong row count, mean recall".
sub check_tenants {
	my ($table, $settings) = @_;
	return $node->safe_psql('postgres', qq{
SET enable_seqscan = off;
SET max_parallel_workers_per_gather = 0;
SET plan_cache_mode = force_generic_plan;
$settings
CREATE OR REPLACE FUNCTION topk_$table(t int, q vector) RETURNS int[] LANGUAGE plpgsql AS \$\$
BEGIN
	RETURN array(SELECT id FROM $table WHERE tenant_id = t ORDER BY v <-> q LIMIT 10);
END \$\$;
SELECT count(*), count(*) FILTER (WHERE recall < 0.95), count(*) FILTER (WHERE cardinality(got) <> cardinality(ids)),
	round(avg(recall)::numeric, 4)
FROM (SELECT t.ids, r.got,
		(SELECT count(*) FROM unnest(r.got) g WHERE g = ANY (t.ids))::float8 / cardinality(t.ids) AS recall
	FROM truth t JOIN queries q USING (tenant_id), LATERAL (SELECT topk_$table(q.tenant_id, q.q) AS got) r) per_tenant;
});
}

# The plan of topk_TABLE's statement for tenant 2: a generic plan (settings
# as check_tenants) and a custom one.
sub plans {
	my ($table, $settings) = @_;
	return $node->safe_psql('postgres', qq{
SET enable_seqscan = off;
SET max_parallel_workers_per_gather = 0;
$settings
PREPARE p(int, vector) AS SELECT id FROM $table WHERE tenant_id = \$1 ORDER BY v <-> \$2 LIMIT 10;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE p(2, '[0,0,0,0,0,0,0,0]');
SELECT '--';
SET plan_cache_mode = force_custom_plan;
EXPLAIN (COSTS OFF) EXECUTE p(2, '[0,0,0,0,0,0,0,0]');
});
}

# LIST: 1,000 partitions, then a partitioned index with options.
$node->safe_psql('postgres', q{
CREATE TABLE items (id int, tenant_id int, v vector(8)) PARTITION BY LIST (tenant_id);
DO $$ BEGIN FOR t IN 1..1000 LOOP
	EXECUTE format('CREATE TABLE items_%s PARTITION OF items FOR VALUES IN (%s)', t, t);
END LOOP; END $$;
INSERT INTO items SELECT * FROM src WHERE tenant_id <= 1000;
ANALYZE items;
CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
});
is($node->safe_psql('postgres', q{
SELECT count(*), count(*) FILTER (WHERE c.reloptions = '{m=8,ef_construction=32}')
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'items_v'::regclass}),
	'1000|1000', 'LIST: the partitioned hnsw index has one index per partition, with its options');

# Tenant 1001: its own table and index first, then attached.
$node->safe_psql('postgres', q{
CREATE TABLE items_1001 (id int, tenant_id int, v vector(8));
INSERT INTO items_1001 SELECT * FROM src WHERE tenant_id = 1001;
CREATE INDEX items_1001_own ON items_1001 USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
ALTER TABLE items ATTACH PARTITION items_1001 FOR VALUES IN (1001);
});
is($node->safe_psql('postgres', q{
SELECT string_agg(indexrelid::regclass || ' of ' || coalesce(inhparent::regclass::text, '-'), ', ')
FROM pg_index LEFT JOIN pg_inherits ON inhrelid = indexrelid WHERE indrelid = 'items_1001'::regclass}),
	'items_1001_own of items_v', 'ATTACH PARTITION attaches the matching index, builds none');

my ($generic, $custom) = split /\n--\n/, plans('items', '');
like($generic, qr/Subplans Removed: 1000/, 'LIST, generic plan: runtime pruning leaves one partition of 1,001');
like($generic, qr/Index Scan using items_2_v_idx on items_2/, 'LIST, generic plan: its hnsw index');
like($custom, qr/Index Scan using items_2_v_idx on items_2 /, 'LIST, custom plan: the partition\'s hnsw index');
is(() = $custom =~ /on items_\d+/g, 1, 'LIST, custom plan: planning pruned the other partitions');
is(check_tenants('items', ''), '1001|0|0|1.0000', 'LIST, hnsw: every tenant\'s top-10 exactly');

# The same layout with ivf (lists chosen per partition from its rows).
$node->safe_psql('postgres', 'DROP INDEX items_v; CREATE INDEX items_v ON items USING ivf (v vector_l2_ops)');
($generic) = split /\n--\n/, plans('items', '');
like($generic, qr/Subplans Removed: 1000.*Index Scan using items_2_v_idx on items_2/s,
	'LIST, generic plan: runtime pruning, the partition\'s ivf index');
is(check_tenants('items', ''), '1001|0|0|1.0000', 'LIST, ivf: every tenant\'s top-10 exactly');

# HASH: 16 partitions, each hnsw-indexed on its own, then the partitioned
# index that attaches those.
$node->safe_psql('postgres', q{
CREATE TABLE hitems (id int, tenant_id int, v vector(8)) PARTITION BY HASH (tenant_id);
DO $$ BEGIN FOR r IN 0..15 LOOP
	EXECUTE format('CREATE TABLE hitems_%s PARTITION OF hitems FOR VALUES WITH (MODULUS 16, REMAINDER %s)', r, r);
END LOOP; END $$;
INSERT INTO hitems SELECT * FROM src;
ANALYZE hitems;
DO $$ BEGIN FOR r IN 0..15 LOOP
	EXECUTE format('CREATE INDEX hitems_%s_hnsw ON hitems_%s USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32)', r, r);
END LOOP; END $$;
CREATE INDEX hitems_hnsw ON hitems USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
});
is($node->safe_psql('postgres', q{
SELECT count(*), count(DISTINCT inhparent) FROM pg_index LEFT JOIN pg_inherits ON inhrelid = indexrelid
WHERE indrelid IN (SELECT relid FROM pg_partition_tree('hitems') WHERE isleaf)}),
	'16|1', 'HASH: CREATE INDEX on the parent attached the indexes of the partitions, built none');

# A partition holds several tenants: the scan filters the others' rows out
# and goes on (iterative scans) until it has 10 rows or the partition ends.
my $hnsw_settings = 'SET hnsw.iterative_scan = strict_order;';
($generic, $custom) = split /\n--\n/, plans('hitems', $hnsw_settings);
like($generic, qr/Subplans Removed: 15.*Index Scan using hitems_\d+_hnsw on hitems_\d+/s,
	'HASH, generic plan: runtime pruning leaves one partition of 16, and its hnsw index');
like($custom, qr/Index Scan using hitems_\d+_hnsw on hitems_\d+ /, 'HASH, custom plan: the partition\'s hnsw index');
is(() = $custom =~ /on hitems_\d+/g, 1, 'HASH, custom plan: planning pruned the other partitions');
is(check_tenants('hitems', $hnsw_settings), '1001|0|0|1.0000',
	'HASH, hnsw with iterative scans: every tenant\'s top-10 exactly');

# ivf, one index per partition and no partitioned index.
$node->safe_psql('postgres', q{
DROP INDEX hitems_hnsw;
DO $$ BEGIN FOR r IN 0..15 LOOP
	EXECUTE format('CREATE INDEX hitems_%s_ivf ON hitems_%s USING ivf (v vector_l2_ops) WITH (lists = 4)', r, r);
END LOOP; END $$;
});
my $ivf_settings = 'SET ivf.iterative_scan = relaxed_order; SET ivf.probes = 4;';
like((split /\n--\n/, plans('hitems', $ivf_settings))[0],
	qr/Subplans Removed: 15.*Index Scan using hitems_\d+_ivf on hitems_\d+/s,
	'HASH, generic plan: runtime pruning, the partition\'s own ivf index');
is(check_tenants('hitems', $ivf_settings), '1001|0|0|1.0000', 'HASH, ivf: every tenant\'s top-10 exactly');

$node->stop;
done_testing();
