-- History and AS OF search (docs/timetravel.md), built on the periods
-- extension's system versioning: periods keeps the old row versions in
-- <table>_history and generates <table>__as_of(timestamptz), an inlinable SQL
-- function over a UNION ALL view of the table and its history, so that an
-- ORDER BY distance LIMIT k over it plans as a Merge Append of the two
-- tables' index scans. What periods leaves out, these functions add:
-- the vector indexes and the row security of the table on its history, a
-- view that reads with the caller's rights (so that row security applies),
-- and the retention, a TTL (docs/workers.md) on the history's end column.
-- PL/pgSQL because all of it is DDL run as the caller, who must own the table.

-- Brings the history table of a table with history in step with the table:
-- creates each hnsw, ivfflat and ivf index the table has that the history
-- lacks (same access method, columns, operator classes, options and
-- predicate; an index counts as present when its definition matches; an
-- invalid index, e.g. a failed CREATE INDEX CONCURRENTLY, is skipped), and
-- gives the history the table's row security (enabled, forced) and policies,
-- so that a role sees the same rows of the past as of the present. periods'
-- view runs with its owner's rights, which skip the row security of the
-- owner's own tables: it is switched to the caller's rights. Returns the
-- number of indexes created. pg_get_indexdef names the table schema-
-- qualified: what follows "CREATE INDEX name ON schema.table " is the part
-- two indexes share. (No comments inside the bodies: test/t/036 lints them.)
CREATE FUNCTION vector_db_sync_history("table" regclass) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	hist regclass;
	view regclass;
	created integer := 0;
	idx record;
	pol record;
	clause text;
BEGIN
	IF NOT pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) "table"), 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', "table"::pg_catalog.text USING ERRCODE := '42501';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'periods') THEN
		RAISE EXCEPTION 'table % has no history', "table"::pg_catalog.text USING ERRCODE := '55000',
			HINT := 'Call vector_db_enable_history() first.';
	END IF;
	EXECUTE 'SELECT history_table_name, view_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist, view USING "table";
	IF hist IS NULL THEN
		RAISE EXCEPTION 'table % has no history', "table"::pg_catalog.text USING ERRCODE := '55000',
			HINT := 'Call vector_db_enable_history() first.';
	END IF;
	EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', view);

	FOR idx IN
		WITH defs AS (
			SELECT i.indrelid, pg_catalog.substr(pg_catalog.pg_get_indexdef(i.indexrelid),
				pg_catalog.length(pg_catalog.format('CREATE INDEX %I ON %I.%I ', ic.relname, n.nspname, c.relname)) OPERATOR(pg_catalog.+) 1)
				AS tail
			FROM pg_catalog.pg_index i
			JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
			JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam
			JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indrelid
			JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
			WHERE i.indrelid IN ("table", hist) AND i.indisvalid AND am.amname IN ('hnsw', 'ivfflat', 'ivf'))
		SELECT tail FROM defs WHERE indrelid OPERATOR(pg_catalog.=) "table"
		EXCEPT
		SELECT tail FROM defs WHERE indrelid OPERATOR(pg_catalog.=) hist
	LOOP
		EXECUTE pg_catalog.format('CREATE INDEX ON %s %s', hist, idx.tail);
		created := created OPERATOR(pg_catalog.+) 1;
	END LOOP;

	EXECUTE pg_catalog.format('ALTER TABLE %s %s ROW LEVEL SECURITY, %s FORCE ROW LEVEL SECURITY', hist,
		CASE WHEN c.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END,
		CASE WHEN c.relforcerowsecurity THEN '' ELSE 'NO' END)
		FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) "table";
	FOR pol IN SELECT polname FROM pg_catalog.pg_policy WHERE polrelid OPERATOR(pg_catalog.=) hist LOOP
		EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol.polname, hist);
	END LOOP;
	FOR pol IN
		SELECT p.policyname, p.permissive, p.cmd, p.qual, p.with_check,
			(SELECT pg_catalog.string_agg(CASE r WHEN 'public' THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r) END, ', ')
			 FROM pg_catalog.unnest(p.roles) r) AS roles
		FROM pg_catalog.pg_policies p
		JOIN pg_catalog.pg_class c ON c.relname OPERATOR(pg_catalog.=) p.tablename
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace AND n.nspname OPERATOR(pg_catalog.=) p.schemaname
		WHERE c.oid OPERATOR(pg_catalog.=) "table"
	LOOP
		clause := pg_catalog.format('CREATE POLICY %I ON %s AS %s FOR %s TO %s', pol.policyname, hist,
			pol.permissive, pol.cmd, pol.roles);
		IF pol.qual IS NOT NULL THEN
			clause := pg_catalog.concat(clause, ' USING (', pol.qual, ')');
		END IF;
		IF pol.with_check IS NOT NULL THEN
			clause := pg_catalog.concat(clause, ' WITH CHECK (', pol.with_check, ')');
		END IF;
		EXECUTE clause;
	END LOOP;
	RETURN created;
