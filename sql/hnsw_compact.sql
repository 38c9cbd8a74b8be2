-- vector_db_compact on hnsw: who may run it, what it refuses, and what it
-- returns (test/t/075 measures the space and crashes it).
CREATE TABLE compact_items (id int, v vector(3));
INSERT INTO compact_items SELECT i, ARRAY[i, i % 7, i % 3]::vector FROM generate_series(1, 2000) i;
CREATE INDEX compact_hnsw ON compact_items USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 16);
CREATE INDEX compact_btree ON compact_items (id);

-- Nothing freed yet: nothing to return.
SELECT vector_db_compact('compact_hnsw');

-- Every other row deleted and vacuumed: the nodes of the upper half move
-- down, the pages past them come back, and the index still finds every row.
DELETE FROM compact_items WHERE id % 2 = 0;
VACUUM compact_items;
SELECT pg_relation_size('compact_hnsw') AS before \gset
SELECT vector_db_compact('compact_hnsw') > 0 AS returned_pages,
       pg_relation_size('compact_hnsw') < :before * 0.6 AS smaller;
SELECT vector_db_index_check('compact_hnsw', true);
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(*) FROM (SELECT id FROM compact_items ORDER BY v <-> '[500,3,1]' LIMIT 1000) s;
SELECT id FROM compact_items ORDER BY v <-> '[500,3,1]' LIMIT 3;
RESET enable_seqscan;
RESET hnsw.ef_search;

-- Not an index, not a vector_db index, no such relation.
SELECT vector_db_compact('compact_items');
SELECT vector_db_compact('compact_btree');
SELECT vector_db_compact(0);

-- Rights: EXECUTE is revoked from PUBLIC, and a role granted it must still
-- be one that may VACUUM the table.
CREATE ROLE compact_stranger;
SET ROLE compact_stranger;
SELECT vector_db_compact('compact_hnsw');
RESET ROLE;
GRANT EXECUTE ON FUNCTION vector_db_compact(regclass) TO compact_stranger;
SET ROLE compact_stranger;
SELECT vector_db_compact('compact_hnsw');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION vector_db_compact(regclass) FROM compact_stranger;
DROP ROLE compact_stranger;
DROP TABLE compact_items;
