-- Background workers and TTL (docs/workers.md).

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
