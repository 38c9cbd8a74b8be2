-- hnsw over sparsevec: the four operator classes, their errors, index scans
-- equal to exact ordering (tables smaller than ef_search), and elements of
-- very different sizes through build, inserts, VACUUM and slot reuse.
-- Uses try() from extension.sql and same_order() from hnsw.sql, which run
-- before this file.
SET client_min_messages = warning;
SELECT setseed(0.17);

-- A random sparse vector with about nnz non-zeros (at least one), the low
-- indices likelier, so that vectors share non-zeros (with disjoint ones
-- inner products and cosines would tie at 0 and 1), values scaled by
-- 1/sqrt(nnz) so that long and short vectors have similar norms (a few
-- vectors far from all others could be left without links to them).
CREATE FUNCTION random_sparse(dims int, nnz int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(i || ':' || (CASE WHEN random() < 0.5 THEN -1 ELSE 1 END) *
	                          round(((random() * 10 + 0.1) / sqrt(nnz))::numeric, 4), ',' ORDER BY i) || '}/' || dims)::sparsevec
	FROM (SELECT DISTINCT 1 + floor(random() ^ 4 * dims)::int i FROM generate_series(1, nnz)) s
$$;
-- The vector with non-zeros at 1..nnz.
CREATE FUNCTION dense_prefix(dims int, nnz int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(i || ':1', ',') || '}/' || dims)::sparsevec FROM generate_series(1, nnz) i
$$;

-- Mostly short vectors, every tenth one long (hundreds of non-zeros).
CREATE TABLE sparse_items (id int, s sparsevec(2000));
INSERT INTO sparse_items SELECT i, random_sparse(2000, CASE WHEN i % 10 = 0 THEN 200 + i % 700 ELSE 1 + i % 30 END)
FROM generate_series(1, 400) i;
INSERT INTO sparse_items VALUES (401, NULL), (402, '{}/2000'), (403, dense_prefix(2000, 1000));
CREATE TABLE sparse_queries (q sparsevec(2000));
INSERT INTO sparse_queries SELECT random_sparse(2000, n) FROM unnest(ARRAY[10, 20, 60, 300]) n;

