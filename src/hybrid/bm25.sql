-- BM25 keyword search as sparse vectors (docs/hybrid.md).
--
-- A text column's BM25 column is a sparsevec holding, for each term of the
-- row's text, BM25's saturated and length-normalised term frequency
--   w(t, d) = tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * (dl / avgdl)));
-- vector_db_bm25_query() turns a query into a sparsevec of IDF weights
--   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),
-- so that the inner product of the two is the document's BM25 score and
-- ORDER BY bm25 <#> query ranks rows by it.
-- Exact search through an index: vector_db_bm25_create adds a GIN index on
-- to_tsvector(config, text) (vector_db_bm25_<id>_gin), and
-- vector_db_bm25_tsquery() ORs the query's terms that the corpus holds,
-- the same terms vector_db_bm25_query() weighs (both come from
-- vector_db_bm25_query_parts()), so the rows matching it
-- with @@ are exactly the rows scoring above 0: a bitmap scan of the GIN
-- index yields every candidate, and a top-N sort of their exact scores
-- the top k. (An hnsw index on the BM25 column is approximate: most rows
-- score 0 against a keyword query, and its graph walk misses rows that
-- hold only rare query terms.)
-- Terms are the lexemes of to_tsvector(config, text); tf is the number of
-- positions of a lexeme, dl their sum. Term ids come from a dictionary per
-- BM25 column (vector_db_bm25_terms), handed out 1, 2, ... in the order
-- terms are first seen, so ids never collide; the dictionary only grows.
--
-- Statistics: vector_db_bm25 holds one row per BM25 column (N, total
-- length, the frozen avgdl, k1, b); vector_db_bm25_terms the df of each
-- term. Row triggers keep them exact under INSERT, UPDATE, DELETE and
-- TRUNCATE: a BEFORE trigger writes the row's vector (adding its new terms
-- to the dictionary), an AFTER trigger counts the row in or out, so a row
-- that is not written after all (ON CONFLICT DO NOTHING) is not counted.
-- Every writing statement first locks the column's vector_db_bm25 row,
-- until commit, so the writers of one table serialise on it and none waits
-- for it while holding a row of the table.
-- avgdl is frozen when the column is set up and changed only by
-- vector_db_bm25_refresh(), which rewrites every row's vector: document
-- weights depend on it, and a moving avgdl would leave older rows'
-- weights stale. Query-side N and df are always current.
--
-- Every function runs with search_path pg_catalog, pg_temp and reaches
-- this extension's objects through the schema of the BM25 column's type,
-- in dynamic SQL (the extension is relocatable, so its script cannot name
-- its own schema). The tables are readable and writable by all, under row
-- security: a row is visible to whoever may SELECT from its table, and
-- writable by whoever may write to it (which the triggers need, as they
-- run as the writing role); only the table's owner sets a column up, and
-- anyone may delete the row of a dropped table (vector_db_bm25_forget
-- does, as the role that drops it).

CREATE TABLE vector_db_bm25 (
	id serial PRIMARY KEY,
	relid regclass NOT NULL,
	text_column name NOT NULL,
	vector_column name NOT NULL,
	config regconfig NOT NULL,
	k1 float8 NOT NULL,
	b float8 NOT NULL,
	avgdl float8 NOT NULL,
	dims integer NOT NULL,
	doc_count bigint NOT NULL DEFAULT 0,
	total_length bigint NOT NULL DEFAULT 0,
	term_count integer NOT NULL DEFAULT 0,
	UNIQUE (relid, vector_column)
);
CREATE TABLE vector_db_bm25_terms (
	bm25 integer NOT NULL REFERENCES vector_db_bm25 ON DELETE CASCADE,
	term text NOT NULL,
	id integer NOT NULL,
	df bigint NOT NULL,
	PRIMARY KEY (bm25, term)
);
SELECT pg_catalog.pg_extension_config_dump('vector_db_bm25', '');
SELECT pg_catalog.pg_extension_config_dump('vector_db_bm25_terms', '');
ALTER TABLE vector_db_bm25 ENABLE ROW LEVEL SECURITY;
ALTER TABLE vector_db_bm25_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader ON vector_db_bm25 FOR SELECT
	USING (pg_catalog.has_table_privilege(relid, 'SELECT'));
