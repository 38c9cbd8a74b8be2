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

-- What an index holds: live and deleted entries, rows awaiting a merge,
-- pages and free pages, and for ivf the lists' balance (docs/monitoring.md).
-- Reads every page of the index under AccessShareLock; the same roles as
-- vector_db_index_check (the C function checks ownership or pg_monitor).
CREATE FUNCTION vector_db_index_stats(index regclass,
	OUT pending bigint, OUT live bigint, OUT deleted bigint, OUT pages bigint, OUT free_pages bigint,
	OUT last_merge timestamptz, OUT last_compaction timestamptz,
	OUT lists integer, OUT list_imbalance double precision, OUT rows_since_training bigint,
	OUT rows_out_of_range bigint, OUT last_rebalance timestamptz)
	RETURNS record AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION vector_db_index_stats(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vector_db_index_stats(regclass) TO pg_monitor;

-- Compacts an index online: its entries are rewritten packed, without those
-- of dead rows (ivf) or moved into the slots VACUUM freed (hnsw), and the
-- free pages at its end are returned to the file system; returns how many
-- pages the index lost (docs/sql.md). The roles that may VACUUM the table
-- (checked by the C function too), which it locks out while it runs.
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
