-- Numeric parity with pgvector (issue #11): cosine distance finished in
-- double, input below float's range, underflow in element-wise
-- multiplication, and the checks of the aggregate states (try() is
-- extension.sql's).

-- Cosine distance: float sums, double finish. Where the product of the
-- squared norms leaves float's range, the result is still 1 - 1/sqrt(2).
SELECT abs(('[1e10,0]'::vector <=> '[1e10,1e10]') - 0.29289321881345243) < 1e-15 AS big,
       abs(('[1e-20,0]'::vector <=> '[1e-20,1e-20]') - 0.29289321881345243) < 1e-15 AS tiny,
       abs(cosine_distance('[1e10,0]'::vector, '[1e10,1e10]') - 0.29289321881345243) < 1e-15 AS big_function,
       abs(('{1:1e10}/2'::sparsevec <=> '{1:1e10,2:1e10}/2') - 0.29289321881345243) < 1e-15 AS big_sparse,
       abs(('{1:1e-20}/2'::sparsevec <=> '{1:1e-20,2:1e-20}/2') - 0.29289321881345243) < 1e-15 AS tiny_sparse,
       abs(('[1e-4,0]'::halfvec <=> '[1e-4,1e-4]') - 0.29289321881345243) < 1e-15 AS tiny_half;

-- Against a float64 reference on inputs whose float sums are exact (small
-- integers), every type within 1e-12 relative: the finish is all that
-- rounds, and it is double.
CREATE FUNCTION cosine_reference(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS $$
	SELECT 1 - sum(x * y) / sqrt(sum(x * x) * sum(y * y)) FROM unnest(a, b) t(x, y)
$$;
CREATE TABLE cosine_pairs AS
	SELECT p, array_agg(((p * 7 + i * 13) % 17 - 8)::float8 ORDER BY i) AS a,
	          array_agg(((p * 11 + i * 5) % 15 - 7)::float8 ORDER BY i) AS b
	FROM generate_series(1, 40) p, generate_series(1, 10 + 7 * p) i GROUP BY p;
SELECT count(*) AS pairs,
       max(abs((a::vector <=> b::vector) / cosine_reference(a, b) - 1)) < 1e-12 AS vector,
       max(abs(cosine_distance(a::vector, b::vector) / cosine_reference(a, b) - 1)) < 1e-12 AS vector_function,
       max(abs((a::halfvec <=> b::halfvec) / cosine_reference(a, b) - 1)) < 1e-12 AS halfvec,
       max(abs((a::vector::sparsevec <=> b::vector::sparsevec) / cosine_reference(a, b) - 1)) < 1e-12 AS sparsevec
FROM cosine_pairs;
-- A zero vector has no direction: NaN, as in pgvector.
SELECT '[0,0]'::vector <=> '[1,1]', '[0,0]'::halfvec <=> '[1,1]', '{}/2'::sparsevec <=> '{1:1}/2';

-- The indexes rank cosine in float; what they return keeps the operator's
-- order, over magnitudes from 1e-20 to 1e10.
CREATE TABLE cosine_items (id int, v vector(2), h halfvec(2));
INSERT INTO cosine_items
	SELECT i, ARRAY[cos(i * 0.07) * m, sin(i * 0.07) * m]::vector,
	       ARRAY[cos(i * 0.07) * (1 + i % 5), sin(i * 0.07) * (1 + i % 5)]::halfvec
	FROM generate_series(1, 40) i, LATERAL (SELECT (10::float8 ^ (i % 31 - 20)) AS m) s;
CREATE INDEX cosine_items_v ON cosine_items USING hnsw (v vector_cosine_ops);
CREATE INDEX cosine_items_h ON cosine_items USING hnsw (h halfvec_cosine_ops);
CREATE FUNCTION cosine_order(use_index bool, col text) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
BEGIN
	EXECUTE format('SET LOCAL enable_seqscan = %s', NOT use_index);
	EXECUTE format('SET LOCAL enable_indexscan = %s', use_index);
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM cosine_items ORDER BY %I <=> %L LIMIT 10) t',
	               col, CASE col WHEN 'v' THEN '[1e10,2e9]' ELSE '[5,1]' END) INTO ids;
	RETURN ids;
END $$;
SELECT cosine_order(true, 'v') = cosine_order(false, 'v') AS vector_same,
       cosine_order(true, 'h') = cosine_order(false, 'h') AS halfvec_same,
       cardinality(cosine_order(true, 'v')) AS returned;
DROP TABLE cosine_items, cosine_pairs;
DROP FUNCTION cosine_order, cosine_reference;

-- Input below float's range: 0 or -0 in vector and halfvec, as in pgvector;
-- an entry of a sparsevec would vanish, so there it is out of range.
SELECT '[1e-46,1]'::vector, '[-1e-46,1]'::vector, '[1e-46,1]'::halfvec, '[-1e-46,1]'::halfvec,
       '[1e-8,1]'::halfvec, '[1e-40,1]'::vector AS subnormal;
SELECT try($$SELECT '{1:1e-46}/2'::sparsevec$$);

-- Element-wise arithmetic: PostgreSQL's float errors, as pgvector raises.
SELECT try($$SELECT '[1e-30,1]'::vector * '[1e-30,1]'$$);
SELECT try($$SELECT '[1e-4,1]'::halfvec * '[1e-4,1]'$$);
SELECT try($$SELECT '[3e38]'::vector + '[3e38]'$$);
SELECT try($$SELECT '[-3e38]'::vector - '[3e38]'$$);
SELECT try($$SELECT '[60000]'::halfvec + '[60000]'$$);
SELECT try($$SELECT '[300]'::halfvec * '[300]'$$);
-- A zero factor, or a subnormal product, is no underflow.
SELECT '[0,1e-30]'::vector * '[1e-30,0]', '[1e-20]'::vector * '[1e-20]' > '[0]',
       '[0.001]'::halfvec * '[0.001]' > '[0]';

-- Aggregate states, checked as pgvector checks them.
SELECT vector_avg('{2,2,4,6}'), vector_avg('{0}') IS NULL AS no_rows, halfvec_avg('{2,2,4}');
SELECT try($$SELECT vector_avg('{1}')$$);
SELECT try($$SELECT halfvec_avg('{1}')$$);
SELECT try($$SELECT vector_avg('{{2,2,4,6}}')$$);
SELECT try($$SELECT vector_avg('{NULL,2,4,6}')$$);
SELECT try($$SELECT vector_avg('{}')$$);
SELECT try($$SELECT halfvec_avg('{}')$$);
SELECT try($$SELECT vector_avg(array_agg(n)) FROM generate_series(1, 16002) n$$);
SELECT try($$SELECT vector_avg('{1,1e39}')$$);
SELECT vector_accum('{0}', '[1,2,3]'), vector_accum('{0,0,0,0}', '[1,2,3]'), halfvec_accum('{0}', '[1,2]');
SELECT try($$SELECT vector_accum('{{0}}', '[1,2,3]')$$);
SELECT try($$SELECT vector_accum('{NULL}', '[1,2,3]')$$);
SELECT try($$SELECT vector_accum('{}', '[1,2,3]')$$);
SELECT try($$SELECT halfvec_accum('{}', '[1,2,3]')$$);
SELECT try($$SELECT vector_accum('{0,0}', '[1,2,3]')$$);
SELECT try($$SELECT vector_accum('{1,Infinity}', '[1]')$$);
SELECT vector_combine('{1,2}', '{3,4}'), vector_combine('{0}', '{0}') AS empty_states,
       halfvec_combine('{0}', '{1,2}');
SELECT try($$SELECT vector_combine('{1,2}', '{3,4,5}')$$);
SELECT try($$SELECT vector_combine('{{1,2}}', '{3,4}')$$);
SELECT try($$SELECT vector_combine('{1,2}', '{{3,4}}')$$);
SELECT try($$SELECT vector_combine('{NULL,2}', '{3,4}')$$);
SELECT try($$SELECT vector_combine('{1,2}', '{3,NULL}')$$);
SELECT try($$SELECT vector_combine('{}', '{0}')$$);
SELECT try($$SELECT halfvec_combine('{0}', '{}')$$);
SELECT try($$SELECT vector_combine('{0}', (SELECT array_agg(n) FROM generate_series(1, 16002) n))$$);
SELECT try($$SELECT vector_combine((SELECT array_agg(n) FROM generate_series(1, 16002) n), '{0}')$$);
SELECT try($$SELECT vector_combine((SELECT array_agg(n) FROM generate_series(1, 16002) n), (SELECT array_agg(n) FROM generate_series(1, 16002) n))$$);

-- avg and sum of no rows are NULL; rows of different dimensions are an error.
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM unnest(ARRAY[]::vector[]) v;
SELECT try($$SELECT avg(v) FROM unnest(ARRAY['[1,2]'::vector, '[3]']) v$$);
SELECT try($$SELECT sum(v) FROM unnest(ARRAY['[1,2]'::vector, '[3]']) v$$);
-- A parallel avg whose partial aggregates see no rows combines empty states
-- ('{0}' with '{0}'), and one that sees a few rows combines them with empty
-- ones.
CREATE TABLE parity_agg (v vector(2));
INSERT INTO parity_agg SELECT ARRAY[i, -i] FROM generate_series(1, 2000) i;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM parity_agg WHERE vector_norm(v) < 1;
SELECT avg(v) IS NULL AS no_rows FROM parity_agg WHERE vector_norm(v) < 1;
SELECT avg(v) FROM parity_agg WHERE vector_norm(v) < 3;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE parity_agg;
