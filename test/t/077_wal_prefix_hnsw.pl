# Recovery to every WAL prefix of hnsw's maintenance (wal_prefix_common.pm):
# a VACUUM that frees deleted nodes and repairs their neighbours' links, a
# vector_db_compact that moves nodes into the freed slots and truncates
# (once where it moves nodes, once where it only truncates), and a
# vector_db_merge of a fastupdate pending area. After each WAL record
# any of them writes to the index, a copy of the cluster recovered up to it
# passes vector_db_index_check and finds every row once. The tables are
# small, so that each operation writes tens of records, and every record is
# tested.
#
# With PG_TEST_EXTRA containing wal_prefix, a VACUUM of 240 rows (111
# records, minutes of wall time) runs too: it is the case that found the
# defect docs/reliability.md describes ("Every WAL prefix"), where 3 of its
# records left rows that no search found.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use wal_prefix_common;

my $node = start_wal_node('hnsw_prefix');

# Short lists (m 4).
my $hnsw = 'hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16';

indexed_table($node, 'items', 16, 30, "$hnsw)", 'id % 3 <> 0');
check_every_prefix($node, 'vacuum', 'items', 'items_idx', 'VACUUM items');
check_every_prefix($node, 'compact', 'items', 'items_idx', "SELECT vector_db_compact('items_idx')");

# A compaction that moves nothing and truncates: its truncation record
# comes while the compaction holds an AccessExclusiveLock on the table, as
# recovery then does too (the copy recovered to it is promoted to check it).
indexed_table($node, 'tail', 16, 150, "$hnsw)", 'id > 8');
$node->safe_psql('postgres', 'VACUUM tail');
check_compaction($node, 'truncate', 'tail');

check_merge($node, 'pending', 16, 16, 2, "$hnsw, fastupdate = on)");

SKIP: {
	skip 'the 111-record VACUUM runs only with PG_TEST_EXTRA=wal_prefix', 1
	  unless ($ENV{PG_TEST_EXTRA} // '') =~ /\bwal_prefix\b/;
	# Wide rows: 240 of them fill several pages.
	indexed_table($node, 'wide', 64, 240, "$hnsw)", 'id % 3 <> 0');
	check_every_prefix($node, 'wide_vacuum', 'wide', 'wide_idx', 'VACUUM wide');
}

$node->stop;
done_testing();
