-- TTL (docs/workers.md): settings, their errors, and expiry run by hand.
-- The regression cluster does not preload vector_db: no worker runs, the
-- activity view is empty, and vector_db_expire does the workers' pass.
SELECT count(*) FROM vector_db_worker_activity;

CREATE TABLE ttl_items (id int, at timestamptz, d date, n int, v vector(2));
INSERT INTO ttl_items
SELECT i, now() - i * interval '1 hour', (now() - i * interval '1 day')::date, i, '[1,2]'
FROM generate_series(1, 48) i;
CREATE VIEW ttl_view AS SELECT * FROM ttl_items;

-- Bad input.
SELECT vector_db_set_ttl('ttl_items', 'missing', '1 day');
SELECT vector_db_set_ttl('ttl_items', 'ctid', '1 day');
SELECT vector_db_set_ttl('ttl_items', 'n', '1 day');
SELECT vector_db_set_ttl('ttl_items', 'at', '0');
SELECT vector_db_set_ttl('ttl_items', 'at', '1 month -40 days');
SELECT vector_db_set_ttl('ttl_items', 'at', '1 day', drop_partitions => true);
SELECT vector_db_set_ttl('ttl_view', 'at', '1 day');
SELECT vector_db_expire('ttl_items');
SELECT vector_db_unset_ttl('ttl_items');

-- Only the table's owner.
CREATE ROLE regress_ttl_other;
GRANT CREATE ON SCHEMA public TO regress_ttl_other;
SET ROLE regress_ttl_other;
SELECT vector_db_set_ttl('ttl_items', 'at', '1 day');
SELECT vector_db_unset_ttl('ttl_items');
SELECT vector_db_expire('ttl_items');
INSERT INTO vector_db_ttl VALUES ('ttl_items', 'at', '1 day');
SELECT vector_db_ttl_forget();
-- A role's own table, with a TTL, dropped by the role (the event trigger
-- runs for everyone).
CREATE TABLE ttl_own (at date);
SELECT vector_db_set_ttl('ttl_own', 'at', '1 year');
SELECT count(*) FROM vector_db_ttl;
DROP TABLE ttl_own;
SELECT count(*) FROM vector_db_ttl;
RESET ROLE;

-- Rows older than the TTL go, the others stay.
SELECT vector_db_set_ttl('ttl_items', 'at', '1 day 30 minutes');
SELECT relid, column_name, ttl, drop_partitions FROM vector_db_ttl;
SET vector_db.ttl_batch_size = 5;
SELECT vector_db_expire('ttl_items');
SELECT count(*), min(id), max(id) FROM ttl_items;
SELECT vector_db_expire('ttl_items');

-- Setting it again replaces it; a date column.
SELECT vector_db_set_ttl('ttl_items', 'd', '10 days');
SELECT relid, column_name, ttl FROM vector_db_ttl;
SELECT vector_db_expire('ttl_items');
SELECT count(*), min(id), max(id) FROM ttl_items;

SELECT vector_db_unset_ttl('ttl_items');
SELECT vector_db_unset_ttl('ttl_items');

-- A dropped table's setting goes with it.
SELECT vector_db_set_ttl('ttl_items', 'at', '1 day');
DROP TABLE ttl_items CASCADE;
SELECT count(*) FROM vector_db_ttl;

-- Partition mode: expired partitions are dropped, the rest deleted by row.
CREATE TABLE ttl_parts (at timestamp, id int) PARTITION BY RANGE (at);
CREATE TABLE ttl_parts_2000_01 PARTITION OF ttl_parts FOR VALUES FROM ('2000-01-01') TO ('2000-02-01');
CREATE TABLE ttl_parts_2000_02 PARTITION OF ttl_parts FOR VALUES FROM ('2000-02-01') TO ('2000-03-01');
CREATE TABLE ttl_parts_later PARTITION OF ttl_parts FOR VALUES FROM ('2000-03-01') TO (MAXVALUE);
CREATE TABLE ttl_parts_default PARTITION OF ttl_parts DEFAULT;
INSERT INTO ttl_parts VALUES ('2000-01-10', 1), ('2000-02-10', 2), ('2000-03-10', 3), (now(), 4), ('1999-01-01', 5);
SELECT vector_db_set_ttl('ttl_parts', 'at', '1 day', drop_partitions => true);
SELECT vector_db_expire('ttl_parts');
SELECT relname FROM pg_class WHERE relname LIKE 'ttl_parts%' AND relkind IN ('r', 'p') ORDER BY 1;
SELECT id FROM ttl_parts ORDER BY id;
SELECT count(*) FROM vector_db_ttl;
CREATE TABLE ttl_hash (at date, id int) PARTITION BY HASH (id);
SELECT vector_db_set_ttl('ttl_hash', 'at', '1 day', drop_partitions => true);
SELECT vector_db_set_ttl('ttl_hash', 'at', '1 day');
DROP TABLE ttl_parts, ttl_hash;
SELECT count(*) FROM vector_db_ttl;
REVOKE CREATE ON SCHEMA public FROM regress_ttl_other;
DROP ROLE regress_ttl_other;
