# Filter columns of hnsw indexes (docs/hnsw.md, "Filter columns"): on 3,000
# seeded random rows, a filtered top-10 with the filter inside the walk
# returns exactly 10 rows whenever 10 qualify and finds at least 95% of the
# exact answer, at about 10% and 1% selectivity, for equality, = ANY and
# label overlap; with the index built on part of the rows and the rest
# inserted after (linked, then through the fastupdate pending area), after
# a DELETE, VACUUM and compaction moved nodes, and built with parallel
# workers.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use filter_common;

my $node = PostgreSQL::Test::Cluster->new('hnsw_filter');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_filter_tables($node);
add_filter_rows($node, 1, 2000);
# Built by the leader and a parallel worker: both write filter words (the
# worker's chunk of them was once past the end of the build's table of
# shared chunks, and the build crashed).
my ($built, $out, $err) = $node->psql('postgres',
	"SET maintenance_work_mem = '64MB'; SET max_parallel_maintenance_workers = 1; "
	  . 'SET min_parallel_table_scan_size = 0; SET client_min_messages = debug1; '
	  . 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops, t10, t100, labels)');
is($built, 0, 'parallel build with filter columns') or diag($err);
like($err, qr/hnsw build of "items" using 1 parallel workers/, 'the build used a parallel worker');

my $iterative = 'SET hnsw.iterative_scan = relaxed_order;';
check_filtered_recall($node, 'idx', 'built', $iterative);

# Rows inserted into the graph, then through the pending area.
add_filter_rows($node, 2001, 2500);
$node->safe_psql('postgres', 'ALTER INDEX idx SET (fastupdate = on)');
add_filter_rows($node, 2501, 3000);
cmp_ok($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('idx')"), '>', 0,
	'the last rows wait in the pending area');
check_filtered_recall($node, 'idx', 'inserted', $iterative);

# Deleted rows, VACUUM, and a compaction that moves nodes to free slots.
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0');
$node->safe_psql('postgres', 'VACUUM items');
$node->safe_psql('postgres', "SELECT vector_db_compact('idx')");
$node->safe_psql('postgres', "SELECT vector_db_index_check('idx')");
check_filtered_recall($node, 'idx', 'compacted', $iterative);

$node->stop;
done_testing();
