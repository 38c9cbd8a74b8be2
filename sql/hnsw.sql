-- The hnsw access method: builds, ordered scans, inserts, vacuum, options,
-- settings and errors. Tables smaller than ef_search, so a search explores
-- everything reachable and a scan must return the exact (sequential) top k,
-- nearest first. Every build here runs on one thread, so the graph depends
-- only on the rows, and same_order() allows no miss.
SET client_min_messages = warning;
SELECT setseed(0.42);

-- True when an index scan returns every id a sequential scan returns, in
-- ascending distance (up to float4 rounding:
-- the index computes in float4 over normalised copies, SQL in float8).
CREATE FUNCTION same_order(tab text, col text, op text, q text, k int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	by_index int[];
	distances float8[];
	exact int[];
	sql text := format('SELECT array_agg(id), array_agg(%I %s %L) FROM (SELECT id, %I FROM %I ORDER BY %I %s %L LIMIT %s) s',
	                   col, op, q, col, tab, col, op, q, k);
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE sql INTO by_index, distances;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE sql INTO exact;
	RETURN cardinality(array(SELECT unnest(by_index) INTERSECT SELECT unnest(exact))) = k
		AND NOT EXISTS (SELECT FROM generate_subscripts(distances, 1) i
		                WHERE i > 1 AND distances[i] < distances[i - 1] - 1e-5 * abs(distances[i - 1]));
END $$;

-- A crafted example: the nearest rows, in order.
CREATE TABLE tiny (id int, v vector(2));
INSERT INTO tiny VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,3]'), (4, '[5,5]'), (5, NULL), (6, '[2,2]');
CREATE INDEX tiny_idx ON tiny USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tiny ORDER BY v <-> '[1,1]' LIMIT 3;
SELECT id, v <-> '[1,1]' AS distance FROM tiny ORDER BY v <-> '[1,1]' LIMIT 3;
-- NULLs are not indexed, so an index scan never returns them.
SELECT count(*) FROM (SELECT id FROM tiny ORDER BY v <-> '[1,1]') s;
-- ORDER BY distance to NULL: rows in some order, none lost.
SELECT count(*) FROM (SELECT id FROM tiny ORDER BY v <-> NULL) s;
-- EXPLAIN's index name is the real one in every format, so that tools can
-- look the index up: the index-name lines of each format.
CREATE FUNCTION explain_index_names(query text) RETURNS TABLE (format text, line text)
LANGUAGE plpgsql AS $$
DECLARE
	plan text;
BEGIN
	FOREACH format IN ARRAY ARRAY['text', 'json', 'xml', 'yaml'] LOOP
		plan := '';
		FOR line IN EXECUTE format('EXPLAIN (COSTS OFF, FORMAT %s) %s', format, query) LOOP
			plan := plan || line || E'\n';
		END LOOP;
		RETURN QUERY SELECT format, trim(l) FROM regexp_split_to_table(plan, E'\n') l
			WHERE l ~ '(Index.Name|Index Scan using)';
	END LOOP;
END $$;
SELECT * FROM explain_index_names($$SELECT id FROM tiny ORDER BY v <-> '[1,1]' LIMIT 3$$);
-- vector_db.explain_search_settings adds the settings an hnsw scan searches
-- with, as they are now, after the name (in every format: the hook that
-- does it cannot tell them apart); other indexes keep their plain names.
SET vector_db.explain_search_settings = on;
SET hnsw.ef_search = 17;
SET hnsw.iterative_scan = strict_order;
SET hnsw.max_scan_tuples = 500;
EXPLAIN (COSTS OFF) SELECT id FROM tiny ORDER BY v <-> '[1,1]' LIMIT 3;
RESET hnsw.iterative_scan;
RESET hnsw.max_scan_tuples;
RESET hnsw.ef_search;
SELECT * FROM explain_index_names($$SELECT id FROM tiny ORDER BY v <-> '[1,1]' LIMIT 3$$) WHERE format = 'json';
CREATE INDEX "Tiny By Id" ON tiny (id);
EXPLAIN (COSTS OFF) SELECT id FROM tiny WHERE id = 3;
DROP INDEX "Tiny By Id";
RESET vector_db.explain_search_settings;
RESET enable_seqscan;

-- Every opclass on random data: index order equals exact order.
CREATE TABLE items (id int, v vector(8), h halfvec(8), b bit(64));
CREATE FUNCTION add_items(first int, last int) RETURNS void LANGUAGE sql AS $$
	INSERT INTO items SELECT i, v::vector, v::vector::halfvec, b::bit(64) FROM (
		SELECT i,
		       (SELECT array_agg(round((random() * 20 - 10)::numeric, 2)::float4) FROM generate_series(1, 8) WHERE i > 0) v,
		       (SELECT string_agg(CASE WHEN random() < 0.5 THEN '1' ELSE '0' END, '') FROM generate_series(1, 64) WHERE i > 0) b
		FROM generate_series(first, last) i) s
