-- Range search: embedding <<->> sphere(q, r) (L2), <<#>> (negative inner
-- product), <<=>> (cosine distance) hold when the distance is below r
-- (strictly), evaluated exactly without an index, and as index conditions
-- of hnsw, ivfflat and ivf scans that return no row outside the sphere.
SET client_min_messages = warning;
SELECT setseed(0.61);

-- The boundary: a distance equal to the radius is outside.
SELECT '[0,0]'::vector <<->> sphere('[3,4]'::vector, 5) AS at_radius,
       '[0,0]'::vector <<->> sphere('[3,4]'::vector, 5.0001) AS inside,
       '[1,2]'::vector <<#>> sphere('[3,4]'::vector, -11) AS ip_at_radius,
       '[1,2]'::vector <<#>> sphere('[3,4]'::vector, -10.99) AS ip_inside,
       '[1,0]'::vector <<=>> sphere('[0,1]'::vector, 1) AS cos_at_radius,
       '[1,0]'::vector <<=>> sphere('[0,1]'::vector, 1.01) AS cos_inside,
       '[0,0]'::vector <<=>> sphere('[0,1]'::vector, 3) AS zero_vector;
SELECT '[0,0]'::halfvec <<->> sphere('[3,4]'::halfvec, 5) AS at_radius,
       '[0,0]'::halfvec <<->> sphere('[3,4]'::halfvec, 5.01) AS inside,
       '[1,2]'::halfvec <<#>> sphere('[3,4]'::halfvec, -10.99) AS ip_inside,
       '[1,0]'::halfvec <<=>> sphere('[0,1]'::halfvec, 1.01) AS cos_inside;
-- No distance is below a radius of zero, a negative one or NaN.
SELECT '[1,1]'::vector <<->> sphere('[1,1]'::vector, 0) AS zero,
       '[1,1]'::vector <<->> sphere('[1,1]'::vector, -1) AS negative,
       '[1,1]'::vector <<->> sphere('[1,1]'::vector, 'NaN') AS nan;
-- The constructor and the type, as VectorChord's.
SELECT sphere('[1,2]'::vector, 0.5), (sphere('[1,2]'::vector, 0.5)).radius, pg_typeof(sphere('[1,2]'::halfvec, 1));

-- NULLs: a NULL vector, sphere, center or radius contains nothing (NULL).
SELECT sphere(NULL::vector, 1) IS NULL AS null_center, sphere('[1]'::vector, NULL) IS NULL AS null_radius,
       (NULL::vector <<->> sphere('[1]'::vector, 1)) IS NULL AS null_left,
       ('[1]'::vector <<->> NULL::sphere_vector) IS NULL AS null_sphere,
       ('[1]'::vector <<->> ROW(NULL, 1)::sphere_vector) IS NULL AS null_member,
       ('[1]'::vector <<->> ROW('[1]', NULL)::sphere_vector) IS NULL AS null_member_radius;

-- Dimensions must match, with pgvector's message and SQLSTATE.
SELECT try($$SELECT '[1,2,3]'::vector <<->> sphere('[1,2]'::vector, 1)$$);
SELECT try($$SELECT '[1,2,3]'::halfvec <<=>> sphere('[1,2]'::halfvec, 1)$$);

-- A table whose exact answers the index scans must match.
CREATE TABLE rs (id int, v vector(3), h halfvec(3));
INSERT INTO rs SELECT i, ARRAY[random(), random(), random()]::vector, NULL FROM generate_series(1, 400) i;
UPDATE rs SET h = v::halfvec;
INSERT INTO rs VALUES (401, NULL, NULL), (402, '[0.5,0.5,0.5]', '[0.5,0.5,0.5]'), (403, '[0.5,0.5,0.75]', '[0.5,0.5,0.75]');
ANALYZE rs;

