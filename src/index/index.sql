-- Shared by every vector_db index access method.

-- Verifies an hnsw (or other vector_db) index; raises SQLSTATE XX002 when it
-- is corrupted. With heapallindexed, also checks every live heap row is indexed.
CREATE FUNCTION vector_db_index_check(index regclass, heapallindexed boolean DEFAULT false) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
