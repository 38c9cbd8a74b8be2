-- hybrid_search (docs/hybrid.md): several ranked searches over one table,
-- each through its own index with its own limit, fused into one ranking.
-- A search is a value of type hybrid_subsearch made by hybrid_vector (a
-- vector, halfvec, bit or sparsevec column under any metric), hybrid_bm25
-- (a BM25 column, vector_db_bm25_create) or hybrid_fulltext (a tsvector
-- column, @@ and ts_rank_cd). hybrid_search builds one statement, the
-- plain-SQL form docs/hybrid.md shows: a CTE per search (ORDER BY its
-- distance LIMIT its limit, with the filter), UNION ALL, GROUP BY key.
-- Everything the caller gives is a bound parameter or an identifier
-- quoted with %I; the filter is a jsonb object of column = value pairs.
-- A vector search orders by its distance alone, which its index provides
-- (a tie-breaking key would rule the index out), so rows at equal distance
-- come in the index's order; a full-text search breaks ties by key. A BM25
-- search is exact: its candidates are the rows matching the query's terms
-- (vector_db_bm25_tsquery) through the GIN index vector_db_bm25_create
-- made, sorted by score and key; OFFSET 0 keeps the sort off an hnsw index
-- on the BM25 column, whose walk is approximate. Its tsquery goes in $1
-- after the searches' queries.
-- Fusion 'rrf': sum of weight / (rrf_k + rank); 'weighted': sum of weight
-- * a score in [0, 1] normalised per metric as Milvus's WeightedRanker
-- does (arctan for unbounded scores and distances, linear for cosine).

CREATE TYPE hybrid_subsearch AS (kind text, column_name name, query text, metric text,
	search_limit integer, weight float8);