-- Without an index the operator is exactly `distance < r::real`.
SELECT count(*) FILTER (WHERE (v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)) IS DISTINCT FROM (v <-> '[0.5,0.5,0.5]' < 0.3::real)) AS l2_differ,
       count(*) FILTER (WHERE (v <<#>> sphere('[0.5,0.5,0.5]'::vector, -0.6)) IS DISTINCT FROM (v <#> '[0.5,0.5,0.5]' < -0.6::real)) AS ip_differ,
       count(*) FILTER (WHERE (v <<=>> sphere('[0.5,0.5,0.5]'::vector, 0.05)) IS DISTINCT FROM (v <=> '[0.5,0.5,0.5]' < 0.05::real)) AS cos_differ,
       count(*) FILTER (WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)) BETWEEN 10 AND 200 AS some_inside
FROM rs;

-- The rows each index scan returns against the exact ones: how many are
-- missing and how many are outside the sphere (both must be 0).
CREATE FUNCTION range_diff(cond text, OUT missing bigint, OUT outside bigint) LANGUAGE plpgsql AS $$
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_bitmapscan = off;
	EXECUTE 'CREATE TEMP TABLE exact_rows AS SELECT id FROM rs WHERE ' || cond;
	SET LOCAL enable_indexscan = on;
	SET LOCAL enable_seqscan = off;
	EXECUTE 'CREATE TEMP TABLE index_rows AS SELECT id FROM rs WHERE ' || cond;
	SELECT count(*) INTO missing FROM exact_rows e WHERE NOT EXISTS (SELECT FROM index_rows i WHERE i.id = e.id);
	SELECT count(*) INTO outside FROM index_rows i WHERE NOT EXISTS (SELECT FROM exact_rows e WHERE i.id = e.id);
	DROP TABLE exact_rows, index_rows;
END $$;

SET enable_seqscan = off;
CREATE INDEX rs_hnsw ON rs USING hnsw (v vector_l2_ops);
SELECT * FROM plan_of($$SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM plan_of($$SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3) ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 5$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 5)$$);
-- The boundary through the index: 403 is at exactly 0.25 from 402.
SELECT array_agg(id ORDER BY id) FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.25) AND id > 400;
SELECT array_agg(id ORDER BY id) FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.2501) AND id > 400;
-- Milvus's range_filter: a ring, the NOT part a filter.
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3) AND NOT v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.2)$$);
SELECT * FROM plan_of($$SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3) AND NOT v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.2)$$);
-- Two spheres with other centers: the index walks toward the first, the
-- executor rechecks both.
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.4) AND v <<->> sphere('[0.6,0.5,0.5]'::vector, 0.3)$$);
-- Bounding a k-NN search: the nearest rows within the radius, nearest first.
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM rs WHERE v <-> '[0.5,0.5,0.5]' < 0.1::real ORDER BY v <-> '[0.5,0.5,0.5]', id LIMIT 100) s) AS same_rows
FROM (SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.1) ORDER BY v <-> '[0.5,0.5,0.5]', id LIMIT 100) s;
SELECT count(*) FROM (SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3) ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 5) s;
-- Empty spheres through the index; a dimension mismatch errs as without it.
SELECT count(*) FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0);
SELECT count(*) FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, -1);
SELECT count(*) FROM rs WHERE v <<->> ROW(NULL, 1)::sphere_vector;
SELECT try($$SELECT count(*) FROM rs WHERE v <<->> sphere('[1,2]'::vector, 1)$$);
-- The parameter of a prepared statement (the sphere is built at run time).
PREPARE near(vector, real) AS SELECT count(*) FROM rs WHERE v <<->> sphere($1, $2);
SET plan_cache_mode = force_generic_plan;
SELECT * FROM plan_of('EXECUTE near(''[0.5,0.5,0.5]'', 0.3)');
EXECUTE near('[0.5,0.5,0.5]', 0.3);
RESET plan_cache_mode;
DEALLOCATE near;
-- Without ORDER BY or a sphere the index is never used (priced out).
SELECT * FROM plan_of($$SELECT count(*) FROM rs WHERE v IS NOT NULL$$);
DROP INDEX rs_hnsw;

