# Change data capture (docs/operations.md#change-data-capture), locking in
# what works today:
# - logical replication of a table with vector, halfvec, sparsevec and bit
#   columns, by a text-mode and a binary-mode (binary = true) subscription,
#   one table each, to a subscriber with hnsw and ivf indexes: the rows are
#   the publisher's after the initial copy and after inserts, updates and
#   deletes, the subscriber's index searches equal exact searches, and its
#   indexes pass vector_db_index_check;
# - logical decoding with wal2json, where each vector column comes out in
#   its text form.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# One cluster: the publisher is database postgres, the subscriber database
# sub, each subscription on a slot made beforehand (a subscription cannot
# make its slot on its own cluster).
my $node = PostgreSQL::Test::Cluster->new('cdc');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE sub');
sub on_publisher { return $node->safe_psql('postgres', @_) }
sub on_subscriber { return $node->safe_psql('sub', @_) }

my @modes = ('text', 'binary');
my $columns = 'id int PRIMARY KEY, v vector(3), h halfvec(3), s sparsevec(6), b bit(8)';
# Row i, in values whose text forms are exact (halves and quarters).
sub rows {
	my ($first, $last, $shift) = @_;
	return "SELECT i, ARRAY[i * 0.5 + $shift, -i, (i % 7) * 0.25]::vector,
	ARRAY[(i % 9) * 0.5, $shift - i % 5, 1]::halfvec,
	format('{%s:%s,6:%s}/6', i % 4 + 1, i * 0.25 + $shift, -i % 3 - 1)::sparsevec,
	(i * 37 + $shift)::int::bit(8)
FROM generate_series($first, $last) i";
}
my $setup = 'CREATE EXTENSION vector_db;';
$setup .= "CREATE TABLE t_$_ ($columns);" for @modes;
on_subscriber($setup);
on_publisher($setup . join('', map {
	"INSERT INTO t_$_ " . rows(1, 300, 0) . "; CREATE PUBLICATION pub_$_ FOR TABLE t_$_;" } @modes));
# Some builds list the output plugins a slot may name (output_plugin_libraries).
my $wal2json = -e $node->config_data('--pkglibdir') . '/wal2json.so';
if ($wal2json && on_publisher("SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'")) {
	on_publisher('ALTER SYSTEM SET output_plugin_libraries = pgoutput, test_decoding, wal2json');
	$node->reload;
}
# Decoding starts where the slot is made: before the changes below.
on_publisher("SELECT pg_create_logical_replication_slot('w2j', 'wal2json')") if $wal2json;

on_publisher(join('', map { "SELECT pg_create_logical_replication_slot('sub_$_', 'pgoutput');" } @modes));
my $connstr = $node->connstr . ' dbname=postgres';
on_subscriber(join(";\n", map {
	"CREATE SUBSCRIPTION sub_$_ CONNECTION '$connstr' PUBLICATION pub_$_ WITH (create_slot = false, binary = "
	  . ($_ eq 'binary' ? 'true' : 'false') . ')' } @modes));
$node->wait_for_subscription_sync($node, "sub_$_", 'sub') for @modes;

