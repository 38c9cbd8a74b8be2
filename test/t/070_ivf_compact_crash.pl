# Compaction of an ivfflat index killed (kill -9) or failing with an ERROR at
# its fault points: before a list's switch (the new pages are
# orphans), after it (the old chain is), and before the truncation. After
# recovery the index check passes, every committed row is found through the
# index, an index scan over every list equals an exact scan, and the next
# compaction reclaims what the failed one left: the index is then no larger
# than a fresh build of the same rows, give or take one partial page a list.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = start_fault_node('ivf_compact');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($node, 'postgres', 'items', 'vector', 8, 1, 3000);
my $lists = 6;
$node->safe_psql('postgres', "CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = $lists)");
my %live = map { $_ => 1 } 1 .. 3000;

my $round = 0;
for my $case (
	[ 'ivf-compact-copied',   'kill',  2 ],
	[ 'ivf-compact-switched', 'kill',  1 ],
	[ 'ivf-compact-truncate', 'kill',  0 ],
	[ 'ivf-compact-switched', 'error', 3 ])
{
	my ($point, $action, $skip) = @$case;
	$round++;
	# A sixth of the rows deleted (some not vacuumed: the compaction drops
	# them), and new ones, so that every round has something to move.
	$node->safe_psql('postgres', "DELETE FROM items WHERE id % 6 = $round % 6");
	delete $live{$_} for grep { $_ % 6 == $round % 6 } keys %live;
	my $first = 3000 + $round * 200;
	fill_random($node, 'postgres', 'items', 'vector', 8, $first, $first + 199);
	$live{$_} = 1 for $first .. $first + 199;
	$node->safe_psql('postgres', 'VACUUM items') if $round % 2;

	fire_fault($node, $point, $action, "SELECT vector_db_compact('flat_idx')", $skip);
	my @ids = sort { $a <=> $b } keys %live;
	committed_rows_found($node, 'items', 'flat_idx', \@ids, "$point/$action");
}
exact_equals_index($node, 'items', 8, 'after the failed compactions');

# Nothing left over: as small as a fresh build of the same rows.
$node->safe_psql('postgres', 'VACUUM items');
$node->safe_psql('postgres', "SELECT vector_db_compact('flat_idx')");
my @ids = sort { $a <=> $b } keys %live;
committed_rows_found($node, 'items', 'flat_idx', \@ids, 'compacted after the failures');
my $compacted = $node->safe_psql('postgres', "SELECT pg_relation_size('flat_idx')");
$node->safe_psql('postgres', "CREATE INDEX fresh_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = $lists)");
my $fresh = $node->safe_psql('postgres', "SELECT pg_relation_size('fresh_idx')");
cmp_ok($compacted, '<=', $fresh + $lists * 8192, "compacted ($compacted bytes) no larger than a fresh build ($fresh)");

$node->stop;
done_testing();
