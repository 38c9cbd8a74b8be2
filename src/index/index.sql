-- Shared by every vector_db index access method.

-- Verifies an hnsw (or other vector_db) index; raises SQLSTATE XX002 when it
-- is corrupted. With heapallindexed, also checks every live heap row is indexed.
CREATE FUNCTION vector_db_index_check(index regclass, heapallindexed boolean DEFAULT false) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
-- Not for every role: it locks the table against VACUUM while it runs. The C
-- function also requires the table's owner, a superuser or a member of
-- pg_monitor (from PostgreSQL 17, pg_maintain too); grant EXECUTE to other
-- roles that should check the indexes of tables they own.
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
