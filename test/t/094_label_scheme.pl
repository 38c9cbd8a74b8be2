# Integer labels from 0 to 63 take a signature bit each in the filter words
# of indexes made now (vdb::LabelScheme::kSmallIntegers, core/filter.h), so
# a label qual lets no row through wrongly: EXPLAIN ANALYZE shows no row
# removed by the recheck. Indexes made before keep two hashed bits a label
# (hnsw format 4; an ivf metapage without IVF_META_SMALL_LABELS) for the
# rows they had and the rows inserted later: made here by rewriting an
# empty index's metapage with the server stopped, then filled by inserts.
# Results through either kind of index are those of a sequential scan.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('label_scheme');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE FUNCTION fill(tab text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO %I SELECT i, ARRAY[sin(i), cos(i), sin(2 * i), cos(3 * i)]::vector, '
	               'ARRAY[i %% 50, (i / 50) %% 50, (i * 7) %% 50] FROM generate_series(1, 3000) i', tab);
END $$;
CREATE TABLE new_hnsw (id int, v vector(4), labels int[]);
CREATE TABLE old_hnsw (LIKE new_hnsw);
CREATE TABLE new_ivf (LIKE new_hnsw);
CREATE TABLE old_ivf (LIKE new_hnsw);
SELECT fill('new_hnsw'), fill('new_ivf');
CREATE INDEX new_hnsw_idx ON new_hnsw USING hnsw (v vector_l2_ops, labels);
CREATE INDEX old_hnsw_idx ON old_hnsw USING hnsw (v vector_l2_ops, labels);
CREATE INDEX new_ivf_idx ON new_ivf USING ivfflat (v vector_l2_ops, labels) WITH (lists = 4);
CREATE INDEX old_ivf_idx ON old_ivf USING ivfflat (v vector_l2_ops, labels) WITH (lists = 4);
});

# The metapages, block 0 of each file: contents from byte 24 (after the
# page header), the format version at 28. hnsw's label_scheme byte is at
# 104 (hnsw_storage.cpp static_asserts it), ivf's flags word at 76.
# Returns `length` bytes of `file` at `offset`; with `replace`, writes that
# there in their place.
sub metapage_bytes {
	my ($file, $offset, $length, $replace) = @_;
	open(my $fh, '+<', $file) or die "open $file: $!";
	binmode $fh;
	seek($fh, $offset, 0) and read($fh, my $old, $length) == $length or die "read $file: $!";
	if (defined $replace) {
		seek($fh, $offset, 0) and print $fh $replace or die "write $file: $!";
	}
	close($fh) or die "close $file: $!";
	return $old;
}
my %file = map { $_ => $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$_')") }
  qw(old_hnsw_idx old_ivf_idx);
$node->stop;
is(unpack('V', metapage_bytes($file{old_hnsw_idx}, 28, 4, pack('V', 4))), 5, 'hnsw indexes are made in format 5');
is(unpack('C', metapage_bytes($file{old_hnsw_idx}, 24 + 104, 1, "\0")), 1, 'with the small-integer label scheme');
my $flags = unpack('V', metapage_bytes($file{old_ivf_idx}, 24 + 52, 4));
is($flags & 2, 2, 'ivf indexes are made with IVF_META_SMALL_LABELS');
metapage_bytes($file{old_ivf_idx}, 24 + 52, 4, pack('V', $flags & ~2));
$node->start;
$node->safe_psql('postgres', q{SELECT fill('old_hnsw'), fill('old_ivf')});

# Rows the recheck removed from a label scan of `table` through its index
# (no LIMIT: every row the index lets through is rechecked); the scan must
# return what a sequential scan does.
sub removed_by_recheck {
	my ($table, $qual) = @_;
	my $query = "SELECT id FROM $table WHERE $qual ORDER BY v <-> '[0.5,0.5,0.5,0.5]'";
	my $settings = 'SET enable_seqscan = off; SET enable_bitmapscan = off; SET ivfflat.probes = 4;';
	my $plan = $node->safe_psql('postgres', "$settings EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $query");
	like($plan, qr/Index Scan using ${table}_idx/, "$table, $qual: the scan uses the index");
	my $via_index = $node->safe_psql('postgres', "$settings SELECT array_agg(id ORDER BY id) FROM ($query) s");
	my $exact = $node->safe_psql('postgres', "SELECT array_agg(id ORDER BY id) FROM $table WHERE $qual");
	is($via_index, $exact, "$table, $qual: the rows a sequential scan finds");
	my ($removed) = $plan =~ /Rows Removed by Index Recheck: (\d+)/;
	return $removed // 0;
}

for my $am ('hnsw', 'ivf') {
	for my $qual ("labels && '{7}'", "labels && '{3,41}'", "labels @> '{7,14}'") {
		is(removed_by_recheck("new_$am", $qual), 0, "$am, $qual: no row passes wrongly under small-integer labels");
		my $hashed = removed_by_recheck("old_$am", $qual);
		# Two labels' four hashed bits seldom all lie in a row's six.
		cmp_ok($hashed, '>', 0, "$am, $qual: some do under hashed labels") if $qual =~ /&&/;
	}
	is($node->safe_psql('postgres', "SELECT vector_db_index_check('old_${am}_idx', true)"), '',
		"$am: the index of hashed labels passes the index check");
}
$node->stop;
is(unpack('V', metapage_bytes($file{old_hnsw_idx}, 28, 4)), 5, 'the inserts wrote the hnsw metapage in format 5');
is(unpack('C', metapage_bytes($file{old_hnsw_idx}, 24 + 104, 1)), 0, 'keeping its hashed label scheme');
done_testing();