-- The other metrics, and halfvec, on hnsw.
CREATE INDEX rs_hnsw_ip ON rs USING hnsw (v vector_ip_ops);
SELECT * FROM range_diff($$v <<#>> sphere('[0.5,0.5,0.5]'::vector, -0.8)$$);
DROP INDEX rs_hnsw_ip;
CREATE INDEX rs_hnsw_cos ON rs USING hnsw (v vector_cosine_ops);
SELECT * FROM range_diff($$v <<=>> sphere('[0.5,0.5,0.5]'::vector, 0.02)$$);
DROP INDEX rs_hnsw_cos;
CREATE INDEX rs_hnsw_half ON rs USING hnsw (h halfvec_l2_ops);
SELECT * FROM plan_of($$SELECT id FROM rs WHERE h <<->> sphere('[0.5,0.5,0.5]'::halfvec, 0.3)$$);
SELECT * FROM range_diff($$h <<->> sphere('[0.5,0.5,0.5]'::halfvec, 0.3)$$);
DROP INDEX rs_hnsw_half;

-- ivfflat and ivf (each quantizer): the lists a sphere can reach.
CREATE INDEX rs_ivfflat ON rs USING ivfflat (v) WITH (lists = 8);
SELECT * FROM plan_of($$SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3) AND NOT v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.2)$$);
DROP INDEX rs_ivfflat;
CREATE INDEX rs_ivfflat_cos ON rs USING ivfflat (h halfvec_cosine_ops) WITH (lists = 8);
SELECT * FROM range_diff($$h <<=>> sphere('[0.5,0.5,0.5]'::halfvec, 0.02)$$);
DROP INDEX rs_ivfflat_cos;
CREATE INDEX rs_ivfflat_ip ON rs USING ivfflat (v vector_ip_ops) WITH (lists = 8);
SET ivfflat.probes = 8;
SELECT * FROM range_diff($$v <<#>> sphere('[0.5,0.5,0.5]'::vector, -0.8)$$);
RESET ivfflat.probes;
DROP INDEX rs_ivfflat_ip;
CREATE INDEX rs_ivf_flat ON rs USING ivf (v) WITH (lists = 8, quantizer = 'flat');
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
DROP INDEX rs_ivf_flat;
CREATE INDEX rs_ivf_sq8 ON rs USING ivf (v) WITH (lists = 8, quantizer = 'sq8');
SELECT * FROM plan_of($$SELECT id FROM rs WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
-- ivf.rerank = 0 (estimated order) still re-ranks a range scan.
SET ivf.rerank = 0;
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
RESET ivf.rerank;
DROP INDEX rs_ivf_sq8;
CREATE INDEX rs_ivf_pq ON rs USING ivf (v) WITH (lists = 8, quantizer = 'pq', pq_m = 3);
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
DROP INDEX rs_ivf_pq;
CREATE INDEX rs_ivf_rabitq ON rs USING ivf (v vector_cosine_ops) WITH (lists = 8, quantizer = 'rabitq');
SELECT * FROM range_diff($$v <<=>> sphere('[0.5,0.5,0.5]'::vector, 0.02)$$);
SELECT try($$SELECT count(*) FROM rs WHERE v <<=>> sphere('[1,2]'::vector, 1)$$);
DROP INDEX rs_ivf_rabitq;
-- Rows still in the pending area (fastupdate) are found by a range scan,
-- exactly once.
CREATE INDEX rs_ivf_pending ON rs USING ivf (v) WITH (lists = 8, fastupdate = on);
INSERT INTO rs SELECT 100000 + i, ARRAY[0.5 + i / 1000.0, 0.5, 0.5]::vector(3) FROM generate_series(1, 20) i;
SELECT pending FROM vector_db_index_stats('rs_ivf_pending');
SELECT * FROM range_diff($$v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.3)$$);
SELECT * FROM range_diff($$v <<->> sphere('[0.51,0.5,0.5]'::vector, 0.0101)$$);
SELECT count(*) AS found, count(DISTINCT id) AS distinct_rows FROM rs WHERE v <<->> sphere('[0.51,0.5,0.5]'::vector, 0.0101) AND id > 100000;
DROP INDEX rs_ivf_pending;
DELETE FROM rs WHERE id > 100000;
RESET enable_seqscan;

-- The planner: the index for a sphere on a large enough table, a sequential
-- scan for a tiny one.
CREATE TABLE rs_big AS SELECT i AS id, ARRAY[random(), random(), random()]::vector(3) AS v FROM generate_series(1, 10000) i;
CREATE INDEX ON rs_big USING hnsw (v);
ANALYZE rs_big;
SELECT * FROM plan_of($$SELECT id FROM rs_big WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.05)$$);
CREATE TABLE rs_tiny AS SELECT * FROM rs WHERE id <= 20;
CREATE INDEX ON rs_tiny USING hnsw (v);
ANALYZE rs_tiny;
SELECT * FROM plan_of($$SELECT id FROM rs_tiny WHERE v <<->> sphere('[0.5,0.5,0.5]'::vector, 0.05)$$);

SELECT amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname IN ('hnsw', 'ivfflat', 'ivf') GROUP BY 1;
DROP FUNCTION range_diff;
DROP TABLE rs, rs_big, rs_tiny;
