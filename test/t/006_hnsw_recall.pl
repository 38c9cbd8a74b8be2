# Recall of hnsw builds against exact search on 10,000 random rows, for each
# metric and each build path: serial, parallel (leader plus parallel
# workers; the DEBUG1 line shows that workers ran) and out of memory
# (maintenance_work_mem too small, so the build goes on through inserts).
# The out-of-memory builds here are serial; 014_hnsw_parallel_full.pl runs
# that path with parallel workers and checks that they ran.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('recall');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
create_recall_function($node, 'postgres');
$node->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(16), h halfvec(16), b bit(64))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 16, 1, 10000);
$node->safe_psql('postgres', q{
UPDATE items SET h = v::halfvec,
	b = (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '') FROM unnest(v::float4[]) x)::bit(16)::bit(64);
CREATE TABLE queries (id int, v vector(16), h halfvec(16), b bit(64));
});
fill_random($node, 'postgres', 'queries (id, v)', 'vector', 16, 1, 50);
$node->safe_psql('postgres', q{
UPDATE queries SET h = v::halfvec,
	b = (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '') FROM unnest(v::float4[]) x)::bit(16)::bit(64);
ANALYZE items;
});

my @metrics = (
	[ 'v', 'vector_l2_ops',     '<->' ],
	[ 'v', 'vector_ip_ops',     '<#>' ],
	[ 'v', 'vector_cosine_ops', '<=>' ],
	[ 'v', 'vector_l1_ops',     '<+>' ],
	[ 'h', 'halfvec_l2_ops',    '<->' ],
	[ 'h', 'halfvec_cosine_ops', '<=>' ],
	# sq8 where flat is the default: halfvec and l1.
	[ 'h', 'halfvec_l2_ops',     '<->', "quantizer = 'sq8'" ],
	[ 'h', 'halfvec_cosine_ops', '<=>', "quantizer = 'sq8'" ],
	[ 'v', 'vector_l1_ops',      '<+>', "quantizer = 'sq8'" ],
);
recall_on_build_paths($node, 'postgres', @metrics);

# Out of memory: 1MB holds a few thousand of these nodes, not 10,000. On
# both paths: a parallel build gets its workers however small
# maintenance_work_mem is (its participants share one arena; see
# parallel_build.cpp), and they insert the rows past it together.
recall_past_memory($node, 'postgres', [ 'serial', 'parallel' ], @metrics[ 0, 2 ]);

# Bit vectors: hamming distances tie a lot, so compare the distances found.
for my $opclass ('bit_hamming_ops', 'bit_jaccard_ops') {
	my $op = $opclass eq 'bit_hamming_ops' ? '<~>' : '<%>';
	$node->safe_psql('postgres', "CREATE INDEX idx ON items USING hnsw (b $opclass)");
	my $same = $node->safe_psql('postgres', "SET hnsw.ef_search = 100; SELECT same_distances('items', 'b', '$op', 'queries', 10)");
	cmp_ok($same, '>=', 49, "$opclass: index distances equal exact ones for $same of 50 queries");
	check_index($node, 'postgres', $opclass);
	$node->safe_psql('postgres', 'DROP INDEX idx');
}

$node->stop;
done_testing();
