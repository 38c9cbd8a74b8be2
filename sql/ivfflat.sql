-- The ivfflat access method: builds, ordered scans, inserts, vacuum, options,
-- settings and errors. With ivfflat.probes = lists every list is scanned, so
-- the index order must equal the exact (sequential) order.
SET client_min_messages = warning;
SELECT setseed(0.17);

-- try() is extension.sql's, same_order() the hnsw test's (it runs first).

-- A crafted example: the nearest rows, in order.
CREATE TABLE ivf_tiny (id int, v vector(2));
INSERT INTO ivf_tiny VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,3]'), (4, '[5,5]'), (5, NULL), (6, '[2,2]');
CREATE INDEX ivf_tiny_idx ON ivf_tiny USING ivfflat (v vector_l2_ops) WITH (lists = 2);
SET enable_seqscan = off;
SET ivfflat.probes = 2;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_tiny ORDER BY v <-> '[1,1]' LIMIT 3;
SELECT id, v <-> '[1,1]' AS distance FROM ivf_tiny ORDER BY v <-> '[1,1]' LIMIT 3;
-- NULLs are not indexed; ORDER BY distance to NULL loses no indexed row.
SELECT count(*) FROM (SELECT id FROM ivf_tiny ORDER BY v <-> '[1,1]') s;
SELECT count(*) FROM (SELECT id FROM ivf_tiny ORDER BY v <-> NULL) s;
SELECT vector_db_index_check('ivf_tiny_idx', true);
RESET enable_seqscan;

-- Fewer rows than lists: a NOTICE, and a usable index.
SET client_min_messages = notice;
CREATE TABLE ivf_small (id int, v vector(3));
INSERT INTO ivf_small VALUES (1, '[1,2,3]'), (2, '[3,2,1]');
CREATE INDEX ivf_small_idx ON ivf_small USING ivfflat (v) WITH (lists = 10);
-- An empty table builds too, and takes inserts.
CREATE TABLE ivf_empty (id int, v vector(3));
CREATE INDEX ivf_empty_idx ON ivf_empty USING ivfflat (v vector_cosine_ops);
SET client_min_messages = warning;
INSERT INTO ivf_empty VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,0]');
SET enable_seqscan = off;
SELECT id FROM ivf_empty ORDER BY v <=> '[1,0.1,0]' LIMIT 5;
SELECT id FROM ivf_small ORDER BY v <-> '[3,2,1]' LIMIT 1;
RESET enable_seqscan;
SELECT vector_db_index_check('ivf_empty_idx', true);

-- 600 random rows, 12 lists: every opclass, probes = lists equals exact search.
CREATE TABLE ivf_items (id int, v vector(8), h halfvec(8), b bit(24));
INSERT INTO ivf_items
	SELECT i, v, v::halfvec, (SELECT string_agg(CASE WHEN random() < 0.5 THEN '1' ELSE '0' END, '') FROM generate_series(1, 24) WHERE i > 0)::bit(24)
	FROM (SELECT i, (SELECT array_agg(round((random() * 10)::numeric, 2)::real) FROM generate_series(1, 8) WHERE i > 0)::vector AS v
	      FROM generate_series(1, 600) i) s;
