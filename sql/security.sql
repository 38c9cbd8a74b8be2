-- Security: row-level security and column privileges hold through index
-- scans, maintenance needs ownership, and malformed index options and
-- settings are clean errors.
CREATE ROLE regress_vdb_alice;
CREATE ROLE regress_vdb_bob;
CREATE ROLE regress_vdb_carol;

-- 40 rows, alternately alice's and bob's; row i is at distance i from the
-- query below, so each tenant's nearest rows are known.
CREATE TABLE sec_items (id int, tenant name, v vector(3));
INSERT INTO sec_items SELECT i, CASE WHEN i % 2 = 0 THEN 'regress_vdb_alice' ELSE 'regress_vdb_bob' END,
	ARRAY[i, 0, 0]::vector FROM generate_series(1, 40) i;
CREATE INDEX sec_items_hnsw ON sec_items USING hnsw (v vector_l2_ops);
CREATE INDEX sec_items_ivf ON sec_items USING ivf (v vector_cosine_ops) WITH (lists = 2);
ALTER TABLE sec_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY sec_tenant ON sec_items USING (tenant = current_user);
GRANT SELECT ON sec_items TO regress_vdb_alice, regress_vdb_bob;
GRANT SELECT (id, tenant) ON sec_items TO regress_vdb_carol;

-- Each role gets only its own rows, through the index.
SET enable_seqscan = off;
SET ivf.probes = 2;
SET ROLE regress_vdb_alice;
EXPLAIN (COSTS OFF) SELECT id, tenant FROM sec_items ORDER BY v <-> '[0,0,0]' LIMIT 5;
SELECT id, tenant FROM sec_items ORDER BY v <-> '[0,0,0]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id, tenant FROM sec_items ORDER BY v <=> '[1,0.1,0]' LIMIT 5;
SELECT count(*) AS rows, count(*) FILTER (WHERE tenant <> current_user) AS others_rows
FROM (SELECT tenant FROM sec_items ORDER BY v <=> '[1,0.1,0]' LIMIT 40) s;
SET ROLE regress_vdb_bob;
SELECT id, tenant FROM sec_items ORDER BY v <-> '[0,0,0]' LIMIT 5;
SELECT count(*) AS rows, count(*) FILTER (WHERE tenant <> current_user) AS others_rows
FROM (SELECT tenant FROM sec_items ORDER BY v <=> '[1,0.1,0]' LIMIT 40) s;

-- Without SELECT on the vector column, ordering by it is refused (42501).
SET ROLE regress_vdb_carol;
SELECT id FROM sec_items ORDER BY v <-> '[0,0,0]' LIMIT 1;
SELECT id FROM sec_items ORDER BY v <=> '[0,0,0]' LIMIT 1;
SELECT id FROM sec_items WHERE v <-> '[0,0,0]' < 3;
SELECT count(*) FROM sec_items;

-- Maintenance needs ownership (42501): reindex, options, new and dropped
-- indexes of another role's table.
SET ROLE regress_vdb_alice;
-- PostgreSQL's own message for REINDEX changed in 17 (pg_maintain): only
-- its SQLSTATE is shown.
\set VERBOSITY sqlstate
REINDEX INDEX sec_items_hnsw;
\set VERBOSITY default
ALTER INDEX sec_items_hnsw SET (ef_construction = 100);
ALTER INDEX sec_items_ivf RESET (lists);
CREATE INDEX ON sec_items USING hnsw (v vector_l2_ops);
CREATE INDEX ON sec_items USING ivfflat (v vector_l2_ops);
DROP INDEX sec_items_hnsw;
RESET ROLE;
RESET ivf.probes;
RESET enable_seqscan;

