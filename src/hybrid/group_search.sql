-- Grouping search (docs/grouping.md): the best k groups of a table's rows
-- (e.g. documents of chunks), each with up to group_size of its rows nearest
-- to a query vector, groups in the order of their nearest row. Milvus's
-- group_by_field + group_size, as one call with bind parameters only.
--
-- How: one cursor over `ORDER BY vector_column <op> $1`, with the iterative
-- scans of hnsw, ivfflat and ivf turned on for the call (the SET clauses: the
-- caller's settings come back when it returns), so the index hands over rows
-- nearest first for as long as they are asked for (on a small table the
-- planner may sort it instead: the same rows, in exact order). Rows are
-- read until the answer is known: every group among the first k seen (and
-- any group whose nearest row ties the k-th one's) holds group_size rows,
-- and the next row is farther than the row that completed them. Every row at a distance up to there has been
-- read, so ranking what was kept (below, by the same window functions as a
-- brute-force query over the whole table) gives the brute-force answer.
-- Rows of groups that cannot make the top k, and rows of a full group farther
-- than its group_size-th, are not kept. Groups are told apart, and ties
-- broken, by the text form of the group and key values (in byte order,
-- COLLATE "C", whatever the database's collation).
--
-- PL/pgSQL because a cursor read row by row is exactly the iterative scan's
-- interface; the per-row work is a lookup among at most about k groups.
-- The body qualifies every operator, function and type it names (the
-- caller's search_path is in force; test/t/036 checks it), and holds no
-- comment, which that lint would read as code. Its state: groups,
-- group_rows and group_full_at are the kept groups in the order first seen,
-- their row counts and the distance of the row that filled each (NULL until
-- full); kth_best is the nearest distance of the k-th group, after which a
-- new group is kept only when it ties; keys, row_groups and dists are the
-- rows kept; done_at is the distance at which every kept group was full
-- (reset when a tying new group is not). A NULL vector has no distance and
-- its row is skipped. The operators are looked up in the schema that holds
-- this function as an extension member, whatever the extension is called
-- (make install-as-vector names it vector) and wherever ALTER EXTENSION
-- moved it.
CREATE FUNCTION vector_db_group_search(
	tbl regclass,
	vector_column name,
	query anyelement,
	group_column name,
	k integer,
	group_size integer DEFAULT 1,
	distance_operator text DEFAULT '<->',
	key_column name DEFAULT NULL,
	filter_column name DEFAULT NULL,
	filter_values text[] DEFAULT NULL)
	RETURNS TABLE (group_rank integer, group_value text, rank_in_group integer, key text,
		distance double precision)
	LANGUAGE plpgsql STABLE
	SET hnsw.iterative_scan = strict_order
	SET ivfflat.iterative_scan = relaxed_order
	SET ivf.iterative_scan = relaxed_order
AS $body$
DECLARE
	ext_schema name;
	col name;
	vec_type oid;
	op_name name;
	filter_array text := NULL;
	scan text;
	cur refcursor;
	row_key text;
	row_group text;
	row_dist double precision;
	groups text[] := '{}';
	group_rows integer[] := '{}';
	group_full_at double precision[] := '{}';
	full_groups integer := 0;
	kth_best double precision := NULL;
	keys text[] := '{}';
	row_groups text[] := '{}';
	dists double precision[] := '{}';
	kept integer := 0;
	g integer;
	done_at double precision := NULL;
	complete boolean := false;
BEGIN
	IF tbl IS NULL OR vector_column IS NULL OR query IS NULL OR group_column IS NULL
		OR k IS NULL OR group_size IS NULL OR distance_operator IS NULL THEN
		RAISE EXCEPTION 'vector_db_group_search: tbl, vector_column, query, group_column, k, group_size and distance_operator must not be NULL'
			USING ERRCODE := 'null_value_not_allowed';
	END IF;
	IF k OPERATOR(pg_catalog.<=) 0 OR group_size OPERATOR(pg_catalog.<=) 0 THEN
		RAISE EXCEPTION 'vector_db_group_search: k and group_size must be at least 1'
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := pg_catalog.format('k is %s, group_size is %s.', k, group_size);
	END IF;
	IF (filter_column IS NULL) IS DISTINCT FROM (filter_values IS NULL) THEN
		RAISE EXCEPTION 'vector_db_group_search: filter_column and filter_values go together'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	IF distance_operator OPERATOR(pg_catalog.<>) ALL (ARRAY['<->', '<#>', '<=>', '<+>', '<~>', '<%>']) THEN
		RAISE EXCEPTION 'vector_db_group_search: unknown distance operator "%"', distance_operator
			USING ERRCODE := 'invalid_parameter_value',
			HINT := 'Use one of <->, <#>, <=>, <+>, <~>, <%>.';
	END IF;

	IF key_column IS NULL THEN
		SELECT a.attname INTO key_column
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
			AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]
		WHERE i.indrelid OPERATOR(pg_catalog.=) tbl AND i.indisprimary
			AND i.indnatts OPERATOR(pg_catalog.=) 1;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'vector_db_group_search: table % has no single-column primary key', tbl
				USING ERRCODE := 'invalid_column_reference',
				HINT := 'Name the column that identifies a row with key_column.';
		END IF;
	END IF;
	FOREACH col IN ARRAY ARRAY[vector_column, group_column, key_column, filter_column] LOOP
		CONTINUE WHEN col IS NULL;
		PERFORM FROM pg_catalog.pg_attribute a
		WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) col
			AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', col, tbl
				USING ERRCODE := 'undefined_column';
		END IF;
	END LOOP;

	SELECT n.nspname INTO ext_schema
	FROM pg_catalog.pg_proc p
	JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
	JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
		AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
	WHERE p.proname OPERATOR(pg_catalog.=) 'vector_db_group_search';
	SELECT a.atttypid INTO vec_type FROM pg_catalog.pg_attribute a
	WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) vector_column;
	SELECT o.oprname INTO op_name FROM pg_catalog.pg_operator o
	WHERE o.oprname OPERATOR(pg_catalog.=) distance_operator
		AND o.oprleft OPERATOR(pg_catalog.=) vec_type AND o.oprright OPERATOR(pg_catalog.=) vec_type
		AND o.oprnamespace OPERATOR(pg_catalog.=) ext_schema::pg_catalog.regnamespace
		AND o.oprresult OPERATOR(pg_catalog.=) 'pg_catalog.float8'::pg_catalog.regtype;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'operator does not exist: % % %', vec_type::pg_catalog.regtype,
			distance_operator, vec_type::pg_catalog.regtype
			USING ERRCODE := 'undefined_function',
			DETAIL := pg_catalog.format('Column "%s" must be a vector, halfvec, sparsevec or bit column with that distance operator.', vector_column);
	END IF;

	IF filter_column IS NOT NULL THEN
		SELECT pg_catalog.format('%I.%I', n.nspname, t.typname) INTO filter_array
		FROM pg_catalog.pg_attribute a
		JOIN pg_catalog.pg_type e ON e.oid OPERATOR(pg_catalog.=) a.atttypid
		JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) e.typarray
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
		WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) filter_column;
	END IF;

	scan := pg_catalog.format(
		'SELECT %I::pg_catalog.text, %I::pg_catalog.text, %I OPERATOR(%I.%s) $1%s FROM %s WHERE %s ORDER BY 3',
		key_column, group_column, vector_column, ext_schema, op_name,
		CASE WHEN pg_catalog.pg_typeof(query) OPERATOR(pg_catalog.=) vec_type::pg_catalog.regtype
			THEN '' ELSE pg_catalog.format('::%s', vec_type::pg_catalog.regtype) END, tbl,
		CASE WHEN filter_column IS NULL THEN 'true'
			ELSE pg_catalog.format('%I OPERATOR(pg_catalog.=) ANY ($2::%s)', filter_column, filter_array) END);
	OPEN cur NO SCROLL FOR EXECUTE scan USING query, filter_values;
	LOOP
		FETCH cur INTO row_key, row_group, row_dist;
		EXIT WHEN NOT FOUND;
		CONTINUE WHEN row_dist IS NULL;
		IF done_at IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) done_at THEN
			complete := true;
			EXIT;
		END IF;
		g := pg_catalog.array_position(groups, row_group);
		IF g IS NULL THEN
			CONTINUE WHEN kth_best IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) kth_best;
			g := pg_catalog.cardinality(groups) OPERATOR(pg_catalog.+) 1;
			groups[g] := row_group;
			group_rows[g] := 0;
			IF g OPERATOR(pg_catalog.=) k THEN
				kth_best := row_dist;
			END IF;
		ELSIF group_full_at[g] IS NOT NULL AND row_dist OPERATOR(pg_catalog.>) group_full_at[g] THEN
			CONTINUE;
		END IF;
		group_rows[g] := group_rows[g] OPERATOR(pg_catalog.+) 1;
		IF group_rows[g] OPERATOR(pg_catalog.=) group_size THEN
			group_full_at[g] := row_dist;
			full_groups := full_groups OPERATOR(pg_catalog.+) 1;
		END IF;
		kept := kept OPERATOR(pg_catalog.+) 1;
		keys[kept] := row_key;
		row_groups[kept] := row_group;
		dists[kept] := row_dist;
		IF kth_best IS NOT NULL AND full_groups OPERATOR(pg_catalog.=) pg_catalog.cardinality(groups) THEN
			done_at := COALESCE(done_at, row_dist);
		ELSE
			done_at := NULL;
		END IF;
	END LOOP;
	CLOSE cur;

	IF NOT complete AND kth_best IS NULL THEN
		RAISE NOTICE 'vector_db_group_search: found % of % groups', pg_catalog.cardinality(groups), k
			USING DETAIL := 'The scan ended: the table has no more rows, or the index scan''s limits (hnsw.max_scan_tuples, hnsw.scan_mem_multiplier, ivf.max_probes, ivfflat.max_probes) stopped it.';
	END IF;

	RETURN QUERY
	SELECT r.grank::pg_catalog.int4, r.grp, r.rn::pg_catalog.int4, r.rkey, r.dist
	FROM (SELECT c.grp, c.rkey, c.dist, c.rn,
			pg_catalog.dense_rank() OVER (ORDER BY c.best, c.grp COLLATE pg_catalog."C") AS grank
		FROM (SELECT u.grp, u.rkey, u.dist,
				pg_catalog.row_number() OVER (PARTITION BY u.grp ORDER BY u.dist, u.rkey COLLATE pg_catalog."C") AS rn,
				pg_catalog.min(u.dist) OVER (PARTITION BY u.grp) AS best
			FROM (SELECT pg_catalog.unnest(keys) AS rkey, pg_catalog.unnest(row_groups) AS grp,
					pg_catalog.unnest(dists) AS dist) u) c
		WHERE c.rn OPERATOR(pg_catalog.<=) group_size) r
	WHERE r.grank OPERATOR(pg_catalog.<=) k
	ORDER BY r.grank, r.rn;
END
$body$;
