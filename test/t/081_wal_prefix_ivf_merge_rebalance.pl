# Recovery to every WAL prefix of the ivf pending area's merge and of a
# rebalance (wal_prefix_common.pm), on sq8 indexes: vector_db_merge moves
# each pending row into its list and flags it gone in one record, then
# unlinks each emptied pending page; vector_db_rebalance writes new
# quantizer and centroid pages, copies every list into new chains, switches
# the metapage to the new layout, frees the old pages, copies the new
# layout down, packs the lists and truncates. After each WAL record either
# writes to the index, a copy of the cluster recovered up to it passes
# vector_db_index_check and finds every row once (pending or listed, never
# both), with every list probed.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use wal_prefix_common;

my $node = start_wal_node('ivf_merge_prefix');

# 128 dimensions: a pending row (the vector as it is) takes over 512 bytes,
# so the 20 rows pending fill two pages of the area.
check_merge($node, 'pending', 128, 40, 20,
	"ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8', fastupdate = on)");

# Half the rows replaced by shifted ones, so that the new lists differ.
indexed_table($node, 'drift', 16, 120, "ivf (v vector_l2_ops) WITH (lists = 3, quantizer = 'sq8')", 'id % 2 = 0');
$node->safe_psql('postgres', q{
INSERT INTO drift SELECT i, (SELECT array_agg(2 + sin(i * 0.731 + j * 1.37) / 2)::float4[]
	FROM generate_series(1, 16) j)::vector FROM generate_series(121, 180) i;
});
check_every_prefix($node, 'rebalance', 'drift', 'drift_idx', "SELECT vector_db_rebalance('drift_idx')");
is($node->safe_psql('postgres', "SELECT rows_since_training FROM vector_db_index_stats('drift_idx')"), '0',
	'the rebalance trained the lists on every row');

$node->stop;
done_testing();
