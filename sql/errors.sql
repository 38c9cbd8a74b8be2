-- Bad input of every kind raises an ERROR with a fitting SQLSTATE and a
-- message naming the type (try() is extension.sql's).

-- Malformed text: 22P02.
SELECT try($$SELECT '1,2'::vector$$);
SELECT try($$SELECT '[1,2'::vector$$);
SELECT try($$SELECT '[1,,2]'::vector$$);
SELECT try($$SELECT '[1 2]'::vector$$);
SELECT try($$SELECT '[1,2]x'::vector$$);
SELECT try($$SELECT '[hello]'::halfvec$$);
SELECT try($$SELECT '{1:1,2}/3'::sparsevec$$);
SELECT try($$SELECT '{1:1}'::sparsevec$$);
SELECT try($$SELECT '{1:1}/3x'::sparsevec$$);
SELECT try($$SELECT '{a:1}/3'::sparsevec$$);
SELECT try($$SELECT '[1,2]'::sparsevec$$);

-- NaN and infinity: 22000; beyond float4 or float16: 22003.
SELECT try($$SELECT '[NaN]'::vector$$);
SELECT try($$SELECT '[1,Infinity]'::vector$$);
SELECT try($$SELECT '[-inf]'::halfvec$$);
SELECT try($$SELECT '{1:nan}/2'::sparsevec$$);
SELECT try($$SELECT '[1e39]'::vector$$);
SELECT try($$SELECT '{1:1e-50}/2'::sparsevec$$);
SELECT try($$SELECT '[70000]'::halfvec$$);
SELECT try($$SELECT '{1:1e39}/1'::sparsevec$$);
SELECT try($$SELECT '{99999999999:1}/3'::sparsevec$$);

-- Empty vectors: 22000.
SELECT try($$SELECT '[]'::vector$$);
SELECT try($$SELECT '[ ]'::halfvec$$);
SELECT try($$SELECT '{}/0'::sparsevec$$);

-- Too many dimensions: 54000.
SELECT try($$SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector$$);
SELECT try($$SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::halfvec$$);
SELECT try($$SELECT '{}/1000000001'::sparsevec$$);
SELECT try($$SELECT array_fill(1, ARRAY[16001])::vector$$);
SELECT try($$SELECT vector_concat(array_fill(1, ARRAY[8001])::vector, array_fill(1, ARRAY[8000])::vector)$$);
SELECT try($$SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/20000')::sparsevec$$);
SELECT try($$SELECT array_fill(1, ARRAY[16001])::sparsevec$$);

-- Mismatched dimensions in binary operators: 22000.
SELECT try($$SELECT '[1,2]'::vector <-> '[1,2,3]'$$);
SELECT try($$SELECT '[1,2]'::vector + '[1,2,3]'$$);
SELECT try($$SELECT inner_product('[1]'::halfvec, '[1,2]'::halfvec)$$);
SELECT try($$SELECT '[1]'::halfvec * '[1,2]'$$);
SELECT try($$SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3'$$);
SELECT try($$SELECT B'101' <~> B'1010'$$);

-- Typmod: bad modifiers 22023; a value that does not match 22000.
SELECT try($$CREATE TABLE bad_typmod (v vector(0))$$);
SELECT try($$CREATE TABLE bad_typmod (v vector(16001))$$);
SELECT try($$CREATE TABLE bad_typmod (v halfvec(2, 3))$$);
SELECT try($$CREATE TABLE bad_typmod (v sparsevec(1000000001))$$);
SELECT try($$SELECT '[1,2]'::vector(3)$$);
SELECT try($$SELECT '[1,2]'::halfvec(1)$$);
SELECT try($$SELECT '{}/2'::sparsevec(3)$$);

-- Sparse indices out of range (22000), duplicated (22000); unsorted is fine.
SELECT try($$SELECT '{0:1}/3'::sparsevec$$);
SELECT try($$SELECT '{4:1}/3'::sparsevec$$);
SELECT try($$SELECT '{-1:1}/3'::sparsevec$$);
SELECT try($$SELECT '{2:1,2:3}/3'::sparsevec$$);
SELECT try($$SELECT '{2:1,1:0,2:0}/3'::sparsevec$$);
SELECT try($$SELECT '{3:1,1:2}/3'::sparsevec$$);
-- pgvector's DETAIL lines at the edges of a literal, and integers beyond
-- int32 in a sparsevec reported by the range check they fail.
SELECT ' 1,2'::vector;
SELECT '[1,2] x'::halfvec;
SELECT ''::sparsevec;
SELECT '{1:1}'::sparsevec;
SELECT '{}/1a'::sparsevec;
SELECT '[1,,2]'::vector;
SELECT try($$SELECT '{}/2147483648'::sparsevec$$);
SELECT try($$SELECT '{}/-9223372036854775809'::sparsevec$$);
SELECT try($$SELECT '{2147483648:1}/1'::sparsevec$$);

-- Binary input: wrong length (22P03), non-zero reserved field (22000),
-- bad dimensions or elements. Each field is fed through a binary COPY.
CREATE FUNCTION copy_binary(tab text, field bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	-- PGCOPY signature, flags, header extension, one tuple of one field, trailer.
	stream bytea := '\x5047434f50590aff0d0a00'::bytea || '\x00000000'::bytea || '\x00000000'::bytea
		|| '\x0001'::bytea || int4send(length(field)) || field || '\xffff'::bytea;
BEGIN
	RETURN try(format('COPY %I FROM PROGRAM %L WITH (FORMAT binary)', tab,
		'perl -e ''binmode STDOUT; print pack("H*", "' || encode(stream, 'hex') || '")'''));
END $$;
CREATE TABLE bin_vector (v vector);
CREATE TABLE bin_vector2 (v vector(2));
CREATE TABLE bin_halfvec (v halfvec);
CREATE TABLE bin_sparsevec (v sparsevec);
-- Well-formed values load.
SELECT copy_binary('bin_vector', '\x000200003f80000040000000');
SELECT copy_binary('bin_halfvec', '\x000200003c004000');
SELECT copy_binary('bin_sparsevec', '\x000000050000000100000000000000023f800000');
SELECT * FROM bin_vector, bin_halfvec, bin_sparsevec;
-- vector: short header, short body, padding, reserved field, zero and too
-- many dimensions, NaN, infinity, typmod.
SELECT copy_binary('bin_vector', '\x0002');
SELECT copy_binary('bin_vector', '\x000200003f800000');
SELECT copy_binary('bin_vector', '\x000200003f800000400000000000');
SELECT copy_binary('bin_vector', '\x000100013f800000');
SELECT copy_binary('bin_vector', '\x00000000');
SELECT copy_binary('bin_vector', '\x3e810000');
SELECT copy_binary('bin_vector', '\x000100007fc00000');
SELECT copy_binary('bin_vector', '\x000100007f800000');
SELECT copy_binary('bin_vector2', '\x000100003f800000');
-- halfvec: short body, reserved field, infinity, NaN.
SELECT copy_binary('bin_halfvec', '\x000200003c00');
SELECT copy_binary('bin_halfvec', '\x000100ff3c00');
SELECT copy_binary('bin_halfvec', '\x000100007c00');
SELECT copy_binary('bin_halfvec', '\x000100007e00');
-- sparsevec: short header, short body, reserved field, index out of range,
-- NaN value, unsorted and duplicate indices, zero value, nnz > dim, dim 0
-- and negative.
SELECT copy_binary('bin_sparsevec', '\x0000000500000001');
SELECT copy_binary('bin_sparsevec', '\x00000005000000010000000000000002');
SELECT copy_binary('bin_sparsevec', '\x000000050000000100000007000000023f800000');
SELECT copy_binary('bin_sparsevec', '\x000000050000000100000000000000053f800000');
SELECT copy_binary('bin_sparsevec', '\x00000005000000010000000000000000ffffffff');
SELECT copy_binary('bin_sparsevec', '\x00000005000000020000000000000003000000013f8000003f800000');
SELECT copy_binary('bin_sparsevec', '\x00000005000000020000000000000003000000033f8000003f800000');
SELECT copy_binary('bin_sparsevec', '\x00000005000000010000000000000002' || '\x00000000'::bytea);
SELECT copy_binary('bin_sparsevec', '\x00000005000000060000000000000000');
SELECT copy_binary('bin_sparsevec', '\x000000000000000000000000');
SELECT copy_binary('bin_sparsevec', '\xffffffff0000000000000000');
SELECT (SELECT count(*) FROM bin_vector), (SELECT count(*) FROM bin_halfvec),
	(SELECT count(*) FROM bin_sparsevec);
DROP TABLE bin_vector, bin_vector2, bin_halfvec, bin_sparsevec;
DROP FUNCTION copy_binary;

-- Casts, functions and aggregate states.
SELECT try($$SELECT ARRAY[[1]]::vector$$);
SELECT try($$SELECT ARRAY[1,NULL]::halfvec$$);
SELECT try($$SELECT '[1e5]'::vector::halfvec$$);
SELECT try($$SELECT '[3e38]'::vector * '[2]'$$);
SELECT try($$SELECT subvector('[1,2]'::vector, 3, 1)$$);
SELECT try($$SELECT subvector('[1,2]'::vector, 1, 0)$$);
SELECT try($$SELECT vector_avg('{{1,2}}')$$);
SELECT try($$SELECT vector_avg('{1,NULL}')$$);
SELECT try($$SELECT vector_accum('{2,1}', '[1,2]')$$);
