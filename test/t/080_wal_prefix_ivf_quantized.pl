# Recovery to every WAL prefix of the maintenance of quantized ivf indexes
# (wal_prefix_common.pm), as 078 does for ivfflat: a VACUUM that drops dead
# codes from the lists' pages, and a vector_db_compact that copies each
# list into new pages, switches the list over, frees the old chain and
# truncates, on an sq8 index whose lists span a few pages; and a VACUUM of
# a pq index (the same list pages with other codes, behind its codebook
# pages). After each WAL record any of them writes to the index, a copy of
# the cluster recovered up to it passes vector_db_index_check and finds
# every row once, with every list probed.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use wal_prefix_common;

my $node = start_wal_node('ivf_quantized_prefix');
# 64 dimensions: an sq8 code takes 68 bytes, so 150 rows fill more than a
# list page.
check_vacuum_then_compaction($node, 'sq8', 64, 300, "ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8')");
indexed_table($node, 'pq', 64, 200, "ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'pq', pq_m = 32)",
	'id % 3 <> 0');
check_every_prefix($node, 'pq_vacuum', 'pq', 'pq_idx', 'VACUUM pq');
$node->stop;
done_testing();
