-- BM25 columns and hybrid_search (docs/hybrid.md).
CREATE TABLE chunks (id int PRIMARY KEY, doc_id int, lang text, body text, emb vector(3),
	bm sparsevec(1000000000), tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED);
INSERT INTO chunks (id, doc_id, lang, body, emb)
SELECT i, i / 4, CASE WHEN i % 3 = 0 THEN 'de' ELSE 'en' END,
	(ARRAY['the quick brown fox', 'a lazy dog sleeps all day', 'cats and dogs and foxes',
		'the fox hunts a rabbit', 'rabbit holes run deep', 'quick quick quick'])[1 + i % 6]
	|| ' ' || (ARRAY['river', 'mountain', 'forest', 'meadow', 'fox'])[1 + i % 5] || ' ' || i,
	ARRAY[i % 7, i % 5, 1 + i * 0.01]::vector
FROM generate_series(1, 60) i;
INSERT INTO chunks (id, body) VALUES (61, NULL), (62, 'the and of');
SELECT vector_db_bm25_create('chunks', 'body', 'bm');
CREATE INDEX chunks_emb_idx ON chunks USING hnsw (emb vector_l2_ops);
CREATE INDEX chunks_bm_idx ON chunks USING hnsw (bm sparsevec_ip_ops);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
SELECT k1, b, avgdl, dims, doc_count FROM vector_db_bm25 WHERE relid = 'chunks'::regclass;
SELECT id, bm FROM chunks WHERE id IN (1, 61, 62) ORDER BY id;

-- The statistics against a recount, and every score against BM25 written
-- out in SQL: run again after writes change them.
CREATE VIEW bm25_recount AS
SELECT s.doc_count = (SELECT count(*) FROM chunks WHERE body IS NOT NULL) AS n_ok,
	s.total_length = (SELECT sum(k.tf) FROM chunks c, vector_db_bm25_tokens('english', c.body) k) AS length_ok,
	(SELECT count(*) FROM vector_db_bm25_terms t WHERE t.bm25 = s.id AND t.df <> (SELECT count(*) FROM chunks c
		WHERE EXISTS (SELECT FROM vector_db_bm25_tokens('english', c.body) k WHERE k.term = t.term))) AS wrong_df
FROM vector_db_bm25 s WHERE s.relid = 'chunks'::regclass;
CREATE VIEW bm25_rescore AS
WITH s AS (SELECT * FROM vector_db_bm25 WHERE relid = 'chunks'::regclass),
q AS (SELECT * FROM vector_db_bm25_tokens('english', 'quick fox rabbit rabbit')),
d AS (SELECT c.id, k.term, k.tf, sum(k.tf) OVER (PARTITION BY c.id) AS dl
	FROM chunks c, vector_db_bm25_tokens('english', c.body) k),
ref AS (SELECT d.id, sum(q.tf * vector_db_bm25_idf(s.doc_count, t.df)
		* vector_db_bm25_weight(d.tf, d.dl, s.avgdl, s.k1, s.b)) AS score
	FROM s, d JOIN q USING (term) JOIN vector_db_bm25_terms t ON t.term = d.term
	WHERE t.bm25 = (SELECT id FROM s) GROUP BY d.id)
