# The ivf pending area (fastupdate) through crashes: a merge killed (kill
# -9) after one of its rows moved into a list (by vector_db_merge and by
# VACUUM) and after it freed a page; VACUUM killed while it flags dead
# pending rows; a merge failing with an ERROR; an insert killed after its
# append.
# After each round the server is up, vector_db_index_check passes, every
# committed row is found by one index search over every list exactly once,
# the index's top 10 equal an exact search's, and a merge run again
# finishes what was pending.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = start_fault_node('ivf_pending_crash');
# Every candidate of the sq8 lists re-ranked: index order is exact order.
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET ivf.rerank = 1000000');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($node, 'postgres', 'items', 'vector', 8, 1, 1000);
$node->safe_psql('postgres',
	"CREATE INDEX ivf_idx ON items USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8', fastupdate = on)");
my %live = map { $_ => 1 } 1 .. 1000;
my $next = 1001;

sub add_rows {
	my ($n) = @_;
	fill_random($node, 'postgres', 'items', 'vector', 8, $next, $next + $n - 1);
	$live{$_} = 1 for $next .. $next + $n - 1;
	$next += $n;
}

sub merge { return $node->safe_psql('postgres', "SELECT vector_db_merge('ivf_idx')"); }

# The index check, every committed row found once by one search over every
# list (committed_rows_found), and a top 10 equal to an exact search's.
my $top10 = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items "
  . "ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s";
sub check_round {
	my ($name) = @_;
	my @ids = sort { $a <=> $b } keys %live;
	committed_rows_found($node, 'items', 'ivf_idx', \@ids, $name);
	is($node->safe_psql('postgres', "$fault_common::BY_INDEX $top10"),
		$node->safe_psql('postgres', "SET enable_indexscan = off; $top10"), "$name: the top 10 are exact");
}

# 8-dimensional rows: 203 to a pending page, so 500 rows fill three pages.
for my $case (
	[ 'ivf-merge-tuple',    'kill',  40,  "SELECT vector_db_merge('ivf_idx')" ],
	[ 'ivf-merge-detached', 'kill',  0,   "SELECT vector_db_merge('ivf_idx')" ],
	[ 'ivf-vacuum-pending', 'kill',  1,   'VACUUM items' ],
	[ 'ivf-merge-tuple',    'kill',  250, 'VACUUM items' ],
	[ 'ivf-merge-tuple',    'error', 100, "SELECT vector_db_merge('ivf_idx')" ])
{
	my ($point, $action, $skip, $sql) = @$case;
	add_rows(500);
	# Some pending rows, and some of the lists', deleted.
	my $gone = $next % 7;
	$node->safe_psql('postgres', "DELETE FROM items WHERE id % 7 = $gone AND id % 2 = 0");
	delete $live{$_} for grep { $_ % 7 == $gone && $_ % 2 == 0 } keys %live;
	fire_fault($node, $point, $action, $sql, $skip);
	check_round("$point/$action in $sql");
	merge();
	is(merge(), '0', "$point/$action: a second merge leaves nothing pending");
	is($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('ivf_idx')"), '0',
		"$point/$action: no pending row counted");
}

# An insert killed after its append: its row never committed, and the merge
# that moves it (or VACUUM) makes no visible row of it.
fire_fault($node, 'ivf-insert', 'kill',
	"INSERT INTO items VALUES ($next, '[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]')", 0);
$next++;
add_rows(50);
$node->safe_psql('postgres', 'VACUUM items');
check_round('insert killed after its append, then VACUUM');

$node->stop;
done_testing();
