# A rebalance of ivfflat and ivf (sq8) indexes killed (kill -9) or failing
# with an ERROR at its fault points: the new layout written but not used
# (an ERROR: its pages are orphans), every row copied (kill: the same), the
# metapage switched (the old layout's pages are orphans), part of the old
# pages freed, and the new state and centroid pages moved down into freed
# pages (the copies past them not yet freed). Every
# round first replaces rows by shifted ones, so that each rebalance has a
# new layout to build. After recovery the index check passes, every
# committed row is found through the index exactly once, an index scan over
# every list equals an exact scan, and a rebalance that completes reclaims
# what the failed ones left: the index is then no larger than a fresh build
# of the same rows, give or take one partial page a list.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = start_fault_node('ivf_rebalance');
# With re-ranking of every candidate, the sq8 index answers exactly too.
# (A killed rebalance's WAL past the last flush is lost: the index is then
# back on its old lists, whose sq8 ranges miss the shifted rows, and only
# exact re-ranking tells those rows apart.)
$fault_common::BY_INDEX .= ' SET ivf.rerank = 100000;';
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($node, 'postgres', 'items', 'vector', 8, 1, 1200);
my $lists = 6;
$node->safe_psql('postgres', "CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = $lists)");
$node->safe_psql('postgres',
	"CREATE INDEX sq8_idx ON items USING ivf (v vector_l2_ops) WITH (lists = $lists, quantizer = 'sq8')");
my %live = map { $_ => 1 } 1 .. 1200;

# Runs the checks with the other index invalid, so that the planner takes this one.
sub only_index {
	my ($index, $checks) = @_;
	my $other = $index eq 'flat_idx' ? 'sq8_idx' : 'flat_idx';
	$node->safe_psql('postgres', "UPDATE pg_index SET indisvalid = false WHERE indexrelid = '$other'::regclass");
	$checks->();
	$node->safe_psql('postgres', "UPDATE pg_index SET indisvalid = true WHERE indexrelid = '$other'::regclass");
}

my $round = 0;
for my $case (
	[ 'ivf-rebalance-copied',   'kill',  0, 'sq8_idx' ],
	[ 'ivf-rebalance-switched', 'kill',  0, 'flat_idx' ],
	[ 'ivf-rebalance-freeing',  'kill',  2, 'sq8_idx' ],
	[ 'ivf-rebalance-trained',  'error', 0, 'flat_idx' ],
	[ 'ivf-rebalance-moved',    'kill',  0, 'flat_idx' ])
{
	my ($point, $action, $skip, $index) = @$case;
	$round++;
	# A sixth of the rows replaced by rows shifted by $round in every
	# dimension (some deletions not vacuumed: the rebalance leaves them out).
	$node->safe_psql('postgres', "DELETE FROM items WHERE id % 6 = $round % 6");
	delete $live{$_} for grep { $_ % 6 == $round % 6 } keys %live;
	my $first = 1200 + $round * 200;
	$node->safe_psql('postgres',
		"INSERT INTO items SELECT i, (SELECT array_agg($round + sin(i * 0.731 + j * 1.37) / 2)::float4[] "
		  . "FROM generate_series(1, 8) j)::vector FROM generate_series($first, $first + 199) i");
	$live{$_} = 1 for $first .. $first + 199;
	$node->safe_psql('postgres', 'VACUUM items') if $round % 2;

	fire_fault($node, $point, $action, "SELECT vector_db_rebalance('$index')", $skip);
	my @ids = sort { $a <=> $b } keys %live;
	only_index($index, sub { committed_rows_found($node, 'items', $index, \@ids, "$point/$action on $index") });
}

only_index('sq8_idx', sub { exact_equals_index($node, 'items', 8, 'sq8_idx after the failed rebalances') });

# Nothing left over: as small as a fresh build of the same rows.
$node->safe_psql('postgres', 'VACUUM items');
my @ids = sort { $a <=> $b } keys %live;
for my $index ('flat_idx', 'sq8_idx') {
	$node->safe_psql('postgres', "SELECT vector_db_rebalance('$index')");
	only_index($index, sub { committed_rows_found($node, 'items', $index, \@ids, "$index rebalanced after the failures") });
	my $rebalanced = $node->safe_psql('postgres', "SELECT pg_relation_size('$index')");
	my $create = $node->safe_psql('postgres', "SELECT pg_get_indexdef('$index'::regclass)");
	$create =~ s/INDEX $index /INDEX fresh_idx /;
	$node->safe_psql('postgres', $create);
	my $fresh = $node->safe_psql('postgres', "SELECT pg_relation_size('fresh_idx')");
	cmp_ok($rebalanced, '<=', $fresh + $lists * 8192,
		"$index rebalanced ($rebalanced bytes) no larger than a fresh build ($fresh)");
	$node->safe_psql('postgres', 'DROP INDEX fresh_idx');
}

$node->stop;
done_testing();
