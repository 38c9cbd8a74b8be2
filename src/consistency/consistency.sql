-- Consistency levels on hot standbys (docs/operations.md#consistency-levels).

-- Waits until this server has replayed (on a standby) or written (on the
-- primary) WAL up to lsn; errors with SQLSTATE 57014 once timeout passes
-- first. A NULL timeout waits without limit (statement_timeout still applies).
CREATE FUNCTION vector_db_wait_for_lsn(lsn pg_lsn, timeout interval) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
