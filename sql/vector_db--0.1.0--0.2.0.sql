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
	OUT rows_out_of_range bigint, OUT last_rebalance timestamptz)
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

-- BM25 keyword search as sparse vectors (docs/hybrid.md).
--
-- A text column's BM25 column is a sparsevec holding, for each term of the
-- row's text, BM25's saturated and length-normalised term frequency
--   w(t, d) = tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * (dl / avgdl)));
-- vector_db_bm25_query() turns a query into a sparsevec of IDF weights
--   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),
-- so that the inner product of the two is the document's BM25 score and
-- ORDER BY bm25 <#> query ranks rows by it.
-- Exact search through an index: vector_db_bm25_create adds a GIN index on
-- to_tsvector(config, text) (vector_db_bm25_<id>_gin), and
-- vector_db_bm25_tsquery() ORs the query's terms that the corpus holds,
-- the same terms vector_db_bm25_query() weighs (both come from
-- vector_db_bm25_query_parts()), so the rows matching it
-- with @@ are exactly the rows scoring above 0: a bitmap scan of the GIN
-- index yields every candidate, and a top-N sort of their exact scores
-- the top k. (An hnsw index on the BM25 column is approximate: most rows
-- score 0 against a keyword query, and its graph walk misses rows that
-- hold only rare query terms.)
-- Terms are the lexemes of to_tsvector(config, text); tf is the number of
-- positions of a lexeme, dl their sum. Term ids come from a dictionary per
-- BM25 column (vector_db_bm25_terms), handed out 1, 2, ... in the order
-- terms are first seen, so ids never collide; the dictionary only grows.
--
-- Statistics: vector_db_bm25 holds one row per BM25 column (N, total
-- length, the frozen avgdl, k1, b); vector_db_bm25_terms the df of each
-- term. Row triggers keep them exact under INSERT, UPDATE, DELETE and
-- TRUNCATE: a BEFORE trigger writes the row's vector (adding its new terms
-- to the dictionary), an AFTER trigger counts the row in or out, so a row
-- that is not written after all (ON CONFLICT DO NOTHING) is not counted.
-- Every writing statement first locks the column's vector_db_bm25 row,
-- until commit, so the writers of one table serialise on it and none waits
-- for it while holding a row of the table.
-- avgdl is frozen when the column is set up and changed only by
-- vector_db_bm25_refresh(), which rewrites every row's vector: document
-- weights depend on it, and a moving avgdl would leave older rows'
-- weights stale. Query-side N and df are always current.
--
-- Every function runs with search_path pg_catalog, pg_temp and reaches
-- this extension's objects through the schema of the BM25 column's type,
-- in dynamic SQL (the extension is relocatable, so its script cannot name
-- its own schema). The tables are readable and writable by all, under row
-- security: a row is visible to whoever may SELECT from its table, and
-- writable by whoever may write to it (which the triggers need, as they
-- run as the writing role); only the table's owner sets a column up, and
-- anyone may delete the row of a dropped table (vector_db_bm25_forget
-- does, as the role that drops it).

CREATE TABLE vector_db_bm25 (
	id serial PRIMARY KEY,
	relid regclass NOT NULL,
	text_column name NOT NULL,
	vector_column name NOT NULL,
	config regconfig NOT NULL,
	k1 float8 NOT NULL,
	b float8 NOT NULL,
	avgdl float8 NOT NULL,
	dims integer NOT NULL,
	doc_count bigint NOT NULL DEFAULT 0,
	total_length bigint NOT NULL DEFAULT 0,
	term_count integer NOT NULL DEFAULT 0,
	UNIQUE (relid, vector_column)
);
CREATE TABLE vector_db_bm25_terms (
	bm25 integer NOT NULL REFERENCES vector_db_bm25 ON DELETE CASCADE,
	term text NOT NULL,
	id integer NOT NULL,
	df bigint NOT NULL,
	PRIMARY KEY (bm25, term)
);
SELECT pg_catalog.pg_extension_config_dump('vector_db_bm25', '');
SELECT pg_catalog.pg_extension_config_dump('vector_db_bm25_terms', '');
ALTER TABLE vector_db_bm25 ENABLE ROW LEVEL SECURITY;
ALTER TABLE vector_db_bm25_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader ON vector_db_bm25 FOR SELECT
	USING (pg_catalog.has_table_privilege(relid, 'SELECT'));
CREATE POLICY writer ON vector_db_bm25 FOR UPDATE
	USING (pg_catalog.has_table_privilege(relid, 'INSERT, UPDATE, DELETE, TRUNCATE'));
CREATE POLICY owner ON vector_db_bm25 FOR ALL
	USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid), 'USAGE'));
CREATE POLICY orphan ON vector_db_bm25 FOR DELETE
	USING (NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid));
CREATE POLICY reader ON vector_db_bm25_terms FOR SELECT
	USING (EXISTS (SELECT FROM vector_db_bm25 c WHERE c.id OPERATOR(pg_catalog.=) bm25));
CREATE POLICY writer ON vector_db_bm25_terms FOR ALL
	USING (EXISTS (SELECT FROM vector_db_bm25 c WHERE c.id OPERATOR(pg_catalog.=) bm25
		AND pg_catalog.has_table_privilege(c.relid, 'INSERT, UPDATE, DELETE, TRUNCATE')));
GRANT SELECT, INSERT, UPDATE, DELETE ON vector_db_bm25, vector_db_bm25_terms TO PUBLIC;
GRANT USAGE ON SEQUENCE vector_db_bm25_id_seq TO PUBLIC;

-- The terms of a text and their frequencies, as BM25 counts them.
CREATE FUNCTION vector_db_bm25_tokens(config regconfig, document text, OUT term text, OUT tf integer)
	RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 100
	AS $$ SELECT t.lexeme, pg_catalog.cardinality(t.positions)
		FROM pg_catalog.unnest(pg_catalog.to_tsvector(config, document)) t $$;

-- BM25's formulas, in one place (the operators bind left to right).
CREATE FUNCTION vector_db_bm25_weight(tf float8, dl float8, avgdl float8, k1 float8, b float8)
	RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.float8div(pg_catalog.float8mul(tf, pg_catalog.float8pl(k1, 1)),
		pg_catalog.float8pl(tf, pg_catalog.float8mul(k1, pg_catalog.float8pl(pg_catalog.float8mi(1, b),
		pg_catalog.float8mul(b, pg_catalog.float8div(dl, avgdl)))))) $$;