CREATE POLICY writer ON vector_db_bm25 FOR UPDATE
	USING (pg_catalog.has_table_privilege(relid, 'INSERT, UPDATE, DELETE, TRUNCATE'));
CREATE POLICY owner ON vector_db_bm25 FOR ALL
	USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid), 'USAGE'));
CREATE POLICY orphan ON vector_db_bm25 FOR DELETE
	USING (NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid));
CREATE POLICY reader ON vector_db_bm25_terms FOR SELECT
	USING (EXISTS (SELECT FROM vector_db_bm25 c WHERE c.id OPERATOR(pg_catalog.=) bm25));
CREATE POLICY writer ON vector_db_bm25_terms FOR ALL
	USING (EXISTS (SELECT FROM vector_db_bm25 c WHERE c.id OPERATOR(pg_catalog.=) bm25
		AND pg_catalog.has_table_privilege(c.relid, 'INSERT, UPDATE, DELETE, TRUNCATE')));
GRANT SELECT, INSERT, UPDATE, DELETE ON vector_db_bm25, vector_db_bm25_terms TO PUBLIC;
GRANT USAGE ON SEQUENCE vector_db_bm25_id_seq TO PUBLIC;

-- The terms of a text and their frequencies, as BM25 counts them.
CREATE FUNCTION vector_db_bm25_tokens(config regconfig, document text, OUT term text, OUT tf integer)
	RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 100
	AS $$ SELECT t.lexeme, pg_catalog.cardinality(t.positions)
		FROM pg_catalog.unnest(pg_catalog.to_tsvector(config, document)) t $$;

-- BM25's formulas, in one place (the operators bind left to right).
CREATE FUNCTION vector_db_bm25_weight(tf float8, dl float8, avgdl float8, k1 float8, b float8)
	RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.float8div(pg_catalog.float8mul(tf, pg_catalog.float8pl(k1, 1)),
		pg_catalog.float8pl(tf, pg_catalog.float8mul(k1, pg_catalog.float8pl(pg_catalog.float8mi(1, b),
		pg_catalog.float8mul(b, pg_catalog.float8div(dl, avgdl)))))) $$;
CREATE FUNCTION vector_db_bm25_idf(doc_count float8, df float8)
	RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.ln(1 OPERATOR(pg_catalog.+)
		(((doc_count OPERATOR(pg_catalog.-) df) OPERATOR(pg_catalog.+) 0.5) OPERATOR(pg_catalog./)
		(df OPERATOR(pg_catalog.+) 0.5))) $$;

