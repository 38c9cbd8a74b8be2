# WAL of the ivf pending area (fastupdate): a streaming standby, with
# wal_consistency_checking comparing every replayed generic-WAL page image,
# returns the primary's top 10 while rows are pending (the standby reads
# its pending area too), after vector_db_merge, after VACUUM (dead pending
# rows flagged, the rest merged) and after a compaction (which merges
# first).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('ivf_pending_');

$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 1000);
$primary->safe_psql('postgres',
	"CREATE INDEX idx ON items USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8', fastupdate = on)");

my $query = q{
SET enable_seqscan = off;
SET ivf.probes = 4;
SET ivf.rerank = 100000;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s;
};
pending_standby_rounds($primary, $standby, 'idx', $query);
is($primary->safe_psql('postgres', "SELECT vector_db_merge('idx')"), '0', 'VACUUM merged everything');
fill_random($primary, 'postgres', 'items', 'vector', 8, 4000, 4300);
standby_matches_primary($primary, $standby, 'postgres', $query, 'pending before the compaction');
is($primary->safe_psql('postgres', $query), $primary->safe_psql('postgres', "SET enable_indexscan = off; $query"),
	"the primary's top 10 with rows pending are exact");
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0');
$primary->safe_psql('postgres', "SELECT vector_db_compact('idx')");
standby_matches_primary($primary, $standby, 'postgres', $query, 'compacted');
is($primary->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('idx')"), '0',
	'the compaction merged everything');
standby_checks_and_stop($primary, $standby);
done_testing();
