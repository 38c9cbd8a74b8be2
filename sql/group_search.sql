-- vector_db_group_search (docs/grouping.md): every answer is compared with a
-- brute-force window-function query over the whole table, run with index
-- scans off, for many queries at once; "differing" counts the rows in one
-- answer and not in the other (EXCEPT ALL both ways) and must be 0.

-- 600 chunks in 37 documents of about 16 rows, 60 one-row documents
-- (fewer rows than group_size), and 40 exact copies of other chunks' vectors
-- (in the same and in other documents: ties in and between groups).
CREATE TABLE chunks (id int PRIMARY KEY, doc int, lang text, emb vector(4));
INSERT INTO chunks
SELECT i, CASE WHEN i % 10 = 0 THEN 1000 + i ELSE i % 37 END,
	CASE WHEN i % 3 = 0 THEN 'en' ELSE 'de' END,
	ARRAY[sin(i * 1.1), cos(i * 0.7), sin(i * 0.3 + 1), cos(i * 1.9)]::vector
FROM generate_series(1, 600) i;
INSERT INTO chunks SELECT 600 + id, CASE WHEN id % 2 = 0 THEN doc ELSE (doc + 1) % 37 END, lang, emb
FROM chunks WHERE id <= 40;
INSERT INTO chunks VALUES (700, 5, 'en', NULL);
-- Queries: 10 of the copied vectors (ties at distance 0) and 10 others.
CREATE TABLE queries AS
SELECT id AS qid, emb AS q FROM chunks WHERE id IN (1, 2, 3, 5, 8, 13, 21, 22, 30, 34)
UNION ALL
SELECT 100 + j, ARRAY[cos(j * 2.3), sin(j * 0.9), cos(j * 0.4), sin(j * 1.3)]::vector
FROM generate_series(1, 10) j;

-- The reference: rank the rows of each group by (distance, key text), the
-- groups by (nearest distance, group text), keep group_size rows of k groups.
CREATE FUNCTION ref_groups(tbl regclass, vcol name, q anyelement, gcol name, k int, gs int, op text,
	keycol name DEFAULT 'id', fcol name DEFAULT NULL, fvals text[] DEFAULT NULL)
RETURNS TABLE (group_rank int, group_value text, rank_in_group int, key text, distance float8)
LANGUAGE plpgsql SET enable_indexscan = off SET enable_bitmapscan = off AS $$
DECLARE
	filt text := CASE WHEN fcol IS NULL THEN 'true' ELSE format('%I::text = ANY ($4)', fcol) END;
BEGIN
	RETURN QUERY EXECUTE format($f$
		SELECT gr::int, g, rn::int, rkey, d FROM (
			SELECT *, dense_rank() OVER (ORDER BY best, g COLLATE "C") AS gr FROM (
				SELECT %3$I::text AS rkey, %2$I::text AS g, %4$I %5$s $1 AS d,
					row_number() OVER (PARTITION BY %2$I::text ORDER BY %4$I %5$s $1, %3$I::text COLLATE "C") AS rn,
					min(%4$I %5$s $1) OVER (PARTITION BY %2$I::text) AS best
				FROM %1$s WHERE %4$I IS NOT NULL AND %6$s) s
			WHERE rn <= $3) t
		WHERE gr <= $2$f$, tbl, gcol, keycol, vcol, op, filt) USING q, k, gs, fvals;
END $$;

-- Compares the function with the reference for each query of qs.
CREATE FUNCTION mismatches(tbl regclass, vcol name, qs anyarray, gcol name, k int, gs int, op text,
	keycol name DEFAULT 'id', fcol name DEFAULT NULL, fvals text[] DEFAULT NULL,
	OUT compared bigint, OUT differing bigint)
LANGUAGE sql AS $$
	WITH got AS (SELECT i, f.* FROM generate_subscripts(qs, 1) i,
			vector_db_group_search(tbl, vcol, qs[i], gcol, k, gs, op, keycol, fcol, fvals) f),
		want AS (SELECT i, r.* FROM generate_subscripts(qs, 1) i,
			ref_groups(tbl, vcol, qs[i], gcol, k, gs, op, keycol, fcol, fvals) r)
	SELECT (SELECT count(*) FROM want),
		(SELECT count(*) FROM ((TABLE got EXCEPT ALL TABLE want) UNION ALL (TABLE want EXCEPT ALL TABLE got)) x)
$$;
CREATE FUNCTION mismatches(k int, gs int, op text DEFAULT '<->',
	fcol name DEFAULT NULL, fvals text[] DEFAULT NULL, OUT compared bigint, OUT differing bigint)
