-- ivfflat and ivf at the widest columns the types allow, 16,000 dimensions
-- of vector and halfvec, as hnsw: codes, pending elements and centroids
-- longer than a page span pages (docs/ivf.md, "Wide vectors"). With probes
-- = lists (and ivf.rerank past the rows) every row is scanned, so the index
-- returns the exact order; the checker finds every part in place after
-- inserts, the pending area, VACUUM, compaction and rebalance.
-- try() is extension.sql's, same_order() the hnsw test's.
SET client_min_messages = warning;
CREATE TABLE ivf_dims_items (id int, v vector(16000), h halfvec(16000));
-- Rows first..last of seeded random vectors in [-0.5, 0.5), as vector and halfvec.
CREATE FUNCTION ivf_dims_add(first int, last int) RETURNS void LANGUAGE sql AS $$
	SELECT setseed(first / 1000.0);
	INSERT INTO ivf_dims_items SELECT i, v, v::halfvec FROM (SELECT i, (SELECT array_agg(random() - 0.5)::float4[]
		FROM generate_series(1, 16000) WHERE i > 0)::vector AS v FROM generate_series(first, last) i) s $$;
SELECT ivf_dims_add(1, 24);
CREATE TEMP TABLE ivf_dims_q AS SELECT v::text, h::text FROM ivf_dims_items WHERE id = 7;

-- ivfflat, vector: a build, then inserts (straight into the lists), rows
-- deleted and vacuumed, a compaction and a rebalance.
CREATE INDEX ivf_dims_flat ON ivf_dims_items USING ivfflat (v vector_l2_ops) WITH (lists = 3);
SET ivfflat.probes = 3;
SELECT same_order('ivf_dims_items', 'v', '<->', v, 10) AS built FROM ivf_dims_q;
SELECT ivf_dims_add(25, 32);
SELECT same_order('ivf_dims_items', 'v', '<->', v, 32) AS inserted FROM ivf_dims_q;
DELETE FROM ivf_dims_items WHERE id % 4 = 0;
VACUUM ivf_dims_items;
SELECT same_order('ivf_dims_items', 'v', '<->', v, 24) AS vacuumed, try($$SELECT vector_db_index_check('ivf_dims_flat', true)$$) AS checked FROM ivf_dims_q;
SELECT vector_db_compact('ivf_dims_flat') >= 0 AS compacted;
SELECT same_order('ivf_dims_items', 'v', '<->', v, 24) AS after_compact, try($$SELECT vector_db_index_check('ivf_dims_flat', true)$$) AS checked FROM ivf_dims_q;
SELECT vector_db_rebalance('ivf_dims_flat');
SELECT same_order('ivf_dims_items', 'v', '<->', v, 24) AS after_rebalance, try($$SELECT vector_db_index_check('ivf_dims_flat', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_flat;

-- The pending area (fastupdate), its merge by VACUUM, halfvec.
CREATE INDEX ivf_dims_half ON ivf_dims_items USING ivfflat (h halfvec_cosine_ops) WITH (lists = 2, fastupdate = on);
SELECT ivf_dims_add(33, 40);
SELECT same_order('ivf_dims_items', 'h', '<=>', h, 20) AS pending, try($$SELECT vector_db_index_check('ivf_dims_half', true)$$) AS checked FROM ivf_dims_q;
DELETE FROM ivf_dims_items WHERE id = 35;
VACUUM ivf_dims_items;
SELECT same_order('ivf_dims_items', 'h', '<=>', h, 20) AS merged, try($$SELECT vector_db_index_check('ivf_dims_half', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_half;
RESET ivfflat.probes;

-- ivf, each quantizer: sq8's code (16,004 bytes) spans pages, pq's (1,000)
-- and rabitq's do not.
SET ivf.probes = 3;
SET ivf.rerank = 1000;
CREATE INDEX ivf_dims_q_flat ON ivf_dims_items USING ivf (v vector_l2_ops) WITH (lists = 3, quantizer = 'flat');
SELECT same_order('ivf_dims_items', 'v', '<->', v, 20) AS flat, try($$SELECT vector_db_index_check('ivf_dims_q_flat', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_q_flat;
CREATE INDEX ivf_dims_q_sq8 ON ivf_dims_items USING ivf (v vector_l2_ops) WITH (lists = 3, quantizer = 'sq8');
SELECT ivf_dims_add(41, 44);
SELECT same_order('ivf_dims_items', 'v', '<->', v, 20) AS sq8, try($$SELECT vector_db_index_check('ivf_dims_q_sq8', true)$$) AS checked FROM ivf_dims_q;
SELECT vector_db_rebalance('ivf_dims_q_sq8');
SELECT same_order('ivf_dims_items', 'v', '<->', v, 20) AS sq8_rebalanced, try($$SELECT vector_db_index_check('ivf_dims_q_sq8', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_q_sq8;
CREATE INDEX ivf_dims_q_pq ON ivf_dims_items USING ivf (v vector_ip_ops) WITH (lists = 3, quantizer = 'pq');
SELECT same_order('ivf_dims_items', 'v', '<#>', v, 20) AS pq, try($$SELECT vector_db_index_check('ivf_dims_q_pq', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_q_pq;
CREATE INDEX ivf_dims_q_rabitq ON ivf_dims_items USING ivf (v vector_cosine_ops) WITH (lists = 3, quantizer = 'rabitq');
SELECT same_order('ivf_dims_items', 'v', '<=>', v, 20) AS rabitq, try($$SELECT vector_db_index_check('ivf_dims_q_rabitq', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_q_rabitq;
CREATE INDEX ivf_dims_q_half ON ivf_dims_items USING ivf (h halfvec_l2_ops) WITH (lists = 3, quantizer = 'sq8');
SELECT same_order('ivf_dims_items', 'h', '<->', h, 20) AS half_sq8, try($$SELECT vector_db_index_check('ivf_dims_q_half', true)$$) AS checked FROM ivf_dims_q;
DROP INDEX ivf_dims_q_half;
RESET ivf.probes;
RESET ivf.rerank;

-- An unlogged table's index writes its init fork beside the index: the
-- metapage, 8 state pages holding the list's (zero) 64,000-byte centroid,
-- and the centroid page with its entry.
CREATE UNLOGGED TABLE ivf_dims_unlogged (id int, v vector(16000));
CREATE INDEX ivf_dims_unlogged_idx ON ivf_dims_unlogged USING ivfflat (v) WITH (lists = 1);
INSERT INTO ivf_dims_unlogged SELECT id, v FROM ivf_dims_items WHERE id <= 3;
SELECT same_order('ivf_dims_unlogged', 'v', '<->', v, 3) AS unlogged FROM ivf_dims_q;
SELECT pg_relation_size('ivf_dims_unlogged_idx', 'init') = 10 * current_setting('block_size')::int AS init_fork_pages;
DROP TABLE ivf_dims_unlogged;

-- Past the limit: the types stop at 16,000 dimensions (22023) before any
-- index does; bit columns at hnsw's 64,000, with pgvector's message (54000).
SELECT try($$CREATE TABLE ivf_dims_wide (v vector(16001))$$);
SELECT try($$CREATE TABLE ivf_dims_wide (h halfvec(16001))$$);
CREATE TABLE ivf_dims_bits (b bit(64001));
SELECT try($$CREATE INDEX ON ivf_dims_bits USING ivfflat (b bit_hamming_ops)$$);
SELECT try($$CREATE INDEX ON ivf_dims_bits USING ivf (b bit_hamming_ops)$$);
DROP TABLE ivf_dims_bits, ivf_dims_items;
DROP FUNCTION ivf_dims_add;
