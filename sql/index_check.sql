-- vector_db_index_check: who may run it, what it refuses, and a heap row
-- missing from an index (inserted while the index took no inserts) found
-- for every access method.
CREATE FUNCTION check_result(idx regclass, heapallindexed boolean DEFAULT true) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	PERFORM vector_db_index_check(idx, heapallindexed);
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' / ' || nullif(detail, ''), '');
END $$;

-- 30 rows: fewer than 2m + 1 (m = 16), so no hnsw link list ever fills and
-- is pruned, and every node stays reachable whatever the build order.
CREATE TABLE check_items (id int, v vector(3));
INSERT INTO check_items SELECT i, ARRAY[i, i % 7, i % 3]::vector FROM generate_series(1, 30) i;
CREATE INDEX check_hnsw ON check_items USING hnsw (v vector_l2_ops);
CREATE INDEX check_ivfflat ON check_items USING ivfflat (v vector_l2_ops) WITH (lists = 2);
CREATE INDEX check_ivf ON check_items USING ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8');
SELECT check_result('check_hnsw') AS hnsw, check_result('check_ivfflat') AS ivfflat, check_result('check_ivf') AS ivf;

-- A row the indexes never received: inserts skip an index that is not ready.
UPDATE pg_index SET indisready = false WHERE indrelid = 'check_items'::regclass;
INSERT INTO check_items VALUES (31, '[1,2,3]');
UPDATE pg_index SET indisready = true WHERE indrelid = 'check_items'::regclass;
SELECT check_result('check_hnsw') AS hnsw;
SELECT check_result('check_ivfflat') AS ivfflat;
SELECT check_result('check_ivf') AS ivf;
-- Without heapallindexed the structure alone is checked, and it is intact.
SELECT check_result('check_hnsw', false) AS hnsw, check_result('check_ivfflat', false) AS ivfflat,
       check_result('check_ivf', false) AS ivf;
REINDEX TABLE check_items;
SELECT check_result('check_hnsw') AS hnsw, check_result('check_ivfflat') AS ivfflat, check_result('check_ivf') AS ivf;

-- Refused: an index a concurrent build left invalid, a table, a dropped OID.
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'check_hnsw'::regclass;
SELECT check_result('check_hnsw');
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'check_hnsw'::regclass;
SELECT check_result('check_items');
SELECT check_result(1::oid::regclass);

-- Privileges: no EXECUTE for PUBLIC; pg_monitor has it.
SELECT has_function_privilege('public', 'vector_db_index_check(regclass, boolean)', 'EXECUTE') AS public_may,
       has_function_privilege('pg_monitor', 'vector_db_index_check(regclass, boolean)', 'EXECUTE') AS monitor_may;
CREATE ROLE regress_check_owner;
CREATE ROLE regress_check_other;
CREATE ROLE regress_check_monitor IN ROLE pg_monitor;
CREATE ROLE regress_check_nobody;
GRANT EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean) TO regress_check_owner, regress_check_other;
ALTER TABLE check_items OWNER TO regress_check_owner;
-- Granted EXECUTE, but neither owner nor monitor: 42501.
SET ROLE regress_check_other;
SELECT check_result('check_hnsw');
SELECT check_result('check_ivf', false);
RESET ROLE;
-- No EXECUTE at all.
SET ROLE regress_check_nobody;
SELECT check_result('check_hnsw');
RESET ROLE;
-- The owner and a member of pg_monitor may.
SET ROLE regress_check_owner;
SELECT check_result('check_hnsw') AS hnsw, check_result('check_ivfflat') AS ivfflat, check_result('check_ivf') AS ivf;
RESET ROLE;
SET ROLE regress_check_monitor;
SELECT check_result('check_hnsw') AS hnsw, check_result('check_ivfflat') AS ivfflat, check_result('check_ivf') AS ivf;
RESET ROLE;

DROP TABLE check_items;
DROP FUNCTION check_result;
REVOKE EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean) FROM regress_check_owner, regress_check_other;
DROP ROLE regress_check_owner, regress_check_other, regress_check_monitor, regress_check_nobody;
