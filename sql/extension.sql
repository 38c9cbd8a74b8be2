CREATE EXTENSION vector_db;
SELECT extname, extversion FROM pg_extension WHERE extname = 'vector_db';
-- For the files after this one: try() runs a statement and returns 'ok', or
-- the SQLSTATE and message it failed with, so that expected outputs assert
-- the codes.
CREATE FUNCTION try(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- For the pending-area files (hnsw_pending, ivf_pending), over their table
-- pend (id int, v): true when an index scan returns the same ids, in the
-- same order, as a sequential scan.
CREATE FUNCTION exact_order(q text, k int, filter text DEFAULT 'true') RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	by_index int[];
	exact int[];
	sql text := format('SELECT array_agg(id) FROM (SELECT id FROM pend WHERE %s ORDER BY v <-> %L LIMIT %s) s',
	                   filter, q, k);
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE sql INTO by_index;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE sql INTO exact;
	RETURN by_index = exact AND cardinality(exact) = k;
END $$;

-- EXPLAIN (COSTS OFF) of a query without the
-- "Disabled: true" lines PostgreSQL 18 adds under the nodes an enable_*
-- setting disabled, so that a plan reads the same on every version.
CREATE FUNCTION plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		IF line NOT LIKE '%Disabled: true' THEN
			RETURN NEXT line;
		END IF;
	END LOOP;
END $$;

-- For the filter files (filter_hnsw, filter_ivf): the table tab they both
-- index, 300 rows of 3-dim vectors and a filter column of every type and
-- label array; every 10th row has NULL filter values, every 13th NULL
-- label elements.
CREATE FUNCTION create_filter_table(tab text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, embedding vector(3), t2 int2, t4 int4, t8 int8,
		tx text, tu uuid, tb bool, l4 int4[], l8 int8[], lt text[])', tab);
	EXECUTE format($q$INSERT INTO %I
	SELECT i, ARRAY[sin(i), cos(1.3 * i), sin(0.7 * i)],
		CASE WHEN i %% 10 <> 0 THEN i %% 3 END, CASE WHEN i %% 10 <> 0 THEN i %% 4 END,
		CASE WHEN i %% 10 <> 0 THEN i %% 5 END, CASE WHEN i %% 10 <> 0 THEN 'k' || i %% 6 END,
		CASE WHEN i %% 10 <> 0 THEN md5((i %% 7)::text)::uuid END, CASE WHEN i %% 10 <> 0 THEN i %% 2 = 0 END,
		CASE WHEN i %% 10 <> 0 THEN ARRAY[i %% 3, 3 + i %% 4, CASE WHEN i %% 13 <> 0 THEN 7 END] END,
		CASE WHEN i %% 10 <> 0 THEN ARRAY[i %% 5, 5 + i %% 2]::int8[] END,
		CASE WHEN i %% 10 <> 0 THEN ARRAY['a' || i %% 3, 'b' || i %% 4] END
	FROM generate_series(1, 300) i$q$, tab);
END $$;

-- For the planner files (filter_hnsw_plans, filter_ivf_plans): the table
-- tab they both plan over, 20,000 random 16-dim rows (from the session's
-- seed) and columns c50, c10, c1 and c01 equal to 0 in 50%, 10%, 1% and
-- 0.1% of them.
CREATE FUNCTION create_plan_table(tab text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, embedding vector(16), c50 int, c10 int, c1 int, c01 int)', tab);
	EXECUTE format('INSERT INTO %I
	SELECT i, (SELECT array_agg(random())::float4[] FROM generate_series(1, 16) WHERE i > 0)::vector,
		i %% 2, i %% 10, i %% 100, i %% 1000
	FROM generate_series(1, 20000) i', tab);
END $$;

-- For the filter files (filter_hnsw, filter_ivf), over a table tab (id int,
-- embedding vector(3), filter columns): whether an index scan of `index`
-- with the quals returns the ids of the exact order (an ORDER BY the index
-- cannot serve) over the rows they keep: 'equal, N rows', what differed, or
-- the plan when it is not that index scan.
CREATE FUNCTION filter_check(tab text, index text, qual text, k int, query text = '[0.1,0.2,0.3]') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	got int[];
	want int[];
	plan text = '';
	line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s ORDER BY embedding <-> %L LIMIT %s',
		tab, qual, query, k) LOOP
		plan := plan || line;
	END LOOP;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %s ORDER BY embedding <-> %L LIMIT %s) s',
		tab, qual, query, k) INTO got;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %s ORDER BY (embedding <-> %L) + 0 LIMIT %s) s',
		tab, qual, query, k) INTO want;
	RETURN CASE WHEN plan NOT LIKE format('%%Index Scan using %s%%', index) THEN 'no index scan: ' || plan
		WHEN got IS NOT DISTINCT FROM want THEN 'equal, ' || coalesce(cardinality(got), 0) || ' rows'
		ELSE format('got %s, want %s', got, want) END;
END $$;

-- For the planner files (filter_hnsw_plans, filter_ivf_plans), over a table
-- tab (id int, embedding vector, filter columns): the scans, outermost
-- first, of the plan for the 10 nearest neighbours of row 7 among the rows
-- the quals keep; or, with lines => '(Cond|Filter):', where each qual runs.
CREATE FUNCTION filtered_plan(tab text, qual text, lines text = 'Scan') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	query text;
	line text;
	plan text := '';
BEGIN
	EXECUTE format('SELECT embedding::text FROM %I WHERE id = 7', tab) INTO query;
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s ORDER BY embedding <-> %L::vector LIMIT 10',
		tab, qual, query) LOOP
		IF line ~ lines THEN
			plan := plan || CASE WHEN plan = '' THEN '' ELSE ' / ' END || btrim(regexp_replace(line, '^[ >-]*', ''));
		END IF;
	END LOOP;
	RETURN plan;
END $$;
