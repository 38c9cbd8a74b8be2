-- The planner's choice for a filtered k-NN query (docs/hnsw.md, "Filter
-- columns", planner costs): the same query shape at 50%, 10%, 1% and 0.1%
-- selectivity, on a table with an hnsw index carrying the filter columns
-- and a btree on each, with fresh statistics. The walk pays about ef / s
-- visited nodes, so as s falls a bitmap scan of the few matching rows plus
-- a sort becomes cheaper.
SET client_min_messages = warning;
SELECT setseed(0.5);
SELECT create_plan_table('plan_items');
CREATE INDEX plan_items_hnsw ON plan_items USING hnsw (embedding vector_l2_ops, c50, c10, c1, c01);
CREATE INDEX ON plan_items (c50);
CREATE INDEX ON plan_items (c10);
CREATE INDEX ON plan_items (c1);
CREATE INDEX ON plan_items (c01);
ANALYZE plan_items;
SELECT s AS selectivity, filtered_plan('plan_items', qual) FROM (VALUES
	('50%', 'c50 = 0'), ('10%', 'c10 = 0'), ('1%', 'c1 = 0'), ('0.1%', 'c01 = 0')) v(s, qual);
DROP TABLE plan_items;
