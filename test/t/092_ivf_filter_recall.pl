# Filter columns of ivfflat and ivf indexes (docs/ivf.md, "Filter
# columns"): on 3,000 seeded random rows, a filtered top-10 with the filter
# tested on the list entries returns exactly 10 rows whenever 10 qualify
# and finds at least 95% of the exact answer, at about 10% and 1%
# selectivity, for equality, = ANY and label overlap: ivf indexes with
# flat and with sq8 lists on 2,000 rows, then an ivfflat index with 1,000
# rows more inserted into its lists and through the fastupdate pending
# area. (Compaction and rebalancing carry the words: regress filter_ivf.)
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use hnsw_common;
use filter_common;

my $node = PostgreSQL::Test::Cluster->new('ivf_filter');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vector_db');
# 30 lists of 67 to 100 rows; probes = 24 finds 99% of an unfiltered top
# 10 of such uniform rows, so a filtered scan must find 95%.
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET ivf.probes = 24');
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET ivfflat.probes = 24');
create_filter_tables($node);
# = ANY reaches an ivf scan as a key from PostgreSQL 17 on; before, it is
# a Filter above an unfiltered scan, whose recall is not this test's.
my $iterative = $node->safe_psql('postgres', 'SHOW server_version_num') >= 170000 ? '' : undef;

add_filter_rows($node, 1, 2000);
for my $case ([ 'ivf_flat', 'ivf', "quantizer = 'flat'" ], [ 'ivf_sq8', 'ivf', "quantizer = 'sq8'" ]) {
	my ($index, $am, $options) = @$case;
	$node->safe_psql('postgres',
		"CREATE INDEX $index ON items USING $am (v vector_l2_ops, t10, t100, labels) WITH (lists = 30, $options)");
	check_filtered_recall($node, $index, 'built', $iterative);
	$node->safe_psql('postgres', "DROP INDEX $index");
}

# ivfflat through inserts into the lists and the pending area.
$node->safe_psql('postgres',
	'CREATE INDEX flat_idx ON items USING ivfflat (v vector_l2_ops, t10, t100, labels) WITH (lists = 30)');
add_filter_rows($node, 2001, 2500);
$node->safe_psql('postgres', 'ALTER INDEX flat_idx SET (fastupdate = on)');
add_filter_rows($node, 2501, 3000);
cmp_ok($node->safe_psql('postgres', "SELECT pending FROM vector_db_index_stats('flat_idx')"), '>', 0,
	'the last rows wait in the pending area');
check_filtered_recall($node, 'flat_idx', 'inserted', $iterative);

$node->stop;
done_testing();
