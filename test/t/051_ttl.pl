# TTL run by the workers (docs/workers.md), with vector_db preloaded and a
# 1 s naptime: expired rows, and only they, are deleted by themselves, in
# transactions of at most vector_db.ttl_batch_size rows; the setting
# survives a restart (and is in pg_dump's output) and deletion resumes; in
# partition mode expired partitions are dropped; a SIGTERM stops a worker
# between batches, losing nothing, and the next worker finishes the job.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ttl');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'vector_db'
vector_db.naptime = 1
vector_db.ttl_batch_size = 7
});
$node->start;

# Every row a TTL deletes is logged with the deleting transaction, which
# shows how the deletes were batched. Deleting a third batch of table slow
# waits for advisory lock 1, and a fourth for lock 2 (rows logged so far,
# this transaction's included, decide which): the SIGTERM test below holds
# them to stop a worker at a known point, whatever the machine's load.
$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE TABLE deleted_rows (tab text, id int, xid xid8 DEFAULT pg_current_xact_id());
CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.deleted_rows (tab, id) VALUES (TG_TABLE_NAME, OLD.id);
	IF TG_TABLE_NAME = 'slow' THEN
		PERFORM pg_catalog.pg_advisory_xact_lock_shared(
			CASE WHEN n > 21 THEN 2 WHEN n > 14 THEN 1 ELSE 0 END)
		FROM (SELECT count(*) n FROM public.deleted_rows WHERE tab = 'slow') c;
	END IF;
	RETURN OLD;
END $$;
CREATE TABLE events (id int, at timestamptz, v vector(2));
CREATE INDEX ON events USING hnsw (v vector_l2_ops);
CREATE INDEX ON events (at);
CREATE TRIGGER log_delete AFTER DELETE ON events FOR EACH ROW EXECUTE FUNCTION log_delete();
-- ids 1-30 expired an hour ago or more, 31-40 expire in a day.
INSERT INTO events SELECT i, now() - interval '2 hours' - i * interval '1 minute', '[1,1]' FROM generate_series(1, 30) i;
INSERT INTO events SELECT i, now(), '[2,2]' FROM generate_series(31, 40) i;
SELECT vector_db_set_ttl('events', 'at', '1 hour');
});

ok($node->poll_query_until('postgres', q{SELECT count(*) = 10 FROM events}),
	'the workers delete the expired rows by themselves');
is($node->safe_psql('postgres', q{SELECT min(id) || ' ' || max(id) FROM events}), '31 40',
	'and only them');
is($node->safe_psql('postgres', q{
SELECT count(*) || ' ' || max(n) FROM (SELECT xid, count(*) n FROM deleted_rows GROUP BY xid) b}),
	'5 7', 'in transactions of at most vector_db.ttl_batch_size rows');

# A restart keeps the setting, and expiry goes on.
$node->restart;
is($node->safe_psql('postgres', q{SELECT relid || ' ' || column_name || ' ' || ttl FROM vector_db_ttl}),
	'events at 01:00:00', 'the setting survives a restart');
my ($dump, $dump_err);
IPC::Run::run([ 'pg_dump', '-d', $node->connstr('postgres') ], '>', \$dump, '2>', \$dump_err);
like($dump, qr/COPY public\.vector_db_ttl .*\npublic\.events\tat\t01:00:00\tf\n/s, 'pg_dump dumps the setting');
$node->safe_psql('postgres',
	q{INSERT INTO events SELECT i, now() - interval '1 day', '[3,3]' FROM generate_series(41, 45) i});
ok($node->poll_query_until('postgres', q{SELECT count(*) = 10 FROM events}),
	'after the restart, newly expired rows are deleted too');

# Partition mode: a month's partition expires whole, the default partition's
# expired rows one by one.
$node->safe_psql('postgres', q{
CREATE TABLE metrics (at date, id int) PARTITION BY RANGE (at);
CREATE TABLE metrics_old PARTITION OF metrics FOR VALUES FROM ('2001-01-01') TO ('2001-02-01');
CREATE TABLE metrics_new PARTITION OF metrics FOR VALUES FROM ('2001-02-01') TO ('3000-01-01');
CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;
INSERT INTO metrics SELECT '2001-01-15', i FROM generate_series(1, 100) i;
INSERT INTO metrics VALUES (current_date, 101), ('1990-01-01', 102);
SELECT vector_db_set_ttl('metrics', 'at', '7 days', drop_partitions => true);
});
ok($node->poll_query_until('postgres', q{SELECT to_regclass('metrics_old') IS NULL}),
	'an expired partition is dropped');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM metrics}),
	'the other expired rows are deleted');
is($node->safe_psql('postgres', q{SELECT id FROM metrics}), '101', 'the live row stays');

# SIGTERM in the middle of a pass of 300 expired rows. The test holds
# advisory locks 1 and 2, so the worker commits two batches, then waits in
# its third; a worker started after it cannot commit a fourth.
my $holder = $node->background_psql('postgres');
$holder->query_safe('SELECT pg_advisory_lock(1), pg_advisory_lock(2)');
$node->safe_psql('postgres', q{
CREATE TABLE slow (id int, at timestamp);
CREATE TRIGGER log_delete AFTER DELETE ON slow FOR EACH ROW EXECUTE FUNCTION log_delete();
INSERT INTO slow SELECT i, '2000-01-01' FROM generate_series(1, 300) i;
INSERT INTO slow SELECT i, 'infinity' FROM generate_series(301, 310) i;
});
my $offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT vector_db_set_ttl('slow', 'at', '1 day')});
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM vector_db_worker_activity a JOIN pg_stat_activity s USING (pid)
WHERE a.task = 'ttl' AND a.relation = 'public.slow' AND a.relid = 'slow'::regclass AND a.progress = 14
  AND s.wait_event = 'advisory'}),
	'vector_db_worker_activity shows the TTL pass and its progress');
my $pid = $node->safe_psql('postgres', q{SELECT pid FROM vector_db_worker_activity WHERE task = 'ttl'});
# The signal is pending in the worker before the lock it waits for is free.
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
$holder->query_safe('SELECT pg_advisory_unlock(1)');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
	'the worker stops on SIGTERM');
my $log = slurp_file($node->logfile, $offset);
like($log, qr/stopped between batches after SIGTERM/, 'between batches');
unlike($log, qr/ERROR|FATAL/, 'without an error');
my ($logged, $left) = split /\|/, $node->safe_psql('postgres',
	q{SELECT (SELECT count(*) FROM deleted_rows WHERE tab = 'slow'), (SELECT count(*) FROM slow)});
is($logged, 21, 'after the batch it was in, before the end of the pass');
is($left, 310 - $logged, 'every row logged as deleted is deleted, and nothing else');
$holder->query_safe('SELECT pg_advisory_unlock(2)');
$holder->quit;
ok($node->poll_query_until('postgres', q{SELECT count(*) = 10 FROM slow}),
	'the next worker deletes the rest');
is($node->safe_psql('postgres', q{
SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM deleted_rows WHERE tab = 'slow'}),
	'300 300 1 300', 'each expired row deleted once, no live row deleted');

$node->stop;
done_testing();