$$;
SELECT add_items(1, 500);
SET hnsw.ef_search = 1000;
-- One build thread: the graph then depends only on the rows.
SET max_parallel_maintenance_workers = 0;
CREATE INDEX ON items USING hnsw (v vector_l2_ops);
CREATE INDEX ON items USING hnsw (v vector_ip_ops);
CREATE INDEX ON items USING hnsw (v vector_cosine_ops);
CREATE INDEX ON items USING hnsw (v vector_l1_ops);
SELECT same_order('items', 'v', '<->', '[1,2,3,4,5,6,7,8]', 20) AS l2,
       same_order('items', 'v', '<#>', '[1,2,3,4,5,6,7,8]', 20) AS ip,
       same_order('items', 'v', '<=>', '[1,2,3,4,5,6,7,8]', 20) AS cosine,
       same_order('items', 'v', '<+>', '[1,2,3,4,5,6,7,8]', 20) AS l1;
CREATE INDEX ON items USING hnsw (h halfvec_l2_ops);
CREATE INDEX ON items USING hnsw (h halfvec_ip_ops);
CREATE INDEX ON items USING hnsw (h halfvec_cosine_ops);
CREATE INDEX ON items USING hnsw (h halfvec_l1_ops);
SELECT same_order('items', 'h', '<->', '[1,2,3,4,5,6,7,8]', 20) AS l2,
       same_order('items', 'h', '<#>', '[1,2,3,4,5,6,7,8]', 20) AS ip,
       same_order('items', 'h', '<=>', '[1,2,3,4,5,6,7,8]', 20) AS cosine,
       same_order('items', 'h', '<+>', '[1,2,3,4,5,6,7,8]', 20) AS l1;
CREATE INDEX ON items USING hnsw (b bit_hamming_ops);
CREATE INDEX ON items USING hnsw (b bit_jaccard_ops);
-- Bit distances tie often; compare distances rather than ids.
SET enable_seqscan = off;
SELECT array_agg(d) AS hamming FROM (SELECT b <~> (SELECT b FROM items WHERE id = 7) d FROM items ORDER BY 1 LIMIT 8) s;
SELECT (SELECT array_agg(b <~> (SELECT b FROM items WHERE id = 7)) FROM
	(SELECT b FROM items ORDER BY b <~> (SELECT b FROM items WHERE id = 7) LIMIT 8) s) =
	(SELECT array_agg(d) FROM (SELECT b <~> (SELECT b FROM items WHERE id = 7) d FROM items ORDER BY 1 LIMIT 8) t) AS hamming_same;
SELECT (SELECT array_agg(b <%> (SELECT b FROM items WHERE id = 7)) FROM
	(SELECT b FROM items ORDER BY b <%> (SELECT b FROM items WHERE id = 7) LIMIT 8) s) =
	(SELECT array_agg(d) FROM (SELECT b <%> (SELECT b FROM items WHERE id = 7) d FROM items ORDER BY 1 LIMIT 8) t) AS jaccard_same;
RESET enable_seqscan;
RESET max_parallel_maintenance_workers;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'items'::regclass;

-- Inserts after the build, deletes and VACUUM keep the index exact and valid.
SELECT add_items(1001, 1200);
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
SELECT same_order('items', 'v', '<->', '[1,2,3,4,5,6,7,8]', 20) AS l2_after_vacuum,
       same_order('items', 'h', '<=>', '[1,2,3,4,5,6,7,8]', 20) AS halfvec_cosine_after_vacuum;
SELECT add_items(2001, 2100);
SELECT same_order('items', 'v', '<#>', '[1,2,3,4,5,6,7,8]', 20) AS ip_after_reuse;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'items'::regclass;

-- Iterative scans: a selective filter still gets its LIMIT when rows qualify.
CREATE TABLE labelled (id int, label int, v vector(8));
INSERT INTO labelled SELECT id, id % 50, v FROM items;
CREATE INDEX ON labelled USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 10;
SET hnsw.iterative_scan = off;
-- Without them the filter sees only the ef_search rows the scan returns:
-- the labelled ones among the unfiltered top 10 (row 53 itself at least,
-- the query being its vector), fewer than the 10 asked.
SELECT array(SELECT id FROM labelled WHERE label = 3
             ORDER BY v <-> (SELECT v FROM labelled WHERE id = 53) LIMIT 10) AS filtered_ids,
       array(SELECT id FROM (SELECT id, label FROM labelled
                             ORDER BY v <-> (SELECT v FROM labelled WHERE id = 53) LIMIT 10) s
             WHERE label = 3) AS labelled_among_first_ef;
