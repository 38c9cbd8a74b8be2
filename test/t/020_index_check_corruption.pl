# vector_db_index_check names corruption instead of reading through it: an
# hnsw node that no level-0 link reaches, a link count, a level and an upper
# link offset beyond their space, a link to an id never handed out, a
# filter directory word that is not its element's, and an ivf page count
# beyond the page.
# Index scans over the bad counts raise XX002 too instead of reading past the
# page. The files are edited while the server is stopped, through the
# layout the metapage (block 0) gives.
#
# Every table has 30 rows, fewer than 2m + 1 (m = 16): no level-0 list ever
# fills and is pruned, so each intact index has every node reachable.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('check_corruption');
init_for_page_edits($node);
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db; CREATE TABLE items (id int, v vector(8))');
fill_random($node, 'postgres', 'items (id, v)', 'vector', 8, 1, 30);
my @hnsw = qw(reach bound level upper linkid words dirmeta);
my %using = (ivf => 'ivfflat (v vector_l2_ops) WITH (lists = 2)', words => 'hnsw (v vector_l2_ops, id)',
	dirmeta => 'hnsw (v vector_l2_ops, id)');
for my $name (@hnsw, 'ivf') {
	$node->safe_psql('postgres', "CREATE TABLE t_$name AS SELECT * FROM items");
	my $using = $using{$name} // 'hnsw (v vector_l2_ops)';
	$node->safe_psql('postgres', "SET max_parallel_maintenance_workers = 0; CREATE INDEX i_$name ON t_$name USING $using");
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('i_$name', true)");
	is($ret, 0, "intact $name index passes the check") or diag($err);
}
my %path = map { $_ => $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('i_$_')") }
  (@hnsw, 'ivf');
$node->stop;

my $page_size = 8192;

sub read_block {
	my ($path, $block) = @_;
	open(my $fh, '<:raw', $path) or die "open $path: $!";
	seek($fh, $block * $page_size, 0);
	read($fh, my $page, $page_size) == $page_size or die 'short read';
	close($fh);
	return $page;
}

sub write_block {
	my ($path, $block, $page) = @_;
	open(my $fh, '+<:raw', $path) or die "open $path: $!";
	seek($fh, $block * $page_size, 0);
	print $fh $page;
	close($fh);
}

# The hnsw metapage: 24 bytes of page header, 20 of header fields, then the
# geometry (10 uint32), node_count, entry_point.
sub hnsw_meta {
	my ($path) = @_;
	my @w = unpack('L<*', substr(read_block($path, 0), 44, 48));
	return { group_nodes => $w[1], record_bytes => $w[3], upper_area_offset => $w[5],
		vector_area_offset => $w[6], node_count => $w[10], entry_point => $w[11] };
}

# Node records of group 0 (block 1): tid (6 bytes), level, flags,
# upper_offset (uint16), upper_capacity, unused, count (uint16), links.
sub record_offset { my ($meta, $id) = @_; return 24 + $id * $meta->{record_bytes}; }

sub level0_links {
	my ($page, $meta, $id) = @_;
	my $rec = record_offset($meta, $id);
	my $count = unpack('S<', substr($page, $rec + 12, 2));
	return unpack('L<*', substr($page, $rec + 16, 4 * $count));
}

for my $name (@hnsw) {
	my $meta = hnsw_meta($path{$name});
	cmp_ok($meta->{node_count}, '<=', $meta->{group_nodes}, "$name: every node in group 0");
}

# reach: node $target is taken out of every level-0 list that names it.
my $meta = hnsw_meta($path{reach});
my $target = $meta->{entry_point} == 0 ? 1 : 0;
my $page = read_block($path{reach}, 1);
my $removed = 0;
for my $id (0 .. $meta->{node_count} - 1) {
	my @links = level0_links($page, $meta, $id);
	my @kept = grep { $_ != $target } @links;
	next if @kept == @links;
	$removed++;
	my $rec = record_offset($meta, $id);
	substr($page, $rec + 12, 2) = pack('S<', scalar @kept);
	substr($page, $rec + 16, 4 * @kept) = pack('L<*', @kept) if @kept;
}
write_block($path{reach}, 1, $page);
cmp_ok($removed, '>=', 1, "node $target was linked from $removed nodes");

# bound: a level-0 count far beyond the 32 links a record holds (and the page).
$meta = hnsw_meta($path{bound});
my $victim = $meta->{entry_point};
$page = read_block($path{bound}, 1);
substr($page, record_offset($meta, $victim) + 12, 2) = pack('S<', 65535);
write_block($path{bound}, 1, $page);

# level: a level no node can have.
$meta = hnsw_meta($path{level});
$page = read_block($path{level}, 1);
substr($page, record_offset($meta, 3) + 6, 1) = pack('C', 200);
write_block($path{level}, 1, $page);

# upper: node 3 claims one upper level whose list lies in the vector area.
$meta = hnsw_meta($path{upper});
$page = read_block($path{upper}, 1);
my $rec = record_offset($meta, 3);
substr($page, $rec + 6, 1) = pack('C', 1);
substr($page, $rec + 8, 3) = pack('S<C', 8000, 1);
write_block($path{upper}, 1, $page);

# linkid: the entry point's first level-0 link names an id never handed out.
$meta = hnsw_meta($path{linkid});
my $linker = $meta->{entry_point};
$page = read_block($path{linkid}, 1);
substr($page, record_offset($meta, $linker) + 16, 4) = pack('L<', 0xFFFFFF00);
write_block($path{linkid}, 1, $page);

# words: an index with a filter column keeps a filter directory before its
# groups (block 1, its metapage's directory fields set); the first word,
# node 0's, no longer matches the word its element carries.
my @directory = unpack('L<2', substr(read_block($path{words}, 0), 44 + 32, 8));
ok($directory[0] > 0 && $directory[1] == 1, 'an index with one filter column has a directory of one column');
$page = read_block($path{words}, 1);
substr($page, 24, 8) = pack('Q<', unpack('Q<', substr($page, 24, 8)) ^ 1);
write_block($path{words}, 1, $page);

# dirmeta: the metapage loses its directory's group count but keeps its
# column count (positions in the directory divide by the group count).
$page = read_block($path{dirmeta}, 0);
substr($page, 44 + 32, 4) = pack('L<', 0);
write_block($path{dirmeta}, 0, $page);

# ivf: the first data page (page kind 4 in the special space) counts more
# tuples than fit.
my $ivf_blocks = (-s $path{ivf}) / $page_size;
my ($data_block) = grep { unpack('S<', substr(read_block($path{ivf}, $_), $page_size - 8, 2)) == 4 } 0 .. $ivf_blocks - 1;
ok(defined $data_block, 'ivf index has a data page');
$page = read_block($path{ivf}, $data_block);
substr($page, 24 + 4, 4) = pack('L<', 100000);
write_block($path{ivf}, $data_block, $page);

$node->start;

sub check_fails {
	my ($name, $detail, $what) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('i_$name')",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$what: check fails");
	like($err, qr/XX002/, "$what: with SQLSTATE XX002");
	like($err, $detail, "$what: naming the node and the violation") or diag($err);
}

