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

-- History and AS OF search (docs/timetravel.md), built on the periods
-- extension's system versioning: periods keeps the old row versions in
-- <table>_history and generates <table>__as_of(timestamptz), an inlinable SQL
-- function over a UNION ALL view of the table and its history, so that an
-- ORDER BY distance LIMIT k over it plans as a Merge Append of the two
-- tables' index scans. What periods leaves out, these functions add:
-- the vector indexes and the row security of the table on its history, a
-- view that reads with the caller's rights (so that row security applies),
-- and the retention, a TTL (docs/workers.md) on the history's end column.
-- PL/pgSQL because all of it is DDL run as the caller, who must own the table.

-- Brings the history table of a table with history in step with the table:
-- creates each hnsw, ivfflat and ivf index the table has that the history
-- lacks (same access method, columns, operator classes, options and
-- predicate; an index counts as present when its definition matches; an
-- invalid index, e.g. a failed CREATE INDEX CONCURRENTLY, is skipped), and
-- gives the history the table's row security (enabled, forced) and policies,
-- so that a role sees the same rows of the past as of the present. periods'
-- view runs with its owner's rights, which skip the row security of the
-- owner's own tables: it is switched to the caller's rights. Returns the
-- number of indexes created. pg_get_indexdef names the table schema-
-- qualified: what follows "CREATE INDEX name ON schema.table " is the part
-- two indexes share. (No comments inside the bodies: test/t/036 lints them.)
CREATE FUNCTION vector_db_sync_history("table" regclass) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	hist regclass;
	view regclass;
	created integer := 0;
	idx record;
	pol record;
	clause text;
BEGIN
	IF NOT pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) "table"), 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', "table"::pg_catalog.text USING ERRCODE := '42501';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'periods') THEN
		RAISE EXCEPTION 'table % has no history', "table"::pg_catalog.text USING ERRCODE := '55000',
			HINT := 'Call vector_db_enable_history() first.';
	END IF;
	EXECUTE 'SELECT history_table_name, view_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist, view USING "table";
	IF hist IS NULL THEN
		RAISE EXCEPTION 'table % has no history', "table"::pg_catalog.text USING ERRCODE := '55000',
			HINT := 'Call vector_db_enable_history() first.';
	END IF;
	EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', view);

	FOR idx IN
		WITH defs AS (
			SELECT i.indrelid, pg_catalog.substr(pg_catalog.pg_get_indexdef(i.indexrelid),
				pg_catalog.length(pg_catalog.format('CREATE INDEX %I ON %I.%I ', ic.relname, n.nspname, c.relname)) OPERATOR(pg_catalog.+) 1)
				AS tail
			FROM pg_catalog.pg_index i
			JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
			JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam
			JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indrelid
			JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
			WHERE i.indrelid IN ("table", hist) AND i.indisvalid AND am.amname IN ('hnsw', 'ivfflat', 'ivf'))
		SELECT tail FROM defs WHERE indrelid OPERATOR(pg_catalog.=) "table"
		EXCEPT
		SELECT tail FROM defs WHERE indrelid OPERATOR(pg_catalog.=) hist
	LOOP
		EXECUTE pg_catalog.format('CREATE INDEX ON %s %s', hist, idx.tail);
		created := created OPERATOR(pg_catalog.+) 1;
	END LOOP;

	EXECUTE pg_catalog.format('ALTER TABLE %s %s ROW LEVEL SECURITY, %s FORCE ROW LEVEL SECURITY', hist,
		CASE WHEN c.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END,
		CASE WHEN c.relforcerowsecurity THEN '' ELSE 'NO' END)
		FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) "table";
	FOR pol IN SELECT polname FROM pg_catalog.pg_policy WHERE polrelid OPERATOR(pg_catalog.=) hist LOOP
		EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol.polname, hist);
	END LOOP;
	FOR pol IN
		SELECT p.policyname, p.permissive, p.cmd, p.qual, p.with_check,
			(SELECT pg_catalog.string_agg(CASE r WHEN 'public' THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r) END, ', ')
			 FROM pg_catalog.unnest(p.roles) r) AS roles
		FROM pg_catalog.pg_policies p
		JOIN pg_catalog.pg_class c ON c.relname OPERATOR(pg_catalog.=) p.tablename
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace AND n.nspname OPERATOR(pg_catalog.=) p.schemaname
		WHERE c.oid OPERATOR(pg_catalog.=) "table"
	LOOP
		clause := pg_catalog.format('CREATE POLICY %I ON %s AS %s FOR %s TO %s', pol.policyname, hist,
			pol.permissive, pol.cmd, pol.roles);
		IF pol.qual IS NOT NULL THEN
			clause := pg_catalog.concat(clause, ' USING (', pol.qual, ')');
		END IF;
		IF pol.with_check IS NOT NULL THEN
			clause := pg_catalog.concat(clause, ' WITH CHECK (', pol.with_check, ')');
		END IF;
		EXECUTE clause;
	END LOOP;
	RETURN created;
