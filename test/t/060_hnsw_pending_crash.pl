# The hnsw pending area (fastupdate) through crashes: a merge killed (or
# failing) part way, by vector_db_merge and by VACUUM, and an insert killed
# after its append. After each round the server is up, vector_db_index_check
# passes, every committed row is there and found by one index search exactly
# once, the index's top 10 equal an exact search's, and a merge run again
# finishes what was pending.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use fault_common;

my $node = start_fault_node('pending_crash');
my $table = 't_pend';
my $index = 't_pend_idx';
my %ids;
my $next_id = 1;

sub insert_sql {
	my ($first, $last) = @_;
	return "SELECT setseed(" . (($first % 1000) / 1000.0) . "); INSERT INTO $table SELECT i, "
	  . "(SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 8) WHERE i > 0)::vector "
	  . "FROM generate_series($first, $last) i;";
}

sub add_rows {
	my ($n) = @_;
	my $first = $next_id;
	$next_id += $n;
	$node->safe_psql('postgres', insert_sql($first, $first + $n - 1));
	$ids{$_} = 1 for $first .. $first + $n - 1;
}

# Merges what is pending; returns how many it merged.
sub merge {
	return $node->safe_psql('postgres', "SELECT vector_db_merge('$index')");
}

# Every row once: one iterative search returns no id twice; and the top 10
# of three queries equal an exact search's.
sub check_round {
	my ($name) = @_;
	committed_rows_found($node, $table, $index, [ keys %ids ], $name);
	my $all = "SELECT count(*) = count(DISTINCT id) FROM (SELECT id FROM $table "
	  . "ORDER BY v <-> (SELECT v FROM $table ORDER BY id LIMIT 1) LIMIT 100000000) s";
	is($node->safe_psql('postgres', "$fault_common::BY_INDEX $fault_common::ITERATIVE $all"), 't',
		"$name: no row returned twice");
	my $top10 = join(' UNION ALL ', map {
		my $vec = '[' . join(',', map { sprintf('%.4f', sin($_ * 3 + $_) / 2) } ($_ * 8 + 1) .. ($_ * 8 + 8)) . ']';
		"SELECT $_, (SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table ORDER BY v <-> '$vec' LIMIT 10) s)"
	} 1 .. 3);
	is($node->safe_psql('postgres', "$fault_common::BY_INDEX $top10"),
		$node->safe_psql('postgres', "SET enable_indexscan = off; $top10"),
		"$name: the index's top 10 equal an exact search's");
}

$node->safe_psql('postgres', "CREATE TABLE $table (id int PRIMARY KEY, v vector(8))");
add_rows(300);
$node->safe_psql('postgres',
	"CREATE INDEX $index ON $table USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32, fastupdate = on)");

# A merge stopped after linking a node, before the metapage takes it out of
# the pending area.
add_rows(150);
fire_fault($node, 'hnsw-merge-linked', 'kill', "SELECT vector_db_merge('$index')", 20);
check_round('vector_db_merge killed after linking');
cmp_ok(merge(), '>', 0, 'a second merge finishes the rest');
is(merge(), '0', 'nothing is left pending');

# VACUUM's merge, after deleting some of the pending rows.
add_rows(150);
$node->safe_psql('postgres', "DELETE FROM $table WHERE id % 7 = 0 AND id > " . ($next_id - 150));
delete $ids{$_} for grep { $_ % 7 == 0 && $_ > $next_id - 151 } keys %ids;
fire_fault($node, 'hnsw-merge-node', 'kill', "VACUUM $table", 30);
check_round('VACUUM killed while merging');
$node->safe_psql('postgres', "VACUUM $table");
is(merge(), '0', 'a second VACUUM merged everything');

# An insert killed after its append: its row never committed, and the
# merge that links its node (or VACUUM) makes no row of it.
fire_fault($node, 'hnsw-insert-slot', 'kill', insert_sql($next_id, $next_id), 0);
$next_id++;
add_rows(50);
$node->safe_psql('postgres', "VACUUM $table");
check_round('insert killed after its append, then VACUUM');

$node->stop;
done_testing();
