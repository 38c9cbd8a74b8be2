-- vector_db 0.1.0 -> 0.2.0, run by ALTER EXTENSION vector_db UPDATE. Every
-- change to the install script's parts (the Makefile's SQL_PARTS) since
-- 0.1.0 is repeated here; test/t/035_extension_upgrade.pl fails when an
-- updated install differs from a fresh one.
\echo Use "ALTER EXTENSION vector_db UPDATE TO '0.2.0'" to load this file. \quit

-- The index check reads every page of an index and of its table, and locks
-- the table against VACUUM while it runs: the table's owner, superusers and
-- the monitoring (17: and maintenance) roles only.
REVOKE ALL ON FUNCTION vector_db_index_check(regclass, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean) TO pg_monitor;
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean) TO pg_maintain;
	END IF;
END $$;

-- What an index holds (docs/monitoring.md): the roles of vector_db_index_check.
CREATE FUNCTION vector_db_index_stats(index regclass,
	OUT pending bigint, OUT live bigint, OUT deleted bigint, OUT pages bigint, OUT free_pages bigint,
	OUT last_merge timestamptz, OUT last_compaction timestamptz,
	OUT lists integer, OUT list_imbalance double precision, OUT rows_since_training bigint,
	OUT rows_out_of_range bigint)
	RETURNS record AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_index_stats(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vector_db_index_stats(regclass) TO pg_monitor;
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_index_stats(regclass) TO pg_maintain;
	END IF;
END $$;

-- Background workers and TTL (src/worker/worker.sql).
-- What each vector_db database worker is doing now; empty unless vector_db
-- is in shared_preload_libraries.
CREATE FUNCTION vector_db_worker_activity(OUT pid integer, OUT datid oid, OUT datname name, OUT task text,
	OUT relid oid, OUT relation text, OUT started_at timestamptz, OUT task_started_at timestamptz,
	OUT progress bigint) RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
CREATE VIEW vector_db_worker_activity AS SELECT * FROM vector_db_worker_activity();

-- TTL settings, one row per table. Written only through vector_db_set_ttl
-- and vector_db_unset_ttl, which check that the caller owns the table;
-- dumped by pg_dump with the extension.
CREATE TABLE vector_db_ttl (
	relid regclass PRIMARY KEY,
	column_name name NOT NULL,
	ttl interval NOT NULL,
	drop_partitions boolean NOT NULL DEFAULT false
);
SELECT pg_catalog.pg_extension_config_dump('vector_db_ttl', '');
GRANT SELECT ON vector_db_ttl TO PUBLIC;

CREATE FUNCTION vector_db_set_ttl("table" regclass, "column" name, ttl interval,
	drop_partitions boolean DEFAULT false) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION vector_db_unset_ttl("table" regclass) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION vector_db_expire("table" regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- A dropped table's TTL setting goes with it.
CREATE FUNCTION vector_db_ttl_forget() RETURNS event_trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
-- Called by the event trigger only (which needs no EXECUTE right).
REVOKE ALL ON FUNCTION vector_db_ttl_forget() FROM PUBLIC;
CREATE EVENT TRIGGER vector_db_ttl_forget ON sql_drop EXECUTE FUNCTION vector_db_ttl_forget();

-- vector_db_compact: returns the space VACUUM freed in an index to the file
-- system (src/index/index.sql).
CREATE FUNCTION vector_db_compact(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_compact(regclass) FROM PUBLIC;
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_compact(regclass) TO pg_maintain;
	END IF;
END $$;

-- Merges the pending area of an index (fastupdate) into its graph now and
-- returns how many entries it merged (docs/sql.md). The roles that may
-- VACUUM the table (checked by the C function too), as vector_db_compact.
CREATE FUNCTION vector_db_merge(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_merge(regclass) FROM PUBLIC;
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_merge(regclass) TO pg_maintain;
	END IF;
END $$;

-- Retrains the centroids and quantizer of an ivfflat or ivf index on its
-- rows and rewrites its lists online (docs/ivf.md, "Rebalancing"). The roles
-- that may VACUUM the table (checked by the C function too), as
-- vector_db_compact.
CREATE FUNCTION vector_db_rebalance(index regclass) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_rebalance(regclass) FROM PUBLIC;
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_rebalance(regclass) TO pg_maintain;
	END IF;
END $$;

-- Range search: sphere_vector, sphere_halfvec, sphere() and the operators
-- <<->>, <<#>>, <<=>>, members of the hnsw, ivfflat and ivf families at
-- strategy 2 (src/index/range.sql, docs/range_search.md).
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

-- Filter columns (docs/hnsw.md, "Filter columns"): columns after the vector
-- column of an hnsw index, whose quals the index applies during its walk.
-- Strategies 1 (ORDER BY distance) and 2 (range search) belong to the
-- vector families; 3 is equality (and = ANY through amsearcharray), 4 label
-- overlap (&&), 5 label containment (@>). The integer types share one
-- family with the cross-type equalities, so bigint_column = 5 is a key.
CREATE OPERATOR FAMILY integer_filter_ops USING hnsw;
CREATE OPERATOR CLASS int2_filter_ops DEFAULT FOR TYPE int2 USING hnsw FAMILY integer_filter_ops AS
	OPERATOR 3 = (int2, int2);
CREATE OPERATOR CLASS int4_filter_ops DEFAULT FOR TYPE int4 USING hnsw FAMILY integer_filter_ops AS
	OPERATOR 3 = (int4, int4);
CREATE OPERATOR CLASS int8_filter_ops DEFAULT FOR TYPE int8 USING hnsw FAMILY integer_filter_ops AS
	OPERATOR 3 = (int8, int8);
ALTER OPERATOR FAMILY integer_filter_ops USING hnsw ADD
	OPERATOR 3 = (int2, int4), OPERATOR 3 = (int2, int8), OPERATOR 3 = (int4, int2),
	OPERATOR 3 = (int4, int8), OPERATOR 3 = (int8, int2), OPERATOR 3 = (int8, int4);
CREATE OPERATOR CLASS text_filter_ops DEFAULT FOR TYPE text USING hnsw AS
	OPERATOR 3 = (text, text);
CREATE OPERATOR CLASS uuid_filter_ops DEFAULT FOR TYPE uuid USING hnsw AS
	OPERATOR 3 = (uuid, uuid);
CREATE OPERATOR CLASS bool_filter_ops DEFAULT FOR TYPE bool USING hnsw AS
	OPERATOR 3 = (bool, bool);
CREATE OPERATOR CLASS int4_array_filter_ops DEFAULT FOR TYPE int4[] USING hnsw AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS int8_array_filter_ops DEFAULT FOR TYPE int8[] USING hnsw AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);
CREATE OPERATOR CLASS text_array_filter_ops DEFAULT FOR TYPE text[] USING hnsw AS
	OPERATOR 4 && (anyarray, anyarray),
	OPERATOR 5 @> (anyarray, anyarray);

-- The distance functions are priced by what they read, TOAST fetches
-- included (src/type/distance_cost.cpp).
CREATE FUNCTION vector_db_distance_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER FUNCTION l2_distance(vector, vector) SUPPORT vector_db_distance_support;
ALTER FUNCTION inner_product(vector, vector) SUPPORT vector_db_distance_support;
ALTER FUNCTION cosine_distance(vector, vector) SUPPORT vector_db_distance_support;
ALTER FUNCTION l1_distance(vector, vector) SUPPORT vector_db_distance_support;
ALTER FUNCTION vector_negative_inner_product(vector, vector) SUPPORT vector_db_distance_support;
ALTER FUNCTION l2_distance(halfvec, halfvec) SUPPORT vector_db_distance_support;
ALTER FUNCTION inner_product(halfvec, halfvec) SUPPORT vector_db_distance_support;
ALTER FUNCTION cosine_distance(halfvec, halfvec) SUPPORT vector_db_distance_support;
ALTER FUNCTION l1_distance(halfvec, halfvec) SUPPORT vector_db_distance_support;
ALTER FUNCTION halfvec_negative_inner_product(halfvec, halfvec) SUPPORT vector_db_distance_support;
ALTER FUNCTION l2_distance(sparsevec, sparsevec) SUPPORT vector_db_distance_support;
ALTER FUNCTION inner_product(sparsevec, sparsevec) SUPPORT vector_db_distance_support;
ALTER FUNCTION cosine_distance(sparsevec, sparsevec) SUPPORT vector_db_distance_support;
ALTER FUNCTION l1_distance(sparsevec, sparsevec) SUPPORT vector_db_distance_support;
ALTER FUNCTION sparsevec_negative_inner_product(sparsevec, sparsevec) SUPPORT vector_db_distance_support;
ALTER FUNCTION hamming_distance(bit, bit) SUPPORT vector_db_distance_support;
ALTER FUNCTION jaccard_distance(bit, bit) SUPPORT vector_db_distance_support;

-- Consistency levels on hot standbys (docs/operations.md#consistency-levels).
CREATE FUNCTION vector_db_wait_for_lsn(lsn pg_lsn, timeout interval) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