-- An ERROR unless the current role owns the table (or is a member of its
-- owner's role), as ALTER TABLE requires.
CREATE FUNCTION vector_db_bm25_check_owner(rel regclass) RETURNS void
	LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	owner boolean;
BEGIN
	EXECUTE 'SELECT pg_has_role(relowner, ''USAGE'') FROM pg_class WHERE oid = $1' INTO owner USING rel;
	IF owner IS NOT TRUE THEN
		RAISE EXCEPTION 'must be owner of table %', rel USING ERRCODE := 'insufficient_privilege';
	END IF;
END $$;

-- The set-up row of a BM25 column, or an ERROR.
CREATE FUNCTION vector_db_bm25_setup(ext name, rel regclass, col name) RETURNS vector_db_bm25
	LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	c record;
BEGIN
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25 WHERE relid = $1 AND vector_column = $2', ext) INTO c USING rel, col;
	IF c IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a BM25 column', col, rel
			USING ERRCODE := 'object_not_in_prerequisite_state',
			HINT := 'Set it up with vector_db_bm25_create().';
	END IF;
	RETURN c;
END $$;

-- Adds the terms of the texts `docs` (SQL yielding a column doc) that the
-- dictionary lacks, under the column's row lock, taken first so that the
-- INSERT's snapshot sees every term added by a writer that held it before.
CREATE FUNCTION vector_db_bm25_learn(ext name, bm25 integer, docs text) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	overflow boolean;
BEGIN
	EXECUTE pg_catalog.format('SELECT 1 FROM %I.vector_db_bm25 WHERE id = $1 FOR UPDATE', ext) USING bm25;
	EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		ins AS (INSERT INTO %1$I.vector_db_bm25_terms (bm25, term, id, df)
			SELECT $1, n.term, c.term_count + row_number() OVER (ORDER BY n.term COLLATE "C"), 0
			FROM c, (SELECT DISTINCT x.term FROM c, (%2$s) d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x) n
			WHERE NOT EXISTS (SELECT FROM %1$I.vector_db_bm25_terms o WHERE o.bm25 = $1 AND o.term = n.term)
			RETURNING id)
		UPDATE %1$I.vector_db_bm25 u SET term_count = u.term_count + (SELECT count(*) FROM ins)
		WHERE u.id = $1 RETURNING u.term_count > u.dims', ext, docs) INTO overflow USING bm25;
	IF overflow THEN
		RAISE EXCEPTION 'BM25 vocabulary outgrew the dimensions of its column'
			USING ERRCODE := 'program_limit_exceeded',
			HINT := 'Declare the BM25 column with more dimensions, e.g. sparsevec(1000000000).';
	END IF;
END $$;

-- Counts the texts of `docs` (SQL yielding columns doc, sign) in (sign 1)
-- or out (sign -1) of the column's statistics.
CREATE FUNCTION vector_db_bm25_count(ext name, bm25 integer, docs text) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		d AS (SELECT * FROM (%2$s) d WHERE d.doc IS NOT NULL),
		k AS (SELECT d.sign, x.term, x.tf FROM c, d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x),
		n AS (UPDATE %1$I.vector_db_bm25 u SET doc_count = u.doc_count + (SELECT coalesce(sum(sign), 0) FROM d),
			total_length = u.total_length + (SELECT coalesce(sum(sign * tf), 0) FROM k) WHERE u.id = $1)
		UPDATE %1$I.vector_db_bm25_terms t SET df = t.df + f.delta
		FROM (SELECT term, sum(sign) AS delta FROM k GROUP BY term) f
		WHERE t.bm25 = $1 AND t.term = f.term AND f.delta <> 0', ext, docs) USING bm25;
END $$;

-- The BM25 vectors (as sparsevec text) of the texts of `docs` (SQL
-- yielding columns key, doc), whose terms the dictionary must hold.
CREATE FUNCTION vector_db_bm25_vectors(ext name, bm25 integer, docs text, OUT key tid, OUT vec text)
	RETURNS SETOF record LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	RETURN QUERY EXECUTE pg_catalog.format('
		WITH c AS (SELECT * FROM %1$I.vector_db_bm25 WHERE id = $1),
		d AS (SELECT * FROM (%2$s) d WHERE d.doc IS NOT NULL),
		k AS (SELECT d.key, x.term, x.tf, sum(x.tf) OVER (PARTITION BY d.key) AS dl
			FROM c, d, %1$I.vector_db_bm25_tokens(c.config, d.doc) x)
		SELECT d.key, pg_catalog.concat(''{'', string_agg(pg_catalog.concat(t.id, '':'',
				%1$I.vector_db_bm25_weight(k.tf, k.dl, c.avgdl, c.k1, c.b)::float4), '','' ORDER BY t.id) FILTER (WHERE t.id IS NOT NULL), ''}/'', c.dims)
		FROM c, d LEFT JOIN (k JOIN %1$I.vector_db_bm25_terms t ON t.bm25 = $1 AND t.term = k.term) ON k.key = d.key
		GROUP BY d.key, c.dims', ext, docs) USING bm25;
END $$;

-- Sets every row's BM25 vector from its text, set-based.
CREATE FUNCTION vector_db_bm25_rewrite(ext name, bm25 integer) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	c record;
BEGIN
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25 WHERE id = $1', ext) INTO c USING bm25;
	EXECUTE pg_catalog.format('UPDATE %1$s t SET %2$I = v.vec::%4$I.sparsevec FROM %4$I.vector_db_bm25_vectors($1, $2, $3) v WHERE t.ctid = v.key',
		c.relid, c.vector_column, c.text_column, ext)
		USING ext, c.id, pg_catalog.format('SELECT t.ctid AS key, t.%I::text AS doc FROM %s t', c.text_column, c.relid);
END $$;

-- The triggers of a BM25 column: arguments (set-up id, BM25 column, text
-- column). A statement that writes to the table first locks the column's
-- vector_db_bm25 row (BEFORE ... FOR EACH STATEMENT), before it locks any
-- row of the table, so that no writer holds a table row while it waits
-- for the statistics. An update that keeps the text keeps the vector,
-- unless it sets the vector to NULL (which vector_db_bm25_refresh uses).
CREATE FUNCTION vector_db_bm25_trigger() RETURNS trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	bm25 integer := TG_ARGV[0];
	vec_col name := TG_ARGV[1];
	text_col name := TG_ARGV[2];
	ext name;
	old_doc text;
	new_doc text;
	keep boolean;
	vec text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING TG_RELID, vec_col;
	IF TG_LEVEL IS NOT DISTINCT FROM 'STATEMENT' AND TG_WHEN IS NOT DISTINCT FROM 'BEFORE' THEN
		EXECUTE pg_catalog.format('SELECT 1 FROM %I.vector_db_bm25 WHERE id = $1 FOR UPDATE', ext) USING bm25;
		RETURN NULL;
	END IF;
	IF TG_OP IS NOT DISTINCT FROM 'TRUNCATE' THEN
		EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET doc_count = 0, total_length = 0 WHERE id = $1', ext) USING bm25;
		EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25_terms SET df = 0 WHERE bm25 = $1', ext) USING bm25;
		RETURN NULL;
	END IF;
	IF TG_OP IS DISTINCT FROM 'INSERT' THEN
		EXECUTE pg_catalog.format('SELECT ($1).%I::text', text_col) INTO old_doc USING OLD;
	END IF;
	IF TG_OP IS DISTINCT FROM 'DELETE' THEN
		EXECUTE pg_catalog.format('SELECT ($1).%I::text', text_col) INTO new_doc USING NEW;
	END IF;
	IF TG_WHEN IS NOT DISTINCT FROM 'BEFORE' THEN
		IF TG_OP IS NOT DISTINCT FROM 'UPDATE' AND old_doc IS NOT DISTINCT FROM new_doc THEN
			EXECUTE pg_catalog.format('SELECT ($1).%I IS NOT NULL', vec_col) INTO keep USING NEW;
			IF keep THEN
				RETURN NEW;
			END IF;
		END IF;
		IF new_doc IS NOT NULL THEN
			EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_learn($1, $2, $3)', ext)
				USING ext, bm25, pg_catalog.format('SELECT %L::text AS doc', new_doc);
			EXECUTE pg_catalog.format('SELECT v.vec FROM %I.vector_db_bm25_vectors($1, $2, $3) v', ext) INTO vec
				USING ext, bm25, pg_catalog.format('SELECT %L::tid AS key, %L::text AS doc', '(0,0)', new_doc);
		END IF;
		RETURN pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object(vec_col, vec));
	END IF;
	IF TG_OP IS NOT DISTINCT FROM 'UPDATE' AND old_doc IS NOT DISTINCT FROM new_doc THEN
		RETURN NULL;
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_count($1, $2, $3)', ext)
		USING ext, bm25, pg_catalog.format('SELECT * FROM (VALUES (%L::text, -1), (%L::text, 1)) d(doc, sign)', old_doc, new_doc);
	RETURN NULL;
END $$;

-- Sets up `bm25_column` (a sparsevec(n) column) as the BM25 column of
-- `text_column`: fills it for every row, counts the statistics and adds
-- the triggers and the GIN index of the exact search. avgdl is the table's average document length now, or the
-- given one (needed when the table is empty).
CREATE FUNCTION vector_db_bm25_create("table" regclass, text_column name, bm25_column name,
	config regconfig DEFAULT 'english', k1 float8 DEFAULT 1.2, b float8 DEFAULT 0.75,
	avgdl float8 DEFAULT NULL) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	col record;
	ok boolean;
BEGIN
	EXECUTE 'SELECT relkind FROM pg_class WHERE oid = $1' INTO c USING "table";
	IF c.relkind IS DISTINCT FROM 'r' AND c.relkind IS DISTINCT FROM 'p' THEN
		RAISE EXCEPTION '"%" is not a table', "table" USING ERRCODE := 'wrong_object_type';
	END IF;
	EXECUTE 'SELECT t.typcategory, t.typname, a.atttypmod, n.nspname FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", text_column;
	IF col IS NULL OR col.typcategory IS DISTINCT FROM 'S' THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a text column', text_column, "table"
			USING ERRCODE := 'datatype_mismatch';
	END IF;
	EXECUTE 'SELECT t.typcategory, t.typname, a.atttypmod, n.nspname FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", bm25_column;
	IF col IS NULL OR col.typname IS DISTINCT FROM 'sparsevec' OR col.atttypmod OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'column "%" of relation "%" is not a sparsevec column with dimensions', bm25_column, "table"
			USING ERRCODE := 'datatype_mismatch',
			HINT := 'Declare it as sparsevec(1000000000), the most dimensions, which bound the vocabulary.';
	END IF;
	ext := col.nspname;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE 'SELECT $1 >= 0 AND $1 < ''Infinity'' AND $2 BETWEEN 0 AND 1 AND ($3 IS NULL OR $3 > 0 AND $3 < ''Infinity'')'
		INTO ok USING k1, b, avgdl;
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'BM25 parameters out of range: k1 = %, b = %, avgdl = %', k1, b, avgdl
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := 'k1 must be finite and at least 0, b between 0 and 1, avgdl above 0.';
	END IF;
	EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', "table");
	EXECUTE pg_catalog.format('SELECT true FROM %I.vector_db_bm25 WHERE relid = $1 AND vector_column = $2', ext)
		INTO ok USING "table", bm25_column;
	IF ok THEN
		RAISE EXCEPTION 'column "%" of relation "%" is already a BM25 column', bm25_column, "table"
			USING ERRCODE := 'duplicate_object';
	END IF;
	EXECUTE pg_catalog.format('INSERT INTO %I.vector_db_bm25 (relid, text_column, vector_column, config, k1, b, avgdl, dims)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING *', ext)
		INTO c USING "table", text_column, bm25_column, config, k1, b, col.atttypmod;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_learn($1, $2, $3)', ext)
		USING ext, c.id, pg_catalog.format('SELECT t.%I::text AS doc FROM %s t', text_column, "table");
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_count($1, $2, $3)', ext)
		USING ext, c.id, pg_catalog.format('SELECT t.%I::text AS doc, 1 AS sign FROM %s t', text_column, "table");
	EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET avgdl = coalesce($2, nullif(total_length, 0)::float8 / doc_count, 0)
		WHERE id = $1 RETURNING *', ext) INTO c USING c.id, avgdl;
	IF c.avgdl IS NOT DISTINCT FROM 0::pg_catalog.float8 THEN
		RAISE EXCEPTION 'table "%" has no text to measure the average document length of', "table"
			USING ERRCODE := 'invalid_parameter_value',
			HINT := 'Pass avgdl, and call vector_db_bm25_refresh() once the table holds typical rows.';
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_rewrite($1, $2)', ext) USING ext, c.id;
	EXECUTE pg_catalog.format('CREATE INDEX %I ON %s USING gin (pg_catalog.to_tsvector(%L::pg_catalog.regconfig, %I))',
		pg_catalog.concat('vector_db_bm25_', c.id, '_gin'), "table", config, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH STATEMENT
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_lock'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_count'), "table", ext, c.id, bm25_column, text_column);
	EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT
		EXECUTE FUNCTION %I.vector_db_bm25_trigger(%L, %L, %L)',
		pg_catalog.concat('vector_db_bm25_', c.id, '_truncate'), "table", ext, c.id, bm25_column, text_column);
