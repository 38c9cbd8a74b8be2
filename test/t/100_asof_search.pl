# AS OF search (docs/timetravel.md) on the periods extension's system
# versioning, set up by vector_db_enable_history.
# - A table owned by a non-superuser, 8-dim rows: inserts, updates and
#   deletes committed at T1 < T2 < T3 (and more after T3). Searches as of
#   each Ti, through the indexes (Merge Append of the table's and its
#   history's index scans, EXPLAIN), return the exact top-10 of a copy of the
#   rows taken at Ti (searched without an index): recall >= 0.99, and every
#   search fills its LIMIT with hnsw.ef_search = 10 (iterative scans).
# - Indexes added later (hnsw, ivf) reach the history through
#   vector_db_sync_history, with the same operator class and options, and
#   serve the history side.
# - Retention: the TTL registered on the history's system_time_end; run by
#   hand (vector_db_expire, as the non-superuser owner, whom periods denies
#   DELETE on the history), it deletes exactly the history that ended before
#   the cutoff, and searches as of later times stay exact.
# - Row security: the history gets the table's policies; a non-owner role
#   sees, as of a past time and in the history table itself, only its rows.
# - The refused cases and their SQLSTATEs, among them retention on a history
#   table with a trigger.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('asof');
$node->init;
# enable_seqscan = off makes every plan cost more than jit_above_cost: JIT
# would compile each search, which takes seconds.
$node->append_conf('postgresql.conf', 'jit = off');
$node->start;
plan skip_all => 'the periods extension (postgresql-15-periods) is not installed'
  unless $node->safe_psql('postgres', q{SELECT count(*) FROM pg_available_extensions WHERE name = 'periods'});

$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE EXTENSION periods CASCADE;
CREATE ROLE curator;
CREATE ROLE alice;
CREATE ROLE bob;
GRANT CREATE ON SCHEMA public TO curator;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
});

# Runs SQL as the tables' owner; returns its output.
sub as_curator { return $node->safe_psql('postgres', "SET ROLE curator; $_[0]"); }
# Takes a timestamp after the last commit, and a copy of the table's rows
# then: the exact state the searches as of that time must see.
sub snapshot {
	my ($tab, $n) = @_;
	return $node->safe_psql('postgres', "CREATE TABLE snap_${tab}_$n AS SELECT * FROM $tab; SELECT clock_timestamp()");
}
sub random_vector { return q{(SELECT array_agg(random())::real[]::vector FROM generate_series(1, 8) WHERE i IS NOT NULL)}; }

as_curator(q{
SELECT setseed(0.25);
CREATE TABLE items (id int PRIMARY KEY, embedding vector(8));
INSERT INTO items SELECT i, } . random_vector() . q{ FROM generate_series(1, 300) i;
CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32);
});
is(as_curator(q{SELECT vector_db_enable_history('items', '1 hour')}), 'items_history',
	'vector_db_enable_history returns the history table');
is($node->safe_psql('postgres', q{SELECT relid || ' ' || column_name || ' ' || ttl FROM vector_db_ttl}),
	'items_history system_time_end 01:00:00', 'the retention is a TTL on the history\'s end column');
my @t = (undef, snapshot('items', 1));
as_curator(q{
SELECT setseed(0.5);
UPDATE items SET embedding = } . random_vector() =~ s/WHERE i IS/WHERE id IS/r . q{ WHERE id % 3 = 0;
DELETE FROM items WHERE id % 7 = 0;
INSERT INTO items SELECT i, } . random_vector() . q{ FROM generate_series(301, 350) i;
});
push @t, snapshot('items', 2);
# Retention cuts at T2 + 150 ms: the next commit comes 300 ms after T2.
as_curator(q{
SELECT pg_sleep(0.3);
SELECT setseed(0.75);
UPDATE items SET embedding = } . random_vector() =~ s/WHERE i IS/WHERE id IS/r . q{ WHERE id % 5 = 0;
DELETE FROM items WHERE id % 11 = 0;
INSERT INTO items SELECT i, } . random_vector() . q{ FROM generate_series(351, 400) i;
});
push @t, snapshot('items', 3);
as_curator(q{UPDATE items SET embedding = embedding + embedding WHERE id % 2 = 0; DELETE FROM items WHERE id % 13 = 0});
$node->safe_psql('postgres', q{
SELECT setseed(0.9);
CREATE TABLE queries AS SELECT i AS qid, } . random_vector() . q{ AS q FROM generate_series(1, 20) i;
});

