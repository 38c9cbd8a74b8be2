-- OpenBLAS is opened the first time FAISS trains (src/core/threads/lazy_blas.h),
-- not when a backend loads vector_db: a backend that searches, or builds an
-- hnsw index, never maps it; an ivf build does. Read from this backend's own
-- memory map (Linux).
SET client_min_messages = warning;
CREATE TABLE lazy_blas_items (id int, v vector(4));
INSERT INTO lazy_blas_items SELECT i, ARRAY[i % 7, i % 5, i % 3, i]::vector FROM generate_series(1, 200) i;
CREATE INDEX lazy_blas_hnsw ON lazy_blas_items USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM lazy_blas_items ORDER BY v <-> '[1,2,3,4]' LIMIT 5) s;
SELECT pg_read_file('/proc/self/maps') LIKE '%libopenblas%' AS openblas_mapped;
CREATE INDEX lazy_blas_ivf ON lazy_blas_items USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
SELECT pg_read_file('/proc/self/maps') LIKE '%libopenblas%' AS openblas_mapped;
-- The routines forward to it: the trained lists hold every row.
DROP INDEX lazy_blas_hnsw;
SET ivf.probes = 4;
SELECT count(*) FROM (SELECT id FROM lazy_blas_items ORDER BY v <-> '[1,2,3,4]' LIMIT 1000) s;
DROP TABLE lazy_blas_items;