CREATE FUNCTION vector_db_bm25_idf(doc_count float8, df float8)
	RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.ln(1 OPERATOR(pg_catalog.+)
		(((doc_count OPERATOR(pg_catalog.-) df) OPERATOR(pg_catalog.+) 0.5) OPERATOR(pg_catalog./)
		(df OPERATOR(pg_catalog.+) 0.5))) $$;

-- An ERROR unless the current role owns the table (or is a member of its
-- owner's role), as ALTER TABLE requires.
CREATE FUNCTION vector_db_bm25_check_owner(rel regclass) RETURNS void
	LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	owner boolean;
BEGIN
	EXECUTE 'SELECT pg_has_role(relowner, ''USAGE'') FROM pg_class WHERE oid = $1' INTO owner USING rel;
	IF owner IS NOT TRUE THEN
		RAISE EXCEPTION 'must be owner of table %', rel USING ERRCODE := 'insufficient_privilege';
	END IF;
END $$;

-- The set-up row of a BM25 column, or an ERROR.
CREATE FUNCTION vector_db_bm25_setup(ext name, rel regclass, col name) RETURNS vector_db_bm25
	LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	c record;
BEGIN
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25 WHERE relid = $1 AND vector_column = $2', ext) INTO c USING rel, col;
	IF c IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a BM25 column', col, rel
			USING ERRCODE := 'object_not_in_prerequisite_state',
			HINT := 'Set it up with vector_db_bm25_create().';
	END IF;
	RETURN c;
END $$;

-- Adds the terms of the texts `docs` (SQL yielding a column doc) that the
-- dictionary lacks, under the column's row lock, taken first so that the
-- INSERT's snapshot sees every term added by a writer that held it before.
CREATE FUNCTION vector_db_bm25_learn(ext name, bm25 integer, docs text) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	overflow boolean;
BEGIN
	EXECUTE pg_catalog.format('SELECT 1 FROM %I.vector_db_bm25 WHERE id = $1 FOR UPDATE', ext) USING bm25;
	EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		ins AS (INSERT INTO %1$I.vector_db_bm25_terms (bm25, term, id, df)
			SELECT $1, n.term, c.term_count + row_number() OVER (ORDER BY n.term COLLATE "C"), 0
			FROM c, (SELECT DISTINCT x.term FROM c, (%2$s) d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x) n
			WHERE NOT EXISTS (SELECT FROM %1$I.vector_db_bm25_terms o WHERE o.bm25 = $1 AND o.term = n.term)
			RETURNING id)
		UPDATE %1$I.vector_db_bm25 u SET term_count = u.term_count + (SELECT count(*) FROM ins)
		WHERE u.id = $1 RETURNING u.term_count > u.dims', ext, docs) INTO overflow USING bm25;
	IF overflow THEN
		RAISE EXCEPTION 'BM25 vocabulary outgrew the dimensions of its column'
			USING ERRCODE := 'program_limit_exceeded',
			HINT := 'Declare the BM25 column with more dimensions, e.g. sparsevec(1000000000).';
	END IF;
END $$;

-- Counts the texts of `docs` (SQL yielding columns doc, sign) in (sign 1)
-- or out (sign -1) of the column's statistics.
CREATE FUNCTION vector_db_bm25_count(ext name, bm25 integer, docs text) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		d AS (SELECT * FROM (%2$s) d WHERE d.doc IS NOT NULL),
		k AS (SELECT d.sign, x.term, x.tf FROM c, d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x),
		n AS (UPDATE %1$I.vector_db_bm25 u SET doc_count = u.doc_count + (SELECT coalesce(sum(sign), 0) FROM d),
			total_length = u.total_length + (SELECT coalesce(sum(sign * tf), 0) FROM k) WHERE u.id = $1)
		UPDATE %1$I.vector_db_bm25_terms t SET df = t.df + f.delta
		FROM (SELECT term, sum(sign) AS delta FROM k GROUP BY term) f
		WHERE t.bm25 = $1 AND t.term = f.term AND f.delta <> 0', ext, docs) USING bm25;
END $$;

-- The BM25 vectors (as sparsevec text) of the texts of `docs` (SQL
-- yielding columns key, doc), whose terms the dictionary must hold.
CREATE FUNCTION vector_db_bm25_vectors(ext name, bm25 integer, docs text, OUT key tid, OUT vec text)
	RETURNS SETOF record LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		d AS (SELECT * FROM (%2$s) d WHERE d.doc IS NOT NULL),
		k AS (SELECT d.key, x.term, x.tf, sum(x.tf) OVER (PARTITION BY d.key) AS dl
			FROM c, d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x)
		SELECT d.key, pg_catalog.concat(''{'', string_agg(pg_catalog.concat(t.id, '':'',
				%1$I.vector_db_bm25_weight(k.tf, k.dl, c.avgdl, c.k1, c.b)::float4), '','' ORDER BY t.id) FILTER (WHERE t.id IS NOT NULL), ''}/'', c.dims)
		FROM c, d LEFT JOIN (k JOIN %1$I.vector_db_bm25_terms t ON t.bm25 = $1 AND t.term = k.term) ON k.key = d.key
		GROUP BY d.key, c.dims', ext, docs) USING bm25;
END $$;

-- Sets every row's BM25 vector from its text, set-based.
CREATE FUNCTION vector_db_bm25_rewrite(ext name, bm25 integer) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	c record;
BEGIN
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25 WHERE id = $1', ext) INTO c USING bm25;
	EXECUTE pg_catalog.format('UPDATE %1$s t SET %2$I = v.vec::%4$I.sparsevec FROM %4$I.vector_db_bm25_vectors($1, $2, $3) v WHERE t.ctid = v.key',
		c.relid, c.vector_column, c.text_column, ext)
		USING ext, c.id, pg_catalog.format('SELECT t.ctid AS key, t.%I::text AS doc FROM %s t', c.text_column, c.relid);
END $$;

-- The triggers of a BM25 column: arguments (set-up id, BM25 column, text
-- column). A statement that writes to the table first locks the column's
-- vector_db_bm25 row (BEFORE ... FOR EACH STATEMENT), before it locks any
-- row of the table, so that no writer holds a table row while it waits
-- for the statistics. An update that keeps the text keeps the vector,
-- unless it sets the vector to NULL (which vector_db_bm25_refresh uses).
CREATE FUNCTION vector_db_bm25_trigger() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bm25 integer := TG_ARGV[0];
	vec_col name := TG_ARGV[1];
	text_col name := TG_ARGV[2];
	ext name;
	old_doc text;
	new_doc text;
	keep boolean;
	vec text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING TG_RELID, vec_col;
	IF TG_LEVEL IS NOT DISTINCT FROM 'STATEMENT' AND TG_WHEN IS NOT DISTINCT FROM 'BEFORE' THEN
		EXECUTE pg_catalog.format('SELECT 1 FROM %I.vector_db_bm25 WHERE id = $1 FOR UPDATE', ext) USING bm25;
		RETURN NULL;
	END IF;
	IF TG_OP IS NOT DISTINCT FROM 'TRUNCATE' THEN
		EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET doc_count = 0, total_length = 0 WHERE id = $1', ext) USING bm25;
		EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25_terms SET df = 0 WHERE bm25 = $1', ext) USING bm25;
		RETURN NULL;
	END IF;
	IF TG_OP IS DISTINCT FROM 'INSERT' THEN
		EXECUTE pg_catalog.format('SELECT ($1).%I::text', text_col) INTO old_doc USING OLD;
	END IF;
	IF TG_OP IS DISTINCT FROM 'DELETE' THEN
		EXECUTE pg_catalog.format('SELECT ($1).%I::text', text_col) INTO new_doc USING NEW;
	END IF;
	IF TG_WHEN IS NOT DISTINCT FROM 'BEFORE' THEN
		IF TG_OP IS NOT DISTINCT FROM 'UPDATE' AND old_doc IS NOT DISTINCT FROM new_doc THEN
			EXECUTE pg_catalog.format('SELECT ($1).%I IS NOT NULL', vec_col) INTO keep USING NEW;
			IF keep THEN
				RETURN NEW;
			END IF;
		END IF;
		IF new_doc IS NOT NULL THEN
			EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_learn($1, $2, $3)', ext)
				USING ext, bm25, pg_catalog.format('SELECT %L::text AS doc', new_doc);
			EXECUTE pg_catalog.format('SELECT v.vec FROM %I.vector_db_bm25_vectors($1, $2, $3) v', ext) INTO vec
				USING ext, bm25, pg_catalog.format('SELECT %L::tid AS key, %L::text AS doc', '(0,0)', new_doc);
		END IF;
		RETURN pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object(vec_col, vec));
	END IF;
	IF TG_OP IS NOT DISTINCT FROM 'UPDATE' AND old_doc IS NOT DISTINCT FROM new_doc THEN
		RETURN NULL;
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_count($1, $2, $3)', ext)
		USING ext, bm25, pg_catalog.format('SELECT * FROM (VALUES (%L::text, -1), (%L::text, 1)) d(doc, sign)', old_doc, new_doc);
	RETURN NULL;
