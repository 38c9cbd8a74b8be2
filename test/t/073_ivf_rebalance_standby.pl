# Rebalance of ivfflat and ivf (sq8) indexes on a primary with a streaming
# standby, both with wal_consistency_checking: half the rows replaced by
# shifted ones, one rebalance each (new layout, switch, old pages freed,
# layout moved down, lists packed, tail truncated); the standby replays it,
# returns the primary's top 10 at few probes, and both indexes pass the
# check on both servers, before and after inserts into the new lists.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use ivf_common;

my ($primary, $standby) = start_primary_and_standby('ivfr_');
$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 2000);
$primary->safe_psql('postgres', q{
CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = 6);
CREATE INDEX sq8_idx ON items USING ivf (v vector_l2_ops) WITH (lists = 6, quantizer = 'sq8');
DELETE FROM items WHERE id % 2 = 0;
INSERT INTO items SELECT i, (SELECT array_agg(2 + sin(i * 0.731 + j * 1.37) / 2)::float4[]
	FROM generate_series(1, 8) j)::vector FROM generate_series(3001, 4000) i;
VACUUM items;
});
my $q = '[' . join(',', map { sprintf('%.3f', 2 + cos($_) / 2) } 1 .. 8) . ']';
my %queries = (
	ivfflat => "SET enable_seqscan = off; SET ivfflat.probes = 2; "
	  . "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10) s",
	ivf => "SET enable_seqscan = off; SET ivf.probes = 2; "
	  . "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10) s",
);
my %index = (ivfflat => 'flat_idx', ivf => 'sq8_idx');

for my $am (sort keys %index) {
	$primary->safe_psql('postgres', "SELECT vector_db_rebalance('$index{$am}')");
	is($primary->safe_psql('postgres', "SELECT rows_since_training FROM vector_db_index_stats('$index{$am}')"),
		'0', "$am: no row added since the rebalance trained the lists");
	standby_matches_primary($primary, $standby, 'postgres', $queries{$am}, "$am after rebalance");
}
check_ivf_indexes($primary, 'postgres', 'primary after rebalance');
check_ivf_indexes($standby, 'postgres', 'standby after rebalance');

fill_random($primary, 'postgres', 'items', 'vector', 8, 5001, 5300);
for my $am (sort keys %index) {
	standby_matches_primary($primary, $standby, 'postgres', $queries{$am}, "$am after inserts");
}
standby_checks_and_stop($primary, $standby, 'after inserts');
done_testing();
