#!/usr/bin/env bash
# Runs the pg_regress suite (the Makefile's REGRESS) against a private copy of
# PostgreSQL whose postmaster, and so every backend it forks, runs under
# valgrind's memcheck; then sums the errors valgrind reported and those with
# a vector_db frame. Exits non-zero if any error has a vector_db frame or the
# suite failed. See docs/reliability.md ("Sanitizers") for what a server
# built without USE_VALGRIND (Debian's) can and cannot show.
#
#   scripts/valgrind-regress.sh [PG_SUPP]
#
# PG_SUPP (or $VALGRIND_SUPP): PostgreSQL's own suppressions,
# src/tools/valgrind.supp of a PostgreSQL 15 source tree; nothing is
# fetched. test/valgrind/vector_db.supp (the libraries we link) is always
# used. VALGRIND_TESTS='extension vector' runs only those of the suite (in
# REGRESS order, with what they build on: extension creates the extension,
# ivfflat and ivf use hnsw's functions); KEEP_TEST_DIR=1 keeps the
# per-process logs.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh

pg_supp=${1:-${VALGRIND_SUPP:-}}
supps=(--suppressions="$PWD/test/valgrind/vector_db.supp")
if [ -n "$pg_supp" ]; then
	[ -r "$pg_supp" ] || { echo "cannot read $pg_supp" >&2; exit 2; }
	supps+=(--suppressions="$(realpath "$pg_supp")")
else
	echo "no PostgreSQL suppressions given: its known padding reports will count (see docs/reliability.md)" >&2
fi

work_dir vector_db-valgrind
datadir="$work/data"
build_install || exit 1
port=$(free_port)
make_pg_dir "$datadir"
make_pg_dir "$work/valgrind"
as_pg_user "$bindir/initdb" -D "$datadir" -U postgres -A trust --no-sync >"$work/initdb.log" 2>&1 ||
	{ cat "$work/initdb.log"; exit 1; }
cat >>"$datadir/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = off
jit = off
max_prepared_transactions = 10
EOF

# One log per process (%p). --trace-children follows anything the server
# execs (e.g. an archive command); forked backends are traced regardless.
as_pg_user valgrind --quiet --trace-children=yes --leak-check=no \
	--num-callers=40 --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
	"${supps[@]}" --log-file="$work/valgrind/%p.log" \
	"$bindir/postgres" -D "$datadir" >"$work/server.log" 2>&1 &
for _ in $(seq 600); do
	"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && break
	sleep 1
done
"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" || { tail -20 "$work/server.log"; exit 1; }

out=$("$(pg_config --pgxs | xargs dirname)/../test/regress/pg_regress" \
	--bindir="$bindir" --inputdir=. --outputdir="$work/regress" \
	--host=127.0.0.1 --port="$port" --user=postgres --dbname=contrib_regression \
	${VALGRIND_TESTS:-$(make -s print-REGRESS)} 2>&1)
regress_rc=$?
echo "$out" | grep -E '^(ok|not ok|test |     )|tests (passed|failed)'
cluster_stop "$bindir" "$datadir"
bindir=""

# Each error is one block between the markers; ours name vector_db.so.
errors=$(cat "$work"/valgrind/*.log | grep -c '^==[0-9]*== VALGRINDERROR-BEGIN')
ours=$(cat "$work"/valgrind/*.log | awk '
	/VALGRINDERROR-BEGIN/ { block = ""; inside = 1 }
	inside { block = block "\n" $0 }
	/VALGRINDERROR-END/ { inside = 0; if (block ~ /vector_db\.so/) { n++; print block > "/dev/stderr" } }
	END { print n + 0 }')
processes=$(ls "$work"/valgrind/*.log | wc -l)
echo "valgrind: $processes processes, $errors errors, $ours with a vector_db frame"
[ "$errors" -eq 0 ] || grep -h -A12 'VALGRINDERROR-BEGIN' "$work"/valgrind/*.log | head -80
[ "$regress_rc" -eq 0 ] && [ "$ours" -eq 0 ]