-- Every function of the extension that is not a pure function of its
-- arguments (immutable) nor an access method handler: each is maintenance
-- and must not be executable by PUBLIC, unless it checks the caller's rights
-- itself (the TTL and history functions: the table's owner), only reports
-- (the worker activity) or only reads tables with the caller's own rights
-- (grouping search, BM25 queries, hybrid search). A new one shows up here.
SELECT p.oid::regprocedure AS function,
	EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
		WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_can_execute
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vector_db'
WHERE p.provolatile <> 'i' AND p.prorettype <> 'index_am_handler'::regtype
ORDER BY 1;

DROP TABLE sec_items;
DROP ROLE regress_vdb_alice, regress_vdb_bob, regress_vdb_carol;

-- Malformed index options: garbage, overflow, empty and
-- valueless options are errors, at CREATE INDEX and at ALTER INDEX.
CREATE TABLE opt_items (v vector(3), h halfvec(3));
INSERT INTO opt_items VALUES ('[1,2,3]', '[1,2,3]'), ('[3,2,1]', '[3,2,1]');
CREATE INDEX ON opt_items USING hnsw (v) WITH (m = 'abc');
CREATE INDEX ON opt_items USING hnsw (v) WITH (m = '');
CREATE INDEX ON opt_items USING hnsw (v) WITH (m = 99999999999);
CREATE INDEX ON opt_items USING hnsw (v) WITH (m = -1);
CREATE INDEX ON opt_items USING hnsw (v) WITH (m);
CREATE INDEX ON opt_items USING hnsw (v) WITH (ef_construction = -2147483648);
CREATE INDEX ON opt_items USING hnsw (v) WITH (quantizer = '');
CREATE INDEX ON opt_items USING hnsw (v) WITH (quantizer = 'sq8 ');
CREATE INDEX ON opt_items USING hnsw (v) WITH (quantizer = 8);
CREATE INDEX ON opt_items USING hnsw (v) WITH (quantizer);
CREATE INDEX ON opt_items USING hnsw (v) WITH (quantizer = 'sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8sq8');
CREATE INDEX ON opt_items USING hnsw (v) WITH (lists = 4);
CREATE INDEX ON opt_items USING ivfflat (v) WITH (lists = 0);
CREATE INDEX ON opt_items USING ivfflat (v) WITH (lists = 32769);
CREATE INDEX ON opt_items USING ivfflat (v) WITH (lists = 'many');
CREATE INDEX ON opt_items USING ivfflat (v) WITH (lists = 2147483648);
CREATE INDEX ON opt_items USING ivfflat (v) WITH (quantizer = 'sq8');
CREATE INDEX ON opt_items USING ivf (v) WITH (lists = 'x');
CREATE INDEX ON opt_items USING ivf (v) WITH (lists = 32769);
CREATE INDEX ON opt_items USING ivf (v) WITH (pq_m = -1);
CREATE INDEX ON opt_items USING ivf (v) WITH (pq_m = 16001);
CREATE INDEX ON opt_items USING ivf (v) WITH (pq_m = 'abc');
CREATE INDEX ON opt_items USING ivf (v) WITH (pq_bits = 16);
CREATE INDEX ON opt_items USING ivf (v) WITH (quantizer = 'PQ ');
CREATE INDEX ON opt_items USING ivf (v) WITH (quantizer = '');
CREATE INDEX ON opt_items USING ivf (v) WITH (m = 16);
-- On an existing index the same checks apply; an m that breaks
-- ef_construction >= 2 * m is refused when the index is rebuilt.
CREATE INDEX opt_hnsw ON opt_items USING hnsw (v) WITH (m = 8, ef_construction = 32);
CREATE INDEX opt_ivf ON opt_items USING ivf (v) WITH (lists = 1, quantizer = 'sq8');
ALTER INDEX opt_hnsw SET (m = 'abc');
ALTER INDEX opt_hnsw SET (ef_construction = 0);
ALTER INDEX opt_hnsw SET (quantizer = 'none');
ALTER INDEX opt_ivf SET (lists = -1);
ALTER INDEX opt_ivf SET (quantizer = 'sq4');
ALTER INDEX opt_hnsw SET (m = 64);
REINDEX INDEX opt_hnsw;
ALTER INDEX opt_hnsw RESET (m);
REINDEX INDEX opt_hnsw;
SELECT vector_db_index_check('opt_hnsw', true), vector_db_index_check('opt_ivf', true);

-- Malformed settings: every index setting refuses garbage and values out of
-- range (the bounds themselves are tested beside each access method), by
-- SET and by set_config alike.
SET hnsw.ef_search = 'abc';
SET hnsw.ef_search = -1;
SET hnsw.ef_search = 1e10;
SELECT set_config('hnsw.ef_search', '', false);
SET hnsw.iterative_scan = '';
SET hnsw.iterative_scan = 1;
SET hnsw.max_scan_tuples = 0;
SET hnsw.max_scan_tuples = 'lots';
SET hnsw.max_scan_tuples = 2147483648;
SET hnsw.scan_mem_multiplier = 'NaN';
SET hnsw.scan_mem_multiplier = 'Infinity';
SET hnsw.scan_mem_multiplier = 1001;
SET hnsw.scan_mem_multiplier = -1;
SET hnsw.no_such_setting = 1;
SET ivfflat.probes = 0;
SET ivfflat.probes = 32769;
SET ivfflat.probes = 'x';
SET ivfflat.iterative_scan = strict_order;
SET ivfflat.max_probes = 0;
SET ivfflat.max_probes = 'x';
SET ivfflat.rerank = 5;
SET ivf.probes = -5;
SELECT set_config('ivf.probes', '99999999999', false);
SET ivf.iterative_scan = sideways;
SET ivf.max_probes = 32769;
SET ivf.rerank = 1000001;
SET ivf.rerank = 'x';
SET ivf.no_such_setting = 1;
-- None of that changed a setting, and searches still run.
SELECT current_setting('hnsw.ef_search') AS ef_search, current_setting('ivfflat.probes') AS ivfflat_probes,
	current_setting('ivf.probes') AS ivf_probes, current_setting('hnsw.scan_mem_multiplier') AS mem;
SET enable_seqscan = off;
SELECT v FROM opt_items ORDER BY v <-> '[1,2,3]' LIMIT 1;
RESET enable_seqscan;
DROP TABLE opt_items;