# The index search as of a time next to the exact search of the copy, for
# every query; ef_search 10 leaves the LIMIT to the iterative scans.
my $by_index = 'SET enable_seqscan = off; SET hnsw.ef_search = 10; SET hnsw.iterative_scan = strict_order;';
# One row per time: "hits total full", the exact top-10 ids the index search
# found, the ids of the exact top-10s, and whether every search returned 10.
sub compare_sql {
	my ($tab, $op, @n) = @_;
	return join(' UNION ALL ', map {
		"SELECT $_ n, sum(cardinality(ARRAY(SELECT unnest(got) INTERSECT SELECT unnest(want)))) || ' '"
		  . " || sum(cardinality(want)) || ' ' || bool_and(cardinality(got) = 10) FROM queries,"
		  . " LATERAL (SELECT ARRAY(SELECT id FROM ${tab}__as_of('$t[$_]') ORDER BY embedding $op q LIMIT 10) got,"
		  . " ARRAY(SELECT id FROM snap_${tab}_$_ ORDER BY embedding $op q LIMIT 10) want) s"
	} @n) . ' ORDER BY n';
}
sub recall_ok {
	my ($as, $tab, $op, $name, @n) = @_;
	my @rows = split /\n/, $node->safe_psql('postgres', "$as $by_index " . compare_sql($tab, $op, @n));
	for my $i (0 .. $#n) {
		my (undef, $hits, $total, $full) = split /[| ]/, $rows[$i] // '';
		cmp_ok($hits / $total, '>=', 0.99, "$name: recall of the index search as of T$n[$i] against the exact search");
		is($full, 'true', "$name: every search as of T$n[$i] fills its LIMIT");
	}
}
my $curator = 'SET ROLE curator;';

my $plan = as_curator("$by_index EXPLAIN (COSTS OFF) " . compare_sql('items', '<->', 2));
like($plan, qr/Merge Append.*Index Scan using items_embedding_idx on items\b.*Index Scan using items_history_embedding_idx on items_history\b/s,
	'EXPLAIN: a Merge Append of the index scans of the table and its history');
recall_ok($curator, 'items', '<->', 'l2', 1 .. 3);
is(as_curator(q{SELECT count(*) FROM items__as_of('} . $t[1] . q{') a FULL JOIN snap_items_1 s USING (id)
	WHERE a.id IS NULL OR s.id IS NULL OR a.embedding::text <> s.embedding::text}),
	'0', 'as of T1, exactly the rows of T1');

# An index added later: one call brings it to the history.
as_curator(q{CREATE INDEX items_cosine_idx ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 12, ef_construction = 40);
	CREATE INDEX items_ip_idx ON items USING ivf (embedding vector_ip_ops) WITH (lists = 4, quantizer = 'sq8')});
is(as_curator(q{SELECT vector_db_sync_history('items')}), '2', 'vector_db_sync_history creates the missing indexes');
is(as_curator(q{SELECT vector_db_sync_history('items')}), '0', 'and nothing the second time');
like($node->safe_psql('postgres', q{SELECT pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	WHERE indrelid = 'items_history'::regclass AND pg_get_indexdef(indexrelid) LIKE '%cosine%'}),
	qr/USING hnsw \(embedding vector_cosine_ops\) WITH \(m='12', ef_construction='40'\)$/,
	'with the same operator class and options');
like($node->safe_psql('postgres', q{SELECT pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	WHERE indrelid = 'items_history'::regclass AND pg_get_indexdef(indexrelid) LIKE '%USING ivf%'}),
	qr/USING ivf \(embedding vector_ip_ops\) WITH \(lists='4', quantizer='?sq8'?\)$/, 'an ivf index too');
like(as_curator("$by_index EXPLAIN (COSTS OFF) " . compare_sql('items', '<=>', 3)),
	qr/Index Scan using items_cosine_idx on items\b.*Index Scan using \S+ on items_history\b/s,
	'a cosine search as of T3 uses both cosine indexes');
recall_ok($curator, 'items', '<=>', 'cosine', 3);

