# Load: two minutes of 8 pgbench clients inserting, updating, deleting,
# searching (some searches checked against an exact scan) and vacuuming a
# table with an ivfflat index (see load_common.pm for what passes).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use load_common;

run_load_test(name => 'ivfflat_load', op => '<=>',
	index => 'USING ivfflat (v vector_cosine_ops) WITH (lists = 20)',
	settings => { 'ivfflat.probes' => 16 });
done_testing();
