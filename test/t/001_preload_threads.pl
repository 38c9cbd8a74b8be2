# Loading vector_db leaves the postmaster single-threaded.
#
# The postmaster forks every backend. fork() copies only the calling thread,
# so a thread started in the postmaster (OpenBLAS's "pthread" flavour starts
# its pool when the library is loaded) would be missing from every child
# while its locks and state were copied half-way, and a postmaster with more
# than one thread can run its signal handlers on the wrong thread. PostgreSQL
# assumes a single-threaded postmaster. vector_db uses OpenBLAS's OpenMP
# flavour for FAISS, whose threads start only inside a parallel region, i.e.
# only while a backend trains (src/core/threads/parallel_section.h), and
# opens it only then (lazy_blas.h): the postmaster never maps it. This
# test preloads the library and counts the postmaster's threads before and
# after a backend has used it.
#
# Counting a running postmaster's threads is not enough on its own: the
# pthread flavour of OpenBLAS does start a thread when the postmaster loads
# it, but it also registers a pthread_atfork handler that stops its pool at
# the postmaster's first fork (the startup process), so by the time a test
# can look, the thread is gone (strace shows clone3 ... exit). So the test
# also counts threads in single-user mode, where the library is preloaded
# the same way and no fork happens: there the pthread flavour shows 2
# threads on a 2-core machine, ours 1.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preload');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'vector_db'");

# Single-user mode: preloads like a postmaster, never forks.
my $single_user_sql = q{
SELECT 'loaded=' || (pg_read_file('/proc/self/maps') ~ 'vector_db\.so')
SELECT 'threads=' || (regexp_match(pg_read_file('/proc/self/status'), 'Threads:\s+(\d+)'))[1]
};
my ($out, $err);
IPC::Run::run([ 'postgres', '--single', '-D', $node->data_dir, 'postgres' ],
	'<', \$single_user_sql, '>', \$out, '2>', \$err)
  or die "single-user mode failed: $err";
like($out, qr/"loaded=true"/, 'single-user mode preloads vector_db');
like($out, qr/"threads=1"/, 'loading vector_db starts no thread before any fork');

$node->start;

# The pid on the first line of postmaster.pid.
sub postmaster_pid
{
	open(my $fh, '<', $node->data_dir . '/postmaster.pid') or die "postmaster.pid: $!";
	my $pid = <$fh>;
	close($fh);
	chomp($pid);
	return $pid;
}

# The Threads: line of /proc/PID/status.
sub thread_count
{
	my ($pid) = @_;
	my $status = slurp_file("/proc/$pid/status");
	$status =~ /^Threads:\s+(\d+)/m or die "no Threads: line for $pid";
	return $1;
}

# Whether a process has a shared object matching the pattern mapped.
sub has_mapped
{
	my ($pid, $pattern) = @_;
	return slurp_file("/proc/$pid/maps") =~ $pattern ? 1 : 0;
}

my $pid = postmaster_pid();
ok(has_mapped($pid, qr{/vector_db\.so$}m), 'postmaster has vector_db.so loaded');
# OpenBLAS is opened only when a backend first trains (lazy_blas.h).
ok(!has_mapped($pid, qr{libopenblas}m), 'postmaster has no OpenBLAS loaded');
ok(has_mapped($pid, qr{/libgomp\.so}m), 'postmaster has libgomp loaded');
is(thread_count($pid), 1, 'postmaster is single-threaded after preloading vector_db');

# A backend that creates the extension and runs a distance query through the
# library.
is($node->safe_psql('postgres', q{
	CREATE EXTENSION vector_db;
	SELECT '[1,2,3]'::vector <-> '[4,6,15]';
}), '13', 'a distance query runs in a preloaded server');
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'vector_db'}),
	'0.2.0', 'extension created in a preloaded server');

# A backend inherits the library from the postmaster and is single-threaded
# too until it trains an index.
my ($backend_threads, $backend_mapped) = split /\|/, $node->safe_psql('postgres', q{
	SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
	                     'Threads:\s+(\d+)'))[1],
	       pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ 'vector_db\.so'
});
is($backend_threads, 1, 'a backend is single-threaded');
is($backend_mapped, 't', 'a backend has vector_db.so mapped');

# A backend that trains opens the OpenMP flavour.
is($node->safe_psql('postgres', q{
	CREATE TABLE items AS SELECT i AS id, ARRAY[i % 7, i % 3]::vector(2) AS v FROM generate_series(1, 100) i;
	CREATE INDEX ON items USING ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'sq8');
	SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ 'openblas-openmp/libopenblas';
}), 't', 'a backend that trains an ivf index opens the OpenMP flavour of OpenBLAS');

is(thread_count($pid), 1, 'postmaster is still single-threaded after backends used vector_db');
is(postmaster_pid(), $pid, 'postmaster did not restart');

$node->stop;
done_testing();
