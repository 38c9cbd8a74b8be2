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
