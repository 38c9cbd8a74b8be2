# Range search recall: on seeded random tables, every index finds at least
# 99% of the rows an exact scan finds within the radius at default settings,
# all of them where its lists are all probed (ivfflat, ivf; quantized lists
# also re-ranked in full), and never a row outside the radius. Radii are
# those of each query's 20th and 200th nearest row, so spheres hold about
# 20 and 200 rows (15 queries: 300 and 3,000 rows in all).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('range_search');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(16)); CREATE TABLE queries (id int, v vector(16))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 16, 1, 3000);
fill_random($node, 'postgres', 'queries (id, v)', 'vector', 16, 1, 15);
$node->safe_psql('postgres', 'ANALYZE items');

# The exact rows within each query's radius (radius: the distance of its
# k-th nearest row), by sequential scans: table truth_OP_K (qid, iid).
# Then range_recall() compares what the index scans return with them:
# "rows found outside".
$node->safe_psql('postgres', q{
CREATE FUNCTION make_truth(op text, range_op text, k int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_bitmapscan = off;
	EXECUTE format('CREATE TABLE radius_%s_%s AS SELECT q.id, q.v, (SELECT i.v %s q.v FROM items i ORDER BY 1 OFFSET %s LIMIT 1)::real AS r FROM queries q',
		md5(op), k, op, k - 1);
	EXECUTE format('CREATE TABLE truth_%s_%s AS SELECT q.id AS qid, i.id AS iid FROM radius_%s_%s q JOIN items i ON i.v %s sphere(q.v, q.r)',
		md5(op), k, md5(op), k, range_op);
END $$;
CREATE FUNCTION range_recall(op text, range_op text, k int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	n_truth bigint;
	n_found bigint;
	n_outside bigint;
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE format('CREATE TEMP TABLE found_rows AS SELECT q.id AS qid, i.id AS iid FROM radius_%s_%s q CROSS JOIN LATERAL (SELECT id FROM items WHERE v %s sphere(q.v, q.r)) i',
		md5(op), k, range_op);
	EXECUTE format('SELECT count(*) FROM truth_%s_%s', md5(op), k) INTO n_truth;
	EXECUTE format('SELECT count(*) FROM found_rows f JOIN truth_%s_%s t USING (qid, iid)', md5(op), k) INTO n_found;
	SELECT count(*) - n_found INTO n_outside FROM found_rows;
	DROP TABLE found_rows;
	RETURN n_truth || ' ' || n_found || ' ' || n_outside;
END $$;
});
$node->safe_psql('postgres',
	join(' ', map { my $k = $_; map { "SELECT make_truth('$_->[0]', '$_->[1]', $k);" } ([ '<->', '<<->>' ], [ '<=>', '<<=>>' ], [ '<#>', '<<#>>' ]) } (20, 200)));

# One index at a time: [name, CREATE INDEX options, distance op, range op,
# settings that probe and re-rank everything or '' (hnsw)]. One psql call
# per index: its lines are "truth found outside" for about 20 and 200 rows
# at default settings, then the same with everything probed.
my @indexes = (
	[ 'hnsw l2 (sq8)',     'hnsw (v vector_l2_ops)',     '<->', '<<->>', '' ],
	[ 'hnsw cosine',       'hnsw (v vector_cosine_ops)', '<=>', '<<=>>', '' ],
	[ 'ivfflat l2',        'ivfflat (v vector_l2_ops) WITH (lists = 25)', '<->', '<<->>', 'SET ivfflat.probes = 25;' ],
	[ 'ivfflat cosine',    'ivfflat (v vector_cosine_ops) WITH (lists = 25)', '<=>', '<<=>>', 'SET ivfflat.probes = 25;' ],
	[ 'ivf sq8 l2',        "ivf (v vector_l2_ops) WITH (lists = 25, quantizer = 'sq8')", '<->', '<<->>',
		'SET ivf.probes = 25; SET ivf.rerank = 3000;' ],
	[ 'ivf rabitq cosine', "ivf (v vector_cosine_ops) WITH (lists = 25, quantizer = 'rabitq')", '<=>', '<<=>>',
		'SET ivf.probes = 25; SET ivf.rerank = 3000;' ],
);
for my $index (@indexes) {
	my ($name, $definition, $op, $range_op, $everything) = @$index;
	my $sql = "CREATE INDEX idx ON items USING $definition; SELECT range_recall('$op', '$range_op', 20); "
	  . "SELECT range_recall('$op', '$range_op', 200);";
	$sql .= " $everything SELECT range_recall('$op', '$range_op', 20); SELECT range_recall('$op', '$range_op', 200);"
	  if $everything ne '';
	my @lines = split /\n/, $node->safe_psql('postgres', "$sql DROP INDEX idx;");
	for my $i (0 .. $#lines) {
		my $k = $i % 2 ? 200 : 20;
		my ($truth, $found, $outside) = split / /, $lines[$i];
		if ($i < 2) {
			cmp_ok($truth, '>=', 15 * ($k - 1), "$name, about $k rows: the exact scan finds them");
			cmp_ok($found / $truth, '>=', 0.99, "$name, about $k rows: recall $found / $truth at default settings");
			is($outside, 0, "$name, about $k rows: no row outside the radius");
		} else {
			is("$found $outside", "$truth 0", "$name, about $k rows: every row with every list probed");
		}
	}
}

# Inner product on ivfflat: a sphere is a half-space, which reaches any list;
# probing all of them finds every row.
my @lines = split /\n/, $node->safe_psql('postgres',
	"CREATE INDEX idx ON items USING ivfflat (v vector_ip_ops) WITH (lists = 25); SET ivfflat.probes = 25; "
	  . "SELECT range_recall('<#>', '<<#>>', 20); SELECT range_recall('<#>', '<<#>>', 200)");
for my $i (0, 1) {
	my ($truth, $found, $outside) = split / /, $lines[$i];
	is("$found $outside", "$truth 0", "ivfflat ip, line $i: every row with every list probed");
}

$node->stop;
done_testing();
