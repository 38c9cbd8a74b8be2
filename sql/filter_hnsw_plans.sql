-- The planner's choice for a filtered k-NN query (docs/hnsw.md, "Filter
-- columns", planner costs): the same query shape at 50%, 10%, 1% and 0.1%
-- selectivity, on a table with an hnsw index carrying the filter columns
-- and a btree on each, with fresh statistics. The walk pays about ef / s
-- visited nodes, so as s falls a bitmap scan of the few matching rows plus
-- a sort would become cheaper; but where few enough rows pass
-- (vdb::ExactFilterLimit: 2,057 of these 20,000 at ef_search 40) the
-- index measures each of them, found in its filter directory, which costs
-- less than the bitmap scan at 1%; at 0.1% (20 rows) the bitmap scan
-- stays cheaper. With the directory off, the bitmap scan wins at both.
SET client_min_messages = warning;
SELECT setseed(0.5);
SELECT create_plan_table('plan_items');
CREATE INDEX plan_items_hnsw ON plan_items USING hnsw (embedding vector_l2_ops, c50, c10, c1, c01);
CREATE INDEX ON plan_items (c50);
CREATE INDEX ON plan_items (c10);
CREATE INDEX ON plan_items (c1);
CREATE INDEX ON plan_items (c01);
ANALYZE plan_items;
CREATE TEMP TABLE selectivities (s text, qual text);
INSERT INTO selectivities VALUES ('50%', 'c50 = 0'), ('10%', 'c10 = 0'), ('1%', 'c1 = 0'), ('0.1%', 'c01 = 0');
SELECT s AS selectivity, filtered_plan('plan_items', qual) FROM selectivities;
SET hnsw.filter_directory = off;
SELECT s AS selectivity, filtered_plan('plan_items', qual) FROM selectivities;
RESET hnsw.filter_directory;

-- The scan decides again as it reads the directory: past the limit it
-- walks. Without iterative scans a walk returns at most ef_search rows, the
-- exact path every passing row; both in the exact order. 20,000 rows
-- take many directories here (16 dimensions: small groups, 4 words a node).
-- With vector_db.explain_search_settings on, EXPLAIN ANALYZE names the
-- path each scan of the index took.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_sort = off;  -- not a btree scan plus a sort at 1% and 0.1%
SET vector_db.explain_search_settings = on;
CREATE FUNCTION scan_path(qual text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
		SELECT id FROM plan_items WHERE %s ORDER BY embedding <-> %L LIMIT 300',
		qual, (SELECT embedding::text FROM plan_items WHERE id = 7)) LOOP
		IF line ~ 'Index Scan' THEN
			RETURN regexp_replace(line, '.*ran: ([^)]*)\)" on .*actual rows=(\d+) .*', '\1, \2 rows');
		END IF;
	END LOOP;
	RETURN NULL;
END $$;
SET hnsw.ef_search = 10;
SELECT s AS selectivity, scan_path(qual) AS path_and_rows_of_300 FROM selectivities;
-- A plain EXPLAIN runs no scan, so it names none.
SELECT filtered_plan('plan_items', 'c1 = 0');
-- `= ANY` and `IN` on filter columns are conditions of the ordered scan, so
-- the walk returns ef_search rows that pass (20% of rows here) rather than
-- the few of its ef_search nearest rows that a filter above it would keep.
-- PostgreSQL 15 and 16 plan that only through src/index/ordered_array_quals.
SELECT filtered_plan('plan_items', 'c10 = ANY(''{0,1}'') AND c50 IN (0, 1)', '(Cond|Filter):');
SELECT scan_path('c10 = ANY(''{0,1}'')') AS path_and_rows_of_300;
RESET vector_db.explain_search_settings;
RESET hnsw.ef_search;
SELECT s AS selectivity, filter_check('plan_items', 'plan_items_hnsw', qual, 10,
	(SELECT embedding::text FROM plan_items WHERE id = 7)) FROM selectivities;
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;
SELECT vector_db_index_check('plan_items_hnsw', true);
DROP TABLE plan_items, selectivities;
DROP FUNCTION scan_path;
