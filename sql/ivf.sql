-- The ivf access method: ivfflat's lists with a quantizer per index (flat,
-- sq8, pq, rabitq), scanned on codes and re-ranked with exact distances from
-- the heap. With ivf.probes = lists and ivf.rerank >= rows, every row is
-- re-ranked, so the index order must equal the exact order.
SET client_min_messages = warning;
SELECT setseed(0.23);

-- try() is extension.sql's, same_order() the hnsw test's (it runs first).

-- How many of the exact k nearest the index returns (recall x k).
CREATE OR REPLACE FUNCTION overlap(tab text, col text, op text, q text, k int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	by_index int[];
	exact int[];
	sql text := format('SELECT array_agg(id) FROM (SELECT id FROM %I ORDER BY %I %s %L LIMIT %s) s', tab, col, op, q, k);
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE sql INTO by_index;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE sql INTO exact;
	RETURN (SELECT count(*) FROM unnest(by_index) i WHERE i = ANY (exact));
END $$;

-- 2000 rows of 16 dimensions around 10 centres.
CREATE TABLE ivfq (id int, v vector(16), h halfvec(16));
INSERT INTO ivfq
	SELECT i, v, v::halfvec FROM (
		SELECT i, (SELECT array_agg(round((c + random())::numeric, 3)::real) FROM generate_series(1, 16), (SELECT i % 10 AS c) centre)::vector AS v
		FROM generate_series(1, 2000) i) s;
CREATE INDEX ivfq_flat ON ivfq USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'flat');
CREATE INDEX ivfq_sq8 ON ivfq USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'sq8');
CREATE INDEX ivfq_pq ON ivfq USING ivf (v vector_ip_ops) WITH (lists = 8, quantizer = 'pq', pq_m = 4);
CREATE INDEX ivfq_rabitq ON ivfq USING ivf (v vector_cosine_ops) WITH (lists = 8, quantizer = 'rabitq');
CREATE INDEX ivfq_half ON ivfq USING ivf (h halfvec_cosine_ops) WITH (lists = 8, quantizer = 'sq8');
-- lists left out: from the row count (rows / 1000 here).
CREATE INDEX ivfq_auto ON ivfq USING ivf (h halfvec_l2_ops) WITH (quantizer = 'pq');
SELECT relname, pg_relation_size(oid) < pg_relation_size('ivfq_flat') AS smaller_than_flat
	FROM pg_class WHERE relname IN ('ivfq_sq8', 'ivfq_pq', 'ivfq_rabitq') ORDER BY 1;

-- Every list probed and every candidate re-ranked: exact order.
SET ivf.probes = 8;
SET ivf.rerank = 5000;
SELECT same_order('ivfq', 'v', '<->', '[3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3.5]', 20) AS flat_and_sq8,
       same_order('ivfq', 'v', '<#>', '[1,2,3,4,5,6,7,8,9,8,7,6,5,4,3,2]', 20) AS pq_ip,
       same_order('ivfq', 'v', '<=>', '[1,2,3,4,5,6,7,8,9,8,7,6,5,4,3,2]', 20) AS rabitq_cosine,
       same_order('ivfq', 'h', '<=>', '[9,2,3,4,5,6,7,8,9,8,7,6,5,4,3,2]', 20) AS half_sq8_cosine,
       same_order('ivfq', 'h', '<->', '[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5]', 20) AS half_pq_l2;
-- Re-ranking the best 50 estimates finds almost all of the exact 10.
SET ivf.rerank = 50;
DROP INDEX ivfq_flat;
SELECT overlap('ivfq', 'v', '<->', '[7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7.2]', 10) >= 9 AS sq8_recall,
       overlap('ivfq', 'v', '<#>', '[1,2,3,4,5,6,7,8,9,8,7,6,5,4,3,2]', 10) >= 8 AS pq_recall;
