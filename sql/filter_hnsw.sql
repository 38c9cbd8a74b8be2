-- Filter columns of hnsw indexes (docs/hnsw.md, "Filter columns"): the
-- DDL, its errors, and results equal to an exact ORDER BY over the rows the
-- quals keep, for each filter type and operator.
SET client_min_messages = warning;
SELECT create_filter_table('filter_items');
CREATE INDEX filter_items_idx ON filter_items
	USING hnsw (embedding vector_l2_ops, t2, t4, t8, tx, tu, tb, l4, l8, lt);
SELECT opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE amname = 'hnsw' AND opcname LIKE '%filter_ops' ORDER BY 1;
SELECT bool_and(amvalidate(c.oid)) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname = 'hnsw';

-- The vector column comes first, and only one.
CREATE INDEX ON filter_items USING hnsw (t4, embedding);
CREATE INDEX ON filter_items USING hnsw (embedding, embedding vector_ip_ops);
CREATE INDEX ON filter_items USING hnsw (t4);
-- A type without a filter operator class.
CREATE INDEX ON filter_items USING hnsw (embedding, (t4::float8));
CREATE TABLE filter_sparse (s sparsevec(3), t int);
CREATE INDEX ON filter_sparse USING hnsw (s sparsevec_l2_ops, t);

SET enable_seqscan = off;
-- The quals reach the scan as index conditions.
EXPLAIN (COSTS OFF) SELECT id FROM filter_items WHERE t4 = 2 AND l4 && '{1}'
ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 5;
-- Alone, a filter qual gives the walk no order: no hnsw scan, even with
-- sequential scans discouraged (whose EXPLAIN differs from 18 on).
CREATE FUNCTION plan_uses_filter_index(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		IF line LIKE '%filter_items_idx%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;
SELECT plan_uses_filter_index('SELECT id FROM filter_items WHERE t4 = 2');

CREATE TEMP TABLE quals AS SELECT unnest(ARRAY[
	't2 = 1', 't4 = 2', 't8 = 3', 'tx = ''k1''', 'tu = md5(''3'')::uuid', 'tb', 'tb = false',
	'l4 && ''{1}''', 'l4 && ''{1,5}''', 'l4 @> ''{1,4}''', 'l4 @> ''{7}''', 'l8 && ''{4}''', 'l8 @> ''{1,5}''',
	'lt && ''{a2}''', 'lt @> ''{a1,b3}''', 'lt @> ''{}''', 'l4 && ''{}''',
	't4 = ANY(''{1,3}'')', 't4 = ANY(''{1,NULL}'')', 'tx = ANY(''{k0,k5}'')', 't8 = ANY(''{}''::int8[])',
	't4 = 1 AND l4 && ''{2}''', 't2 = 0 AND t4 = 0 AND tb', 't4 = 1 AND tb',
	't4 = (SELECT NULL::int)', 'tx = ''none''', 't2 = 1::int8', 't8 = 3::int2']) qual;
-- On 300 rows few enough pass every qual that the scan measures each
-- passing row, found in the filter directory; with the directory off it
-- walks the graph. Both give the exact order.
SELECT qual, filter_check('filter_items', 'filter_items_idx', qual, 10) FROM quals;
SET hnsw.filter_directory = off;
SELECT qual, filter_check('filter_items', 'filter_items_idx', qual, 10) FROM quals;
RESET hnsw.filter_directory;
-- Which path a scan took shows in how many rows it returns without
-- iterative scans: the exact path every row that passes (75 here), a walk
-- at most ef_search.
SET hnsw.ef_search = 10;
SELECT count(*) FROM (SELECT id FROM filter_items WHERE t4 = 3 ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 100) s;
SET hnsw.filter_directory = off;
SELECT count(*) FROM (SELECT id FROM filter_items WHERE t4 = 3 ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 100) s;
RESET hnsw.filter_directory;
RESET hnsw.ef_search;
-- An iterative scan returns LIMIT rows while that many qualify, and every
-- row that does when fewer do.
SET hnsw.iterative_scan = relaxed_order;
SELECT filter_check('filter_items', 'filter_items_idx', 't4 = 3', 60), filter_check('filter_items', 'filter_items_idx', 't4 = 3', 100);
SELECT filter_check('filter_items', 'filter_items_idx', 't4 = 3 AND l8 && ''{1}''', 20);

-- Inserts after the build carry their filter values.
INSERT INTO filter_items
SELECT i, ARRAY[sin(i), cos(1.3 * i), sin(0.7 * i)], i % 3, i % 4, i % 5, 'k' || i % 6, NULL, i % 2 = 0,
	ARRAY[i % 3], ARRAY[i % 5]::int8[], ARRAY['a' || i % 3]
FROM generate_series(301, 340) i;
RESET hnsw.iterative_scan;
SELECT filter_check('filter_items', 'filter_items_idx', 't4 = 1 AND l4 @> ''{2}''', 10), filter_check('filter_items', 'filter_items_idx', 'tx = ''k2''', 10);

-- The directory follows every change of a node's slot: deletes that VACUUM
-- frees, inserts into the freed slots, and compaction moving nodes down.
-- vector_db_index_check compares each node's directory words with its element's.
DELETE FROM filter_items WHERE id % 3 = 0 OR id > 320;
VACUUM filter_items;
INSERT INTO filter_items
SELECT i, ARRAY[cos(i), sin(1.1 * i), cos(0.3 * i)], i % 3, i % 4, i % 5, 'k' || i % 6, NULL, i % 2 = 1,
	ARRAY[i % 4], ARRAY[i % 5]::int8[], ARRAY['b' || i % 4]
FROM generate_series(401, 420) i;
SELECT vector_db_index_check('filter_items_idx', true);
DELETE FROM filter_items WHERE id < 150;
VACUUM filter_items;
SELECT vector_db_compact('filter_items_idx') >= 0 AS compacted;
SELECT vector_db_index_check('filter_items_idx', true);
SELECT qual, filter_check('filter_items', 'filter_items_idx', qual, 10) FROM unnest(ARRAY[
	't4 = 1', 'tb', 'l4 && ''{3}''', 'lt @> ''{b1}''', 't4 = 2 AND tx = ''k2''']) qual;

-- A flat index (exact distances, nothing for the executor to re-rank)
-- gives the exact order on both paths too.
DROP INDEX filter_items_idx;
CREATE INDEX filter_items_flat ON filter_items USING hnsw (embedding vector_l2_ops, t4, l4) WITH (quantizer = 'flat');
SELECT qual, filter_check('filter_items', 'filter_items_flat', qual, 10) FROM unnest(ARRAY['t4 = 1', 'l4 && ''{3}''']) qual;
SET hnsw.filter_directory = off;
SELECT qual, filter_check('filter_items', 'filter_items_flat', qual, 10) FROM unnest(ARRAY['t4 = 1', 'l4 && ''{3}''']) qual;
RESET hnsw.filter_directory;
SELECT vector_db_index_check('filter_items_flat', true);

DROP TABLE filter_items, filter_sparse, quals;
DROP FUNCTION plan_uses_filter_index;
