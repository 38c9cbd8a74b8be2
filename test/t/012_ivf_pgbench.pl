# Concurrency: pgbench clients insert (into few lists, so they contend for
# the same pages), delete, search and vacuum one table with an ivfflat and a
# quantized ivf index at once; nothing errors, and both indexes are valid and
# complete afterwards (row counts, chains, every live row indexed).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my $node = PostgreSQL::Test::Cluster->new('ivf_pgbench');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial, v vector(8))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 2000);
$node->safe_psql('postgres', q{SELECT setval('items_id_seq', 2000)});
$node->safe_psql('postgres', q{
CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 4);
CREATE INDEX sq8_idx ON items USING ivf (v vector_cosine_ops) WITH (lists = 4, quantizer = 'sq8');
});

run_mixed_pgbench($node,
	'select_flat@2' => 'SET ivfflat.probes = 2; SELECT id FROM items ORDER BY v <-> $RANDOM LIMIT 10;',
	'select_sq8@2'  => 'SET ivf.probes = 2; SELECT id FROM items ORDER BY v <=> $RANDOM LIMIT 10;');
check_ivf_indexes($node, 'postgres', 'after concurrent work');
$node->safe_psql('postgres', 'VACUUM items');
check_ivf_indexes($node, 'postgres', 'after a final vacuum');
is($node->safe_psql('postgres', q{SET enable_seqscan = off; SET ivfflat.probes = 4;
SELECT count(*) = (SELECT count(*) FROM items) FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000000) s}),
	't', 'an exhaustive ivfflat scan returns every row');

$node->stop;
done_testing();
