-- vector_db_rebalance on ivfflat and ivf indexes (flat, sq8, pq, rabitq):
-- after half the rows were replaced by shifted ones, the lists are uneven
-- and many rows were added since training; a rebalance trains new lists on
-- the rows, the counter starts again from zero, the lists even out, the
-- index stays intact, every row is found exactly once, and inserts go on
-- into the new lists. Who may run it and what it refuses.
-- try() is sql/extension.sql's.
CREATE FUNCTION rebalance_check(idx regclass) RETURNS text LANGUAGE sql AS
	$$ SELECT try(format('SELECT vector_db_index_check(%L::regclass, true)', idx)) $$;
-- Rows around (c, c, ..., c), spread by i: 8 dimensions.
CREATE FUNCTION rebalance_vec(i int, c real) RETURNS vector LANGUAGE sql IMMUTABLE AS
	$$ SELECT ARRAY(SELECT c + ((i * j + j * j) % 17)::real FROM generate_series(1, 8) j)::vector $$;
CREATE TABLE rebalance_items (id int, v vector(8));
INSERT INTO rebalance_items SELECT i, rebalance_vec(i, 0) FROM generate_series(1, 2000) i;
CREATE INDEX rebalance_ivfflat ON rebalance_items USING ivfflat (v vector_l2_ops) WITH (lists = 8);
CREATE INDEX rebalance_sq8 ON rebalance_items USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'sq8');
CREATE INDEX rebalance_pq ON rebalance_items USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'pq', pq_m = 4);
CREATE INDEX rebalance_rabitq ON rebalance_items USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'rabitq');
CREATE TEMP TABLE indexes AS
	SELECT unnest(ARRAY['rebalance_ivfflat', 'rebalance_sq8', 'rebalance_pq', 'rebalance_rabitq'])::regclass AS idx;

-- Half the rows replaced by rows far away: they all land in the list
-- nearest to them.
DELETE FROM rebalance_items WHERE id % 2 = 0;
INSERT INTO rebalance_items SELECT i, rebalance_vec(i, 1000) FROM generate_series(2001, 3000) i;
VACUUM rebalance_items;
SELECT idx, s.rows_since_training, s.list_imbalance > 4 AS uneven, s.last_rebalance IS NULL AS never_rebalanced
FROM indexes, vector_db_index_stats(idx) s ORDER BY 1;
CREATE TEMP TABLE rebalance_started AS SELECT clock_timestamp() AS at;
SELECT vector_db_rebalance(idx) FROM indexes;
-- last_rebalance is the time of the switch; a rebalance is no compaction.
SELECT idx, s.live, s.lists, s.rows_since_training, s.list_imbalance < 4 AS even, rebalance_check(idx) AS check,
       s.last_rebalance BETWEEN (SELECT at FROM rebalance_started) AND clock_timestamp() AS rebalanced_now,
       s.last_compaction IS NULL AS never_compacted
FROM indexes, vector_db_index_stats(idx) s ORDER BY 1;

-- Every list probed: each index returns every row once, and the nearest
-- rows to a query near each cluster as a sequential scan does.
CREATE TEMP TABLE exact AS
	SELECT c, array_agg(d ORDER BY d) AS d FROM (SELECT c, v <-> rebalance_vec(3, c) AS d,
	       row_number() OVER (PARTITION BY c ORDER BY v <-> rebalance_vec(3, c)) AS r
	       FROM rebalance_items, (VALUES (0::real), (1000::real)) q(c)) s WHERE r <= 20 GROUP BY c;
CREATE FUNCTION rebalance_scan(idx regclass, c real) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
	result float8[];
BEGIN
	-- Only this index.
	EXECUTE format('UPDATE pg_index SET indisvalid = (indexrelid = %s) WHERE indrelid = %s', idx::oid,
	               'rebalance_items'::regclass::oid);
	SET LOCAL enable_seqscan = off;
	SELECT array_agg(d) INTO result FROM (SELECT v <-> rebalance_vec(3, c) AS d FROM rebalance_items
	                                      ORDER BY 1 LIMIT 20) s;
	UPDATE pg_index SET indisvalid = true WHERE indrelid = 'rebalance_items'::regclass;
	RETURN result;
