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

-- Binary: send then receive through a binary COPY round trip.
CREATE TABLE vec_src (id int, v vector);
INSERT INTO vec_src VALUES (1, '[1,-2,0.5]'), (2, '[3.25]');
CREATE TABLE vec_dst (id int, v vector);
DO $$
DECLARE path text := '/tmp/vector_db_regress_' || pg_backend_pid() || '.bin';
BEGIN
	EXECUTE format('COPY vec_src TO %L WITH (FORMAT binary)', path);
	EXECUTE format('COPY vec_dst FROM PROGRAM %L WITH (FORMAT binary)', 'cat ' || path || ' && rm ' || path);
END $$;
SELECT d.id, d.v, d.v::text = s.v::text AS same FROM vec_dst d JOIN vec_src s USING (id) ORDER BY id;
DROP TABLE vec_src, vec_dst;
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