SET hnsw.iterative_scan = strict_order;
SELECT count(*) AS strict_rows FROM (SELECT id FROM labelled WHERE label = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS relaxed_rows FROM (SELECT id FROM labelled WHERE label = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
SET hnsw.max_scan_tuples = 20;
SELECT count(*) < 10 AS stops_at_max_scan_tuples FROM (SELECT id FROM labelled WHERE label = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 10) s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
SET hnsw.ef_search = 1000;
RESET enable_seqscan;

-- An empty index, then rows inserted one at a time.
CREATE TABLE grow (id int, v vector(3));
CREATE INDEX grow_idx ON grow USING hnsw (v vector_cosine_ops) WITH (m = 8, ef_construction = 32);
INSERT INTO grow SELECT i, ARRAY[random() - 0.5, random() - 0.5, random() - 0.5] FROM generate_series(1, 300) i;
INSERT INTO grow VALUES (0, '[0,0,0]');  -- zero vector: no direction, not indexed
SELECT same_order('grow', 'v', '<=>', '[3,1,2]', 10) AS cosine_grown;
SELECT vector_db_index_check('grow_idx', true);
-- With m = 2 level-0 lists hold 4 links, so nearly every back link
-- re-prunes a full list and the entry point moves up a level every few
-- inserts: every node stays reachable from the newest entry point all the
-- same.
CREATE TABLE grow_m2 (id int, v vector(4));
CREATE INDEX grow_m2_idx ON grow_m2 USING hnsw (v vector_l2_ops) WITH (m = 2);
INSERT INTO grow_m2 SELECT i, ARRAY[random(), random(), random(), random()] FROM generate_series(1, 500) i;
SELECT vector_db_index_check('grow_m2_idx', true);
DROP TABLE grow_m2;

-- More dimensions than pgvector indexes (2,000): vectors that span pages.
CREATE TABLE wide_items (id int, v vector(3000), h halfvec(5000), b bit(20000));
INSERT INTO wide_items SELECT i,
	(SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 3000) WHERE i > 0)::vector,
	(SELECT array_agg(random() - 0.5)::float4[] FROM generate_series(1, 5000) WHERE i > 0)::vector::halfvec,
	(SELECT string_agg(CASE WHEN random() < 0.5 THEN '1' ELSE '0' END, '') FROM generate_series(1, 20000) WHERE i > 0)::bit(20000)
FROM generate_series(1, 200) i;
CREATE INDEX wide_v ON wide_items USING hnsw (v vector_l2_ops);
-- sq8 (the default here) stores a quarter of flat's bytes per vector.
CREATE INDEX wide_v_flat ON wide_items USING hnsw (v vector_l2_ops) WITH (quantizer = 'FLAT');
SELECT pg_relation_size('wide_v') * 3 < pg_relation_size('wide_v_flat') AS sq8_smaller;
DROP INDEX wide_v_flat;
CREATE INDEX wide_h ON wide_items USING hnsw (h halfvec_cosine_ops);
-- halfvec sq8 stores half of flat's bytes per vector.
CREATE INDEX wide_h_sq8 ON wide_items USING hnsw (h halfvec_cosine_ops) WITH (quantizer = 'sq8');
SELECT pg_relation_size('wide_h_sq8') * 3 < pg_relation_size('wide_h') * 2 AS halfvec_sq8_smaller;
DROP INDEX wide_h_sq8;
CREATE INDEX wide_b ON wide_items USING hnsw (b bit_hamming_ops);
SELECT same_order('wide_items', 'v', '<->', (SELECT v::text FROM wide_items WHERE id = 5), 10) AS wide_vector,
       same_order('wide_items', 'h', '<=>', (SELECT h::text FROM wide_items WHERE id = 5), 10) AS wide_halfvec;
SET enable_seqscan = off;
SELECT id FROM wide_items ORDER BY b <~> (SELECT b FROM wide_items WHERE id = 9) LIMIT 1;
RESET enable_seqscan;
SELECT vector_db_index_check('wide_v', true), vector_db_index_check('wide_h', true), vector_db_index_check('wide_b', true);
DROP TABLE wide_items;

-- Unlogged tables work (the init fork holds an empty index).
CREATE UNLOGGED TABLE scratch (id int, v vector(3));
CREATE INDEX scratch_idx ON scratch USING hnsw (v);
INSERT INTO scratch SELECT i, ARRAY[i, 1, 1] FROM generate_series(1, 50) i;
SET enable_seqscan = off;
SELECT id FROM scratch ORDER BY v <-> '[7.2,1,1]' LIMIT 3;
RESET enable_seqscan;

-- REINDEX and CREATE INDEX CONCURRENTLY.
REINDEX INDEX grow_idx;
CREATE INDEX CONCURRENTLY grow_l2 ON grow USING hnsw (v vector_l2_ops);
SELECT vector_db_index_check('grow_idx', true), vector_db_index_check('grow_l2', true);

-- The planner uses the index for ORDER BY ... LIMIT, not for plain filters.
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v = '[1,2,3,4,5,6,7,8]';
-- Nor where it could only scan without an order: a partial index whose
-- predicate the query implies is such a path, and it must lose even to a
-- disabled sequential scan (which would otherwise fail: no order to scan by).
CREATE INDEX items_partial ON items USING hnsw (v vector_l2_ops) WHERE id < 100;
SET enable_seqscan = off;
SELECT plan_of('SELECT count(*) FROM items WHERE id < 100');
SELECT count(*) FROM items WHERE id < 100;
RESET enable_seqscan;
DROP INDEX items_partial;

-- Options and their errors.
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (m = 1)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (m = 101)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (ef_construction = 3)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (ef_construction = 1001)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (m = 16, ef_construction = 31)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (colour = 1)$$);
SELECT try($$CREATE INDEX ON items USING hnsw (v) WITH (quantizer = 'pq')$$);
SELECT try($$CREATE INDEX ON items USING hnsw (b bit_hamming_ops) WITH (quantizer = 'sq8')$$);

