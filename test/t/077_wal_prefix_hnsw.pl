# Recovery to every WAL prefix of hnsw's maintenance (wal_prefix_common.pm):
# a VACUUM that frees deleted nodes and repairs their neighbours' links, a
# vector_db_compact that moves nodes into the freed slots and truncates,
# and a vector_db_merge of a fastupdate pending area. After each WAL record
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
use hnsw_common;
use wal_prefix_common;

my $node = start_wal_node('hnsw_prefix');

# rows(table, dims, count): a table of `count` random rows and an hnsw index
# on them with short lists (m 4), two thirds of them deleted (not vacuumed).
sub rows {
	my ($table, $dims, $count) = @_;
	$node->safe_psql('postgres', "CREATE TABLE $table (id int PRIMARY KEY, v vector($dims))");
	fill_random($node, 'postgres', $table, 'vector', $dims, 1, $count);
	$node->safe_psql('postgres', qq{
CREATE INDEX ${table}_idx ON $table USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16);
DELETE FROM $table WHERE id % 3 <> 0;
});
}

rows('items', 16, 30);
check_every_prefix($node, 'vacuum', 'items', 'items_idx', 'VACUUM items');
check_every_prefix($node, 'compact', 'items', 'items_idx', "SELECT vector_db_compact('items_idx')");

$node->safe_psql('postgres', 'CREATE TABLE pending (id int PRIMARY KEY, v vector(16))');
fill_random($node, 'postgres', 'pending', 'vector', 16, 1, 16);
$node->safe_psql('postgres',
	'CREATE INDEX pending_idx ON pending USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16, fastupdate = on)');
fill_random($node, 'postgres', 'pending', 'vector', 16, 17, 18);
is($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('pending_idx')"), '2',
	'the rows inserted after the build are pending');
check_every_prefix($node, 'merge', 'pending', 'pending_idx', "SELECT vector_db_merge('pending_idx')");
is($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('pending_idx')"), '0',
	'the merge emptied the pending area');

SKIP: {
	skip 'the 111-record VACUUM runs only with PG_TEST_EXTRA=wal_prefix', 1
	  unless ($ENV{PG_TEST_EXTRA} // '') =~ /\bwal_prefix\b/;
	# Wide rows: 240 of them fill several pages.
	rows('wide', 64, 240);
	check_every_prefix($node, 'wide_vacuum', 'wide', 'wide_idx', 'VACUUM wide');
}

$node->stop;
done_testing();
