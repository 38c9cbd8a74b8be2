# Helpers shared by the ivf TAP tests (the data and recall helpers come from
# hnsw_common.pm).
package ivf_common;

use strict;
use warnings;
use Exporter 'import';
use Test::More;

our @EXPORT = qw(check_ivf_indexes ivf_recall);

# vector_db_index_check with heapallindexed on every ivfflat and ivf index
# (hnsw_common's check_indexes).
sub check_ivf_indexes {
	my ($node, $db, $name) = @_;
	return hnsw_common::check_indexes($node, $db, $name, 'ivfflat', 'ivf');
}

# Mean recall@10 over the queries table with the given settings.
sub ivf_recall {
	my ($node, $db, $settings, $col, $op) = @_;
	return $node->safe_psql($db, "$settings SELECT recall('items', '$col', '$op', 'queries', 10)");
}

1;