END $$;

-- Gives a table its history in one call: the periods extension's SYSTEM_TIME
-- period (columns system_time_start and system_time_end) and system
-- versioning (<table>_history, <table>_with_history, <table>__as_of and the
-- other functions), the history in step with the table
-- (vector_db_sync_history), and with retention, a TTL on the history's
-- system_time_end. Returns the history table. A SYSTEM_TIME period the user
-- added before is kept. vector_db is relocatable (and may
-- be registered as "vector", docs/install.md): its own functions are called
-- through the schema it is in.
CREATE FUNCTION vector_db_enable_history("table" regclass, retention interval DEFAULT NULL) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
	rel record;
	hist regclass;
	end_column name;
	vdb name;
BEGIN
	SELECT c.relkind, c.relpersistence, c.relispartition, c.relowner INTO rel
	FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) "table";
	IF rel.relkind OPERATOR(pg_catalog.=) 'p' OR rel.relispartition THEN
		RAISE EXCEPTION 'cannot keep the history of "%": partitioned tables and partitions are not supported',
			"table"::pg_catalog.text USING ERRCODE := '0A000',
			DETAIL := 'The periods extension versions ordinary tables only, not partitioned tables or their partitions.';
	END IF;
	IF rel.relkind OPERATOR(pg_catalog.<>) 'r' THEN
		RAISE EXCEPTION '"%" is not a table', "table"::pg_catalog.text USING ERRCODE := '42809';
	END IF;
	IF NOT pg_catalog.pg_has_role(rel.relowner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', "table"::pg_catalog.text USING ERRCODE := '42501';
	END IF;
	IF rel.relpersistence OPERATOR(pg_catalog.<>) 'p' THEN
		RAISE EXCEPTION 'cannot keep the history of temporary or unlogged table %', "table"::pg_catalog.text
			USING ERRCODE := '0A000';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'periods') THEN
		RAISE EXCEPTION 'history needs the periods extension' USING ERRCODE := '55000',
			HINT := 'Run CREATE EXTENSION periods CASCADE (as a superuser) first.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index i
	               JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
	               JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam
	               WHERE i.indrelid OPERATOR(pg_catalog.=) "table" AND i.indisvalid
	                 AND am.amname IN ('hnsw', 'ivfflat', 'ivf')) THEN
		RAISE EXCEPTION 'table % has no vector index', "table"::pg_catalog.text USING ERRCODE := '55000',
			DETAIL := 'A search as of a past time runs on the vector indexes of the table and its history.',
			HINT := 'Create an hnsw, ivfflat or ivf index on the table first.';
	END IF;
	EXECUTE 'SELECT history_table_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist USING "table";
	IF hist IS NOT NULL THEN
		RAISE EXCEPTION 'table % already has history', "table"::pg_catalog.text USING ERRCODE := '42710',
			DETAIL := pg_catalog.format('Its history table is %s.', hist),
			HINT := 'Call vector_db_sync_history() to bring the history''s indexes and policies in step.';
	END IF;
	IF retention IS NOT NULL AND retention OPERATOR(pg_catalog.<=) '0'::pg_catalog.interval THEN
		RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE := '22023';
	END IF;

	EXECUTE 'SELECT end_column_name FROM periods.periods WHERE table_name OPERATOR(pg_catalog.=) $1 AND period_name OPERATOR(pg_catalog.=) ''system_time'''
		INTO end_column USING "table";
	IF end_column IS NULL THEN
		EXECUTE 'SELECT periods.add_system_time_period($1)' USING "table";
		EXECUTE 'SELECT end_column_name FROM periods.periods WHERE table_name OPERATOR(pg_catalog.=) $1 AND period_name OPERATOR(pg_catalog.=) ''system_time'''
			INTO end_column USING "table";
	END IF;
	EXECUTE 'SELECT periods.add_system_versioning($1)' USING "table";
	EXECUTE 'SELECT history_table_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist USING "table";
	SELECT n.nspname INTO vdb FROM pg_catalog.pg_extension e
	JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
	WHERE e.extname IN ('vector_db', 'vector')
	  AND EXISTS (SELECT FROM pg_catalog.pg_class WHERE relname OPERATOR(pg_catalog.=) 'vector_db_ttl' AND relnamespace OPERATOR(pg_catalog.=) n.oid);
	EXECUTE pg_catalog.format('SELECT %I.vector_db_sync_history($1)', vdb) USING "table";
	IF retention IS NOT NULL THEN
		EXECUTE pg_catalog.format('SELECT %I.vector_db_set_ttl($1, $2, $3)', vdb) USING hist, end_column, retention;
	END IF;
	RETURN hist;
