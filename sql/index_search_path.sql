-- Index builds, REINDEX and VACUUM recognise the extension's types when the
-- extension's schema is not on the search_path. PostgreSQL 17 runs these
-- commands with search_path = pg_catalog, pg_temp, so this is what every
-- index build sees there; here the test sets that search_path itself.
CREATE TABLE sp_items (id int, v vector(3), h halfvec(3), b bit(3));
INSERT INTO sp_items VALUES (1, '[1,2,3]', '[1,2,3]', B'101'), (2, '[3,2,1]', '[3,2,1]', B'010'),
	(3, '[0,0,1]', '[0,0,1]', B'001');
SET search_path = pg_catalog, pg_temp;
CREATE INDEX sp_v ON public.sp_items USING hnsw (v public.vector_l2_ops);
CREATE INDEX sp_h ON public.sp_items USING hnsw (h public.halfvec_cosine_ops);
CREATE INDEX sp_b ON public.sp_items USING hnsw (b public.bit_hamming_ops);
REINDEX TABLE public.sp_items;
DELETE FROM public.sp_items WHERE id = 3;
VACUUM public.sp_items;
-- Errors still name the type as the search_path shows it.
CREATE TABLE public.sp_plain (v public.vector);
CREATE INDEX ON public.sp_plain USING hnsw (v public.vector_l2_ops);
RESET search_path;

-- The indexes built above answer queries (whatever else EXPLAIN prints
-- beside the index name).
CREATE FUNCTION sp_scans_index(query text, index_name text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		IF line LIKE '%Index Scan using %' || index_name || '%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;
SET enable_seqscan = off;
SELECT sp_scans_index($$SELECT id FROM sp_items ORDER BY v <-> '[3,2,1]' LIMIT 1$$, 'sp_v') AS v_index,
       sp_scans_index($$SELECT id FROM sp_items ORDER BY h <=> '[1,2,3]' LIMIT 1$$, 'sp_h') AS h_index,
       sp_scans_index($$SELECT id FROM sp_items ORDER BY b <~> B'011' LIMIT 1$$, 'sp_b') AS b_index;
SELECT id FROM sp_items ORDER BY v <-> '[3,2,1]' LIMIT 1;
SELECT id FROM sp_items ORDER BY h <=> '[1,2,3]' LIMIT 1;
SELECT id FROM sp_items ORDER BY b <~> B'011' LIMIT 1;
RESET enable_seqscan;

-- The install script is search_path-safe: no function of the extension runs
-- as its owner, and each is written in C, SQL or PL/pgSQL (a SQL or PL/pgSQL
-- body resolves names by the caller's search_path;
-- test/t/036_install_script_lint.pl checks such bodies qualify every name).
-- The only search_path a function sets is pg_catalog (with pg_temp): the
-- BM25 and hybrid search functions, for the dynamic SQL they run, and
-- vector_db_shard_table, so that format_type names every other type's
-- schema. Those are listed here; no other function may appear.
SELECT p.oid::regprocedure AS function, l.lanname, p.prosecdef, p.proconfig
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vector_db'
WHERE p.prosecdef OR l.lanname NOT IN ('c', 'internal', 'sql', 'plpgsql')
	OR EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');

-- Functions named like the extension's support functions, earlier on the
-- search_path, change nothing: an index binds its opclass's functions.
CREATE SCHEMA sp_shadow;
CREATE FUNCTION sp_shadow.vector_l2_squared_distance(public.vector, public.vector) RETURNS float8
	LANGUAGE sql IMMUTABLE AS 'SELECT 0::float8';
CREATE FUNCTION sp_shadow.l2_distance(public.vector, public.vector) RETURNS float8
	LANGUAGE sql IMMUTABLE AS 'SELECT 0::float8';
CREATE TABLE sp_rows AS SELECT i AS id, ARRAY[i, 0, 0]::vector(3) AS v FROM generate_series(1, 30) i;
SET search_path = sp_shadow, public;
CREATE INDEX sp_rows_v ON sp_rows USING hnsw (v vector_l2_ops) WITH (quantizer = 'flat');
SET enable_seqscan = off;
SELECT sp_scans_index($$SELECT id FROM sp_rows ORDER BY v <-> '[0,0,0]' LIMIT 3$$, 'sp_rows_v') AS by_index;
SELECT id, v <-> '[0,0,0]' AS distance FROM sp_rows ORDER BY v <-> '[0,0,0]' LIMIT 3;
RESET enable_seqscan;
RESET search_path;
DROP TABLE sp_items, sp_plain, sp_rows;
DROP FUNCTION sp_scans_index;
DROP SCHEMA sp_shadow CASCADE;