SET hnsw.ef_search = 1000;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX sparse_l2 ON sparse_items USING hnsw (s sparsevec_l2_ops);
CREATE INDEX sparse_ip ON sparse_items USING hnsw (s sparsevec_ip_ops);
CREATE INDEX sparse_cosine ON sparse_items USING hnsw (s sparsevec_cosine_ops);
CREATE INDEX sparse_l1 ON sparse_items USING hnsw (s sparsevec_l1_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sparse_items ORDER BY s <-> '{1:1,5:2}/2000' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM sparse_items ORDER BY s <#> '{1:1,5:2}/2000' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM sparse_items ORDER BY s <=> '{1:1,5:2}/2000' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM sparse_items ORDER BY s <+> '{1:1,5:2}/2000' LIMIT 5;
RESET enable_seqscan;
-- The long row is the nearest to itself by every metric.
SELECT (SELECT id FROM sparse_items ORDER BY s <-> dense_prefix(2000, 1000) LIMIT 1) AS l2,
       (SELECT id FROM sparse_items ORDER BY s <=> dense_prefix(2000, 1000) LIMIT 1) AS cosine,
       (SELECT id FROM sparse_items ORDER BY s <+> dense_prefix(2000, 1000) LIMIT 1) AS l1;
SELECT bool_and(same_order('sparse_items', 's', '<->', q::text, 20)) AS l2,
       bool_and(same_order('sparse_items', 's', '<#>', q::text, 20)) AS ip,
       bool_and(same_order('sparse_items', 's', '<=>', q::text, 20)) AS cosine,
       bool_and(same_order('sparse_items', 's', '<+>', q::text, 20)) AS l1
FROM sparse_queries;
-- NULLs are never indexed, the zero vector not under cosine; all but at
-- most one of the 401 others are reachable.
SET enable_seqscan = off;
SELECT count(*) >= 400 AS nearly_all, bool_and(id NOT IN (401, 402)) AS no_null_or_zero
FROM (SELECT id FROM sparse_items ORDER BY s <=> '{1:1}/2000') s;
RESET enable_seqscan;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'sparse_items'::regclass;

-- Inserts, deletes, VACUUM, then inserts that reuse the freed slots.
INSERT INTO sparse_items SELECT i, random_sparse(2000, CASE WHEN i % 7 = 0 THEN 500 ELSE 1 + i % 40 END)
FROM generate_series(1001, 1150) i;
DELETE FROM sparse_items WHERE id % 3 = 0;
VACUUM sparse_items;
SELECT bool_and(same_order('sparse_items', 's', '<->', q::text, 20)) AS l2_after_vacuum,
       bool_and(same_order('sparse_items', 's', '<=>', q::text, 20)) AS cosine_after_vacuum
FROM sparse_queries;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'sparse_items'::regclass;
-- Inserts into the freed slots.
INSERT INTO sparse_items SELECT i, random_sparse(2000, CASE WHEN i % 5 = 0 THEN 800 ELSE 1 + i % 20 END)
FROM generate_series(2001, 2150) i;
SELECT bool_and(same_order('sparse_items', 's', '<#>', q::text, 20)) AS ip_after_reuse,
       bool_and(same_order('sparse_items', 's', '<+>', q::text, 20)) AS l1_after_reuse
FROM sparse_queries;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'sparse_items'::regclass;

-- An index built empty, then long rows: the element pool runs ahead of the
-- node slots and formats groups early; short rows then fill those groups'
-- slots without formatting them again.
CREATE TABLE sparse_growing (id int, s sparsevec(2000));
CREATE INDEX sparse_growing_idx ON sparse_growing USING hnsw (s sparsevec_l2_ops);
INSERT INTO sparse_growing SELECT i, random_sparse(2000, 900) FROM generate_series(1, 60) i;
SELECT vector_db_index_check('sparse_growing_idx', true);
INSERT INTO sparse_growing SELECT i, random_sparse(2000, 1 + i % 10) FROM generate_series(61, 300) i;
SELECT vector_db_index_check('sparse_growing_idx', true);
SELECT bool_and(same_order('sparse_growing', 's', '<->', q::text, 20)) AS l2_growing FROM sparse_queries;

-- Errors: too many non-zeros (54000) for an insert, a build and a query;
-- a column without dimensions; other dimensions than the index's.
SELECT try($$INSERT INTO sparse_items VALUES (0, dense_prefix(2000, 1001))$$);
CREATE TABLE sparse_wide (s sparsevec(5000));
INSERT INTO sparse_wide VALUES (dense_prefix(5000, 1001));
SELECT try($$CREATE INDEX ON sparse_wide USING hnsw (s sparsevec_l2_ops)$$);
SET enable_seqscan = off;
SELECT try(format('SELECT id FROM sparse_items ORDER BY s <-> %L LIMIT 1', dense_prefix(2000, 1001)));
SELECT try($$SELECT id FROM sparse_items ORDER BY s <-> '{1:1}/3' LIMIT 1$$);
RESET enable_seqscan;
CREATE TABLE sparse_undimensioned (s sparsevec);
SELECT try($$CREATE INDEX ON sparse_undimensioned USING hnsw (s sparsevec_l2_ops)$$);
SELECT try($$CREATE INDEX ON sparse_items USING hnsw (s sparsevec_l2_ops) WITH (m = 1)$$);
SELECT try($$CREATE INDEX ON sparse_items USING hnsw (s sparsevec_l2_ops) WITH (quantizer = 'sq8')$$);
SELECT try($$CREATE INDEX ON sparse_items USING ivfflat (s sparsevec_l2_ops)$$);

DROP TABLE sparse_items, sparse_queries, sparse_growing, sparse_wide, sparse_undimensioned;
DROP FUNCTION random_sparse, dense_prefix;
