CREATE EXTENSION vector_db;
SELECT extname, extversion FROM pg_extension WHERE extname = 'vector_db';
-- For the files after this one: EXPLAIN (COSTS OFF) of a query without the
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
