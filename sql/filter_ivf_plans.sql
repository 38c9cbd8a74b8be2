-- The planner's choice for a filtered k-NN query over ivfflat and ivf
-- indexes with filter columns (docs/ivf.md, "Filter columns", planner
-- costs): the same query shape at 50%, 10%, 1% and 0.1% selectivity, beside
-- a btree on each filter column, with fresh statistics. A filtered scan
-- reads about k / s tuples (at least its probes' lists), so as s falls a
-- bitmap scan of the few matching rows plus a sort becomes cheaper. At 1%
-- the index still reads only about 1,000 short tuples (5 lists of 200): it
-- measured faster than the bitmap scan of 200 rows plus a sort (0.11 ms
-- against 0.38 ms); at 0.1% it would read half the index.
SET client_min_messages = warning;
SELECT setseed(0.5);
SELECT create_plan_table('plan_ivf');
CREATE INDEX ON plan_ivf (c50);
CREATE INDEX ON plan_ivf (c10);
CREATE INDEX ON plan_ivf (c1);
CREATE INDEX ON plan_ivf (c01);
CREATE INDEX plan_ivfflat ON plan_ivf USING ivfflat (embedding vector_l2_ops, c50, c10, c1, c01) WITH (lists = 100);
ANALYZE plan_ivf;
SELECT s AS selectivity, filtered_plan('plan_ivf', qual) FROM (VALUES
	('50%', 'c50 = 0'), ('10%', 'c10 = 0'), ('1%', 'c1 = 0'), ('0.1%', 'c01 = 0')) v(s, qual);
DROP INDEX plan_ivfflat;
CREATE INDEX plan_ivf_sq8 ON plan_ivf USING ivf (embedding vector_l2_ops, c50, c10, c1, c01)
	WITH (lists = 100, quantizer = 'sq8');
ANALYZE plan_ivf;
SELECT s AS selectivity, filtered_plan('plan_ivf', qual) FROM (VALUES
	('50%', 'c50 = 0'), ('10%', 'c10 = 0'), ('1%', 'c1 = 0'), ('0.1%', 'c01 = 0')) v(s, qual);
-- `= ANY` and `IN` on filter columns are conditions of the ordered scan, on
-- PostgreSQL 15 and 16 through src/index/ordered_array_quals.
SELECT filtered_plan('plan_ivf', 'c10 = ANY(''{0,1}'') AND c50 IN (0, 1)', '(Cond|Filter):');
-- The index scan's cost at 0.1% (k / s = 10,000 rows, more than the
-- probes' lists) still grows with probes: a filtered scan probes probes - 1
-- lists past those in which it met its rows. (Without the btree on c01,
-- which would serve the forced plan with a sort.)
DROP INDEX plan_ivf_c01_idx;
CREATE FUNCTION index_cost(probes int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	query text := (SELECT embedding::text FROM plan_ivf WHERE id = 7);
	plan json;
BEGIN
	PERFORM set_config('ivf.probes', probes::text, true);
	SET LOCAL enable_bitmapscan = off;
	SET LOCAL enable_seqscan = off;
	EXECUTE 'EXPLAIN (FORMAT JSON) SELECT id FROM plan_ivf WHERE c01 = 0 ORDER BY embedding <-> ' ||
		quote_literal(query) || '::vector LIMIT 10' INTO plan;
	RETURN (plan->0->'Plan'->'Plans'->0->>'Total Cost')::float8;
END $$;
SELECT index_cost(8) > index_cost(1) AS margin_costs, index_cost(16) > index_cost(8) AS more_margin_costs_more;
DROP TABLE plan_ivf;
DROP FUNCTION index_cost(int);
