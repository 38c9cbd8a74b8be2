# A corrupted sparse element locator is caught: vector_db_index_check and an
# index scan raise XX002 (index_corrupted) instead of reading the wrong page.
# The locator of node 0 sits in the first graph page (block 1) at the
# geometry's vector_area_offset, read from the metapage (block 0) on disk.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $node = PostgreSQL::Test::Cluster->new('sparse_corruption');
init_for_page_edits($node);
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE TABLE items (id int, s sparsevec(100));
INSERT INTO items SELECT i, ('{' || i % 100 + 1 || ':1,' || (i * 7) % 100 + 1 || ':2}/100')::sparsevec
FROM generate_series(1, 50) i WHERE i % 100 <> (i * 7) % 100;
CREATE INDEX idx ON items USING hnsw (s sparsevec_l2_ops);
});
my ($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('idx', true)");
is($ret, 0, 'intact index passes the check') or diag($err);
my $path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('idx')");
$node->stop;

# Metapage contents start at byte 24 (the page header); the geometry follows
# 20 bytes of header fields, and vector_area_offset is its 7th uint32.
open(my $fh, '+<:raw', $path) or die "open $path: $!";
seek($fh, 24 + 20 + 6 * 4, 0);
read($fh, my $word, 4) == 4 or die 'short read';
my $vector_area_offset = unpack('L<', $word);
ok($vector_area_offset > 24 && $vector_area_offset < 8192, "vector area at $vector_area_offset");
# Node 0's locator: point it at block 1 itself, a graph page, not a pool page.
seek($fh, 8192 + $vector_area_offset, 0);
print $fh pack('L<', 1);
close($fh);
$node->start;

($ret, $out, $err) = $node->psql('postgres', "SELECT vector_db_index_check('idx')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'check fails');
like($err, qr/XX002/, 'with SQLSTATE XX002');
like($err, qr/Node 0: sparse element locator out of place/, 'naming the node and the violation');

($ret, $out, $err) = $node->psql('postgres',
	"SET enable_seqscan = off; SET hnsw.ef_search = 100; SELECT id FROM items ORDER BY s <-> '{1:1}/100' LIMIT 60",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'a scan that reaches the node fails');
like($err, qr/XX002/, 'with SQLSTATE XX002 too');

$node->stop;
done_testing();