LANGUAGE sql AS $$
	SELECT * FROM mismatches('chunks', 'emb', (SELECT array_agg(q ORDER BY qid) FROM queries), 'doc',
		k, gs, op, 'id', fcol, fvals)
$$;

-- hnsw. On so small a table the planner would sort the table instead of
-- reading an index (the same answer, below), unless told not to.
CREATE INDEX chunks_hnsw ON chunks USING hnsw (emb vector_l2_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT k, gs, compared >= 20 * k AS nonempty, differing
FROM (VALUES (1, 1), (5, 1), (5, 3), (10, 4), (3, 30)) p(k, gs), mismatches(k, gs);
SELECT compared > 0 AS nonempty, differing FROM mismatches(4, 2, fcol => 'lang', fvals => '{en}');

-- The function reads the index, and only as far as it needs: every row up
-- to the farthest row of its answer, and one more, which shows the answer
-- complete (the rows come in distance order, and one at a time).
-- idx_tup_read counts the rows an index scan returned. hnsw's distances
-- are rechecked by the executor, which reads one row ahead to order them.
CREATE FUNCTION rows_needed(q vector, farthest float8) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) + 1 FROM chunks WHERE emb <-> q <= farthest
$$;
SELECT pg_stat_force_next_flush();
SELECT idx_tup_read AS tuples FROM pg_stat_user_indexes WHERE indexrelname = 'chunks_hnsw' \gset
CREATE TEMP TABLE answer AS
SELECT * FROM vector_db_group_search('chunks', 'emb', '[0.5,0.5,0.5,0.5]'::vector, 'doc', 3, 2);
SELECT pg_stat_force_next_flush();
SELECT idx_tup_read - :tuples - rows_needed('[0.5,0.5,0.5,0.5]', (SELECT max(distance) FROM answer)) IN (0, 1)
		AS read_as_far_as_needed,
	rows_needed('[0.5,0.5,0.5,0.5]', (SELECT max(distance) FROM answer)) < 300 AS less_than_half_the_table
FROM pg_stat_user_indexes WHERE indexrelname = 'chunks_hnsw';
DROP TABLE answer;

-- The scan's limits: with hnsw.max_scan_tuples = 1 the scan ends after its
-- first search, which returns at most ef_search (10) rows, so fewer than k
-- groups come back (with a NOTICE, hidden here: the count depends on the
-- graph), ranked as usual.
SET hnsw.ef_search = 10;
SET hnsw.max_scan_tuples = 1;
SET client_min_messages = warning;
SELECT max(group_rank) <= 10 AS fewer_groups, bool_and(rank_in_group <= 2) AS ranked
FROM vector_db_group_search('chunks', 'emb', '[0.5,0.5,0.5,0.5]'::vector, 'doc', 30, 2);
RESET client_min_messages;
RESET hnsw.max_scan_tuples;
SET hnsw.ef_search = 100;

-- Deletes: the deleted rows are gone from the answers, before and after VACUUM.
DELETE FROM chunks WHERE id % 7 = 0 OR doc = 3;
SELECT k, gs, compared > 0 AS nonempty, differing FROM (VALUES (5, 1), (5, 3)) p(k, gs), mismatches(k, gs);
VACUUM chunks;
SELECT k, gs, compared > 0 AS nonempty, differing FROM (VALUES (5, 1), (5, 3)) p(k, gs), mismatches(k, gs);
DROP INDEX chunks_hnsw;

CREATE INDEX chunks_hnsw_cos ON chunks USING hnsw (emb vector_cosine_ops);
SELECT compared > 0 AS nonempty, differing FROM mismatches(5, 2, '<=>');
DROP INDEX chunks_hnsw_cos;

-- ivfflat and ivf, every list probed in each round (rows in exact order)
CREATE INDEX chunks_ivfflat ON chunks USING ivfflat (emb vector_l2_ops) WITH (lists = 4);
SET ivfflat.probes = 4;
SELECT k, gs, compared > 0 AS nonempty, differing FROM (VALUES (5, 1), (5, 3), (3, 30)) p(k, gs), mismatches(k, gs);
SELECT pg_stat_force_next_flush();
SELECT idx_tup_read AS tuples FROM pg_stat_user_indexes WHERE indexrelname = 'chunks_ivfflat' \gset
CREATE TEMP TABLE answer AS
SELECT * FROM vector_db_group_search('chunks', 'emb', '[0.5,0.5,0.5,0.5]'::vector, 'doc', 3, 2);
SELECT pg_stat_force_next_flush();
SELECT idx_tup_read - :tuples = rows_needed('[0.5,0.5,0.5,0.5]', (SELECT max(distance) FROM answer)) AS read_as_far_as_needed
FROM pg_stat_user_indexes WHERE indexrelname = 'chunks_ivfflat';
DROP TABLE answer;
DROP INDEX chunks_ivfflat;
CREATE INDEX chunks_ivf ON chunks USING ivf (emb vector_ip_ops) WITH (lists = 4, quantizer = 'flat');
SET ivf.probes = 4;
SELECT k, gs, compared > 0 AS nonempty, differing FROM (VALUES (5, 1), (5, 3)) p(k, gs), mismatches(k, gs, '<#>');
DROP INDEX chunks_ivf;

