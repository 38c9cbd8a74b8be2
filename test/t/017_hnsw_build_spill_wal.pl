# A build past maintenance_work_mem writes the rows it inserts after the
# NOTICE in place, with no WAL record per edit, and logs the whole index
# once at the end (the build's unlogged mode, src/index/index_pages.h).
# So: the build writes about the index's size in WAL, not a record per
# edit; a streaming standby and a crash-restarted primary both hold a
# valid index (vector_db_index_check) that finds every row; and inserts
# made right after the build, in the same session, are WAL-logged again
# (the mode does not outlive the build) and reach the standby.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('spill_');
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(16)) WITH (autovacuum_enabled = off)');
fill_random($primary, 'postgres', 'items', 'vector', 16, 1, 10000);
$primary->safe_psql('postgres', 'ANALYZE items');

# 1MB holds a few thousand of these nodes, not 10,000 (as in 006).
my $start = $primary->lsn('insert');
my ($ret, $out, $err) = $primary->psql('postgres', qq{
SET max_parallel_maintenance_workers = 0;
SET maintenance_work_mem = '1MB';
CREATE INDEX idx ON items USING hnsw (v vector_l2_ops);
SELECT pg_relation_size('idx'), pg_current_wal_insert_lsn() - '$start'::pg_lsn;
INSERT INTO items SELECT i, (SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 16) WHERE i > 0)::vector
FROM generate_series(10001, 10300) i;
});
is($ret, 0, 'the build and the inserts after it succeed') or diag($err);
like($err, qr/hnsw graph no longer fits into maintenance_work_mem after \d+ tuples/, 'the build went past memory');
my ($index_bytes, $wal_bytes) = split /\|/, $out;
# The full-page images of the index and the catalog changes; logging each
# edit of the rows inserted after the NOTICE wrote several times the
# index's size (wal_consistency_checking adds a page image to each).
cmp_ok($wal_bytes, '<', 1.5 * $index_bytes, "the build wrote $wal_bytes bytes of WAL for a $index_bytes-byte index");

# Every row finds itself among its 5 nearest by index (random rows: no ties).
my $every_row = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT count(*) FROM items i
WHERE i.id IN (SELECT o.id FROM items o ORDER BY o.v <-> i.v LIMIT 5);
};
is($primary->safe_psql('postgres', $every_row), '10300', 'primary: the index finds every row');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', $every_row), '10300', 'standby: the index finds every row');
check_index($standby, 'postgres', 'standby');

# A crash right after the build: recovery restores the index from the
# full-page images alone (the pages written in place may never have
# reached the disk).
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $every_row), '10300', 'after a crash: the index finds every row');
standby_checks_and_stop($primary, $standby);
done_testing();