check_fails('reach', qr/Node \d+: live node unreachable from the entry point on level 0 \(\d+\)/,
	'an unreachable node');
check_fails('bound', qr/Node $victim: too many links \(65535\)/, 'a link count beyond its record');
check_fails('level', qr/Node 3: level out of range \(200\)/, 'a level beyond the maximum');
check_fails('upper', qr/Node 3: upper links outside the upper area \(8000\)/, 'an upper list in the vector area');
check_fails('linkid', qr/Node $linker: link to an invalid node \(4294967040\)/, 'a link to an id never handed out');
check_fails('words', qr/Node 0: filter directory word differs from the element's in column \(0\)/,
	'a filter directory word that is not its element\'s');
check_fails('dirmeta', qr/Metapage: filter directory columns \(1\)/, 'directory columns without directory groups');
check_fails('ivf', qr/List \d+, page $data_block: page holds more tuples than fit \(100000\)/,
	'an ivf page count beyond the page');

# Scans reach the bad records through HnswReadNode, which bounds them first.
for my $case ([ 'bound', qr/too many links/ ], [ 'upper', qr/upper links outside the upper area/ ],
	[ 'linkid', qr/link to an invalid node/ ]) {
	my ($name, $detail) = @$case;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET enable_seqscan = off; SET hnsw.ef_search = 100; SELECT id FROM t_$name ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 30",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$name: a scan that reaches the node fails");
	like($err, qr/XX002/, "$name: with SQLSTATE XX002");
	like($err, $detail, "$name: naming the violation");
}
# The server survived all of it.
is($node->safe_psql('postgres', 'SELECT count(*) FROM items'), '30', 'server still answers');

$node->stop;
done_testing();
