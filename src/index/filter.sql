-- Filter columns (docs/hnsw.md and docs/ivf.md, "Filter columns"): columns
-- after the vector column of an hnsw, ivfflat or ivf index, whose quals the
-- index tests on each entry it meets (src/index/index_filter.cpp), the same
-- under each access method. Strategies 1 (ORDER BY distance) and 2 (range
-- search) belong to the vector families; 3 is equality (and = ANY through
-- amsearcharray), 4 label overlap (&&), 5 label containment (@>). The
-- integer types share one family with the cross-type equalities, so
-- bigint_column = 5 is a key.
DO $$
DECLARE
	am text;
BEGIN
	FOREACH am IN ARRAY ARRAY['hnsw', 'ivfflat', 'ivf'] LOOP
		EXECUTE pg_catalog.format($sql$
CREATE OPERATOR FAMILY integer_filter_ops USING %1$I;
CREATE OPERATOR CLASS int2_filter_ops DEFAULT FOR TYPE int2 USING %1$I FAMILY integer_filter_ops AS
	OPERATOR 3 = (int2, int2);
CREATE OPERATOR CLASS int4_filter_ops DEFAULT FOR TYPE int4 USING %1$I FAMILY integer_filter_ops AS
	OPERATOR 3 = (int4, int4);
CREATE OPERATOR CLASS int8_filter_ops DEFAULT FOR TYPE int8 USING %1$I FAMILY integer_filter_ops AS
	OPERATOR 3 = (int8, int8);
ALTER OPERATOR FAMILY integer_filter_ops USING %1$I ADD
	OPERATOR 3 = (int2, int4), OPERATOR 3 = (int2, int8), OPERATOR 3 = (int4, int2),
	OPERATOR 3 = (int4, int8), OPERATOR 3 = (int8, int2), OPERATOR 3 = (int8, int4);
CREATE OPERATOR CLASS text_filter_ops DEFAULT FOR TYPE text USING %1$I AS
	OPERATOR 3 = (text, text);
CREATE OPERATOR CLASS uuid_filter_ops DEFAULT FOR TYPE uuid USING %1$I AS
	OPERATOR 3 = (uuid, uuid);
CREATE OPERATOR CLASS bool_filter_ops DEFAULT FOR TYPE bool USING %1$I AS
	OPERATOR 3 = (bool, bool);
CREATE OPERATOR CLASS int4_array_filter_ops DEFAULT FOR TYPE int4[] USING %1$I AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS int8_array_filter_ops DEFAULT FOR TYPE int8[] USING %1$I AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS text_array_filter_ops DEFAULT FOR TYPE text[] USING %1$I AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
$sql$, am);
	END LOOP;
END $$;
