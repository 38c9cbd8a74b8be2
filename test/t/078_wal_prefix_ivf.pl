# Recovery to every WAL prefix of ivfflat's maintenance
# (wal_prefix_common.pm): a VACUUM that drops dead tuples from the lists'
# pages, and a vector_db_compact that copies each list into new pages,
# switches the list over, frees the old chain and truncates. After each WAL
# record either writes to the index, a copy of the cluster recovered up to
# it passes vector_db_index_check and finds every row once, with every list
# probed. The table is small, so that each operation writes tens of
# records, and every record is tested.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use wal_prefix_common;

my $node = start_wal_node('ivf_prefix');
# Wide rows (64 dimensions): each list spans a few pages.
check_vacuum_then_compaction($node, 'items', 64, 120, 'ivfflat (v vector_l2_ops) WITH (lists = 2)');
$node->stop;
done_testing();
