-- sparsevec: text and binary formats, distances, comparison.
SET extra_float_digits = 0;

SELECT '{1:1.5,3:2}/5'::sparsevec, ' { 3 : 2 , 1 : 1.5 } / 5 '::sparsevec;
-- Zeros are dropped; unsorted indices are sorted.
SELECT '{2:0,4:-1,1:3e-2}/4'::sparsevec, '{}/3'::sparsevec, '{1:0}/1'::sparsevec;
CREATE TABLE sp5 (v sparsevec(5));
INSERT INTO sp5 VALUES ('{1:1}/5');
INSERT INTO sp5 VALUES ('{1:1}/4');
SELECT v, sparsevec_send(v) FROM sp5;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'sp5'::regclass AND attname = 'v';
DROP TABLE sp5;
SELECT sparsevec_send('{2:1.5}/1000000000');

-- Distances: overlapping and disjoint indices.
SELECT l2_distance('{1:3}/2'::sparsevec, '{2:4}/2'), '{1:3}/2'::sparsevec <-> '{2:4}/2',
	sparsevec_l2_squared_distance('{1:3}/2', '{2:4}/2');
SELECT inner_product('{1:1,2:2}/3'::sparsevec, '{2:4,3:5}/3'), '{1:1,2:2}/3'::sparsevec <#> '{2:4,3:5}/3',
	sparsevec_negative_inner_product('{1:1,2:2}/3', '{2:4,3:5}/3');
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2'), '{1:1}/2'::sparsevec <=> '{2:1}/2',
	cosine_distance('{}/2'::sparsevec, '{1:1}/2');
SELECT l1_distance('{1:1,2:-2}/3'::sparsevec, '{2:2,3:1}/3'), '{1:1,2:-2}/3'::sparsevec <+> '{2:2,3:1}/3';
SELECT l2_norm('{1:3,5:4}/5'::sparsevec), l2_normalize('{1:3,5:4}/5'::sparsevec), l2_normalize('{}/2'::sparsevec);
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';

-- Comparison agrees with the dense order; btree and hash.
SELECT '{1:1}/3'::sparsevec < '{2:1}/3', '{2:-1}/3'::sparsevec < '{}/3', '{1:1}/2'::sparsevec < '{1:1}/3',
	'{1:1}/3'::sparsevec = '{1:1}/3', '{1:1}/3'::sparsevec <> '{1:1}/4', sparsevec_cmp('{3:1}/3', '{}/3');
CREATE TABLE sp_cmp (v sparsevec);
INSERT INTO sp_cmp VALUES ('{1:1}/3'), ('{2:1}/3'), ('{1:1}/3'), ('{}/3'), ('{2:-1}/3'), ('{1:1,2:0}/3');
CREATE INDEX ON sp_cmp USING btree (v);
CREATE INDEX ON sp_cmp USING hash (v);
SELECT v, count(*) FROM sp_cmp GROUP BY v ORDER BY v;
SELECT v::vector FROM sp_cmp ORDER BY v;
DROP TABLE sp_cmp;
