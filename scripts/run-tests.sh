#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed, N skipped"
# summing them all; exits non-zero if anything failed. A skipped test (GTEST_SKIP,
# a unittest skip, a TAP skip or skip_all) counts as skipped, never as passed. The SQL-level suites run
# against a private copy of PostgreSQL with this tree's build installed in it,
# started as an unprivileged user on a free loopback port under a temporary
# directory, and stopped at the end.
#
#   scripts/run-tests.sh            all suites
#   scripts/run-tests.sh unit       only the C++ unit tests (no server)
#   scripts/run-tests.sh lint       the C++/Postgres boundary lint (no server)
#   scripts/run-tests.sh asan       the unit tests under ASan + UBSan
#   scripts/run-tests.sh fuzz       a short run of each libFuzzer target (no server)
#   scripts/run-tests.sh as_vector   make install-as-vector, in a private copy
#   scripts/run-tests.sh package     make deb, apt-get install, search, remove (root)
#   VDB_TEST_PACKAGE=1 scripts/run-tests.sh   all suites and package (CI)
#   scripts/run-tests.sh regress e2e   a chosen subset
#   scripts/run-tests.sh drivers   client libraries and ORMs (test/drivers)
#   TAP_TESTS='t/006*' scripts/run-tests.sh tap   some of the TAP files
#   PG_CONFIG=/tmp/pg17/bin/pg_config scripts/run-tests.sh regress
#                                   the SQL suites against another PostgreSQL
#                                   (scripts/test-pg-versions.sh drives this)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh
# make and the TAP tests build and look up against the same PostgreSQL.
export PG_CONFIG
# The copy of vector_db the tests install is the test build, with fault
# points (src/pg/fault.h); the Makefile rebuilds the objects when the flag
# changes, so a later plain make never ships them.
export VDB_FAULT_INJECTION=1