END $$;
SET ivfflat.probes = 8;
SET ivf.probes = 8;
SET ivf.rerank = 1000;
SELECT idx, bool_and(rebalance_scan(idx, e.c) = e.d) AS exact FROM indexes, exact e GROUP BY idx ORDER BY 1;
SET enable_seqscan = off;
SELECT idx, (SELECT count(DISTINCT id) FROM (SELECT id FROM rebalance_items ORDER BY v <-> rebalance_vec(1, 500)
            LIMIT 100000) s) AS distinct_rows_found
FROM indexes WHERE idx = 'rebalance_ivfflat'::regclass;
RESET enable_seqscan;
SELECT count(*) AS rows_in_table FROM rebalance_items;

-- Inserts after the rebalance go into the new lists and count again.
INSERT INTO rebalance_items SELECT i, rebalance_vec(i, 500) FROM generate_series(3001, 3010) i;
SELECT idx, s.live, s.rows_since_training, rebalance_check(idx) AS check
FROM indexes, vector_db_index_stats(idx) s ORDER BY 1;
SELECT idx, rebalance_scan(idx, 500)
	= (SELECT array_agg(d) FROM (SELECT v <-> rebalance_vec(3, 500) AS d FROM rebalance_items ORDER BY 1 LIMIT 20) s)
	AS exact
FROM indexes ORDER BY 1;

-- A second rebalance with nothing new, and one of an empty index.
SELECT vector_db_rebalance('rebalance_ivfflat');
SELECT rebalance_check('rebalance_ivfflat') AS again;
CREATE TABLE rebalance_empty (v vector(3));
CREATE INDEX rebalance_empty_idx ON rebalance_empty USING ivf (v) WITH (lists = 2, quantizer = 'sq8');
SELECT vector_db_rebalance('rebalance_empty_idx');
INSERT INTO rebalance_empty VALUES ('[1,2,3]');
SELECT rebalance_check('rebalance_empty_idx') AS empty, (SELECT count(*) FROM rebalance_empty WHERE v <-> '[1,2,3]' < 1);

-- Refused: an open scan of the index in this session, a table, an hnsw
-- index, an invalid index, another role's table; NULL is a no-op (strict).
BEGIN;
SET LOCAL enable_seqscan = off;
DECLARE c CURSOR FOR SELECT 1 AS one FROM rebalance_items ORDER BY v <-> rebalance_vec(1, 0);
FETCH 1 FROM c;
-- Whichever index the cursor scans refuses (55006).
SELECT count(*) FILTER (WHERE try(format('SELECT vector_db_rebalance(%L::regclass)', idx)) LIKE '55006:%')
	AS refused FROM indexes;
ROLLBACK;
SELECT vector_db_rebalance('rebalance_items');
CREATE INDEX rebalance_hnsw ON rebalance_empty USING hnsw (v vector_l2_ops);
SELECT vector_db_rebalance('rebalance_hnsw');
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'rebalance_ivfflat'::regclass;
SELECT vector_db_rebalance('rebalance_ivfflat');
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'rebalance_ivfflat'::regclass;
SELECT vector_db_rebalance(NULL);
CREATE ROLE regress_vdb_rebalance;
GRANT EXECUTE ON FUNCTION vector_db_rebalance(regclass) TO regress_vdb_rebalance;
SET ROLE regress_vdb_rebalance;
SELECT vector_db_rebalance('rebalance_ivfflat');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION vector_db_rebalance(regclass) FROM regress_vdb_rebalance;
SET ROLE regress_vdb_rebalance;
SELECT vector_db_rebalance('rebalance_ivfflat');
RESET ROLE;
DROP ROLE regress_vdb_rebalance;
DROP TABLE rebalance_items, rebalance_empty;
DROP FUNCTION rebalance_check(regclass), rebalance_vec(int, real), rebalance_scan(regclass, real);