SELECT count(*) AS rows_scored,
	count(*) FILTER (WHERE abs(ref.score + (c.bm <#> vector_db_bm25_query('chunks', 'bm', 'quick fox rabbit rabbit')))
		> 1e-6 * ref.score) AS wrong_scores,
	-- the rows the tsquery matches are exactly the rows scoring above 0
	(SELECT count(*) FROM chunks c WHERE coalesce(to_tsvector('english', c.body) @@ vector_db_bm25_tsquery('chunks', 'bm', 'quick fox rabbit rabbit'), false)
		IS DISTINCT FROM (c.id IN (SELECT id FROM ref))) AS wrong_candidates
FROM ref JOIN chunks c USING (id);
SELECT * FROM bm25_recount;
SELECT * FROM bm25_rescore;

-- Writes: insert, update of the text, update of another column, delete,
-- a conflicting insert that writes nothing.
INSERT INTO chunks (id, body) VALUES (63, 'rabbit rabbit rabbit in the forest');
UPDATE chunks SET body = 'a fox and a rabbit' WHERE id IN (2, 8);
UPDATE chunks SET lang = 'fr' WHERE id = 3;
DELETE FROM chunks WHERE id % 10 = 0;
INSERT INTO chunks (id, body) VALUES (1, 'zebra') ON CONFLICT (id) DO NOTHING;
SELECT count(*) FROM vector_db_bm25_terms WHERE term = 'zebra' AND df > 0;
SELECT doc_count FROM vector_db_bm25 WHERE relid = 'chunks'::regclass;
SELECT * FROM bm25_recount;
SELECT * FROM bm25_rescore;
-- Refresh freezes the current average length and rewrites the vectors.
SELECT vector_db_bm25_refresh('chunks', 'bm') = (SELECT total_length::float8 / doc_count FROM vector_db_bm25) AS refreshed;
SELECT * FROM bm25_rescore;
-- The exact BM25 query of docs/hybrid.md: GIN candidates, then a top-N
-- sort by score, although an hnsw index on the BM25 column could order.
SELECT vector_db_bm25_tsquery('chunks', 'bm', 'Quick foxes, zebras and the rabbit'),
	vector_db_bm25_tsquery('chunks', 'bm', 'zebra') IS NULL AS no_term_known;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM chunks ORDER BY bm <#> '{1:1}/1000000000' LIMIT 5;
PREPARE bm25_top(text) AS
WITH q AS MATERIALIZED (SELECT * FROM vector_db_bm25_query_parts('chunks', 'bm', $1))
SELECT id, score FROM (SELECT id, -(bm <#> (SELECT vector FROM q)) AS score FROM chunks
	WHERE to_tsvector('english', body) @@ (SELECT tsquery FROM q) OFFSET 0) c
ORDER BY score DESC, id LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE bm25_top('fox rabbit');
EXECUTE bm25_top('fox rabbit');
RESET enable_seqscan;

-- RRF and weighted fusion against the same fusion in plain SQL.
CREATE FUNCTION plain_fusion(rrf boolean, lang_filter text) RETURNS TABLE (key bigint, score float8, ranks int[])
LANGUAGE sql AS $$
WITH q AS (SELECT vector_db_bm25_query('chunks', 'bm', 'fox rabbit') AS v, vector_db_bm25_tsquery('chunks', 'bm', 'fox rabbit') AS tq),
s1 AS (SELECT 1 AS search, x.id, row_number() OVER () AS rank, 1 - 2 * atan(x.d) / pi() AS norm
	FROM (SELECT id, emb <-> '[1,2,3]' AS d FROM chunks WHERE lang_filter IS NULL OR lang = lang_filter
		ORDER BY emb <-> '[1,2,3]' LIMIT 8) x),
s2 AS (SELECT 2, x.id, row_number() OVER (), 2 * atan(-x.d) / pi()
	FROM (SELECT * FROM (SELECT id, bm <#> q.v AS d FROM chunks, q WHERE (lang_filter IS NULL OR lang = lang_filter)
		AND to_tsvector('english', body) @@ q.tq OFFSET 0) c ORDER BY d, id LIMIT 6) x),
s3 AS (SELECT 3, x.id, row_number() OVER (), 2 * atan(x.r) / pi()
	FROM (SELECT id, ts_rank_cd(tsv, to_tsquery('english', 'dog | river')) AS r FROM chunks
		WHERE (lang_filter IS NULL OR lang = lang_filter) AND tsv @@ to_tsquery('english', 'dog | river')
		ORDER BY r DESC, id LIMIT 5) x),
h AS (SELECT * FROM s1 UNION ALL SELECT * FROM s2 UNION ALL SELECT * FROM s3)
SELECT id, sum(CASE search WHEN 1 THEN 1.0 WHEN 2 THEN 2.0 ELSE 0.5 END
		* CASE WHEN rrf THEN 1.0 / (60 + rank) ELSE norm END),
	ARRAY[min(rank) FILTER (WHERE search = 1), min(rank) FILTER (WHERE search = 2), min(rank) FILTER (WHERE search = 3)]::int[]
FROM h GROUP BY id ORDER BY 2 DESC, id LIMIT 10 $$;
CREATE FUNCTION searches() RETURNS hybrid_subsearch[] LANGUAGE sql AS $$
SELECT ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'l2', 8),
	hybrid_bm25('bm', 'fox rabbit', 6, weight => 2),
	hybrid_fulltext('tsv', to_tsquery('english', 'dog | river'), 5, weight => 0.5)] $$;
SELECT * FROM hybrid_search('chunks', searches());
SELECT count(*) AS differences FROM (
	(SELECT * FROM hybrid_search('chunks', searches()) EXCEPT ALL SELECT * FROM plain_fusion(true, NULL))
	UNION ALL (SELECT * FROM plain_fusion(true, NULL) EXCEPT ALL SELECT * FROM hybrid_search('chunks', searches()))) d;
SELECT count(*) AS differences FROM (
	(SELECT * FROM hybrid_search('chunks', searches(), 'weighted') EXCEPT ALL SELECT * FROM plain_fusion(false, NULL))
	UNION ALL (SELECT * FROM plain_fusion(false, NULL) EXCEPT ALL SELECT * FROM hybrid_search('chunks', searches(), 'weighted'))) d;
SELECT count(*) AS differences FROM (
	(SELECT * FROM hybrid_search('chunks', searches(), filter => '{"lang": "en"}') EXCEPT ALL SELECT * FROM plain_fusion(true, 'en'))
	UNION ALL (SELECT * FROM plain_fusion(true, 'en') EXCEPT ALL SELECT * FROM hybrid_search('chunks', searches(), filter => '{"lang": "en"}'))) d;
-- Filters: a list, a NULL, and a key column named.
SELECT key FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'cosine', 5)],
	filter => '{"lang": ["de", "fr"], "doc_id": [0, 1, 2, 3, 4]}') ORDER BY key;
