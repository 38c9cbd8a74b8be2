-- vector_db_compact on ivfflat and ivf indexes: half the rows deleted, one
-- compaction returns at least 40% of the index to the file system, the index
-- stays intact and answers as a sequential scan; who may run it and what it
-- refuses.
CREATE FUNCTION compact_check(idx regclass) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM vector_db_index_check(idx, true);
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 32 dimensions: enough sq8 codes per list for several pages, so that the
-- pages a list half fills are a small part of the index.
CREATE FUNCTION compact_vec(i int) RETURNS vector LANGUAGE sql IMMUTABLE AS
	$$ SELECT ARRAY(SELECT ((i * j + j * j) % 101)::real FROM generate_series(1, 32) j)::vector $$;
CREATE TABLE compact_items (id int, v vector(32));
INSERT INTO compact_items SELECT i, compact_vec(i) FROM generate_series(1, 6000) i;
CREATE INDEX compact_ivfflat ON compact_items USING ivfflat (v vector_l2_ops) WITH (lists = 4);
CREATE INDEX compact_ivf ON compact_items USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
CREATE TEMP TABLE sizes AS
	SELECT c.relname, pg_relation_size(c.oid) AS before FROM pg_class c WHERE relname IN ('compact_ivfflat', 'compact_ivf');

-- Deleted, not vacuumed: the compaction finds the dead rows itself (the
-- heap pages are pruned on the way).
DELETE FROM compact_items WHERE id % 2 = 0;
-- Neither index has been compacted yet: vector_db_index_stats says so.
SELECT idx, s.last_compaction IS NULL AS never_compacted
FROM unnest(ARRAY['compact_ivfflat', 'compact_ivf']::regclass[]) idx, vector_db_index_stats(idx) s ORDER BY 1;
-- Each returns the pages its index lost.
CREATE TEMP TABLE compact_started AS SELECT clock_timestamp() AS at;
CREATE TEMP TABLE lost AS
	SELECT vector_db_compact('compact_ivfflat') AS ivfflat, vector_db_compact('compact_ivf') AS ivf;
SELECT relname, pg_relation_size(relname::regclass) <= 0.6 * before AS shrunk_40pct,
       pg_relation_size(relname::regclass) = before - current_setting('block_size')::bigint *
           (SELECT CASE relname WHEN 'compact_ivfflat' THEN ivfflat ELSE ivf END FROM lost) AS returns_pages_lost
FROM sizes ORDER BY relname;
SELECT compact_check('compact_ivfflat') AS ivfflat, compact_check('compact_ivf') AS ivf;
-- Its time is recorded in the metapage, and it is no rebalance.
SELECT idx, s.last_compaction BETWEEN (SELECT at FROM compact_started) AND clock_timestamp() AS compacted_now,
       s.last_rebalance IS NULL AS never_rebalanced
FROM unnest(ARRAY['compact_ivfflat', 'compact_ivf']::regclass[]) idx, vector_db_index_stats(idx) s ORDER BY 1;

-- Every list probed: the index returns what a sequential scan returns.
SET ivfflat.probes = 4;
SET ivf.probes = 4;
SET ivf.rerank = 1000;
SET enable_seqscan = off;
-- Distances, not ids: rows at the same distance may come in any order.
EXPLAIN (COSTS OFF) SELECT v <-> compact_vec(7) AS d FROM compact_items ORDER BY 1 LIMIT 50;
CREATE TEMP TABLE by_ivf AS
	SELECT array_agg(d) AS d FROM (SELECT v <-> compact_vec(7) AS d FROM compact_items ORDER BY 1 LIMIT 50) s;
DROP INDEX compact_ivf;
EXPLAIN (COSTS OFF) SELECT v <-> compact_vec(7) AS d FROM compact_items ORDER BY 1 LIMIT 50;
CREATE TEMP TABLE by_ivfflat AS
	SELECT array_agg(d) AS d FROM (SELECT v <-> compact_vec(7) AS d FROM compact_items ORDER BY 1 LIMIT 50) s;
DROP INDEX compact_ivfflat;
RESET enable_seqscan;
CREATE TEMP TABLE exact AS
	SELECT array_agg(d) AS d FROM (SELECT v <-> compact_vec(7) AS d FROM compact_items ORDER BY 1 LIMIT 50) s;
SELECT (SELECT d FROM by_ivfflat) = e.d AS ivfflat_exact, (SELECT d FROM by_ivf) = e.d AS ivf_exact,
       cardinality(e.d) AS n FROM exact e;

-- Inserts after a compaction fill the packed lists; a second compaction
-- with nothing dead keeps every row.
CREATE INDEX compact_ivfflat ON compact_items USING ivfflat (v vector_l2_ops) WITH (lists = 4);
INSERT INTO compact_items SELECT i, compact_vec(i % 500) FROM generate_series(6001, 6500) i;
VACUUM compact_items;
SELECT vector_db_compact('compact_ivfflat');
SELECT vector_db_compact('compact_ivfflat');
SELECT compact_check('compact_ivfflat') AS ivfflat;
SET enable_seqscan = off;
SELECT count(*) AS rows_found FROM (SELECT id FROM compact_items ORDER BY v <-> compact_vec(1) LIMIT 100000) s;
RESET enable_seqscan;
SELECT count(*) AS rows_in_table FROM compact_items;

-- An empty table's index.
CREATE TABLE compact_empty (v vector(3));
CREATE INDEX compact_empty_idx ON compact_empty USING ivfflat (v) WITH (lists = 2);
SELECT vector_db_compact('compact_empty_idx');
SELECT compact_check('compact_empty_idx') AS empty;

-- Refused: a table, a btree, an invalid index, a dropped OID, NULL (no-op:
-- strict), another role's table. An hnsw index with nothing deleted loses
-- nothing (sql/hnsw_compact.sql tests hnsw).
SELECT vector_db_compact('compact_items');
CREATE INDEX compact_btree ON compact_items (id);
SELECT vector_db_compact('compact_btree');
CREATE INDEX compact_hnsw ON compact_items USING hnsw (v vector_l2_ops);
SELECT vector_db_compact('compact_hnsw');
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'compact_ivfflat'::regclass;
SELECT vector_db_compact('compact_ivfflat');
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'compact_ivfflat'::regclass;
SELECT vector_db_compact(0);
SELECT vector_db_compact(NULL);
CREATE ROLE regress_vdb_compact;
GRANT EXECUTE ON FUNCTION vector_db_compact(regclass) TO regress_vdb_compact;
SET ROLE regress_vdb_compact;
SELECT vector_db_compact('compact_ivfflat');
RESET ROLE;
-- Without the grant, the function itself is refused.
REVOKE EXECUTE ON FUNCTION vector_db_compact(regclass) FROM regress_vdb_compact;
SET ROLE regress_vdb_compact;
SELECT vector_db_compact('compact_ivfflat');
RESET ROLE;
DROP ROLE regress_vdb_compact;
DROP TABLE compact_items, compact_empty;
DROP FUNCTION compact_check(regclass), compact_vec(int);
