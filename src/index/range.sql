-- Range search (docs/range_search.md): embedding <<->> sphere(q, r) is true
-- when embedding lies within distance r of q (strictly: distance < r). The
-- same SQL as VectorChord's: types sphere_vector and sphere_halfvec,
-- constructor sphere(q, r), operators <<->> (L2), <<#>> (negative inner
-- product) and <<=>> (cosine distance). The operators are members of the
-- matching hnsw, ivfflat and ivf operator families with search strategy 2,
-- so a WHERE clause with them becomes an index condition.

CREATE TYPE sphere_vector AS (center vector, radius real);
CREATE TYPE sphere_halfvec AS (center halfvec, radius real);

CREATE FUNCTION sphere(vector, real) RETURNS sphere_vector
	AS 'MODULE_PATHNAME', 'sphere_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sphere(halfvec, real) RETURNS sphere_halfvec
	AS 'MODULE_PATHNAME', 'sphere_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION vector_sphere_l2_in(vector, sphere_vector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_sphere_ip_in(vector, sphere_vector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_sphere_cosine_in(vector, sphere_vector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_sphere_l2_in(halfvec, sphere_halfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_sphere_ip_in(halfvec, sphere_halfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_sphere_cosine_in(halfvec, sphere_halfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- contsel: a sphere is taken to hold a small share of the rows (0.1%), as
-- PostgreSQL's geometric containment operators are.
CREATE OPERATOR <<->> (LEFTARG = vector, RIGHTARG = sphere_vector,
	FUNCTION = vector_sphere_l2_in, RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR <<#>> (LEFTARG = vector, RIGHTARG = sphere_vector,
	FUNCTION = vector_sphere_ip_in, RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR <<=>> (LEFTARG = vector, RIGHTARG = sphere_vector,
	FUNCTION = vector_sphere_cosine_in, RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR <<->> (LEFTARG = halfvec, RIGHTARG = sphere_halfvec,
	FUNCTION = halfvec_sphere_l2_in, RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR <<#>> (LEFTARG = halfvec, RIGHTARG = sphere_halfvec,
	FUNCTION = halfvec_sphere_ip_in, RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR <<=>> (LEFTARG = halfvec, RIGHTARG = sphere_halfvec,
	FUNCTION = halfvec_sphere_cosine_in, RESTRICT = contsel, JOIN = contjoinsel);

-- Strategy 2 of each dense l2, ip and cosine family of the three access
-- methods: a search operator.
DO $$
DECLARE
	am text;
	member text[];
BEGIN
	FOREACH am IN ARRAY ARRAY['hnsw', 'ivfflat', 'ivf'] LOOP
		FOREACH member SLICE 1 IN ARRAY ARRAY[
			['vector_l2_ops', '<<->>', 'vector'], ['vector_ip_ops', '<<#>>', 'vector'],
			['vector_cosine_ops', '<<=>>', 'vector'], ['halfvec_l2_ops', '<<->>', 'halfvec'],
			['halfvec_ip_ops', '<<#>>', 'halfvec'], ['halfvec_cosine_ops', '<<=>>', 'halfvec']] LOOP
			EXECUTE pg_catalog.format('ALTER OPERATOR FAMILY %I USING %I ADD OPERATOR 2 %s (%I, %I)',
				member[1], am, member[2], member[3], 'sphere_' OPERATOR(pg_catalog.||) member[3]);
		END LOOP;
	END LOOP;
END $$;