END $$;

-- Sets up `bm25_column` (a sparsevec(n) column) as the BM25 column of
-- `text_column`: fills it for every row, counts the statistics and adds
-- the triggers and the GIN index of the exact search. avgdl is the table's average document length now, or the
-- given one (needed when the table is empty).
CREATE FUNCTION vector_db_bm25_create("table" regclass, text_column name, bm25_column name,
	config regconfig DEFAULT 'english', k1 float8 DEFAULT 1.2, b float8 DEFAULT 0.75,
	avgdl float8 DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	col record;
	ok boolean;
BEGIN
	EXECUTE 'SELECT relkind FROM pg_class WHERE oid = $1' INTO c USING "table";
	IF c.relkind IS DISTINCT FROM 'r' AND c.relkind IS DISTINCT FROM 'p' THEN
		RAISE EXCEPTION '"%" is not a table', "table" USING ERRCODE := 'wrong_object_type';
	END IF;
	EXECUTE 'SELECT t.typcategory, t.typname, a.atttypmod, n.nspname FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", text_column;
	IF col IS NULL OR col.typcategory IS DISTINCT FROM 'S' THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a text column', text_column, "table"
			USING ERRCODE := 'datatype_mismatch';
	END IF;
	EXECUTE 'SELECT t.typcategory, t.typname, a.atttypmod, n.nspname FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", bm25_column;
	IF col IS NULL OR col.typname IS DISTINCT FROM 'sparsevec' OR col.atttypmod OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a sparsevec column with dimensions', bm25_column, "table"
			USING ERRCODE := 'datatype_mismatch',
			HINT := 'Declare it as sparsevec(1000000000), the most dimensions, which bound the vocabulary.';
	END IF;
	ext := col.nspname;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE 'SELECT $1 >= 0 AND $1 < ''Infinity'' AND $2 BETWEEN 0 AND 1 AND ($3 IS NULL OR $3 > 0 AND $3 < ''Infinity'')'
		INTO ok USING k1, b, avgdl;
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'BM25 parameters out of range: k1 = %, b = %, avgdl = %', k1, b, avgdl
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := 'k1 must be finite and at least 0, b between 0 and 1, avgdl above 0.';
	END IF;
	EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', "table");
	EXECUTE pg_catalog.format('SELECT true FROM %I.vector_db_bm25 WHERE relid = $1 AND vector_column = $2', ext)
		INTO ok USING "table", bm25_column;
	IF ok THEN
		RAISE EXCEPTION 'column "%" of relation "%" is already a BM25 column', bm25_column, "table"
			USING ERRCODE := 'duplicate_object';
	END IF;
	EXECUTE pg_catalog.format('INSERT INTO %I.vector_db_bm25 (relid, text_column, vector_column, config, k1, b, avgdl, dims)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING *', ext)
		INTO c USING "table", text_column, bm25_column, config, k1, b, col.atttypmod;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_learn($1, $2, $3)', ext)
		USING ext, c.id, pg_catalog.format('SELECT t.%I::text AS doc FROM %s t', text_column, "table");
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_count($1, $2, $3)', ext)
		USING ext, c.id, pg_catalog.format('SELECT t.%I::text AS doc, 1 AS sign FROM %s t', text_column, "table");
	EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET avgdl = coalesce($2, nullif(total_length, 0)::float8 / doc_count, 0)
		WHERE id = $1 RETURNING *', ext) INTO c USING c.id, avgdl;
	IF c.avgdl IS NOT DISTINCT FROM 0::pg_catalog.float8 THEN
		RAISE EXCEPTION 'table "%" has no text to measure the average document length of', "table"
			USING ERRCODE := 'invalid_parameter_value',
			HINT := 'Pass avgdl, and call vector_db_bm25_refresh() once the table holds typical rows.';
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_rewrite($1, $2)', ext) USING ext, c.id;
	EXECUTE pg_catalog.format('CREATE INDEX %I ON %s USING gin (pg_catalog.to_tsvector(%L::pg_catalog.regconfig, %I))',
		pg_catalog.concat('vector_db_bm25_', c.id, '_gin'), "table", config, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH STATEMENT
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_lock'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_count'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_truncate'), "table", ext, c.id, bm25_column, text_column);
END $$;

-- Freezes avgdl anew at the current average document length (and k1, b
-- where given) and rewrites every row's BM25 vector; returns the avgdl.
-- The table is locked against writes (SHARE ROW EXCLUSIVE, which ALTER
-- TABLE ... DISABLE TRIGGER also takes), so the row triggers are turned
-- off for the rewrite, which changes no text; only the owner may do it.
CREATE FUNCTION vector_db_bm25_refresh("table" regclass, bm25_column name,
	k1 float8 DEFAULT NULL, b float8 DEFAULT NULL) RETURNS float8
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	ok boolean;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO c USING ext, "table", bm25_column;
	EXECUTE 'SELECT $1 >= 0 AND $1 < ''Infinity'' AND $2 BETWEEN 0 AND 1'
		INTO ok USING coalesce(k1, c.k1), coalesce(b, c.b);
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'BM25 parameters out of range: k1 = %, b = %', k1, b
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := 'k1 must be finite and at least 0, b between 0 and 1.';
	END IF;
	EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', "table");
	EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I, DISABLE TRIGGER %I', "table",
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), pg_catalog.concat('vector_db_bm25_', c.id, '_count'));
	EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET k1 = coalesce($2, k1), b = coalesce($3, b),
		avgdl = coalesce(nullif(total_length, 0)::float8 / nullif(doc_count, 0), avgdl) WHERE id = $1 RETURNING *', ext)
		INTO c USING c.id, k1, b;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_rewrite($1, $2)', ext) USING ext, c.id;
	EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE TRIGGER %I, ENABLE TRIGGER %I', "table",
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), pg_catalog.concat('vector_db_bm25_', c.id, '_count'));
	RETURN c.avgdl;