END $$;

-- Scale-out: one table hash-partitioned over postgres_fdw shard servers
-- (docs/scale-out.md). The helpers run on the coordinator; they reach the
-- shards through dblink over the same foreign servers and user mappings that
-- postgres_fdw uses, so one call sets up both sides. postgres_fdw and dblink
-- are contrib extensions that CREATE EXTENSION vector_db does not need: the
-- helpers check for them when called. Every name in these bodies is
-- schema-qualified (test/t/036): they run under the caller's search_path.
-- They change servers and run DDL on them, so, as the index maintenance
-- functions, they are not executable by PUBLIC: a superuser grants them.

-- Runs SQL on a shard server through dblink, as the current user's mapping.
-- Several statements in one call run as one transaction on the shard.
CREATE FUNCTION vector_db_shard_exec(server name, sql text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	dblink_schema name;
BEGIN
	SELECT n.nspname INTO dblink_schema FROM pg_catalog.pg_extension e
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
		WHERE e.extname OPERATOR(pg_catalog.=) 'dblink';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'the vector_db shard helpers need the dblink extension in this database'
			USING ERRCODE := 'object_not_in_prerequisite_state',
			HINT := 'CREATE EXTENSION dblink; (it ships with PostgreSQL contrib)';
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.dblink_exec($1, $2)', dblink_schema) USING server, sql;
END
$$;

-- Creates a postgres_fdw server for one shard, listing this extension in its
-- extensions option (so that our operators and functions are shipped),
-- fetching 10 rows at a time (a top-10 merge then reads 10 rows, vectors
-- included, from each shard instead of postgres_fdw's default 100), a
-- user mapping for the current user, and this extension on the shard, in the
-- schema it has here (postgres_fdw names our operators schema-qualified).
-- Finds its own extension's name (vector_db, or vector when installed so) by
-- its own pg_depend entry. The shard step fails, undoing the server, when the
-- shard has the extension in another schema. (No comments inside the bodies:
-- test/t/036 reads them as SQL.)
CREATE FUNCTION vector_db_add_shard(server name, host text, port integer, dbname text,
	remote_user text DEFAULT CURRENT_USER, password text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ext_name name;
	ext_schema name;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'postgres_fdw') THEN
		RAISE EXCEPTION 'vector_db_add_shard needs the postgres_fdw extension in this database'
			USING ERRCODE := 'object_not_in_prerequisite_state',
			HINT := 'CREATE EXTENSION postgres_fdw; CREATE EXTENSION dblink; (both ship with PostgreSQL contrib)';
	END IF;
	SELECT e.extname, n.nspname INTO ext_name, ext_schema
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) p.oid
			AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
			AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
		JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
		WHERE p.proname OPERATOR(pg_catalog.=) 'vector_db_add_shard';
	EXECUTE pg_catalog.format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS '
		'(host %L, port %L, dbname %L, extensions %L, async_capable %L, batch_size %L, fetch_size %L)',
		server, host, port, dbname, ext_name, 'true', '100', '10');
	IF password IS NULL THEN
		EXECUTE pg_catalog.format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L)',
			server, remote_user);
	ELSE
		EXECUTE pg_catalog.format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L, password %L)',
			server, remote_user, password);
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_shard_exec($1, $2)', ext_schema) USING server, pg_catalog.format(
		'SET client_min_messages = warning; CREATE SCHEMA IF NOT EXISTS %1$I; CREATE EXTENSION IF NOT EXISTS %2$I SCHEMA %1$I; '
		'DO $check$ BEGIN IF (SELECT extnamespace::regnamespace::name FROM pg_extension WHERE extname = %2$L) <> %1$L '
		'THEN RAISE EXCEPTION %3$L; END IF; END $check$',
		ext_schema, ext_name,
		pg_catalog.format('extension %s is in another schema than %s, where the coordinator has it', ext_name, ext_schema));
END
$$;

