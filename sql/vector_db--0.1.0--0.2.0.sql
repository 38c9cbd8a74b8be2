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

-- Merges the pending area of an index (fastupdate) into its graph now and
-- returns how many entries it merged. Maintenance, so not for PUBLIC; the
-- C function also requires what VACUUM requires (the table's owner, the
-- database's owner or a superuser) of the roles granted EXECUTE.
CREATE FUNCTION vector_db_merge(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_merge(regclass) FROM PUBLIC;