suites=("$@")
# The package suite (make deb, apt-get install into the system, removed
# again) changes the machine's packages for a while, so a developer's make
# test leaves it out; it runs when named, or with VDB_TEST_PACKAGE=1, which
# CI's throwaway machine sets (.ci/run). It runs last of all, so every other
# suite has tested this tree's build before the package is installed.
if [ ${#suites[@]} -eq 0 ]; then
	suites=(lint unit asan fuzz regress isolation tap e2e drivers as_vector)
	[ "${VDB_TEST_PACKAGE:-0}" != 1 ] || suites+=(package)
fi

wants() { [[ " ${suites[*]} " == *" $1 "* ]]; }

total_passed=0
total_failed=0
total_skipped=0
# record SUITE PASSED FAILED [SKIPPED]
record() {
	local skipped=${4:-0}
	echo "== $1: $2 passed, $3 failed, $skipped skipped"
	total_passed=$((total_passed + $2))
	total_failed=$((total_failed + $3))
	total_skipped=$((total_skipped + skipped))
}

jobs=$(nproc)
work_dir vector_db-test
port=""

# run_ctest SUITE BUILD_DIR CMAKE_ARGS...: configures and builds the CMake
# tree in BUILD_DIR and runs its tests (benchmarks left out) as SUITE.
run_ctest() {
	local suite=$1 dir=$2
	shift 2
	cmake -S . -B "$dir" "$@" >"$work/$suite.log" 2>&1 &&
		cmake --build "$dir" -j"$jobs" >>"$work/$suite.log" 2>&1 ||
		{ tail -40 "$work/$suite.log"; record "$suite" 0 1; return; }
	local out
	out=$(cd "$dir" && ctest --output-on-failure -LE benchmark -j"$jobs" 2>&1)
	echo "$out" | tail -15
	local failed total skipped
	read -r failed total < <(echo "$out" | sed -n 's/.* \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p')
	[ -n "$total" ] || { record "$suite" 0 1; return; }
	# ctest lists GTEST_SKIP'd tests under "did not run" as (Skipped).
	skipped=$(echo "$out" | grep -cE '\((Skipped|Disabled)\)$')
	record "$suite" $((total - failed - skipped)) "$failed" "$skipped"
}

run_unit() {
	run_ctest unit .build/cmake -DCMAKE_BUILD_TYPE=Release
}

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer
# (build type Asan in CMakeLists.txt, no benchmarks): any report aborts the
# test that made it. FAISS and OpenBLAS (linked as they are) are not
# instrumented: what they do inside goes unseen.
run_asan() {
	UBSAN_OPTIONS=print_stacktrace=1:${UBSAN_OPTIONS:-} \
		run_ctest asan .build/asan -DCMAKE_BUILD_TYPE=Asan -DVDB_BENCHMARKS=OFF
}

# The C++/Postgres boundary lint (scripts/lint-boundary.py): first its
# self-test on seeded samples, then every glue file.
run_lint() {
	local out samples_ok samples_bad files bad
	out=$(scripts/lint-boundary.py --self-test 2>&1)
	echo "$out" | grep -v '^ok ' || true
	samples_ok=$(echo "$out" | grep -c '^ok self-test')
	samples_bad=$(echo "$out" | grep -c '^FAILED self-test')
	out=$(scripts/lint-boundary.py 2>&1)
	echo "$out" | tail -20
	read -r files bad < <(echo "$out" | sed -n 's/^lint-boundary: \([0-9]*\) files checked, \([0-9]*\) with findings.*/\1 \2/p')
	if [ -z "$files" ] || [ "$samples_ok" -eq 0 ]; then
		record lint "$samples_ok" $((samples_bad + 1))
	else
		record lint $((samples_ok + files - bad)) $((samples_bad + bad))
	fi
}

# The libFuzzer targets of test/fuzz under ASan+UBSan, built by clang in
# .build/fuzz. Each runs FUZZ_RUNS inputs (seed 1, so a run repeats) from its
# committed corpus on and counts as one test; new inputs go to a scratch
# directory, and a crashing input to .build/fuzz/artifacts/.
run_fuzz() {
	CC=clang CXX=clang++ cmake -S . -B .build/fuzz -DCMAKE_BUILD_TYPE=Release >"$work/fuzz.log" 2>&1 &&
		cmake --build .build/fuzz --target fuzzers -j"$jobs" >>"$work/fuzz.log" 2>&1 ||
		{ tail -40 "$work/fuzz.log"; record fuzz 0 1; return; }
	mkdir -p .build/fuzz/artifacts
	local passed=0 failed=0 bin name dict
	for bin in .build/fuzz/test/fuzz/fuzz_*; do
		name=${bin##*/fuzz_}
		dict=()
		[ ! -f "test/fuzz/dict/$name.dict" ] || dict=(-dict="test/fuzz/dict/$name.dict")
		mkdir -p "$work/fuzz/$name"
		if "$bin" -runs="${FUZZ_RUNS:-20000}" -seed=1 "${dict[@]}" -artifact_prefix=".build/fuzz/artifacts/$name-" \
			"$work/fuzz/$name" "test/fuzz/corpus/$name" >"$work/fuzz/$name.log" 2>&1; then
			passed=$((passed + 1))
		else
			echo "fuzz: $name failed"
			tail -30 "$work/fuzz/$name.log"
			failed=$((failed + 1))
		fi
	done
	record fuzz "$passed" "$failed"
}

# Builds, installs into the private copy and starts the shared test cluster.
start_server() {
	[ -z "$bindir" ] || return 0
	build_install || return 1
	port=$(free_port)
	cluster_start "$bindir" "$work/data" "$port" "max_prepared_transactions = 10" "jit = off"
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
}

# Parses pg_regress's summary ("All N tests passed." / "M of N tests failed.").
record_pg_regress() {
	local suite=$1 out=$2 n m
	if n=$(echo "$out" | sed -n 's/.*All \([0-9]*\) tests passed.*/\1/p') && [ -n "$n" ]; then
		record "$suite" "$n" 0
	elif read -r m n < <(echo "$out" | sed -n 's/.* \([0-9]*\) of \([0-9]*\) tests failed.*/\1 \2/p') && [ -n "$n" ]; then
		record "$suite" $((n - m)) "$m"
	else
		record "$suite" 0 1
	fi
}

run_regress() {
	start_server || { record regress 0 1; return; }
	local out
	out=$("$("$PG_CONFIG" --pgxs | xargs dirname)/../test/regress/pg_regress" \
		--bindir="$bindir" --inputdir=. --outputdir="$work/regress" \
		--host=127.0.0.1 --port="$port" --user=postgres --dbname=contrib_regression \
		$(make -s print-REGRESS) 2>&1)
	echo "$out" | grep -E '^(ok|not ok|test |     )' | grep -v '^ok' || true
	[ ! -f "$work/regress/regression.diffs" ] || head -100 "$work/regress/regression.diffs"
	record_pg_regress regress "$out"
}

# The specs share the helpers in test/isolation/helpers.sql (and the
# extension it creates), so the database is made here and pg_isolation_regress
# runs them in it as it is (--use-existing).
run_isolation() {
	local specs
	specs=$(ls test/isolation/specs/*.spec 2>/dev/null | xargs -r -n1 basename | sed 's/\.spec$//')
	[ -n "$specs" ] || return 0
	start_server || { record isolation 0 1; return; }
	"$bindir/createdb" isolation_regression &&
		"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d isolation_regression -f test/isolation/helpers.sql ||
		{ record isolation 0 1; return; }
	local out
	out=$("$("$PG_CONFIG" --pgxs | xargs dirname)/../test/isolation/pg_isolation_regress" \
		--bindir="$bindir" --inputdir=test/isolation --outputdir="$work/isolation" \
		--host=127.0.0.1 --port="$port" --user=postgres --dbname=isolation_regression --use-existing \
		$specs 2>&1)
	echo "$out" | grep -E '^(test |     )' | grep -v ' ok' || true
	[ ! -f "$work/isolation/regression.diffs" ] || head -100 "$work/isolation/regression.diffs"
	record_pg_regress isolation "$out"
}

# TAP suites create their own clusters with PostgreSQL::Test::Cluster, which
# runs initdb, so prove runs as the unprivileged user from a copy of test/t.
run_tap() {
	ls test/t/*.pl >/dev/null 2>&1 || return 0
	start_server || { record tap 0 1; return; }
	make_pg_dir "$work/tap"
	cp -r test/t "$work/tap/t"
	chown -R "$PG_OS_USER" "$work/tap" 2>/dev/null || true
	local perl_lib out
	perl_lib="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/perl"
	# Verbose, so that each skipped subtest shows as "ok N # skip".
	# PostgreSQL 16 and later read the data and log directories from
	# TESTDATADIR and TESTLOGDIR, and fall back to paths relative to each
	# server's own directory, where an archive_command then cannot write.
	out=$(cd "$work/tap" && as_pg_user env PATH="$bindir:$PATH" PERL5LIB="$perl_lib" \
		TESTDIR="$work/tap" TESTDATADIR="$work/tap/tmp_check" TESTLOGDIR="$work/tap/tmp_check/log" PG_REGRESS="$("$PG_CONFIG" --pgxs | xargs dirname)/../test/regress/pg_regress" \
		prove -v -j"$jobs" ${TAP_TESTS:-t/*.pl} 2>&1)
	# Leaves out passing lines, plans and the notes verbose mode prints, but
	# keeps the server's messages a failed test printed with diag().
	echo "$out" | awk '/^# .*(ERROR|DETAIL|HINT|FATAL|PANIC):/ ||
		!/^(ok [0-9]|[0-9]+\.\.[0-9]+$|# [^ ]|#   \x27|#[ \t]*$)/' | tail -30
	local tests failed skipped
	tests=$(echo "$out" | sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p')
	failed=$(echo "$out" | grep -oE 'Failed [0-9]+/[0-9]+ subtests' | awk -F'[ /]' '{s += $2} END {print s + 0}')
	# A file that died with every subtest it ran passed (prove's summary:
	# "(Wstat: ... Failed: 0)", no plan) counts as one failure.
	local died
	died=$(echo "$out" | grep -cE '^t/.*\(Wstat: .*Failed: 0\)$')
	# Skipped subtests are in Tests=; a file skipped whole (skip_all) is not.
	skipped=$(echo "$out" | grep -ciE '^ok [0-9]+ # skip')
	local skipped_files
	skipped_files=$(echo "$out" | grep -cE '^t/.*\.\. skipped: ')
	# A bail-out (a test's BAIL_OUT, or the cluster module's when initdb
	# fails) stops prove, which may still print "Result: PASS" for the files
	# it ran: the files it never started count as one failure.
	if [ -z "$tests" ] || echo "$out" | grep -q '^Bailout called' ||
		{ ! echo "$out" | grep -q '^Result: PASS' && [ $((failed + died)) -eq 0 ]; }; then
		record tap $((${tests:-0} - skipped)) $((failed + died > 0 ? failed + died : 1)) $((skipped + skipped_files))
	else
		record tap $((tests - failed - skipped)) $((failed + died)) $((skipped + skipped_files))
	fi
}

# count_unittest OUT: the passed, failed and skipped tests of a Python
# unittest run's output, into u_passed, u_failed and u_skipped; a run that
# never reached "Ran N tests" counts as one failure.
count_unittest() {
	local out=$1 ran failures errors
	ran=$(echo "$out" | sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p')
	failures=$(echo "$out" | grep -oE 'failures=[0-9]+' | cut -d= -f2)
	errors=$(echo "$out" | grep -oE 'errors=[0-9]+' | cut -d= -f2)
	u_skipped=$(echo "$out" | grep -oE 'skipped=[0-9]+' | cut -d= -f2)
	u_skipped=${u_skipped:-0}
	u_failed=$((${failures:-0} + ${errors:-0}))
	if [ -z "$ran" ]; then
		u_passed=0 u_failed=1 u_skipped=0
	else
		u_passed=$((ran - u_failed - u_skipped))
	fi
}

# End-to-end tests in Python (Debian's python3, which has psycopg2 and numpy).
run_e2e() {
	ls test/e2e/test_*.py >/dev/null 2>&1 || return 0
	start_server || { record e2e 0 1; return; }
	local out
	out=$(VECTOR_DB_DSN="host=127.0.0.1 port=$port user=postgres dbname=postgres" \
		PG_BINDIR="$bindir" PG_DATADIR="$work/data" \
		/usr/bin/python3 -m unittest discover -s test/e2e -p 'test_*.py' 2>&1)
	echo "$out" | grep -E '^(FAIL|ERROR|Traceback|AssertionError)|Error:' | head -40
	echo "$out" | tail -3
	count_unittest "$out"
	record e2e "$u_passed" "$u_failed" "$u_skipped"
}

# The client libraries, used as their users do (test/drivers, see
# docs/development.md): Python's from Debian's packages, Node's from the npm
# registry, installed first as far as possible into a copy of
# test/drivers/node under the temporary directory. A library that is still
# missing makes its tests skip, with the reason printed.
run_drivers() {
	ls test/drivers/python/test_*.py >/dev/null 2>&1 || return 0
	start_server || { record drivers 0 1; return; }
	local node_dir=$work/drivers-node
	scripts/install-driver-deps.sh "$node_dir"
	"$bindir/createdb" vdb_drivers || { record drivers 0 1; return; }
	local out passed failed skipped
	out=$(cd test/drivers/python && VECTOR_DB_DRIVERS_DSN="host=127.0.0.1 port=$port user=postgres dbname=vdb_drivers" \
		/usr/bin/python3 -m unittest discover -v -p 'test_*.py' 2>&1)
	echo "$out" | grep -E '^(FAIL|ERROR|Traceback|AssertionError)|Error:| skipped ' | head -40
	echo "$out" | tail -3
	count_unittest "$out"
	passed=$u_passed failed=$u_failed skipped=$u_skipped
	if ! command -v node >/dev/null; then
		# Without node its tests cannot even be listed: one skip per file.
		local n
		n=$(ls test/drivers/node/*.test.js | wc -l)
		echo "drivers: node is not installed: $n Node test files skipped"
		skipped=$((skipped + n))
	else
		# TAP, whose closing lines count the tests: "# pass N", "# fail N", ...
		out=$(cd "$node_dir" && PGDATABASE=vdb_drivers node --test --test-reporter=tap ./*.test.js 2>&1)
		echo "$out" | grep -E '^\s*not ok|# SKIP|Error' | head -40
		local np nf ns nc
		np=$(echo "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p')
		nf=$(echo "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p')
		ns=$(echo "$out" | sed -n 's/^# skipped \([0-9]*\)$/\1/p')
		nc=$(echo "$out" | sed -n 's/^# cancelled \([0-9]*\)$/\1/p')
		if [ -z "$np" ]; then
			echo "$out" | tail -20
			failed=$((failed + 1))
		else
			echo "drivers (node): $np passed, $((nf + ${nc:-0})) failed, $ns skipped"
			passed=$((passed + np)) failed=$((failed + nf + ${nc:-0})) skipped=$((skipped + ns))
		fi
	fi
	record drivers "$passed" "$failed" "$skipped"
}

# run_tap_script SUITE SCRIPT ARGS...: a script that prints TAP lines
# (test/install/tap.sh); counts its "ok", "ok N # skip" and "not ok" lines,
# and a failure when it exits non-zero or neither passes nor skips anything.
run_tap_script() {
	local suite=$1 out passed failed skipped rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | grep -vE '^ok [0-9]+ - ' | tail -30
	passed=$(echo "$out" | grep -cE '^ok [0-9]+ - ')
	skipped=$(echo "$out" | grep -cE '^ok [0-9]+ # skip')
	failed=$(echo "$out" | grep -cE '^not ok [0-9]+ ')
	if [ "$rc" -ne 0 ] || [ $((passed + skipped)) -eq 0 ]; then
		[ "$failed" -gt 0 ] || failed=1
	fi
	record "$suite" "$passed" "$failed" "$skipped"
}

# make install-as-vector, in private copies of PostgreSQL of its own.
run_as_vector() {
	make -s -j"$jobs" >"$work/build.log" 2>&1 || { cat "$work/build.log"; record as_vector 0 1; return; }
	make_pg_dir "$work/as_vector"
	run_tap_script as_vector test/install/as_vector.sh "$work/as_vector"
}

# The Debian package, installed into the system and removed again (root only).
run_package() {
	make_pg_dir "$work/package"
	run_tap_script package test/install/package.sh "$work/package"
}

for suite in lint unit asan fuzz regress isolation tap e2e drivers as_vector package; do
	wants "$suite" && "run_$suite"
done

echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