-- Spreads an empty hash-partitioned table over shard servers: partition i
-- (remainder i of as many as there are servers) is a table TABLE_shardI on
-- servers[i + 1], with the same columns (types, NOT NULL, and a storage set
-- on the column: PLAIN vectors keep a shard's seq scan from looking cheaper
-- to its planner than it is) and the given indexes, and here a
-- foreign table of that name attached as the partition. An extension script
-- cannot name its own schema, so the body finds it where
-- vector_db_shard_exec is.
CREATE FUNCTION vector_db_shard_table("table" regclass, servers name[], indexes text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
-- format_type then names every type outside pg_catalog with its schema.
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel_schema name;
	rel_name name;
	columns text;
	storage text;
	server name;
	shard_name text;
	remote_sql text;
	index_def text;
	remainder integer := 0;
	modulus integer := pg_catalog.cardinality(servers);
	ext_schema name;
BEGIN
	SELECT pronamespace::pg_catalog.regnamespace::pg_catalog.name INTO ext_schema FROM pg_catalog.pg_proc
		WHERE proname OPERATOR(pg_catalog.=) 'vector_db_shard_exec';
	SELECT n.nspname, c.relname INTO rel_schema, rel_name FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		WHERE c.oid OPERATOR(pg_catalog.=) "table";
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_partitioned_table WHERE partrelid OPERATOR(pg_catalog.=) "table"
			AND partstrat OPERATOR(pg_catalog.=) 'h') THEN
		RAISE EXCEPTION '"%" is not a hash-partitioned table', rel_name
			USING ERRCODE := 'wrong_object_type', HINT := 'Create it with PARTITION BY HASH (key column).';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhparent OPERATOR(pg_catalog.=) "table") THEN
		RAISE EXCEPTION '"%" already has partitions', rel_name USING ERRCODE := 'object_not_in_prerequisite_state';
	END IF;
	IF modulus IS NULL OR modulus OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'vector_db_shard_table needs at least one shard server' USING ERRCODE := 'invalid_parameter_value';
	END IF;
	SELECT pg_catalog.string_agg(pg_catalog.format('%I %s%s', attname, pg_catalog.format_type(atttypid, atttypmod),
			CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END), ', ' ORDER BY attnum)
		INTO columns FROM pg_catalog.pg_attribute
		WHERE attrelid OPERATOR(pg_catalog.=) "table" AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped;
	SELECT pg_catalog.string_agg(pg_catalog.format('ALTER COLUMN %I SET STORAGE %s', a.attname,
			CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END),
			', ' ORDER BY a.attnum)
		INTO storage FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
		WHERE a.attrelid OPERATOR(pg_catalog.=) "table" AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
		AND a.attstorage OPERATOR(pg_catalog.<>) t.typstorage;
	FOREACH server IN ARRAY servers LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s
				JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid OPERATOR(pg_catalog.=) s.srvfdw
				JOIN pg_catalog.pg_proc h ON h.oid OPERATOR(pg_catalog.=) w.fdwhandler
				WHERE s.srvname OPERATOR(pg_catalog.=) server
				AND h.proname OPERATOR(pg_catalog.=) 'postgres_fdw_handler') THEN
			RAISE EXCEPTION 'server "%" is not a postgres_fdw server', server
				USING ERRCODE := 'undefined_object', HINT := 'Create it with vector_db_add_shard.';
		END IF;
		shard_name := pg_catalog.format('%s_shard%s', rel_name, remainder);
		remote_sql := pg_catalog.format('SET client_min_messages = warning; CREATE SCHEMA IF NOT EXISTS %I; CREATE TABLE %I.%I (%s);',
			rel_schema, rel_schema, shard_name, columns);
		IF storage IS NOT NULL THEN
			remote_sql := pg_catalog.format('%s ALTER TABLE %I.%I %s;', remote_sql, rel_schema, shard_name, storage);
		END IF;
		FOREACH index_def IN ARRAY indexes LOOP
			remote_sql := pg_catalog.format('%s CREATE INDEX ON %I.%I %s;', remote_sql, rel_schema, shard_name, index_def);
		END LOOP;
		EXECUTE pg_catalog.format('SELECT %I.vector_db_shard_exec($1, $2)', ext_schema) USING server, remote_sql;
		EXECUTE pg_catalog.format('CREATE FOREIGN TABLE %I.%I PARTITION OF %I.%I '
			'FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
			rel_schema, shard_name, rel_schema, rel_name, modulus, remainder, server, rel_schema, shard_name);
		remainder := remainder OPERATOR(pg_catalog.+) 1;
	END LOOP;
END
$$;
REVOKE ALL ON FUNCTION vector_db_shard_exec(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION vector_db_add_shard(name, text, integer, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION vector_db_shard_table(regclass, name[], text[]) FROM PUBLIC;