-- The default, -1, re-ranks the quantizer's count (sq8: 40) at a time.
RESET ivf.rerank;
SHOW ivf.rerank;
SELECT overlap('ivfq', 'v', '<->', '[7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7.2]', 10) = 10 AS sq8_default_recall;
-- 1-bit codes of 16 dimensions estimate coarsely: re-rank a tenth of the rows.
SET ivf.rerank = 200;
SELECT overlap('ivfq', 'v', '<=>', '[1,2,3,4,5,6,7,8,9,8,7,6,5,4,3,2]', 10) >= 8 AS rabitq_recall;
-- ivf.rerank = 0: estimated order, all rows still returned once.
SET ivf.rerank = 0;
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM ivfq ORDER BY v <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]') s;
RESET enable_seqscan;
RESET ivf.rerank;

-- Re-ranking reads the heap through the scan's snapshot: deleted rows vanish.
SET enable_seqscan = off;
DELETE FROM ivfq WHERE id % 2 = 0;
SELECT count(*) FILTER (WHERE id % 2 = 0) AS deleted_seen
	FROM (SELECT id FROM ivfq ORDER BY v <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 50) s;
VACUUM ivfq;
INSERT INTO ivfq
	SELECT i, v, v::halfvec FROM (
		SELECT i, (SELECT array_agg(round((c + random())::numeric, 3)::real) FROM generate_series(1, 16), (SELECT i % 10 AS c) centre)::vector AS v
		FROM generate_series(2001, 2400) i) s;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'ivfq'::regclass;
SET ivf.rerank = 5000;
SELECT same_order('ivfq', 'v', '<->', '[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]', 20) AS sq8_after_vacuum;
RESET ivf.rerank;
-- Iterative scans probe further when a filter rejects rows.
SET ivf.probes = 1;
SET ivf.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM ivfq WHERE id % 10 = 1 AND id % 7 = 0 ORDER BY v <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 10) s;
RESET ivf.iterative_scan;
RESET ivf.probes;
RESET enable_seqscan;

-- Options and errors.
SELECT try($$CREATE INDEX ON ivfq USING ivf (v) WITH (quantizer = 'lvq')$$);
SELECT try($$CREATE INDEX ON ivfq USING ivf (v) WITH (quantizer = 'pq', pq_m = 5)$$);
SELECT try($$CREATE INDEX ON ivfq USING ivf (v) WITH (quantizer = 'pq', pq_bits = 4)$$);
SELECT try($$CREATE INDEX ON ivfq USING ivf (v) WITH (lists = -1)$$);
SELECT try($$SET ivf.rerank = -2$$);
CREATE TABLE ivfbits (id int, b bit(64));
INSERT INTO ivfbits SELECT i, (random() * 1e18)::bigint::bit(64) FROM generate_series(1, 100) i;
SELECT try($$CREATE INDEX ON ivfbits USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8')$$);
SELECT try($$CREATE INDEX ON ivfbits USING ivf (b bit_hamming_ops) WITH (lists = 4)$$);
-- Tiny and empty tables build usable quantized indexes (the sample is repeated).
CREATE TABLE ivftiny (id int, v vector(4));
CREATE INDEX ivftiny_empty ON ivftiny USING ivf (v) WITH (quantizer = 'sq8');
INSERT INTO ivftiny VALUES (1, '[1,2,3,4]'), (2, '[4,3,2,1]'), (3, '[0,0,0,1]');
CREATE INDEX ivftiny_pq ON ivftiny USING ivf (v) WITH (quantizer = 'pq');
CREATE INDEX ivftiny_rabitq ON ivftiny USING ivf (v) WITH (quantizer = 'rabitq', lists = 2);
INSERT INTO ivftiny VALUES (4, '[1,2,3,5]');
SET enable_seqscan = off;
SELECT id FROM ivftiny ORDER BY v <-> '[1,2,3,4.6]' LIMIT 2;
RESET enable_seqscan;
SELECT vector_db_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'ivftiny'::regclass;
SELECT amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname = 'ivf' GROUP BY 1;

DROP TABLE ivfq, ivfbits, ivftiny;