END $$;

-- Gives a table its history in one call: the periods extension's SYSTEM_TIME
-- period (columns system_time_start and system_time_end) and system
-- versioning (<table>_history, <table>_with_history, <table>__as_of and the
-- other functions), the history in step with the table
-- (vector_db_sync_history), and with retention, a TTL on the history's
-- system_time_end. Returns the history table. A SYSTEM_TIME period the user
-- added before is kept. vector_db is relocatable (and may
-- be registered as "vector", docs/install.md): its own functions are called
-- through the schema it is in.
CREATE FUNCTION vector_db_enable_history("table" regclass, retention interval DEFAULT NULL) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
	rel record;
	hist regclass;
	end_column name;
	vdb name;
BEGIN
	SELECT c.relkind, c.relpersistence, c.relispartition, c.relowner INTO rel
	FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) "table";
	IF rel.relkind OPERATOR(pg_catalog.=) 'p' OR rel.relispartition THEN
		RAISE EXCEPTION 'cannot keep the history of "%": partitioned tables and partitions are not supported',
			"table"::pg_catalog.text USING ERRCODE := '0A000',
			DETAIL := 'The periods extension versions ordinary tables only, not partitioned tables or their partitions.';
	END IF;
	IF rel.relkind OPERATOR(pg_catalog.<>) 'r' THEN
		RAISE EXCEPTION '"%" is not a table', "table"::pg_catalog.text USING ERRCODE := '42809';
	END IF;
	IF NOT pg_catalog.pg_has_role(rel.relowner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', "table"::pg_catalog.text USING ERRCODE := '42501';
	END IF;
	IF rel.relpersistence OPERATOR(pg_catalog.<>) 'p' THEN
		RAISE EXCEPTION 'cannot keep the history of temporary or unlogged table %', "table"::pg_catalog.text
			USING ERRCODE := '0A000';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'periods') THEN
		RAISE EXCEPTION 'history needs the periods extension' USING ERRCODE := '55000',
			HINT := 'Run CREATE EXTENSION periods CASCADE (as a superuser) first.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index i
	               JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
	               JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam
	               WHERE i.indrelid OPERATOR(pg_catalog.=) "table" AND i.indisvalid
	                 AND am.amname IN ('hnsw', 'ivfflat', 'ivf')) THEN
		RAISE EXCEPTION 'table % has no vector index', "table"::pg_catalog.text USING ERRCODE := '55000',
			DETAIL := 'A search as of a past time runs on the vector indexes of the table and its history.',
			HINT := 'Create an hnsw, ivfflat or ivf index on the table first.';
	END IF;
	EXECUTE 'SELECT history_table_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist USING "table";
	IF hist IS NOT NULL THEN
		RAISE EXCEPTION 'table % already has history', "table"::pg_catalog.text USING ERRCODE := '42710',
			DETAIL := pg_catalog.format('Its history table is %s.', hist),
			HINT := 'Call vector_db_sync_history() to bring the history''s indexes and policies in step.';
	END IF;
	IF retention IS NOT NULL AND retention OPERATOR(pg_catalog.<=) '0'::pg_catalog.interval THEN
		RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE := '22023';
	END IF;

	EXECUTE 'SELECT end_column_name FROM periods.periods WHERE table_name OPERATOR(pg_catalog.=) $1 AND period_name OPERATOR(pg_catalog.=) ''system_time'''
		INTO end_column USING "table";
	IF end_column IS NULL THEN
		EXECUTE 'SELECT periods.add_system_time_period($1)' USING "table";
		EXECUTE 'SELECT end_column_name FROM periods.periods WHERE table_name OPERATOR(pg_catalog.=) $1 AND period_name OPERATOR(pg_catalog.=) ''system_time'''
			INTO end_column USING "table";
	END IF;
	EXECUTE 'SELECT periods.add_system_versioning($1)' USING "table";
	EXECUTE 'SELECT history_table_name FROM periods.system_versioning WHERE table_name OPERATOR(pg_catalog.=) $1'
		INTO hist USING "table";
	SELECT n.nspname INTO vdb FROM pg_catalog.pg_extension e
	JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
	WHERE e.extname IN ('vector_db', 'vector')
	  AND EXISTS (SELECT FROM pg_catalog.pg_class WHERE relname OPERATOR(pg_catalog.=) 'vector_db_ttl' AND relnamespace OPERATOR(pg_catalog.=) n.oid);
	EXECUTE pg_catalog.format('SELECT %I.vector_db_sync_history($1)', vdb) USING "table";
	IF retention IS NOT NULL THEN
		EXECUTE pg_catalog.format('SELECT %I.vector_db_set_ttl($1, $2, $3)', vdb) USING hist, end_column, retention;
	END IF;
	RETURN hist;
END $$;
