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
