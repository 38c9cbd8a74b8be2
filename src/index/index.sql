-- Shared by every vector_db index access method.

-- Verifies an hnsw (or other vector_db) index; raises SQLSTATE XX002 when it
-- is corrupted. With heapallindexed, also checks every live heap row is indexed.
CREATE FUNCTION vector_db_index_check(index regclass, heapallindexed boolean DEFAULT false) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
-- It reads every page of the index and, with heapallindexed, the table: not
-- for every role (since 0.2.0; see sql/vector_db--0.1.0--0.2.0.sql).
REVOKE ALL ON FUNCTION vector_db_index_check(regclass, boolean) FROM PUBLIC;