CREATE FUNCTION hybrid_vector("column" name, query vector, metric text DEFAULT 'l2',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query halfvec, metric text DEFAULT 'l2',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query bit, metric text DEFAULT 'hamming',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_vector("column" name, query sparsevec, metric text DEFAULT 'ip',
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'vector'::pg_catalog.text, "column", query::pg_catalog.text, metric, "limit", weight $$;
CREATE FUNCTION hybrid_bm25("column" name, query text,
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'bm25'::pg_catalog.text, "column", query, 'bm25'::pg_catalog.text, "limit", weight $$;
CREATE FUNCTION hybrid_fulltext("column" name, query tsquery,
	"limit" integer DEFAULT 40, weight float8 DEFAULT 1) RETURNS hybrid_subsearch
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT 'fulltext'::pg_catalog.text, "column", query::pg_catalog.text, 'ts_rank_cd'::pg_catalog.text, "limit", weight $$;

-- The statement hybrid_search runs, with parameters $1 text[] (each
-- search's query, then each BM25 search's tsquery), $2 jsonb (filter),
-- $3 float8[] (weights), $4 float8 (rrf_k), $5 boolean (RRF, else
-- weighted), $6 integer (limit); returns it with $1 and $3.
CREATE FUNCTION hybrid_search_sql("table" regclass, searches hybrid_subsearch[], key name,
	filter jsonb, OUT sql text, OUT queries text[], OUT weights float8[])
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	s record;
	col record;
	i integer := 0;
	ops jsonb := '{"l2": "<->", "ip": "<#>", "cosine": "<=>", "l1": "<+>", "hamming": "<~>", "jaccard": "<%>", "bm25": "<#>"}';
	op text;
	ok boolean;
	dist text;
	raw text;
	norm text;
	extra text;
	conds text[] := '{}';
	f record;
	ctes text[] := '{}';
	ranks text[] := '{}';
	bm25 record;
	tsqueries text[] := '{}';
	source text;
	body text;
BEGIN
	EXECUTE 'SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1'
		INTO ext USING pg_catalog.pg_typeof(searches);
	IF pg_catalog.cardinality(searches) IS NOT DISTINCT FROM 0 OR searches IS NULL THEN
		RAISE EXCEPTION 'hybrid_search needs at least one search' USING ERRCODE := 'invalid_parameter_value';
	END IF;
	IF key IS NULL THEN
		EXECUTE 'SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
			WHERE i.indrelid = $1 AND i.indisprimary AND i.indnatts = 1' INTO key USING "table";
		IF key IS NULL THEN
			RAISE EXCEPTION 'table "%" has no single-column primary key', "table"
				USING ERRCODE := 'invalid_parameter_value', HINT := 'Name the key column with key_column => ''column''.';
		END IF;
	END IF;
	EXECUTE 'SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
		INTO col USING "table", key;
	IF col IS NULL THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', key, "table" USING ERRCODE := 'undefined_column';
	END IF;
	IF col.typname NOT IN ('int2', 'int4', 'int8') THEN
		RAISE EXCEPTION 'key column "%" must be smallint, integer or bigint', key USING ERRCODE := 'datatype_mismatch',
			HINT := 'For other keys, write the plain-SQL form of docs/hybrid.md.';
	END IF;
	IF filter IS NOT NULL AND pg_catalog.jsonb_typeof(filter) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'hybrid_search filter must be a jsonb object of column = value pairs'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	FOR f IN SELECT * FROM pg_catalog.jsonb_each(coalesce(filter, '{}')) LOOP
		EXECUTE 'SELECT format_type(a.atttypid, NULL) AS typ FROM pg_attribute a
			WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
			INTO col USING "table", f.key;
		IF col IS NULL THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', f.key, "table" USING ERRCODE := 'undefined_column';
		END IF;
		conds := pg_catalog.array_append(conds, CASE pg_catalog.jsonb_typeof(f.value)
			WHEN 'null' THEN pg_catalog.format('t.%I IS NULL', f.key)
			WHEN 'array' THEN pg_catalog.format('t.%I = ANY (ARRAY(SELECT jsonb_array_elements_text($2 -> %L))::%s[])', f.key, f.key, col.typ)
			ELSE pg_catalog.format('t.%I = ($2 ->> %L)::%s', f.key, f.key, col.typ) END);
	END LOOP;
	conds := pg_catalog.array_append(conds, 'true');
	FOREACH s IN ARRAY searches LOOP
		i := i OPERATOR(pg_catalog.+) 1;
		EXECUTE 'SELECT $1 >= 1 AND $2 >= 0 AND $2 < ''Infinity'' AND $3 IS NOT NULL AND $4 IS NOT NULL'
			INTO ok USING s.search_limit, s.weight, s.query, s.column_name;
		IF ok IS NOT TRUE THEN
			RAISE EXCEPTION 'search % of hybrid_search is invalid', i USING ERRCODE := 'invalid_parameter_value',
				DETAIL := 'Each search needs a column, a query, a limit of at least 1 and a weight of at least 0.';
		END IF;
		EXECUTE 'SELECT t.typname, format_type(a.atttypid, NULL) AS typ FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
			WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped'
			INTO col USING "table", s.column_name;
		IF col IS NULL THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', s.column_name, "table" USING ERRCODE := 'undefined_column';
		END IF;
		queries := pg_catalog.array_append(queries, s.query);
		weights := pg_catalog.array_append(weights, s.weight);
		extra := '';
		IF s.kind IS NOT DISTINCT FROM 'fulltext' THEN
			IF col.typname IS DISTINCT FROM 'tsvector' THEN
				RAISE EXCEPTION 'column "%" of hybrid_fulltext must be a tsvector', s.column_name USING ERRCODE := 'datatype_mismatch';
			END IF;
			dist := pg_catalog.format('ts_rank_cd(t.%I, $1[%s]::tsquery) DESC, t.%I', s.column_name, i, key);
			raw := pg_catalog.format('ts_rank_cd(t.%I, $1[%s]::tsquery)', s.column_name, i);
			extra := pg_catalog.format(' AND t.%I @@ $1[%s]::tsquery', s.column_name, i);
			norm := '2 * atan(x.raw) / pi()';
		ELSE
			IF col.typname NOT IN ('vector', 'halfvec', 'bit', 'sparsevec') THEN
				RAISE EXCEPTION 'column "%" of relation "%" is not a vector column', s.column_name, "table"
					USING ERRCODE := 'datatype_mismatch';
			END IF;
			op := ops OPERATOR(pg_catalog.->>) s.metric;
			IF op IS NULL THEN
				RAISE EXCEPTION 'unknown metric "%" in search % of hybrid_search', s.metric, i
					USING ERRCODE := 'invalid_parameter_value', HINT := 'Use l2, ip, cosine, l1, hamming or jaccard.';
			END IF;
			IF s.kind IS NOT DISTINCT FROM 'bm25' THEN
				EXECUTE pg_catalog.format('SELECT q.vector::text AS vec, q.tsquery::text AS tsq,
					(q.setup).config::text, (q.setup).text_column FROM %I.vector_db_bm25_query_parts($1, $2, $3) q', ext)
					INTO bm25 USING "table", s.column_name, s.query;
				queries[i] := bm25.vec;
				tsqueries := pg_catalog.array_append(tsqueries, bm25.tsq);
				extra := pg_catalog.format(' AND pg_catalog.to_tsvector(%L::pg_catalog.regconfig, t.%I) @@ $1[%s]::pg_catalog.tsquery',
					bm25.config, bm25.text_column, pg_catalog.cardinality(searches) OPERATOR(pg_catalog.+) pg_catalog.cardinality(tsqueries));
			END IF;
			dist := pg_catalog.format('t.%I OPERATOR(%I.%s) $1[%s]::%s', s.column_name, ext, op, i, col.typ);
			raw := dist;
			norm := CASE s.metric WHEN 'ip' THEN '0.5 + atan(-x.raw) / pi()' WHEN 'bm25' THEN '2 * atan(-x.raw) / pi()'
				WHEN 'cosine' THEN '1 - x.raw / 2' WHEN 'jaccard' THEN '1 - x.raw' ELSE '1 - 2 * atan(x.raw) / pi()' END;
		END IF;
		source := pg_catalog.format('SELECT t.%I::bigint AS key, %s AS raw FROM %s t WHERE %s%s',
			key, raw, "table", pg_catalog.array_to_string(conds, ' AND '), extra);
		IF s.kind IS NOT DISTINCT FROM 'bm25' THEN
			body := pg_catalog.format('SELECT * FROM (%s OFFSET 0) y ORDER BY y.raw, y.key LIMIT %s', source, s.search_limit);
		ELSE
			body := pg_catalog.format('%s ORDER BY %s LIMIT %s', source, dist, s.search_limit);
		END IF;
		ctes := pg_catalog.array_append(ctes, pg_catalog.format('s%s AS (SELECT %s AS search, x.key, row_number() OVER () AS rank, %s AS norm
	FROM (%s) x)', i, i, norm, body));
		ranks := pg_catalog.array_append(ranks, pg_catalog.format('min(h.rank) FILTER (WHERE h.search = %s)', i));
	END LOOP;
	queries := queries OPERATOR(pg_catalog.||) tsqueries;
	sql := pg_catalog.format('WITH %s,
h AS (%s)
SELECT h.key, sum($3[h.search] * CASE WHEN $5 THEN 1 / ($4 + h.rank) ELSE h.norm END) AS score,
	ARRAY[%s]::integer[] AS ranks
FROM h GROUP BY h.key ORDER BY score DESC, h.key LIMIT $6',
		pg_catalog.array_to_string(ctes, E',\n'),
		(SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM s%s', n), ' UNION ALL ') FROM pg_catalog.generate_series(1, i) n),
		pg_catalog.array_to_string(ranks, ', '));
END $$;

-- The fused search: the key of each row found, its fused score (higher is
-- better) and its rank in each search (NULL where that search missed it).
CREATE FUNCTION hybrid_search("table" regclass, searches hybrid_subsearch[], fusion text DEFAULT 'rrf',
	"limit" integer DEFAULT 10, rrf_k float8 DEFAULT 60, filter jsonb DEFAULT NULL, key_column name DEFAULT NULL)
	RETURNS TABLE (key bigint, score float8, ranks integer[])
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	q record;
	ok boolean;
BEGIN
	IF fusion IS NULL OR fusion NOT IN ('rrf', 'weighted') THEN
		RAISE EXCEPTION 'unknown fusion "%"', fusion USING ERRCODE := 'invalid_parameter_value', HINT := 'Use rrf or weighted.';
	END IF;
	EXECUTE 'SELECT $1 >= 1 AND $2 >= 0 AND $2 < ''Infinity''' INTO ok USING "limit", rrf_k;
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'hybrid_search needs a limit of at least 1 and a finite rrf_k of at least 0'
			USING ERRCODE := 'invalid_parameter_value';
	END IF;
	EXECUTE 'SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1'
		INTO ext USING pg_catalog.pg_typeof(searches);
	EXECUTE pg_catalog.format('SELECT * FROM %I.hybrid_search_sql($1, $2, $3, $4)', ext) INTO q USING "table", searches, key_column, filter;
	RETURN QUERY EXECUTE q.sql USING q.queries, filter, q.weights, rrf_k, fusion IS NOT DISTINCT FROM 'rrf', "limit";
END $$;
