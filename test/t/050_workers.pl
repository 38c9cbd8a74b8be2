# The background workers (docs/workers.md), with vector_db preloaded: the
# launcher and the database workers show in pg_stat_activity under their
# backend_type and in vector_db_worker_activity; the per-index round runs
# every task on every vector_db index of every database that has the
# extension, and skips an index whose table it cannot lock at once; a
# SIGTERM stops a worker's task and the launcher starts a new worker, and a
# terminated launcher comes back. The task here is the test build's "test"
# task (src/worker/index_tasks.cpp), which logs the index it runs on and
# holds it for vector_db.test_index_task milliseconds.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use worker_common;

my $node = PostgreSQL::Test::Cluster->new('workers');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
vector_db.max_workers = 2
});
$node->start;

ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'vector_db launcher'}),
	'the launcher shows in pg_stat_activity');
my $launcher = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'vector_db launcher'});

# Two databases with the extension, one index of each kind in the first.
$node->safe_psql('postgres', 'CREATE DATABASE other');
for my $db ('postgres', 'other')
{
	$node->safe_psql($db, q{
CREATE EXTENSION vector_db;
CREATE TABLE items (id int, v vector(3));
INSERT INTO items SELECT i, ARRAY[i, i % 7, i % 3]::real[]::vector FROM generate_series(1, 50) i;
CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops);
});
}
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE INDEX items_ivfflat ON items USING ivfflat (v vector_l2_ops) WITH (lists = 2);
CREATE INDEX items_ivf ON items USING ivf (v vector_l2_ops) WITH (lists = 2);
CREATE TABLE locked (id int, v vector(3));
CREATE INDEX locked_hnsw ON locked USING hnsw (v vector_l2_ops);
});

# Hold ShareUpdateExclusiveLock on one table, as a VACUUM would.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE locked IN SHARE UPDATE EXCLUSIVE MODE;');

my $offset = -s $node->logfile;
$node->append_conf('postgresql.conf', 'vector_db.test_index_task = 1000');
$node->reload;

ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM vector_db_worker_activity a JOIN pg_stat_activity s USING (pid)
WHERE s.backend_type = 'vector_db worker' AND a.datname = 'postgres' AND a.datid = s.datid
  AND a.task = 'test' AND a.relation LIKE 'public.items_%' AND a.relid = a.relation::regclass
  AND a.task_started_at >= a.started_at AND a.progress = 0}),
	'a worker shows in pg_stat_activity and in vector_db_worker_activity with its task and index');
ok($node->poll_query_until('other', q{
SELECT count(*) = 1 FROM vector_db_worker_activity
WHERE datname = 'other' AND task = 'test' AND relation = 'public.items_hnsw'}),
	'another database gets a worker of its own at the same time');

# SIGTERM cancels the task; the launcher starts the next worker. The worker
# is found and signalled in one statement: between two tasks it shows none.
my $victim = '';
ok(poll_until(sub {
	$victim = $node->safe_psql('postgres', q{
WITH busy AS MATERIALIZED (
  SELECT pid FROM vector_db_worker_activity WHERE datname = 'postgres' AND task = 'test' LIMIT 1)
SELECT pid FROM busy WHERE pg_terminate_backend(pid)});
	return $victim ne '';
}), 'a worker in the middle of its task gets a SIGTERM');
ok($node->poll_query_until('postgres', qq{
SELECT count(*) = 1 FROM vector_db_worker_activity
WHERE datname = 'postgres' AND task = 'test' AND pid <> $victim}),
	'after a SIGTERM the launcher starts a new worker');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $victim"),
	'0', 'the terminated worker is gone');

# The round: every index of each kind, but not the locked one.
$node->append_conf('postgresql.conf', 'vector_db.test_index_task = 0');
$node->reload;
my $ran = sub {
	my ($index) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @hits = $log =~ /vector_db test task ran on index "$index"/g;
	return scalar @hits;
};
for my $index ('items_hnsw', 'items_ivfflat', 'items_ivf')
{
	ok(poll_until(sub { $ran->($index) >= 3 }), "the round runs the task on $index");
}
is($ran->('locked_hnsw'), 0, 'the round skips an index whose table it cannot lock at once');
$holder->query_safe('COMMIT');
ok(poll_until(sub { $ran->('locked_hnsw') >= 1 }), 'and runs on it once the lock is free');

# A terminated launcher is restarted by the postmaster.
$node->safe_psql('postgres', "SELECT pg_terminate_backend($launcher)");
ok($node->poll_query_until('postgres', qq{
SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'vector_db launcher' AND pid <> $launcher}),
	'a terminated launcher comes back');

# A database without the extension: its worker exits at once, nothing logged.
$node->safe_psql('postgres', 'CREATE DATABASE plain');
$offset = -s $node->logfile;
ok(poll_until(sub { $ran->('items_hnsw') >= 2 }), 'the workers go on');
unlike(slurp_file($node->logfile, $offset), qr/ERROR|FATAL/, 'no errors in the workers');

$holder->quit;
$node->stop;
done_testing();

