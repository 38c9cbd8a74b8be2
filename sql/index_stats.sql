-- vector_db_index_stats: what each column says after a build, inserts,
-- DELETE + VACUUM and skewed inserts, for hnsw, ivfflat and ivf; who may
-- call it; what it refuses. Every figure is asserted against what the test
-- did, never printed as measured.
CREATE FUNCTION stats_row(idx regclass) RETURNS TABLE (
	pending bigint, live bigint, deleted bigint, pages_match boolean, free_pages bigint,
	no_merge boolean, no_compaction boolean, lists integer, list_imbalance double precision,
	rows_since_training bigint, rows_out_of_range bigint) LANGUAGE sql AS $$
	SELECT s.pending, s.live, s.deleted,
	       s.pages = pg_relation_size(idx) / current_setting('block_size')::int,
	       s.free_pages, s.last_merge IS NULL, s.last_compaction IS NULL, s.lists,
	       round(s.list_imbalance::numeric, 6)::float8, s.rows_since_training,
	       s.rows_out_of_range
	FROM vector_db_index_stats(idx) s $$;

-- Two clusters far apart, 50 rows each: two lists split them exactly.
CREATE TABLE stats_items (id int, v vector(3));
INSERT INTO stats_items SELECT i, ARRAY[i % 5, i % 3, 0]::vector FROM generate_series(1, 50) i;
INSERT INTO stats_items SELECT i, ARRAY[1000 + i % 5, 1000 + i % 3, 1000]::vector FROM generate_series(51, 100) i;
CREATE INDEX stats_hnsw ON stats_items USING hnsw (v vector_l2_ops);
CREATE INDEX stats_ivfflat ON stats_items USING ivfflat (v vector_l2_ops) WITH (lists = 2);
CREATE INDEX stats_ivf ON stats_items USING ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8');

-- After the build: every row live, nothing pending, deleted or free; the
-- two lists hold 50 rows each; no row inserted since training; nothing has
-- been merged or compacted; hnsw has no lists; only sq8 has a range to be
-- out of.
SELECT * FROM stats_row('stats_hnsw');
SELECT * FROM stats_row('stats_ivfflat');
SELECT * FROM stats_row('stats_ivf');
-- Nor rebalanced (hnsw has no centroids to retrain).
SELECT idx, s.last_rebalance IS NULL AS never_rebalanced
FROM unnest(ARRAY['stats_hnsw', 'stats_ivfflat', 'stats_ivf']::regclass[]) idx, vector_db_index_stats(idx) s;

-- 100 more rows near the first cluster: lists of 150 and 50, so the largest
-- holds 1.5 times the mean; the inserts are counted since training.
INSERT INTO stats_items SELECT i, ARRAY[i % 7, i % 2, 1]::vector FROM generate_series(101, 200) i;
SELECT live, lists, list_imbalance, rows_since_training FROM stats_row('stats_ivfflat');
SELECT live, lists, list_imbalance, rows_since_training FROM stats_row('stats_ivf');
SELECT live, deleted, free_pages FROM stats_row('stats_hnsw');

-- Those rows lie inside the range the sq8 quantizer was trained on (every
-- dimension spans 0 to about 1000); 3 rows with a value far past it, and 2
-- past it by less than a tenth of the width, are added; only the 3 count.
SELECT rows_out_of_range FROM stats_row('stats_ivf');
INSERT INTO stats_items VALUES (201, '[5000,0,0]'), (202, '[0,-900,0]'), (203, '[0,0,1500]'),
	(204, '[1090,0,0]'), (205, '[0,0,-90]');
SELECT rows_since_training, rows_out_of_range FROM stats_row('stats_ivf');
SELECT rows_since_training, rows_out_of_range FROM stats_row('stats_ivfflat');
DELETE FROM stats_items WHERE id > 200;

-- DELETE alone changes nothing the index knows; VACUUM removes the entries.
-- The second cluster's list is then empty: its one data page holds nothing.
DELETE FROM stats_items WHERE id BETWEEN 51 AND 100;
SELECT live FROM stats_row('stats_hnsw');
VACUUM stats_items;
SELECT live, deleted, free_pages FROM stats_row('stats_hnsw');
SELECT live, deleted, free_pages, list_imbalance, rows_since_training FROM stats_row('stats_ivfflat');
SELECT live, deleted, free_pages, list_imbalance, rows_since_training FROM stats_row('stats_ivf');

