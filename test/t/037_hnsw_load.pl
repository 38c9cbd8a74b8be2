# Load: two minutes of 8 pgbench clients inserting, updating, deleting,
# searching (some searches checked against an exact scan) and vacuuming a
# table with an hnsw index (see load_common.pm for what passes).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use load_common;

run_load_test(name => 'hnsw_load', op => '<->',
	index => 'USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)',
	settings => { 'hnsw.ef_search' => 100 });
done_testing();
