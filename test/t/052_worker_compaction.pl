# The workers' compact task (docs/workers.md, "Per-index tasks"): with
# vector_db preloaded, an hnsw and an ivfflat index with two thirds of
# their rows deleted (and vacuumed: ivf's VACUUM leaves its lists' pages a
# third full, under ivf.compaction_threshold) become smaller by themselves
# within a few nap times, with no call to vector_db_compact; afterwards the index check
# passes and every row is still found by an index scan. An index with
# nothing to give back is left as it is.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use worker_common;

my $node = start_worker_node('compaction', 2000, 0.5);
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
-- Wide rows, so that the lists' pages, not their last partial pages, make
-- up most of the ivfflat index (IvfCompactionDue).
SELECT setseed(0.75);
CREATE TABLE wide (id int PRIMARY KEY, v vector(64));
INSERT INTO wide SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 64) WHERE i > 0)::vector
FROM generate_series(1, 2000) i;
CREATE INDEX wide_ivfflat ON wide USING ivfflat (v vector_l2_ops) WITH (lists = 4);
CREATE TABLE kept (id int, v vector(16));
INSERT INTO kept SELECT id, v FROM items;
CREATE INDEX kept_hnsw ON kept USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
});
my %before = map { $_ => $node->safe_psql('postgres', "SELECT pg_relation_size('$_')") }
	qw(items_hnsw wide_ivfflat kept_hnsw);

# Both deletes before either VACUUM: a worker's task transaction (here the
# compaction the first VACUUM makes due) holds back the horizon of a VACUUM
# beside it, which would then leave rows deleted after the task began.
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 <> 0; DELETE FROM wide WHERE id % 3 <> 0;');
$node->safe_psql('postgres', 'VACUUM wide; VACUUM items;');
for my $index ('items_hnsw', 'wide_ivfflat')
{
	ok($node->poll_query_until('postgres',
			"SELECT pg_relation_size('$index') <= 0.6 * $before{$index}"),
		"$index: compacted by a worker, at least 40% smaller");
}
is($node->safe_psql('postgres', "SELECT pg_relation_size('kept_hnsw')"),
	$before{kept_hnsw}, 'an index with nothing deleted keeps its size');

for my $index ('items_hnsw', 'wide_ivfflat')
{
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('$index', true)");
	is($ret, 0, "$index: vector_db_index_check passes") or diag($err);
}
# Every remaining row by the index: each is its own nearest neighbour.
my $found = $node->safe_psql('postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 100000000;
SELECT count(*) FROM items i
WHERE (SELECT j.id FROM items j ORDER BY j.v <-> i.v LIMIT 1) = i.id;
});
is($found, '666', 'every remaining row is found by the hnsw index');

$node->stop;
done_testing();
