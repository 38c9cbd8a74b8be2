-- Filter columns of ivfflat and ivf indexes (docs/ivf.md, "Filter
-- columns"): the DDL, its errors, and results equal to an exact ORDER BY
-- over the rows the quals keep, for each filter type and operator, from the
-- lists, the pending area, and after a merge, a compaction and a rebalance.
SET client_min_messages = warning;
SELECT create_filter_table('filter_ivf');
SELECT amname, count(*) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE amname IN ('ivfflat', 'ivf') AND opcname LIKE '%filter_ops' GROUP BY 1 ORDER BY 1;
SELECT bool_and(amvalidate(c.oid)) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE amname IN ('ivfflat', 'ivf');

-- The vector column comes first, and only one; filter columns need a
-- filter operator class.
CREATE INDEX ON filter_ivf USING ivf (t4, embedding);
CREATE INDEX ON filter_ivf USING ivfflat (embedding, embedding vector_ip_ops);
CREATE INDEX ON filter_ivf USING ivf (embedding, (t4::float8));
CREATE INDEX ON filter_ivf USING ivfflat (embedding, l4 int4_filter_ops);

-- Whether a query returns min(k, the rows that qualify) rows, each of them
-- qualifying, in any order (a scan with few probes).
CREATE FUNCTION filter_count(qual text, k int) RETURNS text AS $$
DECLARE
	got int[];
	want int[];
BEGIN
	EXECUTE format('SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM filter_ivf WHERE %s ORDER BY embedding <-> %L LIMIT %s) s',
		qual, '[0.1,0.2,0.3]', k) INTO got;
	EXECUTE format('SELECT array_agg(id ORDER BY id) FROM filter_ivf WHERE %s', qual) INTO want;
	RETURN CASE WHEN coalesce(cardinality(got), 0) <> least(k, coalesce(cardinality(want), 0))
		THEN format('%s rows, want %s', coalesce(cardinality(got), 0), least(k, coalesce(cardinality(want), 0)))
		WHEN NOT got <@ want THEN 'a row that does not qualify' ELSE coalesce(cardinality(got), 0) || ' rows' END;
END $$ LANGUAGE plpgsql;

SET enable_seqscan = off;
SET ivf.probes = 8;
SET ivfflat.probes = 8;
-- Both access methods, every list probed: exact.
CREATE INDEX filter_ivf_flat ON filter_ivf
	USING ivf (embedding vector_l2_ops, t2, t4, t8, tx, tu, tb, l4, l8, lt) WITH (lists = 8);
-- The quals reach the scan as index conditions.
EXPLAIN (COSTS OFF) SELECT id FROM filter_ivf WHERE t4 = 2 AND l4 && '{1}'
ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 5;
-- vector_db.explain_search_settings: the settings a filtered scan probes
-- with follow the index name, as they are now (docs/ivf.md).
SET vector_db.explain_search_settings = on;
EXPLAIN (COSTS OFF) SELECT id FROM filter_ivf WHERE t4 = 2 ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 5;
SET ivf.iterative_scan = relaxed_order;
SET ivf.max_probes = 3;
SET ivf.rerank = 40;
EXPLAIN (COSTS OFF) SELECT id FROM filter_ivf WHERE t4 = 2 ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 5;
RESET ivf.iterative_scan;
RESET ivf.max_probes;
RESET ivf.rerank;
RESET vector_db.explain_search_settings;
CREATE TEMP TABLE quals AS SELECT * FROM unnest(ARRAY[
	't2 = 1', 't4 = 2', 't8 = 3', 'tx = ''k1''', 'tu = md5(''3'')::uuid', 'tb', 'tb = false',
	'l4 && ''{1}''', 'l4 && ''{1,5}''', 'l4 @> ''{1,4}''', 'l4 @> ''{7}''', 'l8 && ''{4}''', 'l8 @> ''{1,5}''',
	'lt && ''{a2}''', 'lt @> ''{a1,b3}''', 'lt @> ''{}''', 'l4 && ''{}''',
	't4 = ANY(''{1,3}'')', 't4 = ANY(''{1,NULL}'')', 'tx = ANY(''{k0,k5}'')', 't8 = ANY(''{}''::int8[])',
	't4 = 1 AND l4 && ''{2}''', 't2 = 0 AND t4 = 0 AND tb', 't4 = 1 AND tb',
	't4 = (SELECT NULL::int)', 'tx = ''none''', 't2 = 1::int8', 't8 = 3::int2']) qual;
SELECT qual, filter_check('filter_ivf', 'filter_ivf_flat', qual, 10) FROM quals;
DROP INDEX filter_ivf_flat;
CREATE INDEX filter_ivfflat ON filter_ivf
	USING ivfflat (embedding vector_l2_ops, t2, t4, t8, tx, tu, tb, l4, l8, lt) WITH (lists = 8);
SET vector_db.explain_search_settings = on;
EXPLAIN (COSTS OFF) SELECT id FROM filter_ivf WHERE t4 = 2 ORDER BY embedding <-> '[0.1,0.2,0.3]' LIMIT 5;
RESET vector_db.explain_search_settings;
-- The same code as ivf's: a few quals suffice.
SELECT qual, filter_check('filter_ivf', 'filter_ivfflat', qual, 10) FROM quals
WHERE qual IN ('t4 = 2', 'tx = ''k1''', 'l4 && ''{1,5}''', 'lt @> ''{a1,b3}''', 't4 = ANY(''{1,3}'')', 't2 = 1::int8');

-- One list probed at a time: a filtered scan probes on until it has LIMIT
-- rows, or every row that qualifies when fewer do, whatever
-- iterative_scan and max_probes say.
SET ivfflat.probes = 1;
SET ivfflat.max_probes = 1;
SELECT qual, filter_count(qual, k) FROM (VALUES ('t4 = 3', 60), ('t4 = 3', 100),
	('t4 = 3 AND l8 && ''{1}''', 20), ('tx = ''k4'' AND tb', 30)) v(qual, k);
RESET ivfflat.max_probes;

-- Rows inserted after the build carry their filter values: into the lists,
-- then into the pending area (fastupdate), then merged into the lists.
INSERT INTO filter_ivf
SELECT i, ARRAY[sin(i), cos(1.3 * i), sin(0.7 * i)], i % 3, i % 4, i % 5, 'k' || i % 6, NULL, i % 2 = 0,
	ARRAY[i % 3], ARRAY[i % 5]::int8[], ARRAY['a' || i % 3]
FROM generate_series(301, 340) i;
ALTER INDEX filter_ivfflat SET (fastupdate = on);
INSERT INTO filter_ivf
SELECT i, ARRAY[sin(i), cos(1.3 * i), sin(0.7 * i)], i % 3, i % 4, i % 5, 'k' || i % 6, NULL, i % 2 = 0,
	ARRAY[i % 3], ARRAY[i % 5]::int8[], ARRAY['p' || i % 2]
FROM generate_series(341, 380) i;
SET ivfflat.probes = 8;
SELECT filter_check('filter_ivf', 'filter_ivfflat', 't4 = 1 AND l4 @> ''{2}''', 10), filter_check('filter_ivf', 'filter_ivfflat', 'tx = ''k2''', 10),
	filter_check('filter_ivf', 'filter_ivfflat', 'lt && ''{p1}''', 30);
SELECT vector_db_merge('filter_ivfflat') > 0 AS merged;
SELECT filter_check('filter_ivf', 'filter_ivfflat', 't4 = 1 AND l4 @> ''{2}''', 10), filter_check('filter_ivf', 'filter_ivfflat', 'tx = ''k2''', 10),
	filter_check('filter_ivf', 'filter_ivfflat', 'lt && ''{p1}''', 30);
-- A compaction and a rebalance move list tuples with their words.
DELETE FROM filter_ivf WHERE id % 4 = 0;
SELECT vector_db_compact('filter_ivfflat');
SELECT filter_check('filter_ivf', 'filter_ivfflat', 'l8 && ''{3}''', 10), filter_check('filter_ivf', 'filter_ivfflat', 't2 = 2 AND tb', 10);
SELECT vector_db_rebalance('filter_ivfflat');
SELECT filter_check('filter_ivf', 'filter_ivfflat', 'l8 && ''{3}''', 10), filter_check('filter_ivf', 'filter_ivfflat', 't2 = 2 AND tb', 10);
SELECT vector_db_index_check('filter_ivfflat');

-- sq8 lists and codes too long for a page (runs): the words stay in the tuple.
CREATE TABLE filter_wide (id int, embedding vector(2100), t int);
INSERT INTO filter_wide SELECT i, array_fill(i::float4 / 40, ARRAY[2100])::vector, i % 3 FROM generate_series(1, 40) i;
CREATE INDEX filter_wide_idx ON filter_wide USING ivf (embedding, t) WITH (lists = 2, quantizer = 'sq8');
SET ivf.probes = 2;
SELECT got = want AS exact, cardinality(got) FROM
	(SELECT array_agg(id) FROM (SELECT id FROM filter_wide WHERE t = 1
		ORDER BY embedding <-> array_fill(0.5::float4, ARRAY[2100])::vector LIMIT 4) s) g(got),
	(SELECT array_agg(id) FROM (SELECT id FROM filter_wide WHERE t = 1
		ORDER BY (embedding <-> array_fill(0.5::float4, ARRAY[2100])::vector) + 0 LIMIT 4) s) w(want);
SELECT vector_db_index_check('filter_wide_idx');

DROP TABLE filter_ivf, filter_wide;
DROP FUNCTION filter_count;
