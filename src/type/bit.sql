
-- Binary vectors are Postgres's own bit(n); these add pgvector's distances.
CREATE FUNCTION hamming_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT vector_db_distance_support;
CREATE FUNCTION jaccard_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT vector_db_distance_support;

CREATE OPERATOR <~> (LEFTARG = bit, RIGHTARG = bit,
	FUNCTION = hamming_distance, COMMUTATOR = '<~>');
CREATE OPERATOR <%> (LEFTARG = bit, RIGHTARG = bit,
	FUNCTION = jaccard_distance, COMMUTATOR = '<%>');