-- Every row gone: no live entry, every page but the metapage free (hnsw:
-- each node group's slots are all free); ivf's lists are empty, so the
-- imbalance is undefined (NULL).
DELETE FROM stats_items;
VACUUM stats_items;
SELECT live, deleted, free_pages = pages - 1 AS all_but_meta_free
FROM vector_db_index_stats('stats_hnsw');
SELECT live, list_imbalance IS NULL AS no_imbalance FROM vector_db_index_stats('stats_ivfflat');
-- Inserts reuse the freed slots: a group holds nodes again, its pages are
-- no longer free.
INSERT INTO stats_items SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(1, 10) i;
SELECT live, free_pages < pages - 1 AS group_reused FROM vector_db_index_stats('stats_hnsw');

-- Refused: a table, an index of another access method, a dropped OID.
CREATE INDEX stats_btree ON stats_items (id);
SELECT * FROM vector_db_index_stats('stats_items');
SELECT * FROM vector_db_index_stats('stats_btree');
SELECT * FROM vector_db_index_stats(1::oid::regclass);

-- Privileges: those of vector_db_index_check.
SELECT has_function_privilege('public', 'vector_db_index_stats(regclass)', 'EXECUTE') AS public_may,
       has_function_privilege('pg_monitor', 'vector_db_index_stats(regclass)', 'EXECUTE') AS monitor_may;
CREATE ROLE regress_stats_owner;
CREATE ROLE regress_stats_other;
CREATE ROLE regress_stats_monitor IN ROLE pg_monitor;
GRANT EXECUTE ON FUNCTION vector_db_index_stats(regclass) TO regress_stats_owner, regress_stats_other;
ALTER TABLE stats_items OWNER TO regress_stats_owner;
-- Granted EXECUTE, but neither owner nor monitor: 42501.
SET ROLE regress_stats_other;
SELECT live FROM vector_db_index_stats('stats_hnsw');
RESET ROLE;
SET ROLE regress_stats_owner;
SELECT live FROM vector_db_index_stats('stats_hnsw');
RESET ROLE;
SET ROLE regress_stats_monitor;
SELECT live FROM vector_db_index_stats('stats_ivf');
RESET ROLE;

DROP TABLE stats_items;
DROP FUNCTION stats_row;
REVOKE EXECUTE ON FUNCTION vector_db_index_stats(regclass) FROM regress_stats_owner, regress_stats_other;
DROP ROLE regress_stats_owner, regress_stats_other, regress_stats_monitor;

-- Each scan of every access method counts in pg_stat_user_indexes.idx_scan
-- (monitoring tools and "unused index" queries read it), and the rows it
-- returned in idx_tup_read: two scans of 5 rows each (6 from hnsw, whose
-- ORDER BY the executor re-checks one row ahead).
CREATE TABLE scan_count_hnsw (v vector(2));
CREATE TABLE scan_count_ivfflat (v vector(2));
CREATE TABLE scan_count_ivf (v vector(2));
INSERT INTO scan_count_hnsw SELECT ARRAY[i, i] FROM generate_series(1, 50) i;
INSERT INTO scan_count_ivfflat SELECT * FROM scan_count_hnsw;
INSERT INTO scan_count_ivf SELECT * FROM scan_count_hnsw;
CREATE INDEX scan_count_hnsw_idx ON scan_count_hnsw USING hnsw (v vector_l2_ops);
CREATE INDEX scan_count_ivfflat_idx ON scan_count_ivfflat USING ivfflat (v vector_l2_ops) WITH (lists = 1);
CREATE INDEX scan_count_ivf_idx ON scan_count_ivf USING ivf (v vector_l2_ops) WITH (lists = 1);
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT FROM scan_count_hnsw ORDER BY v <-> '[1,1]' LIMIT 5) s;
SELECT count(*) FROM (SELECT FROM scan_count_hnsw ORDER BY v <-> '[9,9]' LIMIT 5) s;
SELECT count(*) FROM (SELECT FROM scan_count_ivfflat ORDER BY v <-> '[1,1]' LIMIT 5) s;
SELECT count(*) FROM (SELECT FROM scan_count_ivfflat ORDER BY v <-> '[9,9]' LIMIT 5) s;
SELECT count(*) FROM (SELECT FROM scan_count_ivf ORDER BY v <-> '[1,1]' LIMIT 5) s;
SELECT count(*) FROM (SELECT FROM scan_count_ivf ORDER BY v <-> '[9,9]' LIMIT 5) s;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes
WHERE indexrelname LIKE 'scan_count_%' ORDER BY 1;
DROP TABLE scan_count_hnsw, scan_count_ivfflat, scan_count_ivf;