-- No index: a sort of the whole table, the same answers.
SELECT k, gs, compared > 0 AS nonempty, differing FROM (VALUES (5, 1), (5, 3)) p(k, gs), mismatches(k, gs, '<+>');

-- Fewer groups than k: all there are, and a NOTICE.
SELECT count(DISTINCT group_rank) AS groups
FROM vector_db_group_search('chunks', 'emb', '[0,0,0,0]'::vector, 'lang', 5, 2);

-- bit with Hamming distance (ties everywhere), a named key column, no primary key.
CREATE TABLE bits (name text, grp int, b bit(12));
INSERT INTO bits SELECT 'r' || i, i % 23, ((i * 2654435761::bigint) % 4096)::int::bit(12)
FROM generate_series(1, 400) i;
CREATE INDEX ON bits USING hnsw (b bit_hamming_ops);
SELECT gs, compared > 0 AS nonempty, differing FROM (VALUES (1), (4)) p(gs),
	mismatches('bits', 'b', (SELECT array_agg(b ORDER BY name) FROM bits WHERE name IN ('r1', 'r2', 'r3', 'r50')),
		'grp', 6, gs, '<~>', 'name');

-- sparsevec (hnsw, inner product) and halfvec (hnsw, cosine; a vector
-- query is cast to halfvec, the column's type).
CREATE TABLE sparse AS SELECT id, doc % 7 AS grp, emb::sparsevec(4) AS s FROM chunks WHERE id <= 300;
CREATE INDEX ON sparse USING hnsw (s sparsevec_ip_ops);
SELECT compared > 0 AS nonempty, differing
FROM mismatches('sparse', 's', (SELECT array_agg(s ORDER BY id) FROM sparse WHERE id <= 5), 'grp', 3, 4, '<#>', 'id');
CREATE TABLE half AS SELECT id, doc, emb::halfvec(4) AS h FROM chunks;
CREATE INDEX ON half USING hnsw (h halfvec_cosine_ops);
SELECT compared > 0 AS nonempty, differing
FROM mismatches('half', 'h', (SELECT array_agg(q::halfvec ORDER BY qid) FROM queries), 'doc', 4, 2, '<=>');
SELECT count(*) > 0 AS nonempty, count(*) FILTER (WHERE a IS DISTINCT FROM b) AS differing
FROM queries, LATERAL (
	SELECT array_agg(f ORDER BY f.group_rank, f.rank_in_group) AS a
	FROM vector_db_group_search('half', 'h', q, 'doc', 4, 2, '<=>', 'id') f) x, LATERAL (
	SELECT array_agg(f ORDER BY f.group_rank, f.rank_in_group) AS b
	FROM vector_db_group_search('half', 'h', q::halfvec, 'doc', 4, 2, '<=>', 'id') f) y;

-- Bad input (try() is sql/extension.sql's)
SELECT try(s) FROM (VALUES
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'doc', 0)$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'doc', 3, -1)$$),
	($$SELECT vector_db_group_search('chunks', 'emb', NULL::vector, 'doc', 3)$$),
	($$SELECT vector_db_group_search('chunks', 'nope', '[1,2,3,4]'::vector, 'doc', 3)$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'nope', 3)$$),
	($$SELECT vector_db_group_search('chunks', 'doc', 1, 'doc', 3)$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'doc', 3, 1, '<<->>')$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'doc', 3, 1, '<~>')$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3]'::vector, 'doc', 3)$$),
	($$SELECT vector_db_group_search('chunks', 'emb', '[1,2,3,4]'::vector, 'doc', 3, filter_column => 'lang')$$),
	($$SELECT vector_db_group_search('bits', 'b', '101'::bit(3), 'grp', 3, 1, '<~>')$$)) t(s);

DROP TABLE chunks, queries, bits, sparse, half;
DROP FUNCTION ref_groups, mismatches(int, int, text, name, text[]), mismatches(regclass, name, anyarray, name, int, int, text, name, name, text[]),
	rows_needed;
