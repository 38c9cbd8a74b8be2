# vector_db_index_stats across an interrupted VACUUM (docs/monitoring.md):
# an hnsw VACUUM that fails after flagging the dead rows' nodes leaves them
# counted as deleted, not live; after a crash at the same point every node is
# still live or deleted; the next VACUUM frees them. ivf counts the
# rows inserted since training, and the count survives a crash.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use fault_common;

my $node = start_fault_node('index_stats');

sub stats {
	my ($index, $columns) = @_;
	return $node->safe_psql('postgres', "SELECT $columns FROM vector_db_index_stats('$index')");
}

$node->safe_psql('postgres', q{
CREATE TABLE t (id int PRIMARY KEY, v vector(8));
INSERT INTO t SELECT i, (SELECT array_agg(sin(i * 13 + j))::float4[] FROM generate_series(1, 8) j)::vector
FROM generate_series(1, 300) i;
CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
CREATE INDEX t_ivf ON t USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
});
is(stats('t_hnsw', "live || ' ' || deleted"), '300 0', 'after the build: every row live, none deleted');

$node->safe_psql('postgres', 'DELETE FROM t WHERE id % 3 = 0');
fire_fault($node, 'hnsw-vacuum-flagged', 'error', 'VACUUM t;');
is(stats('t_hnsw', "live || ' ' || deleted"), '200 100',
	'a VACUUM that failed after flagging: the dead rows count as deleted');

$node->safe_psql('postgres', 'DELETE FROM t WHERE id % 3 = 1');
fire_fault($node, 'hnsw-vacuum-flagged', 'kill', 'VACUUM t;');
# The flags of the first VACUUM were flushed with the DELETE's commit; those
# of the crashed one may or may not have reached the disk (nothing waited
# for them, and the next VACUUM flags again): every node is one or the other.
is(stats('t_hnsw', "live + deleted || ' ' || (deleted >= 100)"), '300 true',
	'after a crash at the same point: flushed flags survive, no node is lost');

$node->safe_psql('postgres', 'VACUUM t');
is(stats('t_hnsw', "live || ' ' || deleted"), '100 0', 'the next VACUUM frees every flagged node');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('t_hnsw', true)");
is($ret, 0, 'the index check passes') or diag($err);

is(stats('t_ivf', "live || ' ' || rows_since_training"), '100 0', 'ivf: VACUUM removed the dead rows at once');
$node->safe_psql('postgres', q{INSERT INTO t SELECT i, (SELECT array_agg(cos(i * 7 + j))::float4[]
FROM generate_series(1, 8) j)::vector FROM generate_series(301, 350) i});
$node->stop('immediate');
$node->start;
is(stats('t_ivf', "live || ' ' || rows_since_training"), '150 50', 'ivf: inserts counted, through crash recovery');

done_testing();