CREATE INDEX ivf_l2 ON ivf_items USING ivfflat (v vector_l2_ops) WITH (lists = 12);
CREATE INDEX ivf_ip ON ivf_items USING ivfflat (v vector_ip_ops) WITH (lists = 12);
CREATE INDEX ivf_cos ON ivf_items USING ivfflat (v vector_cosine_ops) WITH (lists = 12);
CREATE INDEX ivf_hl2 ON ivf_items USING ivfflat (h halfvec_l2_ops) WITH (lists = 12);
CREATE INDEX ivf_hip ON ivf_items USING ivfflat (h halfvec_ip_ops) WITH (lists = 12);
CREATE INDEX ivf_hcos ON ivf_items USING ivfflat (h halfvec_cosine_ops) WITH (lists = 12);
CREATE INDEX ivf_ham ON ivf_items USING ivfflat (b bit_hamming_ops) WITH (lists = 12);
CREATE INDEX ivf_jac ON ivf_items USING ivfflat (b bit_jaccard_ops) WITH (lists = 12);
SET ivfflat.probes = 12;
SELECT same_order('ivf_items', 'v', '<->', '[1,2,3,4,5,6,7,8]', 20) AS l2,
       same_order('ivf_items', 'v', '<#>', '[1,2,3,4,5,6,7,8]', 20) AS ip,
       same_order('ivf_items', 'v', '<=>', '[1,2,3,4,5,6,7,8]', 20) AS cosine,
       same_order('ivf_items', 'h', '<->', '[8,1,2,3,4,5,6,7]', 20) AS half_l2,
       same_order('ivf_items', 'h', '<#>', '[8,1,2,3,4,5,6,7]', 20) AS half_ip,
       same_order('ivf_items', 'h', '<=>', '[8,1,2,3,4,5,6,7]', 20) AS half_cosine;
-- Bit distances tie often: compare the distances, not the ids.
SET enable_seqscan = off;
SELECT array_agg(d) = (SELECT array_agg(d) FROM (SELECT b <~> '101010101010101010101010' AS d FROM ivf_items ORDER BY 1 LIMIT 20) e) AS hamming
	FROM (SELECT b <~> '101010101010101010101010' AS d FROM ivf_items ORDER BY b <~> '101010101010101010101010' LIMIT 20) s;
SELECT array_agg(d) = (SELECT array_agg(d) FROM (SELECT b <%> '101010101010101010101010' AS d FROM ivf_items ORDER BY 1 LIMIT 20) e) AS jaccard
	FROM (SELECT b <%> '101010101010101010101010' AS d FROM ivf_items ORDER BY b <%> '101010101010101010101010' LIMIT 20) s;
RESET enable_seqscan;

-- One probe scans one list: fewer rows than the table, all from the index.
SET ivfflat.probes = 1;
SET enable_seqscan = off;
SELECT count(*) < 600 AS one_list FROM (SELECT id FROM ivf_items ORDER BY v <-> '[1,2,3,4,5,6,7,8]') s;
-- Iterative scan: a filter that rejects most rows still fills the LIMIT.
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 50 = 0 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM ivf_items WHERE id % 50 = 0 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
SET ivfflat.max_probes = 2;
SELECT count(*) <= 2 * 600 / 12 + 100 AS bounded FROM (SELECT id FROM ivf_items ORDER BY v <-> '[1,2,3,4,5,6,7,8]') s;
RESET ivfflat.max_probes;
RESET ivfflat.iterative_scan;
RESET enable_seqscan;

-- The planner picks the index for ORDER BY ... LIMIT on its own.
ANALYZE ivf_items;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_items ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 5;
-- and never without an ORDER BY.
SET enable_seqscan = off;
SELECT plan_of($$SELECT id FROM ivf_items WHERE v = '[1,2,3,4,5,6,7,8]'$$);
RESET enable_seqscan;

-- Inserts, deletes, vacuum: the index stays exact at probes = lists.
SET ivfflat.probes = 12;
-- New rows get new random vectors: copies would tie, and ties may come in any order.
INSERT INTO ivf_items SELECT i, v, v::halfvec, b FROM (
	SELECT i, (SELECT array_agg(round((random() * 10)::numeric, 2)::real) FROM generate_series(1, 8) WHERE i > 0)::vector AS v, b
	FROM generate_series(601, 800) i, (SELECT b FROM ivf_items LIMIT 1) one) s;
