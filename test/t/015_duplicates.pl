# Exact duplicates (issue #10, defects 1 and 2), on hnsw, ivfflat and ivf:
# (i) 160 copies of one vector among 10,000 random rows: an ORDER BY ...
#     LIMIT that asks for every copy gets every copy after the build, after
#     40 more copies are inserted one by one, and after a third of them are
#     deleted and VACUUMed;
# (ii) 200 random rows plus 160 copies: a query at the copy with LIMIT 360
#     returns all 360 rows (before, on hnsw, only the 160 copies: they linked
#     only to each other and trapped the search).
# Every index then passes vector_db_index_check. The copies are the only
# rows at distance 0, so the exact answer to each query is known.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my $copy = '[0.11,-0.22,0.33,-0.44,0.05,0.16,-0.27,0.38]';
my $first_copy = 100001;  # copies have ids from here; other rows below

my $node = PostgreSQL::Test::Cluster->new('duplicates');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');

# base(id, v): `others` random rows and `copies` copies, in a seeded
# shuffled heap order, so the copies are spread over the build's node ids.
sub make_base {
	my ($name, $others, $copies) = @_;
	$node->safe_psql('postgres', "CREATE TABLE ${name}_rows (id int, v vector(8))");
	fill_random($node, 'postgres', "${name}_rows", 'vector', 8, 1, $others);
	$node->safe_psql('postgres', qq{
INSERT INTO ${name}_rows SELECT $first_copy + i, '$copy' FROM generate_series(0, $copies - 1) i;
CREATE TABLE $name AS SELECT * FROM ${name}_rows ORDER BY md5(id::text);
});
}
make_base('large', 10000, 160);
make_base('small', 200, 160);

# [index, per-am settings for (i), for (ii)]
my @methods = (
	['hnsw (v vector_l2_ops)', 'SET hnsw.ef_search = 200;',
		'SET hnsw.ef_search = 1000; SET hnsw.iterative_scan = relaxed_order;'],
	# the default ef_search (40) with an iterative scan: the search has to go
	# on from the copies it returned first
	['hnsw (v vector_l2_ops)', 'SET hnsw.iterative_scan = strict_order;',
		'SET hnsw.iterative_scan = relaxed_order;'],
	['ivfflat (v vector_l2_ops) WITH (lists = 20)', '',
		'SET ivfflat.iterative_scan = relaxed_order;'],
	['ivf (v vector_l2_ops) WITH (lists = 20)', '',
		'SET ivf.iterative_scan = relaxed_order;'],
);

# How many of the `limit` rows nearest the copy, by index, are copies, and
# how many distinct rows came back.
sub nearest_copies {
	my ($table, $settings, $limit) = @_;
	return $node->safe_psql('postgres', qq{
SET enable_seqscan = off; $settings
SELECT count(*) FILTER (WHERE id >= $first_copy) || ' ' || count(DISTINCT id)
FROM (SELECT id FROM $table ORDER BY v <-> '$copy' LIMIT $limit) nearest});
}

my $n = 0;
for my $method (@methods) {
	my ($index, $settings_i, $settings_ii) = @$method;
	my ($am) = $index =~ /^(\w+)/;
	$n++;
	my $t = "t$n";
	$node->safe_psql('postgres', "CREATE TABLE $t AS SELECT * FROM large; CREATE INDEX ${t}_idx ON $t USING $index");
	is(nearest_copies($t, $settings_i, 160), '160 160', "$am $settings_i: every copy after the build");

	# one by one, each its own statement, into the built index
	$node->safe_psql('postgres', join("\n",
		map { "INSERT INTO $t VALUES ($first_copy + $_, '$copy');" } 160 .. 199));
	is(nearest_copies($t, $settings_i, 200), '200 200', "$am $settings_i: every copy after 40 inserts");

	$node->safe_psql('postgres', "DELETE FROM $t WHERE id >= $first_copy AND id % 3 = 0");
	my $left = $node->safe_psql('postgres', "SELECT count(*) FROM $t WHERE id >= $first_copy");
	$node->safe_psql('postgres', "VACUUM $t");
	is(nearest_copies($t, $settings_i, $left), "$left $left", "$am $settings_i: all $left copies left after VACUUM");

	my $s = "s$n";
	$node->safe_psql('postgres', "CREATE TABLE $s AS SELECT * FROM small; CREATE INDEX ${s}_idx ON $s USING $index");
	is(nearest_copies($s, $settings_ii, 360), '160 360', "$am $settings_ii: a query at the copy reaches all 360 rows");
}

check_index($node, 'postgres', 'hnsw indexes');
check_ivf_indexes($node, 'postgres', 'ivf indexes');
$node->stop;
done_testing();