# Retention, by hand: the cutoff falls between T2 and the next commit.
my $history_count = "SELECT count(*) FILTER (WHERE system_time_end < '$t[2]') || ' ' || count(*) FILTER (WHERE system_time_end >= '$t[2]') FROM items_history";
my ($old, $new) = split / /, $node->safe_psql('postgres', $history_count);
cmp_ok($old, '>', 0, 'history ended before T2');
my $expired = as_curator(q{SELECT vector_db_set_ttl('items_history', 'system_time_end', clock_timestamp() - timestamptz '}
	  . $t[2] . q{' - interval '150 ms'); SELECT vector_db_expire('items_history')}) =~ s/.*\n//sr;
is($expired, $old, 'vector_db_expire, run by the owner, deletes the history that ended before the cutoff');
is($node->safe_psql('postgres', $history_count), "0 $new", 'and only that history');
recall_ok($curator, 'items', '<->', 'after retention', 2, 3);

# Row security: a table without a primary key whose policy shows each role
# its own rows; the history gets the same policies.
as_curator(q{
CREATE TABLE docs (id int, tenant name, embedding vector(8));
INSERT INTO docs SELECT i, CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END, } . random_vector() . q{ FROM generate_series(1, 200) i;
CREATE INDEX docs_embedding_idx ON docs USING hnsw (embedding vector_l2_ops) WITH (m = 8);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON docs FOR SELECT USING (tenant = current_user);
GRANT SELECT ON docs TO alice, bob;
SELECT vector_db_enable_history('docs');
UPDATE docs SET embedding = } . random_vector() =~ s/WHERE i IS/WHERE id IS/r . q{ WHERE id % 3 = 0;
DELETE FROM docs WHERE id % 4 = 0;
});
@t = (undef, snapshot('docs', 1));
as_curator(q{DELETE FROM docs WHERE id % 5 = 0; UPDATE docs SET embedding = embedding + embedding WHERE id % 7 = 0;});
$node->safe_psql('postgres', q{DELETE FROM snap_docs_1 WHERE tenant <> 'alice'});
my $as_alice = "SET ROLE alice; $by_index";
like($node->safe_psql('postgres', "$as_alice EXPLAIN (COSTS OFF) " . compare_sql('docs', '<->', 1)),
	qr/Merge Append.*Index Scan using docs_embedding_idx on docs\b.*Index Scan using \S+ on docs_history\b/s,
	'EXPLAIN as a non-owner role: the index scans of both tables');
recall_ok('SET ROLE alice;', 'docs', '<->', 'as alice, against her rows', 1);
is($node->safe_psql('postgres', "$as_alice SELECT count(*) FROM docs__as_of('$t[1]') a FULL JOIN snap_docs_1 s USING (id) WHERE a.id IS NULL OR s.id IS NULL"),
	'0', 'as alice, as of T1: exactly her rows of T1');
is($node->safe_psql('postgres', q{SET ROLE alice; SELECT count(*) > 0, bool_and(tenant = 'alice') FROM docs_history}),
	't|t', 'alice reads only her rows of the history table');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM docs_history WHERE tenant <> 'alice'}), '>', 0,
	'where the others\' rows are');
is(as_curator(q{CREATE POLICY positive ON docs AS RESTRICTIVE FOR SELECT USING (id > 0);
	SELECT vector_db_sync_history('docs');
	SELECT string_agg(polname || ' ' || polpermissive, ', ' ORDER BY polname) FROM pg_policy WHERE polrelid = 'docs_history'::regclass}),
	"0\nown_rows true, positive false", 'a policy added later reaches the history through vector_db_sync_history');

# Refused, with their SQLSTATEs.
$node->safe_psql('postgres', q{
CREATE TABLE noidx (id int, v vector(2));
CREATE TABLE parted (id int, v vector(2)) PARTITION BY RANGE (id);
CREATE TABLE part1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE VIEW a_view AS SELECT 1 AS x;
CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
});
my %refused = (
	q{SELECT vector_db_enable_history('noidx')} => qr/ERROR:  55000: table noidx has no vector index/,
	q{SELECT vector_db_enable_history('parted')} => qr/ERROR:  0A000: cannot keep the history of "parted": partitioned tables and partitions are not supported/,
	q{SELECT vector_db_enable_history('part1')} => qr/ERROR:  0A000: cannot keep the history of "part1": partitioned tables and partitions/,
	q{SELECT vector_db_enable_history('a_view')} => qr/ERROR:  42809: "a_view" is not a table/,
	q{SELECT vector_db_enable_history('items')} => qr/ERROR:  42710: table items already has history/,
	q{SET ROLE alice; SELECT vector_db_enable_history('items')} => qr/ERROR:  42501: must be owner of table items/,
	q{SET ROLE alice; SELECT vector_db_sync_history('items')} => qr/ERROR:  42501: must be owner of table items/,
	q{SELECT vector_db_sync_history('noidx')} => qr/ERROR:  55000: table noidx has no history/,
	# Retention deletes as periods' owner, so never with a trigger of the
	# owner's on the history (here a superuser's, the owner may add none).
	q{CREATE TRIGGER keep BEFORE DELETE ON items_history FOR EACH ROW EXECUTE FUNCTION keep_row();
	  SET ROLE curator; SELECT vector_db_expire('items_history')}
	  => qr/ERROR:  55000: cannot expire the history in "items_history", which has triggers or rules/,
);
my @sql = sort keys %refused;
my ($ret, $out, $err) = $node->psql('postgres', join("\n", '\set VERBOSITY verbose', map { "$_;\nRESET ROLE;" } @sql), on_error_stop => 0);
my @errors = grep { /ERROR:/ } split /\n/, $err;
for my $i (0 .. $#sql) {
	like($errors[$i] // '', $refused{$sql[$i]}, "refused: $sql[$i]");
}

done_testing();
