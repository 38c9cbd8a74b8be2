-- vector_db install script, assembled by the Makefile from the SQL of each module.
\echo Use "CREATE EXTENSION vector_db" to load this file. \quit