-- quantizer: sq8 is the default for vector l2/ip/cosine; flat keeps float
-- vectors. Both return the exact order.
CREATE INDEX items_flat ON items USING hnsw (v vector_l2_ops) WITH (quantizer = 'flat');
SELECT same_order('items', 'v', '<->', '[1,2,3,4,5,6,7,8]', 20) AS flat_l2;
SELECT vector_db_index_check('items_flat', true);
DROP INDEX items_flat;
-- sq8 asked for where flat is the default: halfvec (every metric) and
-- vector l1. The exact order still, after the build and after inserts.
CREATE TABLE sq8_items AS SELECT id, v, h FROM items WHERE id <= 300;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX ON sq8_items USING hnsw (h halfvec_l2_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON sq8_items USING hnsw (h halfvec_ip_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON sq8_items USING hnsw (h halfvec_cosine_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON sq8_items USING hnsw (h halfvec_l1_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON sq8_items USING hnsw (v vector_l1_ops) WITH (quantizer = 'sq8');
RESET max_parallel_maintenance_workers;
INSERT INTO sq8_items SELECT id, v, h FROM items WHERE id > 300 AND id <= 400;
SELECT same_order('sq8_items', 'h', '<->', '[1,2,3,4,5,6,7,8]', 20) AS l2,
       same_order('sq8_items', 'h', '<#>', '[1,2,3,4,5,6,7,8]', 20) AS ip,
       same_order('sq8_items', 'h', '<=>', '[1,2,3,4,5,6,7,8]', 20) AS cosine,
       same_order('sq8_items', 'h', '<+>', '[1,2,3,4,5,6,7,8]', 20) AS l1,
       same_order('sq8_items', 'v', '<+>', '[1,2,3,4,5,6,7,8]', 20) AS vector_l1;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'sq8_items'::regclass;
DROP TABLE sq8_items;
CREATE TABLE undimensioned (v vector, s sparsevec(5), n int);
SELECT try($$CREATE INDEX ON undimensioned USING hnsw (v)$$);
SELECT try($$CREATE INDEX ON undimensioned USING hnsw (s)$$);
SELECT try($$CREATE INDEX ON undimensioned USING hnsw (n)$$);
CREATE TABLE wide (b bit(64001));
SELECT try($$CREATE INDEX ON wide USING hnsw (b bit_hamming_ops)$$);
SELECT try($$INSERT INTO tiny VALUES (9, '[1,2,3]')$$);
-- A query of other dimensions than the index's: pgvector's message, the
-- query's dimensions first (a sequential scan's sort would name them last).
SET enable_seqscan = off;
SELECT try($$SELECT id FROM tiny ORDER BY v <-> '[1,2,3]' LIMIT 1$$);
SELECT try($$SELECT id FROM items ORDER BY h <-> '[1,2,3]' LIMIT 1$$);
SELECT try($$SELECT id FROM items ORDER BY b <~> B'101' LIMIT 1$$);
RESET enable_seqscan;
SELECT try($$SET hnsw.ef_search = 0$$);
SELECT try($$SET hnsw.ef_search = 1001$$);
SELECT try($$SET hnsw.iterative_scan = sideways$$);
SELECT try($$SET hnsw.scan_mem_multiplier = 0$$);
SELECT try($$SELECT vector_db_index_check('items')$$);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hnsw') ORDER BY opcname;
SELECT opcname FROM pg_opclass WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hnsw') ORDER BY opcname;
