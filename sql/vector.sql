-- vector: text and binary I/O, typmod, distances and operators.
SET extra_float_digits = 0;

-- Text input: whitespace, exponents, shortest round-trip output.
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , -2.5 ,3e2 ] '::vector;
SELECT '[1.5e-3, 0.1, 123456789]'::vector;
SELECT '[-0, 3.4028235e38, 1.4e-45]'::vector;

-- Typmod.
CREATE TABLE vec3 (v vector(3));
INSERT INTO vec3 VALUES ('[1,2,3]'), (NULL);
SELECT v, vector_send(v) FROM vec3 ORDER BY v IS NULL;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'vec3'::regclass AND attname = 'v';
DROP TABLE vec3;

-- Binary: every type's send then recv, through a binary COPY round trip.
CREATE TABLE bin_src (id int, v vector, h halfvec, s sparsevec);
INSERT INTO bin_src VALUES (1, '[1,-2,0.5]', '[1,-2,0.5]', '{1:1,3:-2.5}/3'),
	(2, '[3.25]', '[65504]', '{}/7'), (3, '[1e-45]', '[6e-8]', '{1000000000:4}/1000000000');
CREATE TABLE bin_dst (LIKE bin_src);
DO $$
DECLARE path text := '/tmp/vector_db_regress_' || pg_backend_pid() || '.bin';
BEGIN
	EXECUTE format('COPY bin_src TO %L WITH (FORMAT binary)', path);
	EXECUTE format('COPY bin_dst FROM PROGRAM %L WITH (FORMAT binary)', 'cat ' || path || ' && rm ' || path);
END $$;
SELECT d.*, d.v = s.v AND d.h = s.h AND d.s = s.s AS same FROM bin_dst d JOIN bin_src s USING (id) ORDER BY id;
DROP TABLE bin_src, bin_dst;
SELECT vector_send('[1,2]');

-- Distances.
SELECT l2_distance('[0,0]', '[3,4]'), '[0,0]'::vector <-> '[3,4]';
SELECT vector_l2_squared_distance('[0,0]', '[3,4]');
SELECT inner_product('[1,2]', '[3,4]'), '[1,2]'::vector <#> '[3,4]',
	vector_negative_inner_product('[1,2]', '[3,4]');
SELECT cosine_distance('[1,2]', '[2,4]'), cosine_distance('[1,1]', '[-1,-1]'),
	cosine_distance('[1,0]', '[0,1]'), '[1,0]'::vector <=> '[0,2]';
SELECT cosine_distance('[0,0]', '[1,1]');
SELECT round(vector_spherical_distance('[1,0]', '[0,1]')::numeric, 6),
	vector_spherical_distance('[1,0]', '[-1,0]');
SELECT l1_distance('[0,0]', '[3,-4]'), '[0,0]'::vector <+> '[3,-4]';
SELECT '[1,2,3]'::vector <-> '[1,2]';

-- Arithmetic and other functions.
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]';
SELECT '[1,2]'::vector || '[3]';
SELECT vector_dims('[1,2,3]'::vector), vector_norm('[3,4]');
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector);
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3,4,5]'::vector, -1, 3),
	subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT binary_quantize('[1,-2,0,0.5,3,-1,2,2,-0.1]'::vector);
SELECT '[3e38]'::vector + '[3e38]';

-- Comparison: order, equality, -0 = 0, btree and hash use.
SELECT '[1,2]'::vector < '[1,3]', '[1,2]'::vector < '[1,2,0]', '[2]'::vector > '[1,9]',
	'[1,2]'::vector = '[1,2]', '[0]'::vector = '[-0]', '[1]'::vector <> '[1]',
	'[1,2]'::vector <= '[1,2]', '[1,2]'::vector >= '[1,3]', vector_cmp('[1]', '[0]');
SELECT vector_hash('[0,1]') = vector_hash('[-0,1]');
CREATE TABLE vec_cmp (v vector);
INSERT INTO vec_cmp VALUES ('[1,2]'), ('[0,5]'), ('[1,2]'), ('[1]'), ('[-0,5]');
SELECT v, count(*) FROM vec_cmp GROUP BY v ORDER BY v;
SET enable_sort = off;
SELECT DISTINCT v FROM vec_cmp ORDER BY v;
RESET enable_sort;
CREATE INDEX ON vec_cmp USING btree (v);
CREATE INDEX ON vec_cmp USING hash (v);
SET enable_seqscan = off;
SELECT count(*) FROM vec_cmp WHERE v = '[1,2]';
RESET enable_seqscan;
DROP TABLE vec_cmp;

-- Aggregates, serial and forced parallel.
CREATE TABLE vec_agg (v vector(3));
INSERT INTO vec_agg SELECT ARRAY[i, 2 * i, -i]::vector FROM generate_series(1, 3000) i;
SELECT avg(v), sum(v) FROM vec_agg;
SELECT avg(v), sum(v) FROM vec_agg WHERE false;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vec_agg;
SELECT avg(v), sum(v) FROM vec_agg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- The combine step on its own: two partial states, and an empty one.
SELECT vector_avg(vector_combine(vector_accum('{0}', '[1,2]'), vector_accum(vector_accum('{0}', '[3,4]'), '[5,6]')));
SELECT vector_combine('{0}', vector_accum('{0}', '[1,2]')), vector_combine(vector_accum('{0}', '[1,2]'), '{0}');
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v);
DROP TABLE vec_agg;