END $$;

-- Freezes avgdl anew at the current average document length (and k1, b
-- where given) and rewrites every row's BM25 vector; returns the avgdl.
-- The table is locked against writes (SHARE ROW EXCLUSIVE, which ALTER
-- TABLE ... DISABLE TRIGGER also takes), so the row triggers are turned
-- off for the rewrite, which changes no text; only the owner may do it.
CREATE FUNCTION vector_db_bm25_refresh("table" regclass, bm25_column name,
	k1 float8 DEFAULT NULL, b float8 DEFAULT NULL) RETURNS float8
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	ok boolean;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO c USING ext, "table", bm25_column;
	EXECUTE 'SELECT $1 >= 0 AND $1 < ''Infinity'' AND $2 BETWEEN 0 AND 1'
		INTO ok USING coalesce(k1, c.k1), coalesce(b, c.b);
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'BM25 parameters out of range: k1 = %, b = %', k1, b
			USING ERRCODE := 'invalid_parameter_value',
			DETAIL := 'k1 must be finite and at least 0, b between 0 and 1.';
	END IF;
	EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', "table");
	EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I, DISABLE TRIGGER %I', "table",
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), pg_catalog.concat('vector_db_bm25_', c.id, '_count'));
	EXECUTE pg_catalog.format('UPDATE %I.vector_db_bm25 SET k1 = coalesce($2, k1), b = coalesce($3, b),
		avgdl = coalesce(nullif(total_length, 0)::float8 / nullif(doc_count, 0), avgdl) WHERE id = $1 RETURNING *', ext)
		INTO c USING c.id, k1, b;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_rewrite($1, $2)', ext) USING ext, c.id;
	EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE TRIGGER %I, ENABLE TRIGGER %I', "table",
		pg_catalog.concat('vector_db_bm25_', c.id, '_vector'), pg_catalog.concat('vector_db_bm25_', c.id, '_count'));
	RETURN c.avgdl;
