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
DROP TABLE sp_items, sp_plain;
DROP FUNCTION sp_scans_index;
