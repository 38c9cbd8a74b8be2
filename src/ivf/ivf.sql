-- The ivfflat and ivf index access methods and their operator classes
-- (pgvector's names; ivfflat, like pgvector's, has no l1 opclasses).
-- Support function 1 is the distance lists are built on; support function 2
-- (a norm) asks for vectors normalised on the way in (cosine).

CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;

COMMENT ON ACCESS METHOD ivfflat IS 'ivfflat index access method';

CREATE FUNCTION ivfhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivf TYPE INDEX HANDLER ivfhandler;

COMMENT ON ACCESS METHOD ivf IS 'ivf index access method with quantized lists';

CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector);

CREATE OPERATOR CLASS halfvec_l2_ops DEFAULT FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
	FUNCTION 2 l2_norm(halfvec);

CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING ivfflat AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hamming_distance(bit, bit);

CREATE OPERATOR CLASS bit_jaccard_ops FOR TYPE bit USING ivfflat AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 jaccard_distance(bit, bit);

CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivf AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivf AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivf AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector);

CREATE OPERATOR CLASS halfvec_l2_ops DEFAULT FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
	FUNCTION 2 l2_norm(halfvec);

CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING ivf AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hamming_distance(bit, bit);

CREATE OPERATOR CLASS bit_jaccard_ops FOR TYPE bit USING ivf AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 jaccard_distance(bit, bit);

-- Filter columns (docs/ivf.md, "Filter columns"): columns after the vector
-- column of an ivfflat or ivf index, whose quals the scan tests on each
-- list entry; the strategies of hnsw's (hnsw.sql): 3 equality (and = ANY
-- through amsearcharray), 4 label overlap (&&), 5 label containment (@>).
CREATE OPERATOR FAMILY integer_filter_ops USING ivfflat;
CREATE OPERATOR CLASS int2_filter_ops DEFAULT FOR TYPE int2 USING ivfflat FAMILY integer_filter_ops AS
	OPERATOR 3 = (int2, int2);
CREATE OPERATOR CLASS int4_filter_ops DEFAULT FOR TYPE int4 USING ivfflat FAMILY integer_filter_ops AS
	OPERATOR 3 = (int4, int4);
CREATE OPERATOR CLASS int8_filter_ops DEFAULT FOR TYPE int8 USING ivfflat FAMILY integer_filter_ops AS
	OPERATOR 3 = (int8, int8);
ALTER OPERATOR FAMILY integer_filter_ops USING ivfflat ADD
	OPERATOR 3 = (int2, int4), OPERATOR 3 = (int2, int8), OPERATOR 3 = (int4, int2),
	OPERATOR 3 = (int4, int8), OPERATOR 3 = (int8, int2), OPERATOR 3 = (int8, int4);
CREATE OPERATOR CLASS text_filter_ops DEFAULT FOR TYPE text USING ivfflat AS
	OPERATOR 3 = (text, text);
CREATE OPERATOR CLASS uuid_filter_ops DEFAULT FOR TYPE uuid USING ivfflat AS
	OPERATOR 3 = (uuid, uuid);
CREATE OPERATOR CLASS bool_filter_ops DEFAULT FOR TYPE bool USING ivfflat AS
	OPERATOR 3 = (bool, bool);
CREATE OPERATOR CLASS int4_array_filter_ops DEFAULT FOR TYPE int4[] USING ivfflat AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS int8_array_filter_ops DEFAULT FOR TYPE int8[] USING ivfflat AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS text_array_filter_ops DEFAULT FOR TYPE text[] USING ivfflat AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);

CREATE OPERATOR FAMILY integer_filter_ops USING ivf;
CREATE OPERATOR CLASS int2_filter_ops DEFAULT FOR TYPE int2 USING ivf FAMILY integer_filter_ops AS
	OPERATOR 3 = (int2, int2);
CREATE OPERATOR CLASS int4_filter_ops DEFAULT FOR TYPE int4 USING ivf FAMILY integer_filter_ops AS
	OPERATOR 3 = (int4, int4);
CREATE OPERATOR CLASS int8_filter_ops DEFAULT FOR TYPE int8 USING ivf FAMILY integer_filter_ops AS
	OPERATOR 3 = (int8, int8);
ALTER OPERATOR FAMILY integer_filter_ops USING ivf ADD
	OPERATOR 3 = (int2, int4), OPERATOR 3 = (int2, int8), OPERATOR 3 = (int4, int2),
	OPERATOR 3 = (int4, int8), OPERATOR 3 = (int8, int2), OPERATOR 3 = (int8, int4);
CREATE OPERATOR CLASS text_filter_ops DEFAULT FOR TYPE text USING ivf AS
	OPERATOR 3 = (text, text);
CREATE OPERATOR CLASS uuid_filter_ops DEFAULT FOR TYPE uuid USING ivf AS
	OPERATOR 3 = (uuid, uuid);
CREATE OPERATOR CLASS bool_filter_ops DEFAULT FOR TYPE bool USING ivf AS
	OPERATOR 3 = (bool, bool);
CREATE OPERATOR CLASS int4_array_filter_ops DEFAULT FOR TYPE int4[] USING ivf AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS int8_array_filter_ops DEFAULT FOR TYPE int8[] USING ivf AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS text_array_filter_ops DEFAULT FOR TYPE text[] USING ivf AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