END $$;

-- Removes the set-up of a BM25 column (statistics, dictionary, triggers,
-- its GIN index where it still has it); the column and its values stay.
CREATE FUNCTION vector_db_bm25_drop("table" regclass, bm25_column name) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	c record;
	suffix text;
	gin regclass;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT %I.vector_db_bm25_check_owner($1)', ext) USING "table";
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO c USING ext, "table", bm25_column;
	FOREACH suffix IN ARRAY ARRAY['_lock', '_vector', '_count', '_truncate'] LOOP
		EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', pg_catalog.concat('vector_db_bm25_', c.id, suffix), "table");
	END LOOP;
	EXECUTE 'SELECT i.indexrelid::regclass FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
		WHERE i.indrelid = $1 AND x.relname = $2' INTO gin USING "table", pg_catalog.concat('vector_db_bm25_', c.id, '_gin');
	IF gin IS NOT NULL THEN
		EXECUTE pg_catalog.format('DROP INDEX %s', gin);
	END IF;
	EXECUTE pg_catalog.format('DELETE FROM %I.vector_db_bm25 WHERE id = $1', ext) USING c.id;
END $$;

-- The query side, in one pass over the query's terms that the corpus
-- holds (df > 0): `vector`, each weighted by its current IDF times its
-- count in the query, a sparsevec for ORDER BY bm25 <#> it; `tsquery`,
-- the same terms ORed, for to_tsvector(config, text_column) @@ it, which
-- holds for exactly the rows scoring above 0 and which the column's GIN
-- index serves (NULL, no row, where the corpus holds none of them; each
-- lexeme is quoted as tsquery input quotes it, so it is taken as is);
-- and `setup`, the column's set-up row.
CREATE FUNCTION vector_db_bm25_query_parts("table" regclass, bm25_column name, query text,
	OUT setup vector_db_bm25, OUT vector sparsevec, OUT tsquery tsquery)
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	terms text[];
	ids integer[];
	weights float4[];
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT * FROM %I.vector_db_bm25_setup($1, $2, $3)', ext) INTO setup USING ext, "table", bm25_column;
	EXECUTE pg_catalog.format('
		SELECT array_agg(t.term ORDER BY t.id), array_agg(t.id ORDER BY t.id),
			array_agg((k.tf * %1$I.vector_db_bm25_idf($2, t.df))::float4 ORDER BY t.id)
		FROM %1$I.vector_db_bm25_tokens($3, $4) k
		JOIN %1$I.vector_db_bm25_terms t ON t.bm25 = $1 AND t.term = k.term AND t.df > 0', ext)
		INTO terms, ids, weights USING setup.id, setup.doc_count, setup.config, query;
	EXECUTE pg_catalog.format('SELECT pg_catalog.concat(''{'', string_agg(pg_catalog.concat(u.i, '':'', u.w), '',''), ''}/'', $3)::%I.sparsevec
		FROM unnest($1, $2) u(i, w)', ext) INTO vector USING ids, weights, setup.dims;
	SELECT pg_catalog.string_agg(pg_catalog.concat('''', pg_catalog.replace(pg_catalog.replace(term,
			E'\\', E'\\\\'), '''', ''''''), ''''), ' | ')::pg_catalog.tsquery
		INTO tsquery FROM pg_catalog.unnest(terms) term;
END $$;

-- The two halves of the query side (above), for plain SQL: its vector
-- and its tsquery.
CREATE FUNCTION vector_db_bm25_query("table" regclass, bm25_column name, query text) RETURNS sparsevec
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	vec text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT q.vector::text FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
		INTO vec USING "table", bm25_column, query;
	RETURN vec;
END $$;
CREATE FUNCTION vector_db_bm25_tsquery("table" regclass, bm25_column name, query text) RETURNS tsquery
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	terms tsquery;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO ext USING "table", bm25_column;
	EXECUTE pg_catalog.format('SELECT q.tsquery FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
		INTO terms USING "table", bm25_column, query;
	RETURN terms;
END $$;

-- A dropped table's BM25 set-ups go with it. The extension's schema is
-- that of its one member table named vector_db_bm25.
CREATE FUNCTION vector_db_bm25_forget() RETURNS event_trigger
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_depend d ON d.classid = ''pg_class''::regclass AND d.objid = c.oid AND d.deptype = ''e''
		WHERE c.relname = ''vector_db_bm25'' AND c.relkind = ''r''' INTO ext;
	IF ext IS NOT NULL THEN
		EXECUTE pg_catalog.format('DELETE FROM %I.vector_db_bm25 WHERE relid IN (SELECT o.objid
			FROM pg_event_trigger_dropped_objects() o WHERE o.classid = ''pg_class''::regclass AND o.objsubid = 0)', ext);
	END IF;
END $$;
REVOKE ALL ON FUNCTION vector_db_bm25_forget() FROM PUBLIC;
CREATE EVENT TRIGGER vector_db_bm25_forget ON sql_drop EXECUTE FUNCTION vector_db_bm25_forget();
