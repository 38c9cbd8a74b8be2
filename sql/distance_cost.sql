-- Planner costs of the distance operators (src/type/distance_cost.cpp,
-- docs/hnsw.md "Planner costs"). A vector stored out of line (TOAST) is
-- priced with its fetch, which a sequential scan's cost never counted, so a
-- small table of large vectors is searched through its index rather than
-- by a sequential scan and sort that fetches every row's vector.
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE cost_toasted (id int PRIMARY KEY, v vector(600), u vector);
INSERT INTO cost_toasted SELECT i, a, a FROM
	(SELECT i, (SELECT array_agg(random())::float4[] FROM generate_series(1, 600) WHERE i > 0)::vector a
	 FROM generate_series(1, 1000) i) s;
CREATE TABLE cost_plain (LIKE cost_toasted);
ALTER TABLE cost_plain ALTER v SET STORAGE PLAIN;
INSERT INTO cost_plain SELECT * FROM cost_toasted;
VACUUM ANALYZE cost_toasted;
VACUUM ANALYZE cost_plain;

-- The planner's cost of one distance, per row: the cost of a sequential
-- scan computing it, less that of the scan alone.
CREATE FUNCTION distance_cost(tab regclass, expr text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	with_distance json;
	without json;
BEGIN
	EXECUTE format('EXPLAIN (FORMAT JSON) SELECT %s FROM %s', expr, tab) INTO with_distance;
	EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM %s', tab) INTO without;
	RETURN ((with_distance->0->'Plan'->>'Total Cost')::float8 - (without->0->'Plan'->>'Total Cost')::float8)
		/ (SELECT reltuples FROM pg_class WHERE oid = tab);
END $$;
CREATE TEMP TABLE q AS SELECT v::text AS lit FROM cost_toasted WHERE id = 1;

-- Out of line, each row pays at least an index page of the TOAST table;
-- stored PLAIN, only the arithmetic over 2 × 2,408 bytes, more than the flat
-- one cpu_operator_cost Postgres charges any function but far less.
SELECT distance_cost('cost_toasted', format('v <-> %L::vector(600)', lit)) > current_setting('random_page_cost')::float8 AS toasted_pays_fetch,
       distance_cost('cost_plain', format('v <-> %L::vector(600)', lit))
         BETWEEN current_setting('cpu_operator_cost')::float8 * 2 AND 0.1 AS plain_pays_arithmetic,
       -- A column without dimensions: the size comes from the constant.
       distance_cost('cost_toasted', format('u <#> %L::vector', lit)) > current_setting('random_page_cost')::float8 AS untyped_column_pays_fetch,
       -- The named function is priced like its operator.
       distance_cost('cost_toasted', format('cosine_distance(v, %L::vector(600))', lit)) > current_setting('random_page_cost')::float8 AS function_pays_fetch
FROM q;

-- So a k-NN query on 1,000 TOASTed rows uses the index, for hnsw and
-- ivfflat. (Only the plan's scans are shown: the query vector is long.)
CREATE FUNCTION knn_scans() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM cost_toasted ORDER BY v <-> %L::vector(600) LIMIT 10',
			(SELECT lit FROM q)) LOOP
		IF line ~ 'Scan' THEN
			RETURN NEXT btrim(regexp_replace(line, '^[ >-]*', ''));
		END IF;
	END LOOP;
END $$;
CREATE INDEX cost_toasted_hnsw ON cost_toasted USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
SELECT knn_scans();
DROP INDEX cost_toasted_hnsw;
CREATE INDEX cost_toasted_ivfflat ON cost_toasted USING ivfflat (v vector_l2_ops) WITH (lists = 10);
SELECT knn_scans();

DROP TABLE cost_toasted, cost_plain;
DROP FUNCTION distance_cost(regclass, text), knn_scans();