# Indexes built on the copied rows; the changes below reach them as inserts.
on_subscriber(join('', map { "
CREATE INDEX t_${_}_v ON t_$_ USING hnsw (v vector_l2_ops);
CREATE INDEX t_${_}_s ON t_$_ USING hnsw (s sparsevec_l2_ops);
CREATE INDEX t_${_}_b ON t_$_ USING hnsw (b bit_hamming_ops);
CREATE INDEX t_${_}_h ON t_$_ USING ivf (h halfvec_l2_ops) WITH (lists = 3);" } @modes));

# For each indexed column: the distances of the top 10 to a query (distances,
# not ids: bits and halves tie), by index on the subscriber and exactly on
# the publisher.
my %queries = (
	v => ['<->', '[3,-2,0.5]'],
	s => ['<->', '{1:2,6:-1}/6'],
	b => ['<~>', '10110001'],
	h => ['<->', '[1,-1,1]'],
);
# One line per check (each psql call is a new backend loading the library:
# the checks share a few).
my @checks;
for my $mode (@modes) {
	push @checks, ["$mode mode: the rows",
		"SELECT string_agg(concat_ws('|', id, v, h, s, b), ';' ORDER BY id) FROM t_$mode"];
	for my $col (sort keys %queries) {
		my ($op, $q) = @{ $queries{$col} };
		push @checks, ["$mode mode: the top 10 by $col",
			"SELECT string_agg(d::text, ',') FROM (SELECT $col $op '$q' AS d FROM t_$mode ORDER BY $col $op '$q' LIMIT 10) s"];
	}
}
my $by_index = 'SET enable_seqscan = off; SET hnsw.ef_search = 400; SET ivf.probes = 3;';
my @indexes = sort map { my $mode = $_; map { "t_${mode}_$_" } keys %queries } @modes;
sub same_as_publisher {
	my ($when) = @_;
	my $sql = join(";\n", map { $_->[1] } @checks);
	my @expected = split /\n/, on_publisher($sql);
	my @got = split /\n/, on_subscriber("$by_index $sql");
	is($got[$_], $expected[$_], "$when, $checks[$_][0]: the publisher's (exact), the subscriber's by index")
		for 0 .. $#checks;
	my $plans = on_subscriber("$by_index " . join('', map { "EXPLAIN (COSTS OFF) $_->[1];" }
		grep { $_->[0] =~ /top 10/ } @checks));
	my @used = sort $plans =~ /Index Scan using (t_\w+)/g;
	is(join(',', @used), join(',', @indexes),
		"$when: each search used its column's index");
	my ($ret, $out, $err) = $node->psql('sub',
		"SELECT count(vector_db_index_check(c.oid, true)) FROM pg_class c WHERE relname IN (" . join(', ', map { "'$_'" } @indexes) . ')');
	is("$ret $out", '0 8', "$when: the 8 subscriber indexes pass vector_db_index_check") or diag($err);
}
same_as_publisher('after the initial copy');

on_publisher(join('', map { "INSERT INTO t_$_ " . rows(301, 400, 0) . ";
UPDATE t_$_ t SET v = r.v, h = r.h, s = r.s, b = r.b FROM (" . rows(1, 300, 3) . ") r(id, v, h, s, b)
WHERE t.id = r.id AND t.id % 4 = 0;
DELETE FROM t_$_ WHERE id % 6 = 1;" } @modes));
$node->wait_for_catchup("sub_$_") for @modes;
same_as_publisher('after inserts, updates and deletes');

SKIP: {
	skip 'wal2json is not installed', 4 unless $wal2json;
	on_publisher(q{
INSERT INTO t_text VALUES (100001, '[1,2.5,-3]', '[0.5,-1,2]', '{1:1.5,4:-2}/6', '10100101');
UPDATE t_text SET v = '[-0.25,0,1e-3]' WHERE id = 100001;});
	my @changes = map { decode_json($_) } split /\n/, on_publisher(
		"SELECT data FROM pg_logical_slot_get_changes('w2j', NULL, NULL, 'format-version', '2', 'add-tables', 'public.t_text')");
	my ($insert) = grep { $_->{action} eq 'I' && ($_->{columns}[0]{value} // 0) == 100001 } @changes;
	my ($update) = grep { $_->{action} eq 'U' && ($_->{columns}[0]{value} // 0) == 100001 } @changes;
	my %inserted = map { $_->{name} => $_->{value} } @{ $insert->{columns} // [] };
	is_deeply([@inserted{qw(v h s b)}], ['[1,2.5,-3]', '[0.5,-1,2]', '{1:1.5,4:-2}/6', '10100101'],
		'wal2json: an insert shows vector, halfvec, sparsevec and bit in their text forms');
	my %types = map { $_->{name} => $_->{type} } @{ $insert->{columns} // [] };
	is_deeply([@types{qw(v h s b)}], ['vector(3)', 'halfvec(3)', 'sparsevec(6)', 'bit(8)'],
		'wal2json: with their type names and dimensions');
	my %updated = map { $_->{name} => $_->{value} } @{ $update->{columns} // [] };
	is($updated{v}, '[-0.25,0,0.001]', 'wal2json: an update shows the new vector');
	cmp_ok(scalar(grep { $_->{action} eq 'D' } @changes), '>', 0, 'wal2json: the deletes were decoded too');
}
$node->stop;
done_testing();