END $$;

-- Removes the set-up of a BM25 column (statistics, dictionary, triggers,
-- its GIN index where it still has it); the column and its values stay.
CREATE FUNCTION vector_db_bm25_drop("table" regclass, bm25_column name) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	suffix text;
	gin regclass;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO c USING ext, "table", bm25_column;
	FOREACH suffix IN ARRAY ARRAY['_lock', '_vector', '_count', '_truncate'] LOOP
		EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', pg_catalog.concat('vector_db_bm25_', c.id, suffix), "table");
	END LOOP;
	EXECUTE 'SELECT i.indexrelid::regclass FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
		WHERE i.indrelid = $1 AND x.relname = $2' INTO gin USING "table", pg_catalog.concat('vector_db_bm25_', c.id, '_gin');
	IF gin IS NOT NULL THEN
		EXECUTE pg_catalog.format('DROP INDEX %s', gin);
	END IF;
	EXECUTE pg_catalog.format('DELETE FROM %I.vector_db_bm25 WHERE id = $1', ext) USING c.id;
END $$;

-- The query side, in one pass over the query's terms that the corpus
-- holds (df > 0): `vector`, each weighted by its current IDF times its
-- count in the query, a sparsevec for ORDER BY bm25 <#> it; `tsquery`,
-- the same terms ORed, for to_tsvector(config, text_column) @@ it, which
-- holds for exactly the rows scoring above 0 and which the column's GIN
-- index serves (NULL, no row, where the corpus holds none of them; each
-- lexeme is quoted as tsquery input quotes it, so it is taken as is);
-- and `setup`, the column's set-up row.
CREATE FUNCTION vector_db_bm25_query_parts("table" regclass, bm25_column name, query text,
	OUT setup vector_db_bm25, OUT vector sparsevec, OUT tsquery tsquery)
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	terms text[];
	ids integer[];
	weights float4[];
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO setup USING ext, "table", bm25_column;
	EXECUTE pg_catalog.format('
		SELECT array_agg(t.term ORDER BY t.id), array_agg(t.id ORDER BY t.id),
			array_agg((k.tf * %1$I.vector_db_bm25_idf($2, t.df))::float4 ORDER BY t.id)
		FROM %1$I.vector_db_bm25_tokens($3, $4) k
		JOIN %1$I.vector_db_bm25_terms t ON t.bm25 = $1 AND t.term = k.term AND t.df > 0', ext)
		INTO terms, ids, weights USING setup.id, setup.doc_count, setup.config, query;
	EXECUTE pg_catalog.format('SELECT pg_catalog.concat(''{'', string_agg(pg_catalog.concat(u.i, '':'', u.w), '',''), ''}/'', $3)::%I.sparsevec
		FROM unnest($1, $2) u(i, w)', ext) INTO vector USING ids, weights, setup.dims;
	SELECT pg_catalog.string_agg(pg_catalog.concat('''', pg_catalog.replace(pg_catalog.replace(term,
			E'\\', E'\\\\'), '''', ''''''), ''''), ' | ')::pg_catalog.tsquery
		INTO tsquery FROM pg_catalog.unnest(terms) term;
END $$;

-- The two halves of the query side (above), for plain SQL: its vector
-- and its tsquery.
CREATE FUNCTION vector_db_bm25_query("table" regclass, bm25_column name, query text) RETURNS sparsevec
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	vec text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT q.vector::text FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
		INTO vec USING "table", bm25_column, query;
	RETURN vec;
END $$;
CREATE FUNCTION vector_db_bm25_tsquery("table" regclass, bm25_column name, query text) RETURNS tsquery
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	terms tsquery;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT q.tsquery FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
		INTO terms USING "table", bm25_column, query;
	RETURN terms;
END $$;

-- A dropped table's BM25 set-ups go with it. The extension's schema is
-- that of its one member table named vector_db_bm25.
CREATE FUNCTION vector_db_bm25_forget() RETURNS event_trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_depend d ON d.classid = ''pg_class''::regclass AND d.objid = c.oid AND d.deptype = ''e''
		WHERE c.relname = ''vector_db_bm25'' AND c.relkind = ''r''' INTO ext;
	IF ext IS NOT NULL THEN
		EXECUTE pg_catalog.format('DELETE FROM %I.vector_db_bm25 WHERE relid IN (SELECT o.objid
			FROM pg_event_trigger_dropped_objects() o WHERE o.classid = ''pg_class''::regclass AND o.objsubid = 0)', ext);
	END IF;
END $$;
REVOKE ALL ON FUNCTION vector_db_bm25_forget() FROM PUBLIC;
CREATE EVENT TRIGGER vector_db_bm25_forget ON sql_drop EXECUTE FUNCTION vector_db_bm25_forget();

-- hybrid_search (docs/hybrid.md): several ranked searches over one table,
-- each through its own index with its own limit, fused into one ranking.
-- A search is a value of type hybrid_subsearch made by hybrid_vector (a
-- vector, halfvec, bit or sparsevec column under any metric), hybrid_bm25
-- (a BM25 column, vector_db_bm25_create) or hybrid_fulltext (a tsvector
-- column, @@ and ts_rank_cd). hybrid_search builds one statement, the
-- plain-SQL form docs/hybrid.md shows: a CTE per search (ORDER BY its
-- distance LIMIT its limit, with the filter), UNION ALL, GROUP BY key.
-- Everything the caller gives is a bound parameter or an identifier
-- quoted with %I; the filter is a jsonb object of column = value pairs.
-- A vector search orders by its distance alone, which its index provides
-- (a tie-breaking key would rule the index out), so rows at equal distance
-- come in the index's order; a full-text search breaks ties by key. A BM25
-- search is exact: its candidates are the rows matching the query's terms
-- (vector_db_bm25_tsquery) through the GIN index vector_db_bm25_create
-- made, sorted by score and key; OFFSET 0 keeps the sort off an hnsw index
-- on the BM25 column, whose walk is approximate. Its tsquery goes in $1
-- after the searches' queries.
-- Fusion 'rrf': sum of weight / (rrf_k + rank); 'weighted': sum of weight
-- * a score in [0, 1] normalised per metric as Milvus's WeightedRanker
-- does (arctan for unbounded scores and distances, linear for cosine).

CREATE TYPE hybrid_subsearch AS (kind text, column_name name, query text, metric text,
	search_limit integer, weight float8);

CREATE FUNCTION hybrid_vector("column" name, query vector, metric text DEFAULT 'l2',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query halfvec, metric text DEFAULT 'l2',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query bit, metric text DEFAULT 'hamming',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query sparsevec, metric text DEFAULT 'ip',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_bm25("column" name, query text,
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'bm25'::pg_catalog.text, "column", query, 'bm25'::pg_catalog.text, "limit", weight $$;
CREATE FUNCTION hybrid_fulltext("column" name, query tsquery,
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'fulltext'::pg_catalog.text, "column", query::pg_catalog.text, 'ts_rank_cd'::pg_catalog.text, "limit", weight $$;

-- The statement hybrid_search runs, with parameters $1 text[] (each
-- search's query, then each BM25 search's tsquery), $2 jsonb (filter),
-- $3 float8[] (weights), $4 float8 (rrf_k), $5 boolean (RRF, else
-- weighted), $6 integer (limit); returns it with $1 and $3.
CREATE FUNCTION hybrid_search_sql("table" regclass, searches hybrid_subsearch[], key name,
	filter jsonb, OUT sql text, OUT queries text[], OUT weights float8[])
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	s record;
	col record;
	i integer := 0;
	ops jsonb := '{"l2": "<->", "ip": "<#>", "cosine": "<=>", "l1": "<+>", "hamming": "<~>", "jaccard": "<%>", "bm25": "<#>"}';
	op text;
	ok boolean;
	dist text;
	raw text;
	norm text;
	extra text;
	conds text[] := '{}';
	f record;
	ctes text[] := '{}';
	ranks text[] := '{}';
	bm25 record;
	tsqueries text[] := '{}';
	source text;
	body text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1'
		INTO ext USING pg_catalog.pg_typeof(searches);
	IF pg_catalog.cardinality(searches) IS NOT DISTINCT FROM 0 OR searches IS NULL THEN
		RAISE EXCEPTION 'hybrid_search needs at least one search' USING ERRCODE := 'invalid_parameter_value';
	END IF;
	IF key IS NULL THEN
		EXECUTE 'SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
			WHERE i.indrelid = $1 AND i.indisprimary AND i.indnatts = 1' INTO key USING "table";
		IF key IS NULL THEN
			RAISE EXCEPTION 'table "%" has no single-column primary key', "table"
				USING ERRCODE := 'invalid_parameter_value', HINT := 'Name the key column with key_column => ''column''.';
		END IF;
	END IF;
	EXECUTE 'SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", key;
	IF col IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', key, "table" USING ERRCODE := 'undefined_column';
	END IF;
	IF col.typname NOT IN ('int2', 'int4', 'int8') THEN
		RAISE EXCEPTION 'key column "%" must be smallint, integer or bigint', key USING ERRCODE := 'datatype_mismatch',
			HINT := 'For other keys, write the plain-SQL form of docs/hybrid.md.';
	END IF;
	IF filter IS NOT NULL AND pg_catalog.jsonb_typeof(filter) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'hybrid_search filter must be a jsonb object of column = value pairs'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	FOR f IN SELECT * FROM pg_catalog.jsonb_each(coalesce(filter, '{}')) LOOP
		EXECUTE 'SELECT format_type(a.atttypid, NULL) AS typ FROM pg_attribute a
			WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
			INTO col USING "table", f.key;
		IF col IS NULL THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', f.key, "table" USING ERRCODE := 'undefined_column';
		END IF;
		conds := pg_catalog.array_append(conds, CASE pg_catalog.jsonb_typeof(f.value)
			WHEN 'null' THEN pg_catalog.format('t.%I IS NULL', f.key)
			WHEN 'array' THEN pg_catalog.format('t.%I = ANY (ARRAY(SELECT jsonb_array_elements_text($2 -> %L))::%s[])', f.key, f.key, col.typ)
			ELSE pg_catalog.format('t.%I = ($2 ->> %L)::%s', f.key, f.key, col.typ) END);
	END LOOP;
	conds := pg_catalog.array_append(conds, 'true');
	FOREACH s IN ARRAY searches LOOP
		i := i OPERATOR(pg_catalog.+) 1;
		EXECUTE 'SELECT $1 >= 1 AND $2 >= 0 AND $2 < ''Infinity'' AND $3 IS NOT NULL AND $4 IS NOT NULL'
			INTO ok USING s.search_limit, s.weight, s.query, s.column_name;
		IF ok IS NOT TRUE THEN
			RAISE EXCEPTION 'search % of hybrid_search is invalid', i USING ERRCODE := 'invalid_parameter_value',
				DETAIL := 'Each search needs a column, a query, a limit of at least 1 and a weight of at least 0.';
		END IF;
		EXECUTE 'SELECT t.typname, format_type(a.atttypid, NULL) AS typ FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
			WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
			INTO col USING "table", s.column_name;
		IF col IS NULL THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', s.column_name, "table" USING ERRCODE := 'undefined_column';
		END IF;
		queries := pg_catalog.array_append(queries, s.query);
		weights := pg_catalog.array_append(weights, s.weight);
		extra := '';
		IF s.kind IS NOT DISTINCT FROM 'fulltext' THEN
			IF col.typname IS DISTINCT FROM 'tsvector' THEN
				RAISE EXCEPTION 'column "%" of hybrid_fulltext must be a tsvector', s.column_name USING ERRCODE := 'datatype_mismatch';
			END IF;
			dist := pg_catalog.format('ts_rank_cd(t.%I, $1[%s]::tsquery) DESC, t.%I', s.column_name, i, key);
			raw := pg_catalog.format('ts_rank_cd(t.%I, $1[%s]::tsquery)', s.column_name, i);
			extra := pg_catalog.format(' AND t.%I @@ $1[%s]::tsquery', s.column_name, i);
			norm := '2 * atan(x.raw) / pi()';
		ELSE
			IF col.typname NOT IN ('vector', 'halfvec', 'bit', 'sparsevec') THEN
				RAISE EXCEPTION 'column "%" of relation "%" is not a vector column', s.column_name, "table"
					USING ERRCODE := 'datatype_mismatch';
			END IF;
			op := ops OPERATOR(pg_catalog.->>) s.metric;
			IF op IS NULL THEN
				RAISE EXCEPTION 'unknown metric "%" in search % of hybrid_search', s.metric, i
					USING ERRCODE := 'invalid_parameter_value', HINT := 'Use l2, ip, cosine, l1, hamming or jaccard.';
			END IF;
			IF s.kind IS NOT DISTINCT FROM 'bm25' THEN
				EXECUTE pg_catalog.format('SELECT q.vector::text AS vec, q.tsquery::text AS tsq,
					(q.setup).config::text, (q.setup).text_column FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
					INTO bm25 USING "table", s.column_name, s.query;
				queries[i] := bm25.vec;
				tsqueries := pg_catalog.array_append(tsqueries, bm25.tsq);
				extra := pg_catalog.format(' AND pg_catalog.to_tsvector(%L::pg_catalog.regconfig, t.%I) @@ $1[%s]::pg_catalog.tsquery',
					bm25.config, bm25.text_column, pg_catalog.cardinality(searches) OPERATOR(pg_catalog.+) pg_catalog.cardinality(tsqueries));
			END IF;
			dist := pg_catalog.format('t.%I OPERATOR(%I.%s) $1[%s]::%s', s.column_name, ext, op, i, col.typ);
			raw := dist;
			norm := CASE s.metric WHEN 'ip' THEN '0.5 + atan(-x.raw) / pi()' WHEN 'bm25' THEN '2 * atan(-x.raw) / pi()'
				WHEN 'cosine' THEN '1 - x.raw / 2' WHEN 'jaccard' THEN '1 - x.raw' ELSE '1 - 2 * atan(x.raw) / pi()' END;
		END IF;
		source := pg_catalog.format('SELECT t.%I::bigint AS key, %s AS raw FROM %s t WHERE %s%s',
			key, raw, "table", pg_catalog.array_to_string(conds, ' AND '), extra);
		IF s.kind IS NOT DISTINCT FROM 'bm25' THEN
			body := pg_catalog.format('SELECT * FROM (%s OFFSET 0) y ORDER BY y.raw, y.key LIMIT %s', source, s.search_limit);
		ELSE
			body := pg_catalog.format('%s ORDER BY %s LIMIT %s', source, dist, s.search_limit);
		END IF;
		ctes := pg_catalog.array_append(ctes, pg_catalog.format('s%s AS (SELECT %s AS search, x.key, row_number() OVER () AS rank, %s AS norm
	FROM (%s) x)', i, i, norm, body));
		ranks := pg_catalog.array_append(ranks, pg_catalog.format('min(h.rank) FILTER (WHERE h.search = %s)', i));
	END LOOP;
	queries := queries OPERATOR(pg_catalog.||) tsqueries;
	sql := pg_catalog.format('WITH %s,
h AS (%s)
SELECT h.key, sum($3[h.search] * CASE WHEN $5 THEN 1 / ($4 + h.rank) ELSE h.norm END) AS score,
	ARRAY[%s]::integer[] AS ranks
FROM h GROUP BY h.key ORDER BY score DESC, h.key LIMIT $6',
		pg_catalog.array_to_string(ctes, E',\n'),
		(SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM s%s', n), ' UNION ALL ') FROM pg_catalog.generate_series(1, i) n),
		pg_catalog.array_to_string(ranks, ', '));
END $$;

-- The fused search: the key of each row found, its fused score (higher is
-- better) and its rank in each search (NULL where that search missed it).
CREATE FUNCTION hybrid_search("table" regclass, searches hybrid_subsearch[], fusion text DEFAULT 'rrf',
	"limit" integer DEFAULT 10, rrf_k float8 DEFAULT 60, filter jsonb DEFAULT NULL, key_column name DEFAULT NULL)
	RETURNS TABLE (key bigint, score float8, ranks integer[])
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	q record;
	ok boolean;
BEGIN
	IF fusion IS NULL OR fusion NOT IN ('rrf', 'weighted') THEN
		RAISE EXCEPTION 'unknown fusion "%"', fusion USING ERRCODE := 'invalid_parameter_value', HINT := 'Use rrf or weighted.';
	END IF;
	EXECUTE 'SELECT $1 >= 1 AND $2 >= 0 AND $2 < ''Infinity''' INTO ok USING "limit", rrf_k;
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'hybrid_search needs a limit of at least 1 and a finite rrf_k of at least 0'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	EXECUTE 'SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1'
		INTO ext USING pg_catalog.pg_typeof(searches);
	EXECUTE pg_catalog.format('SELECT * FROM %I.hybrid_search_sql($1, $2, $3, $4)', ext) INTO q USING "table", searches, key_column, filter;
	RETURN QUERY EXECUTE q.sql USING q.queries, filter, q.weights, rrf_k, fusion IS NOT DISTINCT FROM 'rrf', "limit";
END $$;

-- Grouping search (docs/grouping.md): the best k groups of a table's rows
-- (e.g. documents of chunks), each with up to group_size of its rows nearest
-- to a query vector, groups in the order of their nearest row. Milvus's
-- group_by_field + group_size, as one call with bind parameters only.
--
-- How: one cursor over `ORDER BY vector_column <op> $1`, with the iterative
-- scans of hnsw, ivfflat and ivf turned on for the call (the SET clauses: the
-- caller's settings come back when it returns), so the index hands over rows
-- nearest first for as long as they are asked for (on a small table the
-- planner may sort it instead: the same rows, in exact order). Rows are
-- read until the answer is known: every group among the first k seen (and
-- any group whose nearest row ties the k-th one's) holds group_size rows,
-- and the next row is farther than the row that completed them. Every row at a distance up to there has been
-- read, so ranking what was kept (below, by the same window functions as a
-- brute-force query over the whole table) gives the brute-force answer.
-- Rows of groups that cannot make the top k, and rows of a full group farther
-- than its group_size-th, are not kept. Groups are told apart, and ties
-- broken, by the text form of the group and key values (in byte order,
-- COLLATE "C", whatever the database's collation).
--
-- PL/pgSQL because a cursor read row by row is exactly the iterative scan's
-- interface; the per-row work is a lookup among at most about k groups.
-- The body qualifies every operator, function and type it names (the
-- caller's search_path is in force; test/t/036 checks it), and holds no
-- comment, which that lint would read as code. Its state: groups,
-- group_rows and group_full_at are the kept groups in the order first seen,
-- their row counts and the distance of the row that filled each (NULL until
-- full); kth_best is the nearest distance of the k-th group, after which a
-- new group is kept only when it ties; keys, row_groups and dists are the
-- rows kept; done_at is the distance at which every kept group was full
-- (reset when a tying new group is not). A NULL vector has no distance and
-- its row is skipped.
CREATE FUNCTION vector_db_group_search(
	tbl regclass,
	vector_column name,
	query anyelement,
	group_column name,
	k integer,
	group_size integer DEFAULT 1,
	distance_operator text DEFAULT '<->',
	key_column name DEFAULT NULL,
	filter_column name DEFAULT NULL,
	filter_values text[] DEFAULT NULL)
	RETURNS TABLE (group_rank integer, group_value text, rank_in_group integer, key text,
		distance double precision)
	LANGUAGE plpgsql STABLE
	SET hnsw.iterative_scan = strict_order
	SET ivfflat.iterative_scan = relaxed_order
	SET ivf.iterative_scan = relaxed_order
AS $body$
DECLARE
	ext_schema name;
	col name;
	vec_type oid;
	op_name name;
	filter_array text := NULL;
	scan text;
	cur refcursor;
	row_key text;
	row_group text;
	row_dist double precision;
	groups text[] := '{}';
	group_rows integer[] := '{}';
	group_full_at double precision[] := '{}';
	full_groups integer := 0;
	kth_best double precision := NULL;
	keys text[] := '{}';
	row_groups text[] := '{}';
	dists double precision[] := '{}';
	kept integer := 0;
	g integer;
	done_at double precision := NULL;
	complete boolean := false;
BEGIN
	IF tbl IS NULL OR vector_column IS NULL OR query IS NULL OR group_column IS NULL
		OR k IS NULL OR group_size IS NULL OR distance_operator IS NULL THEN
		RAISE EXCEPTION 'vector_db_group_search: tbl, vector_column, query, group_column, k, group_size and distance_operator must not be NULL'
			USING ERRCODE := 'null_value_not_allowed';
	END IF;
	IF k OPERATOR(pg_catalog.<=) 0 OR group_size OPERATOR(pg_catalog.<=) 0 THEN
		RAISE EXCEPTION 'vector_db_group_search: k and group_size must be at least 1'
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := pg_catalog.format('k is %s, group_size is %s.', k, group_size);
	END IF;
	IF (filter_column IS NULL) IS DISTINCT FROM (filter_values IS NULL) THEN
		RAISE EXCEPTION 'vector_db_group_search: filter_column and filter_values go together'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	IF distance_operator OPERATOR(pg_catalog.<>) ALL (ARRAY['<->', '<#>', '<=>', '<+>', '<~>', '<%>']) THEN
		RAISE EXCEPTION 'vector_db_group_search: unknown distance operator "%"', distance_operator
			USING ERRCODE := 'invalid_parameter_value',
			HINT := 'Use one of <->, <#>, <=>, <+>, <~>, <%>.';
	END IF;

	IF key_column IS NULL THEN
		SELECT a.attname INTO key_column
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
			AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
		WHERE i.indrelid OPERATOR(pg_catalog.=) tbl AND i.indisprimary
			AND i.indnatts OPERATOR(pg_catalog.=) 1;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'vector_db_group_search: table % has no single-column primary key', tbl
				USING ERRCODE := 'invalid_column_reference',
				HINT := 'Name the column that identifies a row with key_column.';
		END IF;
	END IF;
	FOREACH col IN ARRAY ARRAY[vector_column, group_column, key_column, filter_column] LOOP
		CONTINUE WHEN col IS NULL;
		PERFORM FROM pg_catalog.pg_attribute a
		WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) col
			AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', col, tbl
				USING ERRCODE := 'undefined_column';
		END IF;
	END LOOP;

	SELECT n.nspname INTO ext_schema
	FROM pg_catalog.pg_extension e
	JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
	WHERE e.extname OPERATOR(pg_catalog.=) 'vector_db';
	SELECT a.atttypid INTO vec_type FROM pg_catalog.pg_attribute a
	WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) vector_column;
	SELECT o.oprname INTO op_name FROM pg_catalog.pg_operator o
	WHERE o.oprname OPERATOR(pg_catalog.=) distance_operator
		AND o.oprleft OPERATOR(pg_catalog.=) vec_type AND o.oprright OPERATOR(pg_catalog.=) vec_type
		AND o.oprnamespace OPERATOR(pg_catalog.=) (SELECT e.extnamespace FROM pg_catalog.pg_extension e
			WHERE e.extname OPERATOR(pg_catalog.=) 'vector_db')
		AND o.oprresult OPERATOR(pg_catalog.=) 'pg_catalog.float8'::pg_catalog.regtype;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'operator does not exist: % % %', vec_type::pg_catalog.regtype,
			distance_operator, vec_type::pg_catalog.regtype
			USING ERRCODE := 'undefined_function',
			DETAIL := pg_catalog.format('Column "%s" must be a vector, halfvec, sparsevec or bit column with that distance operator.', vector_column);
	END IF;

	IF filter_column IS NOT NULL THEN
		SELECT pg_catalog.format('%I.%I', n.nspname, t.typname) INTO filter_array
		FROM pg_catalog.pg_attribute a
		JOIN pg_catalog.pg_type e ON e.oid OPERATOR(pg_catalog.=) a.atttypid
		JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) e.typarray
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
		WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) filter_column;
	END IF;

	scan := pg_catalog.format(
		'SELECT %I::pg_catalog.text, %I::pg_catalog.text, %I OPERATOR(%I.%s) $1%s FROM %s WHERE %s ORDER BY 3',
		key_column, group_column, vector_column, ext_schema, op_name,
		CASE WHEN pg_catalog.pg_typeof(query) OPERATOR(pg_catalog.=) vec_type::pg_catalog.regtype
			THEN '' ELSE pg_catalog.format('::%s', vec_type::pg_catalog.regtype) END, tbl,
		CASE WHEN filter_column IS NULL THEN 'true'
			ELSE pg_catalog.format('%I OPERATOR(pg_catalog.=) ANY ($2::%s)', filter_column, filter_array) END);
	OPEN cur NO SCROLL FOR EXECUTE scan USING query, filter_values;
	LOOP
		FETCH cur INTO row_key, row_group, row_dist;
		EXIT WHEN NOT FOUND;
		CONTINUE WHEN row_dist IS NULL;
		IF done_at IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) done_at THEN
			complete := true;
			EXIT;
		END IF;
		g := pg_catalog.array_position(groups, row_group);
		IF g IS NULL THEN
			CONTINUE WHEN kth_best IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) kth_best;
			g := pg_catalog.cardinality(groups) OPERATOR(pg_catalog.+) 1;
			groups[g] := row_group;
			group_rows[g] := 0;
			IF g OPERATOR(pg_catalog.=) k THEN
				kth_best := row_dist;
			END IF;
		ELSIF group_full_at[g] IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) group_full_at[g] THEN
			CONTINUE;
		END IF;
		group_rows[g] := group_rows[g] OPERATOR(pg_catalog.+) 1;
		IF group_rows[g] OPERATOR(pg_catalog.=) group_size THEN
			group_full_at[g] := row_dist;
			full_groups := full_groups OPERATOR(pg_catalog.+) 1;
		END IF;
		kept := kept OPERATOR(pg_catalog.+) 1;
		keys[kept] := row_key;
		row_groups[kept] := row_group;
		dists[kept] := row_dist;
		IF kth_best IS NOT NULL AND full_groups OPERATOR(pg_catalog.=) pg_catalog.cardinality(groups) THEN
			done_at := COALESCE(done_at, row_dist);
		ELSE
			done_at := NULL;
		END IF;
	END LOOP;
	CLOSE cur;

	IF NOT complete AND kth_best IS NULL THEN
		RAISE NOTICE 'vector_db_group_search: found % of % groups', pg_catalog.cardinality(groups), k
			USING DETAIL := 'The scan ended: the table has no more rows, or the index scan''s limits (hnsw.max_scan_tuples, hnsw.scan_mem_multiplier, ivf.max_probes, ivfflat.max_probes) stopped it.';
	END IF;

	RETURN QUERY
	SELECT r.grank::pg_catalog.int4, r.grp, r.rn::pg_catalog.int4, r.rkey, r.dist
	FROM (SELECT c.grp, c.rkey, c.dist, c.rn,
			pg_catalog.dense_rank() OVER (ORDER BY c.best, c.grp COLLATE pg_catalog."C") AS grank
		FROM (SELECT u.grp, u.rkey, u.dist,
				pg_catalog.row_number() OVER (PARTITION BY u.grp ORDER BY u.dist, u.rkey COLLATE pg_catalog."C") AS rn,
				pg_catalog.min(u.dist) OVER (PARTITION BY u.grp) AS best
			FROM (SELECT pg_catalog.unnest(keys) AS rkey, pg_catalog.unnest(row_groups) AS grp,
					pg_catalog.unnest(dists) AS dist) u) c
		WHERE c.rn OPERATOR(pg_catalog.<=) group_size) r
	WHERE r.grank OPERATOR(pg_catalog.<=) k
	ORDER BY r.grank, r.rn;
END
$body$;
