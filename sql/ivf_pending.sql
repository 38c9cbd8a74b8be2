-- The pending area of ivfflat and ivf indexes (fastupdate): options,
-- pending rows found before any merge (scans with every list probed and
-- every candidate re-ranked equal the exact order, for each quantizer),
-- iterative scans, vector_db_merge, VACUUM, an insert past
-- pending_list_limit, compaction, statistics and the index check.
SET client_min_messages = warning;

-- Options: the same as hnsw's, on both access methods.
CREATE TABLE pend (id int, v vector(3));
SELECT try($$CREATE INDEX ON pend USING ivf (v) WITH (fastupdate = maybe)$$);
SELECT try($$CREATE INDEX ON pend USING ivfflat (v) WITH (pending_list_limit = 63)$$);
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(1, 200) i;
CREATE INDEX pend_idx ON pend USING ivf (v vector_l2_ops)
	WITH (lists = 4, quantizer = 'sq8', fastupdate = on, pending_list_limit = 64);
SELECT reloptions FROM pg_class WHERE relname = 'pend_idx';
SET ivf.probes = 4;
SET ivf.rerank = 1000;

-- Rows inserted now are pending, found at once, merged in distance order
-- with the lists' rows.
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(201, 300) i;
SELECT pending, live, last_merge IS NULL AS never_merged FROM vector_db_index_stats('pend_idx');
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 10) AS mixed_top10;
SELECT exact_order('[-0.5,0.9,0]', 300) AS mixed_every_row;
INSERT INTO pend VALUES (1000, '[7,7,7]');
SET enable_seqscan = off;
SELECT id FROM pend ORDER BY v <-> '[7,7,7.1]' LIMIT 1;
RESET enable_seqscan;

-- Iterative scans: one list at a time, a filter that keeps one row in ten.
SET ivf.probes = 1;
SET ivf.iterative_scan = relaxed_order;
SELECT count(*) = 30 AS relaxed_filtered_all FROM (
	SELECT id FROM pend WHERE id % 10 = 3 ORDER BY v <-> '[0.3,-0.2,0.5]' LIMIT 30) s;
SET ivf.iterative_scan = off;
SET ivf.probes = 4;

-- vector_db_merge moves every pending row into its list, once.
SELECT vector_db_merge('pend_idx') AS merged;
SELECT vector_db_merge('pend_idx') AS merged_again;
SELECT pending, live, last_merge IS NOT NULL AS merged FROM vector_db_index_stats('pend_idx');
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[-0.5,0.9,0]', 301) AS merged_every_row;

-- VACUUM removes dead pending rows and merges the rest.
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(301, 400) i;
DELETE FROM pend WHERE id % 4 = 0;
VACUUM pend;
SELECT pending, live FROM vector_db_index_stats('pend_idx');
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.1,0.2,0.3]', 300) AS after_vacuum_every_row;

-- A small limit: the insert that finds the area over it merges it (a page
-- holds 339 rows of 3 dimensions; 64 kB is 8 pages).
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(401, 4000) i;
SELECT pending < 1000 AS inserts_merged_most FROM vector_db_index_stats('pend_idx');
SELECT vector_db_index_check('pend_idx', true);

-- Compaction merges the area first.
ALTER INDEX pend_idx SET (pending_list_limit = 65536);
DELETE FROM pend WHERE id % 3 <> 0;
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(4001, 4100) i;
SELECT pending FROM vector_db_index_stats('pend_idx');
SELECT vector_db_compact('pend_idx') >= 0 AS compacted;
SELECT pending, live FROM vector_db_index_stats('pend_idx');
SELECT vector_db_index_check('pend_idx', true);
SELECT exact_order('[0.9,-0.4,0.2]', 10) AS compacted_top10;

-- ALTER INDEX turns it off: inserts go to the lists again.
ALTER INDEX pend_idx SET (fastupdate = off);
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector FROM generate_series(4101, 4120) i;
SELECT pending FROM vector_db_index_stats('pend_idx');
DROP INDEX pend_idx;

-- Every quantizer, and ivfflat: pending rows scored exactly beside the
-- lists' (estimates re-ranked), no row twice, before and after a merge.
CREATE FUNCTION pending_round(am text, options text,
	OUT pending bigint, OUT top10 boolean, OUT every_row boolean, OUT merged bigint, OUT merged_every_row boolean)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE INDEX pend_q ON pend USING %s (v vector_l2_ops) WITH (lists = 3, fastupdate = on, %s)',
	               am, options);
	INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7)]::vector FROM generate_series(5001, 5050) i;
	SELECT s.pending INTO pending FROM vector_db_index_stats('pend_q') s;
	top10 := exact_order('[0.1,0.2,0.3]', 10);
	every_row := exact_order('[0.5,0.5,0]', 200);
	merged := vector_db_merge('pend_q');
	merged_every_row := exact_order('[0.5,0.5,0]', 200);
	PERFORM vector_db_index_check('pend_q', true);
	DROP INDEX pend_q;
	DELETE FROM pend WHERE id > 5000;
END $$;
SET ivfflat.probes = 3;
SET ivf.probes = 3;
DELETE FROM pend WHERE id > 600;
SELECT am, options, r.* FROM (VALUES ('ivf', 'quantizer = flat'), ('ivf', 'quantizer = sq8'),
	('ivf', 'quantizer = pq, pq_m = 1'), ('ivf', 'quantizer = rabitq'), ('ivfflat', 'pending_list_limit = 64')) q(am, options),
	LATERAL pending_round(am, options) r;

-- A rebalance merges the pending area first (its rows are then sampled and
-- rewritten with the others): nothing pending after it, every row found
-- once through the new lists. Rows pending after it are merged into the
-- new lists.
CREATE INDEX pend_r ON pend USING ivf (v vector_l2_ops) WITH (lists = 3, fastupdate = on, quantizer = sq8);
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7)]::vector FROM generate_series(5001, 5050) i;
SELECT pending FROM vector_db_index_stats('pend_r');
SELECT vector_db_rebalance('pend_r');
SELECT pending, rows_since_training FROM vector_db_index_stats('pend_r');
SELECT exact_order('[0.5,0.5,0]', 200) AS every_row;
SELECT vector_db_index_check('pend_r', true);
INSERT INTO pend SELECT i, ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7)]::vector FROM generate_series(5051, 5080) i;
SELECT vector_db_merge('pend_r') AS merged;
SELECT exact_order('[0.5,0.5,0]', 200) AS every_row;
SELECT vector_db_index_check('pend_r', true);
DROP INDEX pend_r;

DROP FUNCTION pending_round;
DROP TABLE pend;
RESET ivf.probes;
RESET ivf.rerank;
RESET ivfflat.probes;
