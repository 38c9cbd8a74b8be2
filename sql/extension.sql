CREATE EXTENSION vector_db;
SELECT extname, extversion FROM pg_extension WHERE extname = 'vector_db';
