# Load: two minutes of 8 pgbench clients inserting, updating, deleting,
# searching (some searches checked against an exact scan) and vacuuming a
# table with an ivf sq8 index (see load_common.pm for what passes).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use load_common;

run_load_test(name => 'ivf_sq8_load', op => '<#>',
	index => q{USING ivf (v vector_ip_ops) WITH (lists = 20, quantizer = 'sq8')},
	settings => { 'ivf.probes' => 16 });
done_testing();
