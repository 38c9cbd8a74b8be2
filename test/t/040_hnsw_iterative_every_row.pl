# An iterative hnsw scan whose LIMIT is never reached returns every row
# exactly once, in strict_order as in relaxed_order (issue #10, "nothing
# lost"). Before the fix, strict_order dropped the rows a wider round found
# nearer than a row already returned: 1,991 to 1,999 of 2,000 random rows.
# For vector and sparsevec indexes, three seeded tables of 2,000 16-dim
# rows, ef_search 40 and 1000: LIMIT = table size returns every row once,
# in strict_order in distance order but for a tail of rows found late; a
# strict_order scan whose LIMIT is reached returns rows in distance order;
# the same after deleting a third of the rows and VACUUM; the index check
# passes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $rows = 2000;
my $node = PostgreSQL::Test::Cluster->new('iterative_every_row');
$node->init;
# Every check disables sequential scans, whose huge cost makes each query
# cross jit_above_cost; compiling them took two thirds of the test's time.
$node->append_conf('postgresql.conf', 'jit = off');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
# Every statement runs in one session: on a loaded machine a psql start and
# loading the library into a new backend cost more than most checks.
my $session = $node->background_psql('postgres');
$session->set_query_timer_restart;
# One transaction, whose SET LOCALs end with it.
# What a statement printed, without the newline that PostgreSQL 16.2's
# BackgroundPsql leaves at its end (15.20's does not).
sub query { my $out = $session->query_safe($_[0]); $out =~ s/\n\z//; return $out }
sub in_transaction { return query("BEGIN; $_[0]; COMMIT;") }

# Forces the index scan; the search goes on until it has visited every node.
my $by_index = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL hnsw.max_scan_tuples = 100000000;';

# Every live row of `tab`, once, from one iterative search at the first row.
# In strict_order the rows come in distance order, but for rows found only
# after farther ones were returned: those come last, in order among
# themselves, so the distances descend at most once.
sub every_row_once {
	my ($tab, $mode, $ef, $name) = @_;
	my $settings = "$by_index SET LOCAL hnsw.iterative_scan = $mode; SET LOCAL hnsw.ef_search = $ef;";
	my $query = "(SELECT v FROM $tab ORDER BY id LIMIT 1)";
	my $all = "SELECT id, v <-> $query d FROM $tab ORDER BY v <-> $query LIMIT $rows";
	like(in_transaction("$settings EXPLAIN $all"), qr/Index Scan using ${tab}_idx\b/,
		"$name: the search uses the index");
	my $want = query("SELECT count(*) || ' ' || count(*) || ' ' || sum(id) FROM $tab");
	my ($got, $descents) = split(/\|/, in_transaction("$settings "
		  . "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(id), count(*) FILTER (WHERE d < p) FROM "
		  . "(SELECT id, d, lag(d) OVER (ORDER BY n) p FROM (SELECT row_number() OVER () n, id, d FROM ($all) a) o) s"));
	is($got, $want, "$name: every row exactly once");
	cmp_ok($descents, '<=', 1, "$name: in order but for a late tail") if $mode eq 'strict_order';
}

# A strict_order scan that stops at its LIMIT returns rows nearest first.
sub strict_prefix_in_order {
	my ($tab, $name) = @_;
	my $out = in_transaction("$by_index SET LOCAL hnsw.iterative_scan = strict_order; SET LOCAL hnsw.ef_search = 40; "
		  . "SELECT count(*) || ' ' || count(*) FILTER (WHERE d < p) FROM (SELECT d, lag(d) OVER (ORDER BY n) p FROM "
		  . "(SELECT row_number() OVER () n, d FROM (SELECT v <-> (SELECT v FROM $tab ORDER BY id LIMIT 1) d FROM $tab "
		  . "ORDER BY v <-> (SELECT v FROM $tab ORDER BY id LIMIT 1) LIMIT 300) s) o) w");
	is($out, '300 0', "$name: strict_order, LIMIT 300: 300 rows, none nearer than the one before");
}

for my $type ('vector', 'sparsevec') {
	for my $seed (0.1, 0.2, 0.5) {
		my $tab = "${type}_" . ($seed * 10);
		my $name = "$type, seed $seed";
		$session->query_safe(qq{
CREATE TABLE $tab (id int, v $type(16));
SELECT setseed($seed);
INSERT INTO $tab SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 16) WHERE i > 0)::vector::$type
FROM generate_series(1, $rows) i;
CREATE INDEX ${tab}_idx ON $tab USING hnsw (v ${type}_l2_ops);
});
		for my $ef (40, 1000) {
			every_row_once($tab, $_, $ef, "$name, ef $ef, $_") for ('strict_order', 'relaxed_order');
		}
		strict_prefix_in_order($tab, $name);
		$session->query_safe("DELETE FROM $tab WHERE id % 3 = 0; VACUUM $tab");
		every_row_once($tab, $_, 40, "$name, after DELETE + VACUUM, $_") for ('strict_order', 'relaxed_order');
		strict_prefix_in_order($tab, "$name, after DELETE + VACUUM");
	}
}
$session->quit;
check_index($node, 'postgres', 'every index');

$node->stop;
done_testing();
