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
use hnsw_common;
use wal_prefix_common;

my $node = start_wal_node('ivf_prefix');

# Wide rows (64 dimensions): each list spans a few pages.
$node->safe_psql('postgres', 'CREATE TABLE items (id int PRIMARY KEY, v vector(64))');
fill_random($node, 'postgres', 'items', 'vector', 64, 1, 120);
$node->safe_psql('postgres', q{
CREATE INDEX items_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 2);
DELETE FROM items WHERE id % 3 <> 0;
});
check_every_prefix($node, 'vacuum', 'items', 'items_idx', 'VACUUM items');
# Rows appended after the VACUUM, so that the lists end on new pages too.
fill_random($node, 'postgres', 'items', 'vector', 64, 121, 150);
my $before = $node->safe_psql('postgres', "SELECT pg_relation_size('items_idx')");
check_every_prefix($node, 'compact', 'items', 'items_idx', "SELECT vector_db_compact('items_idx')");
cmp_ok($node->safe_psql('postgres', "SELECT pg_relation_size('items_idx')"), '<', $before,
	'the compaction gave pages back (its truncation is among the records tested)');

$node->stop;
done_testing();
