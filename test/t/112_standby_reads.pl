# Read scale on standbys (docs/scale-out.md): a primary and two streaming
# standbys. A client's multi-host connection string with
# target_session_attrs=prefer-standby skips the primary, and a client that
# orders the standbys differently (PostgreSQL 15's libpq has no
# load_balance_hosts: the client shuffles the list) lands on each of them;
# searches there return the primary's top-10 once replay has caught up.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->backup('backup');
my @standbys = map { PostgreSQL::Test::Cluster->new("standby$_") } 1 .. 2;
for my $standby (@standbys) {
	$standby->init_from_backup($primary, 'backup', has_streaming => 1);
	$standby->start;
}

$primary->safe_psql('postgres', q{
CREATE EXTENSION vector_db;
CREATE TABLE items (id int, v vector(8));
CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 64, quantizer = 'flat');
});
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 2000);
my $search = q{SET hnsw.ef_search = 100;
SELECT current_setting('port') || ':' || string_agg(id::text, ',')
FROM (SELECT id FROM items ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s};
my ($top10) = $primary->safe_psql('postgres', $search) =~ /:(.*)/;
$primary->wait_for_catchup($_, 'replay', $primary->lsn('insert')) for @standbys;

# The primary first, then the standbys in this client's order.
sub search_via {
	my @order = @_;
	my $connstr = sprintf('host=%s port=%s dbname=postgres target_session_attrs=prefer-standby',
		join(',', map { $_->host } $primary, @order), join(',', map { $_->port } $primary, @order));
	my ($rc, $out, $err) = $primary->psql('postgres', $search, connstr => $connstr);
	return $out;
}
for my $order ([ @standbys ], [ reverse @standbys ]) {
	my $first = $order->[0];
	is(search_via(@$order), $first->port . ":$top10", 'prefer-standby: ' . $first->name . ' serves the primary\'s top-10');
}

# Writes on the primary show on both standbys once replayed.
$primary->safe_psql('postgres', q{INSERT INTO items VALUES (9999, '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]')});
$primary->wait_for_catchup($_, 'replay', $primary->lsn('insert')) for @standbys;
for my $order ([ @standbys ], [ reverse @standbys ]) {
	like(search_via(@$order), qr/^\d+:9999,/, $order->[0]->name . ': a new row is found after catch-up');
}
done_testing();
