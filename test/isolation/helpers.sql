-- Loaded by scripts/run-tests.sh into the isolation database before the specs
-- run, so that every spec checks results the same way. Each spec works on a
-- table t (id int PRIMARY KEY, v vector(8)) with at most one vector_db index,
-- named t_v, whose access method the permutation's first step chooses.
--
-- The checks never depend on timing or on which approximate neighbours an
-- index happens to find: scans are made exhaustive (every hnsw node reached,
-- every ivf list probed and every candidate re-ranked), so the index must
-- return each visible row exactly once, nearest first.
CREATE EXTENSION vector_db;

-- The i-th of deterministic pseudo-random points in the unit cube of 8
-- dimensions (the fractional part of a scaled sine, a common shader hash),
-- scattered as embeddings are rather than along a curve. The nearest of the
-- first thousand to pt(0), the query point whose ids the cursor spec lists,
-- lie clearly apart in distance, so the listed order is the only right one.
CREATE FUNCTION pt(i int) RETURNS vector IMMUTABLE LANGUAGE sql AS $$
	SELECT array_agg(x - floor(x) ORDER BY k)::real[]::vector
	FROM (SELECT k, sin(i * 12.9898 + k * 78.233) * 43758.5453 AS x FROM generate_series(1, 8) k) s
$$;

-- The i-th of points scattered within 0.01 of pt(c): rows that land in the
-- same ivf list and crowd one spot of the hnsw graph.
CREATE FUNCTION near(c int, i int) RETURNS vector IMMUTABLE LANGUAGE sql AS $$
	SELECT pt(c) + array_agg(0.01 * (x - floor(x)) ORDER BY k)::real[]::vector
	FROM (SELECT k, sin(i * 39.3467 + k * 11.135) * 43758.5453 AS x FROM generate_series(1, 8) k) s
$$;

-- The table every spec uses, filled with points 1..n. Autovacuum is off for
-- it, so that only the specs' own VACUUM steps clean it up.
CREATE PROCEDURE make_table(n int) LANGUAGE plpgsql AS $$
BEGIN
	CREATE TABLE t (id int PRIMARY KEY, v vector(8)) WITH (autovacuum_enabled = off);
	INSERT INTO t SELECT i, pt(i) FROM generate_series(1, n) i;
END $$;

-- Builds the index t_v with the access method the permutation tests, with
-- parameters small enough that many rows share the graph's link lists or a
-- list's pages: 'hnsw' (m = 8), 'ivfflat' or 'ivf' (4 lists, sq8 codes for
-- ivf). The CREATE INDEX CONCURRENTLY steps, which cannot run in a function,
-- spell out the same options. Builds run on one thread: a parallel hnsw
-- build's graph depends on thread timing (and a node may, rarely, be left
-- unreachable: unit test Graph.ParallelBuildsReachEveryNode).
CREATE PROCEDURE make_index(am text) LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL max_parallel_maintenance_workers = 0;
	EXECUTE format('CREATE INDEX t_v ON t USING %s (v vector_l2_ops) WITH (%s)', am,
	               CASE am WHEN 'hnsw' THEN 'm = 8, ef_construction = 32'
	                       WHEN 'ivfflat' THEN 'lists = 4'
	                       WHEN 'ivf' THEN 'lists = 4, quantizer = ''sq8''' END);
END $$;

-- Settings under which a scan of t_v visits everything: called in each
-- session's setup. Sequential scans are off so that ORDER BY v <-> q uses
-- the index (scan_check verifies that it did).
CREATE PROCEDURE exhaustive_scans() LANGUAGE plpgsql AS $$
BEGIN
	SET hnsw.ef_search = 1000;
	SET hnsw.iterative_scan = off;
	SET ivfflat.probes = 4;
	SET ivf.probes = 4;
	SET ivf.rerank = 1000000;
	SET enable_seqscan = off;
	SET enable_bitmapscan = off;
END $$;

-- Checks one index scan ORDER BY v <-> q over all of t against the rows this
-- snapshot sees: returned (how many rows it gave), missing (visible rows it
-- did not give), in_order (each row no nearer than the one before, up to
-- float rounding), by_index (the plan was an index scan of t_v).
CREATE FUNCTION scan_check(q vector, OUT returned int, OUT missing bigint, OUT in_order boolean, OUT by_index boolean)
LANGUAGE plpgsql AS $$
DECLARE
	plan text;
	ids int[];
BEGIN
	EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> %L', q) INTO plan;
	by_index := plan ~ '^Index Scan using t_v on ';
	SELECT array_agg(id), coalesce(bool_and(prev IS NULL OR d >= prev - 1e-6), true)
		INTO ids, in_order
		FROM (SELECT id, d, lag(d) OVER () AS prev
		      FROM (SELECT id, v <-> q AS d FROM t ORDER BY v <-> q) scan) ranked;
	returned := coalesce(cardinality(ids), 0);
	SELECT count(*) INTO missing FROM t WHERE id <> ALL (coalesce(ids, '{}'));
END $$;

-- Cursor scans: fetch_ids(c, n) fetches n rows of cursor c (which selects
-- id ... ORDER BY v <-> q), returns their ids and remembers them in the temp
-- table fetched; cursor_check(c, q) fetches the rest and checks all rows the
-- cursor returned as scan_check does, against the snapshot of the calling
-- transaction (the cursor's own under REPEATABLE READ).
CREATE FUNCTION fetch_ids(c refcursor, n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
DECLARE
	row_id int;
BEGIN
	IF to_regclass('pg_temp.fetched') IS NULL THEN
		CREATE TEMP TABLE fetched (pos serial, id int);
	END IF;
	FOR i IN 1..n LOOP
		FETCH c INTO row_id;
		EXIT WHEN NOT FOUND;
		INSERT INTO fetched (id) VALUES (row_id);
		RETURN NEXT row_id;
	END LOOP;
END $$;

CREATE FUNCTION cursor_check(c refcursor, q vector, OUT returned bigint, OUT missing bigint, OUT in_order boolean)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM count(*) FROM fetch_ids(c, 1000000);
	SELECT count(*), coalesce(bool_and(prev IS NULL OR d >= prev - 1e-6), true)
		INTO returned, in_order
		FROM (SELECT f.id, t.v <-> q AS d, lag(t.v <-> q) OVER (ORDER BY f.pos) AS prev
		      FROM fetched f LEFT JOIN t ON t.id = f.id) ranked;
	SELECT count(*) INTO missing FROM t WHERE id NOT IN (SELECT id FROM fetched);
	DROP TABLE fetched;
END $$;
