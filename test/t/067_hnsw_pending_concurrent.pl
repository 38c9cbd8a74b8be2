# The hnsw pending area (fastupdate) under concurrent appends, with a limit
# small enough that inserts pass it all the time: each insert that finds
# the area over the limit merges a few nodes (HNSW_INLINE_MERGE_NODES, 8)
# while other clients append beside it under the append lock only. Then the
# same with VACUUM, deletes and vector_db_merge beside the inserts. After
# each phase nothing errored, vector_db_index_check passes and one
# iterative index search returns every row exactly once; at the end, after
# a merge, the top 10 of index searches equal exact searches'.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use fault_common;

my $node = PostgreSQL::Test::Cluster->new('pending_concurrent');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$node->safe_psql('postgres', 'CREATE TABLE items (id serial PRIMARY KEY, v vector(8)) WITH (autovacuum_enabled = off)');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 500);
$node->safe_psql('postgres', q{SELECT setval('items_id_seq', 500)});
$node->safe_psql('postgres', 'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) '
	  . 'WITH (m = 8, ef_construction = 32, fastupdate = on, pending_list_limit = 64)');

my $random = 'ARRAY[' . join(', ', ('random() - 0.5') x 8) . ']::vector';
my $insert = "INSERT INTO items (v) VALUES ($random);\n";

sub check_phase {
	my ($name) = @_;
	check_index($node, 'postgres', $name);
	my $all = "SELECT count(*) || ' ' || count(DISTINCT id) FROM (SELECT id FROM items "
	  . "ORDER BY v <-> (SELECT v FROM items ORDER BY id LIMIT 1) LIMIT 100000000) s";
	my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
	is($node->safe_psql('postgres', "$fault_common::BY_INDEX $fault_common::ITERATIVE $all"), "$rows $rows",
		"$name: one index search returns every row exactly once");
}

# Phase 1: appends only. The limit (64 kB, some 600 nodes here) is passed
# early; only inserts merge, as nothing else runs.
$node->pgbench('--no-vacuum --client=4 --transactions=250', 0, [qr{actually processed}], [qr{^$}],
	'concurrent appends past the limit', { 'append' => $insert });
is($node->safe_psql('postgres', "SELECT last_merge IS NOT NULL FROM vector_db_index_stats('idx')"), 't',
	'inserts past the limit merged');
check_phase('appends');

# Phase 2: the same beside deletes, VACUUM and explicit merges.
$node->pgbench('--no-vacuum --client=4 --transactions=100', 0, [qr{actually processed}], [qr{^$}],
	'appends beside VACUUM and merges', {
		'insert@6' => $insert,
		'delete@2' => "DELETE FROM items WHERE id = (SELECT (random() * (SELECT last_value FROM items_id_seq))::int);\n",
		'vacuum@1' => "VACUUM items;\n",
		'merge@1'  => "SELECT vector_db_merge('idx');\n",
	});
check_phase('appends beside VACUUM and merges');
$node->safe_psql('postgres', "SELECT vector_db_merge('idx')");
is($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('idx')"), '0',
	'a merge leaves nothing pending');
check_phase('merged');
exact_equals_index($node, 'items', 8, 'merged');

$node->stop;
done_testing();
