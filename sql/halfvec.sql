-- halfvec: float16 elements behind the same surface as vector.
SET extra_float_digits = 0;

SELECT '[1,2,3]'::halfvec, ' [ 1.5 , -2e-1 ] '::halfvec;
-- Elements are rounded to float16 and printed as the float4 they now are.
SELECT '[0.1, 65504, -65519, 6e-8]'::halfvec;
SELECT '[65520]'::halfvec;
SELECT '[1e5]'::halfvec;
CREATE TABLE half3 (v halfvec(3));
INSERT INTO half3 VALUES ('[1,2,3]');
INSERT INTO half3 VALUES ('[1,2]');
SELECT v, halfvec_send(v) FROM half3;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'half3'::regclass AND attname = 'v';
DROP TABLE half3;

-- Distances (the same figures as for vector).
SELECT l2_distance('[0,0]'::halfvec, '[3,4]'), '[0,0]'::halfvec <-> '[3,4]',
	halfvec_l2_squared_distance('[0,0]', '[3,4]');
SELECT inner_product('[1,2]'::halfvec, '[3,4]'), '[1,2]'::halfvec <#> '[3,4]',
	halfvec_negative_inner_product('[1,2]', '[3,4]');
SELECT cosine_distance('[1,2]'::halfvec, '[2,4]'), '[1,0]'::halfvec <=> '[0,2]',
	cosine_distance('[0,0]'::halfvec, '[1,1]');
SELECT round(halfvec_spherical_distance('[1,0]', '[0,1]')::numeric, 6);
SELECT l1_distance('[0,0]'::halfvec, '[3,-4]'), '[0,0]'::halfvec <+> '[3,-4]';
SELECT '[1,2,3]'::halfvec <-> '[1,2]';

-- Arithmetic and other functions; float16 overflow is an error.
SELECT '[1,2,3]'::halfvec + '[4,5,6]', '[1,2,3]'::halfvec - '[4,5,6]', '[1,2,3]'::halfvec * '[4,5,6]';
SELECT '[60000]'::halfvec + '[60000]';
SELECT '[300]'::halfvec * '[300]';
SELECT '[1,2]'::halfvec || '[3]';
SELECT vector_dims('[1,2,3]'::halfvec), l2_norm('[3,4]'::halfvec);
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3,4,5]'::halfvec, 0, 2);
SELECT binary_quantize('[1,-2,0,0.5]'::halfvec);

-- Comparison, btree and hash.
SELECT '[1,2]'::halfvec < '[1,3]', '[1,2]'::halfvec = '[1,2]', '[0]'::halfvec = '[-0]',
	halfvec_cmp('[1,2]', '[1]'), halfvec_hash('[0]') = halfvec_hash('[-0]');
CREATE TABLE half_cmp (v halfvec);
INSERT INTO half_cmp VALUES ('[1,2]'), ('[0,5]'), ('[1,2]'), ('[1]');
CREATE INDEX ON half_cmp USING btree (v);
CREATE INDEX ON half_cmp USING hash (v);
SELECT v, count(*) FROM half_cmp GROUP BY v ORDER BY v;
DROP TABLE half_cmp;

-- Aggregates, serial and forced parallel.
CREATE TABLE half_agg (v halfvec(2));
INSERT INTO half_agg SELECT ARRAY[i % 3, -(i % 2)]::halfvec FROM generate_series(1, 600) i;
SELECT avg(v), sum(v) FROM half_agg;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM half_agg;
SELECT avg(v), sum(v) FROM half_agg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT halfvec_avg(halfvec_combine(halfvec_accum('{0}', '[1,2]'), halfvec_accum('{0}', '[3,4]')));
SELECT avg(v) FROM (VALUES ('[1]'::halfvec)) t(v) WHERE false;
DROP TABLE half_agg;
