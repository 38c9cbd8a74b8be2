-- Casts between the vector types, SQL arrays and typmods.
SET extra_float_digits = 0;

-- Arrays to each type (assignment casts) and back to real[].
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2.5]::real[]::vector, ARRAY[1e-3,2]::float8[]::vector,
	ARRAY[1.25,2]::numeric[]::vector;
SELECT ARRAY[1,2,3]::halfvec, ARRAY[0,1.5,0]::real[]::sparsevec, ARRAY[0,2]::numeric[]::sparsevec;
SELECT '[1,2,3]'::vector::real[], '[1.5,2]'::halfvec::real[];
CREATE TABLE cast_assign (v vector(2), h halfvec(2), s sparsevec(2));
INSERT INTO cast_assign VALUES (ARRAY[1,2], ARRAY[3,4]::real[], ARRAY[0,5]::float8[]);
INSERT INTO cast_assign VALUES ('[1,2]'::halfvec, '[1,2]'::vector, '[1,0]'::vector);
SELECT * FROM cast_assign;
DROP TABLE cast_assign;
SELECT ARRAY[[1,2],[3,4]]::vector;
SELECT ARRAY[1,NULL]::vector;
SELECT ARRAY[]::int[]::vector;
SELECT ARRAY[1e300]::float8[]::vector;
SELECT ARRAY['NaN']::float8[]::vector;
SELECT ARRAY['Infinity']::numeric[]::vector;
SELECT ARRAY[70000]::halfvec;

-- Between the types.
SELECT '[1,0,-2.5]'::vector::halfvec, '[1,0,-2.5]'::halfvec::vector;
SELECT '[1,0,-2.5]'::vector::sparsevec, '[0,0.5]'::halfvec::sparsevec;
SELECT '{1:1,3:-2.5}/4'::sparsevec::vector, '{2:0.5}/3'::sparsevec::halfvec;
SELECT '[0.1]'::vector::halfvec::vector;
SELECT '[1e5]'::vector::halfvec;
SELECT '{1:1}/16001'::sparsevec::vector;

-- Typmod coercion.
SELECT '[1,2]'::vector(2), '[1,2]'::halfvec(2), '{1:1}/2'::sparsevec(2);
SELECT '[1,2]'::vector::vector(3);
SELECT '[1,2]'::halfvec::halfvec(3);
SELECT '{1:1}/2'::sparsevec::sparsevec(3);
SELECT ARRAY[1,2,3]::vector(2);
SELECT '[1,2]'::vector::halfvec(3);
SELECT '[1,2]'::vector::sparsevec(3);
-- Implicit casts let one operator serve mixed operands.
SELECT '[1,2]'::vector <-> '[1,3]'::halfvec;
