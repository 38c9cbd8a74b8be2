# Load: two minutes of 8 pgbench clients per index type (hnsw, ivfflat and
# ivf with sq8, each on its own table and metric, all at once) inserting,
# updating, deleting, searching (some searches checked against an exact
# scan) and vacuuming (see load_common.pm for what passes).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use load_common;

run_load_tests(
	{ name => 'hnsw_load', op => '<->',
	  index => 'USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)',
	  settings => { 'hnsw.ef_search' => 100 } },
	{ name => 'ivfflat_load', op => '<=>',
	  index => 'USING ivfflat (v vector_cosine_ops) WITH (lists = 20)',
	  settings => { 'ivfflat.probes' => 16 } },
	{ name => 'ivf_sq8_load', op => '<#>',
	  index => q{USING ivf (v vector_ip_ops) WITH (lists = 20, quantizer = 'sq8')},
	  settings => { 'ivf.probes' => 16 } });
done_testing();
