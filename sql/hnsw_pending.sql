-- The pending area of hnsw indexes (fastupdate): options, pending rows
-- found before any merge (scans equal the exact order), iterative scans,
-- vector_db_merge, VACUUM and the index check. Tables smaller than
-- ef_search, so the graph part of a scan is exact too; the pending part
-- always is.
SET client_min_messages = warning;

-- Options: fastupdate (boolean) and pending_list_limit (kB, as GIN's).
CREATE TABLE pend (id int, v vector(3));
SELECT try($$CREATE INDEX ON pend USING hnsw (v) WITH (fastupdate = maybe)$$);
SELECT try($$CREATE INDEX ON pend USING hnsw (v) WITH (pending_list_limit = 63)$$);
SELECT try($$CREATE INDEX ON pend USING hnsw (v) WITH (pending_list_limit = 'big')$$);
CREATE INDEX pend_idx ON pend USING hnsw (v vector_l2_ops) WITH (fastupdate = on, pending_list_limit = 64);
SELECT reloptions FROM pg_class WHERE relname = 'pend_idx';

-- Into an empty index every row is pending: the scan is exact with no graph.
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(1, 50) i;
SET hnsw.ef_search = 400;
SELECT exact_order('[0.1,0.2,0.3]', 10) AS all_pending_exact;
SELECT exact_order('[0.1,0.2,0.3]', 50) AS all_pending_every_row;
SELECT vector_db_index_check('pend_idx', true);
SELECT vector_db_merge('pend_idx') AS merged;
SELECT vector_db_merge('pend_idx') AS merged_again;
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 50) AS merged_every_row;

-- Graph and pending area together, results merged in distance order.
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(51, 120) i;
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 10) AS mixed_top10;
SELECT exact_order('[-0.5,0.9,0]', 120) AS mixed_every_row;
-- A committed row is found at once, and its own vector finds it first.
INSERT INTO pend VALUES (1000, '[7,7,7]');
SET enable_seqscan = off;
SELECT id FROM pend ORDER BY v <-> '[7,7,7.1]' LIMIT 1;
RESET enable_seqscan;

-- Iterative scans: a filter that keeps one row in ten still gets its LIMIT,
-- in exact order, pending rows included.
SET hnsw.ef_search = 5;
SET hnsw.iterative_scan = strict_order;
SELECT exact_order('[0.3,-0.2,0.5]', 8, 'id % 10 = 3') AS strict_filtered;
SET hnsw.iterative_scan = relaxed_order;
SELECT exact_order('[0.3,-0.2,0.5]', 8, 'id % 10 = 3') AS relaxed_filtered;
RESET hnsw.iterative_scan;
SET hnsw.ef_search = 400;

-- VACUUM removes dead pending rows and merges the rest.
DELETE FROM pend WHERE id % 4 = 0;
VACUUM pend;
SELECT vector_db_merge('pend_idx') AS left_after_vacuum;
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 90) AS after_vacuum_every_row;

-- ALTER INDEX turns it off: inserts link their rows again.
ALTER INDEX pend_idx SET (fastupdate = off);
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(121, 140) i;
SELECT vector_db_merge('pend_idx') AS nothing_pending;
SELECT exact_order('[0.1,0.2,0.3]', 20) AS off_top20;

-- A small limit: an insert that finds the area over it merges a few of the
-- oldest nodes (8, HNSW_INLINE_MERGE_NODES), never the whole area. One row
-- at a time, the area shrinks by at most 7 at an insert (+1 appended, -8
-- merged), and inserts past the limit do merge.
ALTER INDEX pend_idx SET (fastupdate = on, pending_list_limit = 64);
CREATE TEMP TABLE pend_trace (id int, pending bigint);
DO $$
BEGIN
	FOR i IN 141..1000 LOOP
		INSERT INTO pend VALUES (i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector);
		INSERT INTO pend_trace SELECT i, pending FROM vector_db_index_stats('pend_idx');
	END LOOP;
END $$;
SELECT bool_and(change >= -7) AS at_most_8_merged_per_insert, bool_or(change < 0) AS inserts_merged
FROM (SELECT pending - lag(pending) OVER (ORDER BY id) AS change FROM pend_trace) c;
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(1001, 3000) i;
SELECT vector_db_merge('pend_idx') < 2000 AS inserts_merged_most;
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 50) AS bounded_merge_top50;
-- Every row exactly once, through the graph (an iterative scan to the end).
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) = (SELECT count(*) FROM pend) AND count(DISTINCT id) = count(*) AS every_row_once
FROM (SELECT id FROM pend ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 100000) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;

-- Compaction moves the highest ids, where the pending area is: it merges
-- the area first, then moves the nodes into the slots VACUUM freed.
ALTER INDEX pend_idx SET (pending_list_limit = 65536);
DELETE FROM pend WHERE id % 3 <> 0;
VACUUM pend;
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(3001, 3100) i;
SELECT pending, last_compaction IS NULL AS never_compacted FROM vector_db_index_stats('pend_idx');
SELECT pg_relation_size('pend_idx') AS before_compaction \gset
SELECT vector_db_compact('pend_idx') > 0 AS pages_returned;
SELECT pending, live, last_merge IS NOT NULL AS merged, last_compaction IS NOT NULL AS compacted
FROM vector_db_index_stats('pend_idx');
SELECT pg_relation_size('pend_idx') < :before_compaction AS smaller;
SELECT vector_db_merge('pend_idx') AS nothing_left_pending;
SELECT vector_db_index_check('pend_idx', true);
SET hnsw.ef_search = 1000;
SELECT exact_order('[0.1,0.2,0.3]', 10) AS compacted_top10;
SELECT exact_order('[0.9,-0.4,0.2]', 10) AS compacted_top10_elsewhere;
SET hnsw.ef_search = 400;

-- Who may merge: VACUUM's rule; what may be merged: our indexes.
CREATE ROLE pending_stranger;
GRANT EXECUTE ON FUNCTION vector_db_merge(regclass) TO pending_stranger;
SET ROLE pending_stranger;
SELECT try($$SELECT vector_db_merge('pend_idx')$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION vector_db_merge(regclass) FROM pending_stranger;
DROP ROLE pending_stranger;
CREATE INDEX pend_id_idx ON pend (id);
SELECT try($$SELECT vector_db_merge('pend_id_idx')$$);
-- ivfflat and ivf have a pending area too (sql/ivf_pending.sql): nothing pending here.
CREATE INDEX pend_ivf ON pend USING ivfflat (v vector_l2_ops) WITH (lists = 1);
SELECT vector_db_merge('pend_ivf') AS ivf_nothing_pending;
SELECT try($$SELECT vector_db_merge('pend')$$);
DROP TABLE pend;
