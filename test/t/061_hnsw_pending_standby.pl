# WAL of the hnsw pending area (fastupdate): a streaming standby, with
# wal_consistency_checking comparing every replayed generic-WAL page image,
# returns the primary's top 10 while rows are pending (the standby searches
# its pending area too), after vector_db_merge and after VACUUM's merge.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;

my ($primary, $standby) = start_primary_and_standby('pending_');

$primary->safe_psql('postgres', 'CREATE EXTENSION vector_db');
$primary->safe_psql('postgres', 'CREATE TABLE items (id int, v vector(8))');
fill_random($primary, 'postgres', 'items', 'vector', 8, 1, 1000);
$primary->safe_psql('postgres',
	'CREATE INDEX idx ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32, fastupdate = on)');

my $query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> '[0.1,-0.2,0.3,-0.4,0.1,0.2,0,0]' LIMIT 10) s;
};
pending_standby_rounds($primary, $standby, 'idx', $query);
is($primary->safe_psql('postgres', "SELECT vector_db_merge('idx')"), '0', 'VACUUM merged everything');
standby_checks_and_stop($primary, $standby);
done_testing();
