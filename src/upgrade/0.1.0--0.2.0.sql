-- vector_db 0.1.0 -> 0.2.0, run by ALTER EXTENSION vector_db UPDATE: the
-- head of the upgrade script. It holds the changes to the parts that 0.1.0
-- had (the Makefile's SQL_PARTS_0_1_0), written again as ALTERs and CREATEs;
-- the Makefile appends the parts added since (SQL_PARTS_NEW) whole.
-- test/t/035_extension_upgrade.pl fails when an updated install differs from
-- a fresh one.
\echo Use "ALTER EXTENSION vector_db UPDATE TO '0.2.0'" to load this file. \quit

-- The index check reads every page of an index and of its table, and locks
-- the table against VACUUM while it runs: the table's owner, superusers and
-- the monitoring (17: and maintenance) roles only.
REVOKE ALL ON FUNCTION vector_db_index_check(regclass, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean) TO pg_monitor;

-- What an index holds (docs/monitoring.md): the roles of vector_db_index_check.
CREATE FUNCTION vector_db_index_stats(index regclass,
	OUT pending bigint, OUT live bigint, OUT deleted bigint, OUT pages bigint, OUT free_pages bigint,
	OUT last_merge timestamptz, OUT last_compaction timestamptz,
	OUT lists integer, OUT list_imbalance double precision, OUT rows_since_training bigint,
	OUT rows_out_of_range bigint, OUT last_rebalance timestamptz)
	RETURNS record AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_index_stats(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vector_db_index_stats(regclass) TO pg_monitor;

-- vector_db_compact: returns the space VACUUM freed in an index to the file
-- system (src/index/index.sql).
CREATE FUNCTION vector_db_compact(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_compact(regclass) FROM PUBLIC;

-- Merges the pending area of an index (fastupdate) into its graph now and
-- returns how many entries it merged (docs/sql.md). The roles that may
-- VACUUM the table (checked by the C function too), as vector_db_compact.
CREATE FUNCTION vector_db_merge(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_merge(regclass) FROM PUBLIC;

-- Retrains the centroids and quantizer of an ivfflat or ivf index on its
-- rows and rewrites its lists online (docs/ivf.md, "Rebalancing"). The roles
-- that may VACUUM the table (checked by the C function too), as
-- vector_db_compact.
CREATE FUNCTION vector_db_rebalance(index regclass) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_rebalance(regclass) FROM PUBLIC;

-- PostgreSQL 17's pg_maintain role, which may VACUUM and REINDEX any table,
-- may also run the inspection and maintenance functions above.
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain') THEN
		GRANT EXECUTE ON FUNCTION vector_db_index_check(regclass, boolean), vector_db_index_stats(regclass),
			vector_db_compact(regclass), vector_db_merge(regclass), vector_db_rebalance(regclass) TO pg_maintain;
	END IF;
END $$;

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
