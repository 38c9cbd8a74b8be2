# Helpers of the TAP tests that watch the background workers do a per-index
# task by themselves (052 compaction, 062 merge).
package worker_common;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(start_worker_node poll_until);

# A started node with vector_db preloaded and its workers napping 1 s
# (autovacuum off, so that only the test and the workers touch the
# indexes), the extension, and a table items (id int, v vector(16)) of
# `rows` random rows drawn from `seed`.
sub start_worker_node {
	my ($name, $rows, $seed) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
autovacuum = off
});
	$node->start;
	$node->safe_psql('postgres', qq{
CREATE EXTENSION vector_db;
SELECT setseed($seed);
CREATE TABLE items (id int PRIMARY KEY, v vector(16));
INSERT INTO items SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 16) WHERE i > 0)::vector
FROM generate_series(1, $rows) i;
});
	return $node;
}

# Polls a condition for up to the default timeout; whether it became true.
sub poll_until
{
	my ($cond) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (time() < $deadline)
	{
		return 1 if $cond->();
		select(undef, undef, undef, 0.1);
	}
	return 0;
}

1;