DELETE FROM ivf_items WHERE id % 3 = 0;
VACUUM ivf_items;
SELECT vector_db_index_check('ivf_l2', true), vector_db_index_check('ivf_hcos', true), vector_db_index_check('ivf_jac', true);
SELECT same_order('ivf_items', 'v', '<->', '[5,5,5,5,5,5,5,5]', 30) AS after_vacuum;
-- Vacuumed space is reused: inserting as many rows as were deleted does not grow the index.
SELECT pg_relation_size('ivf_l2') AS size_before \gset
INSERT INTO ivf_items SELECT i, v, v::halfvec, b FROM (
	SELECT i, (SELECT array_agg(round((random() * 10)::numeric, 2)::real) FROM generate_series(1, 8) WHERE i > 0)::vector AS v, b
	FROM generate_series(1001, 1150) i, (SELECT b FROM ivf_items LIMIT 1) one) s;
SELECT pg_relation_size('ivf_l2') = :size_before AS space_reused;
SELECT vector_db_index_check('ivf_l2', true);
SELECT same_order('ivf_items', 'v', '<->', '[5,5,5,5,5,5,5,5]', 30) AS after_reuse;
RESET ivfflat.probes;

-- A build whose lists outgrow maintenance_work_mem writes them out more than
-- once (1,000 rows x 1,208 bytes > 1MB): chains span several writes.
CREATE TABLE ivf_wide_rows (id int, v vector(300));
INSERT INTO ivf_wide_rows
	SELECT i, (SELECT array_agg(random()::real) FROM generate_series(1, 300) WHERE i > 0)::vector FROM generate_series(1, 1000) i;
SET maintenance_work_mem = '1MB';
CREATE INDEX ivf_wide_rows_idx ON ivf_wide_rows USING ivfflat (v) WITH (lists = 3);
RESET maintenance_work_mem;
SELECT vector_db_index_check('ivf_wide_rows_idx', true);
SET ivfflat.probes = 3;
SELECT same_order('ivf_wide_rows', 'v', '<->', (SELECT v::text FROM ivf_wide_rows WHERE id = 7), 10) AS spilled_build;
RESET ivfflat.probes;
DROP TABLE ivf_wide_rows;

-- Options and errors.
SELECT try($$CREATE INDEX ON ivf_items USING ivfflat (v) WITH (lists = 0)$$);
SELECT try($$CREATE INDEX ON ivf_items USING ivfflat (v) WITH (lists = 40000)$$);
SELECT try($$CREATE INDEX ON ivf_items USING ivfflat (v) WITH (quantizer = 'sq8')$$);
SELECT try($$CREATE INDEX ON ivf_items USING ivfflat (v vector_l1_ops)$$);
-- A second vector column (filter columns follow the vector column: docs/ivf.md).
SELECT try($$CREATE INDEX ON ivf_items USING ivfflat (v, h)$$);
SELECT try($$SET ivfflat.probes = 0$$);
SELECT try($$SET ivfflat.iterative_scan = strict_order$$);
SELECT try($$SET ivfflat.rerank = 10$$);
CREATE TABLE ivf_nodim (v vector);
SELECT try($$CREATE INDEX ON ivf_nodim USING ivfflat (v)$$);
CREATE TABLE ivf_wide (v bit(64001));
SELECT try($$CREATE INDEX ON ivf_wide USING ivfflat (v bit_hamming_ops)$$);
SELECT try($$INSERT INTO ivf_items (id, v) VALUES (0, '[1,2,3]')$$);
SELECT try($$SELECT * FROM ivf_items ORDER BY v <-> '[1,2]' LIMIT 1$$);
SET enable_seqscan = off;
SELECT try($$SELECT count(*) FROM ivf_items WHERE v IS NOT NULL$$);
-- The subquery's ORDER BY is dropped: no ordered path, and the index must not be used.
SELECT try($$SELECT count(*) FROM (SELECT id FROM ivf_items ORDER BY v <-> '[1,2,3,4,5,6,7,8]') s$$);
RESET enable_seqscan;
SELECT amname, pg_indexam_has_property(oid, 'can_order') FROM pg_am WHERE amname IN ('ivfflat', 'ivf') ORDER BY 1;
SELECT opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname = 'ivfflat' ORDER BY 1;
SELECT amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname = 'ivfflat' GROUP BY 1;

DROP TABLE ivf_tiny, ivf_small, ivf_empty, ivf_items, ivf_nodim, ivf_wide;