SELECT key, ranks FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[0,0,1]'::vector, 'ip', 3)],
	filter => '{"lang": null}', key_column => 'id');

-- Each search through its index.
SELECT sql, queries, weights FROM hybrid_search_sql('chunks', searches(), NULL, '{"lang": "en"}') \gset
PREPARE fused(text[], jsonb, float8[], float8, boolean, integer) AS :sql;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) EXECUTE fused(:'queries', '{"lang": "en"}', :'weights', 60, true, 10);
-- A scalar filter on a filter column of an hnsw index is an index condition.
CREATE INDEX chunks_emb_doc_idx ON chunks USING hnsw (emb vector_l2_ops, doc_id);
SELECT sql, queries, weights FROM hybrid_search_sql('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'l2', 5)],
	NULL, '{"doc_id": 3}') \gset
PREPARE filtered(text[], jsonb, float8[], float8, boolean, integer) AS :sql;
EXPLAIN (COSTS OFF) EXECUTE filtered(:'queries', '{"doc_id": 3}', :'weights', 60, true, 10);
SELECT key FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'l2', 5)], filter => '{"doc_id": 3}')
ORDER BY key;
RESET enable_seqscan;

-- Bad input.
\set VERBOSITY sqlstate
SELECT * FROM hybrid_search('chunks', '{}');
SELECT * FROM hybrid_search('chunks', searches(), 'max');
SELECT * FROM hybrid_search('chunks', searches(), "limit" => 0);
SELECT * FROM hybrid_search('chunks', searches(), rrf_k => -1);
SELECT * FROM hybrid_search('chunks', searches(), filter => '[1]');
SELECT * FROM hybrid_search('chunks', searches(), filter => '{"nope": 1}');
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'l3')]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, 'l2', 0)]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector, weight => -1)]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('nope', '[1,2,3]'::vector)]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('body', '[1,2,3]'::vector)]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_fulltext('emb', 'fox')]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_bm25('emb', 'fox')]);
SELECT * FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', '[1,2,3]'::vector)], key_column => 'lang');
SELECT vector_db_bm25_create('chunks', 'body', 'bm');
SELECT vector_db_bm25_create('chunks', 'emb', 'bm');
SELECT vector_db_bm25_create('chunks', 'body', 'emb');
SELECT vector_db_bm25_create('chunks', 'body', 'bm', b => 2);
SELECT vector_db_bm25_query('chunks', 'emb', 'fox');
CREATE TABLE empty_chunks (id int, body text, bm sparsevec(2));
SELECT vector_db_bm25_create('empty_chunks', 'body', 'bm');
SELECT vector_db_bm25_create('empty_chunks', 'body', 'bm', avgdl => 5);
INSERT INTO empty_chunks VALUES (1, 'three new words');
CREATE TABLE strangers_chunks (id int, body text, bm sparsevec(2));
CREATE ROLE regress_hybrid_stranger;
SET ROLE regress_hybrid_stranger;
SELECT vector_db_bm25_create('strangers_chunks', 'body', 'bm');
SELECT vector_db_bm25_drop('empty_chunks', 'bm');
SELECT vector_db_bm25_refresh('empty_chunks', 'bm');
SELECT count(*) FROM vector_db_bm25;
RESET ROLE;
\set VERBOSITY default
DROP ROLE regress_hybrid_stranger;
DROP TABLE strangers_chunks;
INSERT INTO empty_chunks VALUES (1, 'two words');
SELECT id, bm FROM empty_chunks;
SELECT vector_db_bm25_drop('empty_chunks', 'bm');
SELECT count(*) AS indexes_left FROM pg_index WHERE indrelid = 'empty_chunks'::regclass;
INSERT INTO empty_chunks VALUES (2, 'no longer counted');
SELECT count(*) FROM vector_db_bm25;
TRUNCATE chunks;
SELECT doc_count, total_length, (SELECT max(df) FROM vector_db_bm25_terms) FROM vector_db_bm25;
DROP TABLE chunks, empty_chunks CASCADE;
SELECT count(*) AS setups_left FROM vector_db_bm25;
DROP FUNCTION plain_fusion, searches;
