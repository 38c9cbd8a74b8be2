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
