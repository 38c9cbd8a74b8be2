#!/usr/bin/env bash
# Runs pgvector's own regression suite (its test/sql and test/expected) against
# vector_db, to measure how close our behaviour and messages are to pgvector's.
#
#   scripts/pgvector-regress.sh PGVECTOR_SRC_DIR
#
# PGVECTOR_SRC_DIR is an unpacked pgvector source tree (e.g. the v0.8.6 tag);
# nothing of it is committed here, and this script never builds pgvector. Its
# files are copied to a temporary directory under /tmp, where pgvector's
# extension name is rewritten to ours: pgvector's suite loads `vector` through
# pg_regress's --load-extension (and a `CREATE EXTENSION vector` in a test
# file, should a version have one, becomes `CREATE EXTENSION vector_db`).
# Nothing else is changed. pg_regress then runs every file against this
# tree's build in a private PostgreSQL copy (scripts/pg-cluster.sh, as
# scripts/run-tests.sh does: the postgres OS user, a free loopback port).
#
# It prints the diff of the files that differ and ends with the line
# "N of M pgvector files pass verbatim". Each difference left is meant to be
# a deliberate one, listed in docs/compatibility.md. Not part of make test:
# CI cannot fetch pgvector. Exit status 0 when it ran, whatever the count.
set -uo pipefail
[ $# -eq 1 ] && [ -d "$1/test/sql" ] && [ -d "$1/test/expected" ] ||
	{ echo "usage: $0 PGVECTOR_SRC_DIR (a pgvector source tree with test/sql and test/expected)" >&2; exit 2; }
src=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh

work_dir vector_db-pgvector-regress

suite=$work/suite
mkdir -p "$suite"
cp -r "$src/test/sql" "$src/test/expected" "$suite/"
sed -i -E 's/(CREATE EXTENSION( IF NOT EXISTS)? )vector\b/\1vector_db/I' "$suite"/sql/*.sql "$suite"/expected/*.out
tests=$(cd "$suite/sql" && ls *.sql | sed 's/\.sql$//' | sort)

build_install || exit 1
port=$(free_port)
cluster_start "$bindir" "$work/data" "$port" "jit = off" || exit 1

# pgvector's copy test writes results/NAME.bin relative to psql's working
# directory, so pg_regress runs from the suite directory.
out=$(cd "$suite" && "$(pg_config --pgxs | xargs dirname)/../test/regress/pg_regress" \
	--bindir="$bindir" --inputdir=. --outputdir=. \
	--host=127.0.0.1 --port="$port" --user=postgres --dbname=contrib_regression \
	--load-extension=vector_db $tests 2>&1)
echo "$out" | grep -E '^(ok|not ok|test |     )'
# Lines over 400 characters (a 16,002-element array) are cut.
[ ! -f "$suite/regression.diffs" ] || cut -c1-400 "$suite/regression.diffs"

total=$(echo "$tests" | wc -w)
# Counted from the files that passed, so a run that stopped early passes none.
passed=$(echo "$out" | grep -cE '^ok |^(test |     ).* \.\.\. ok')
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/vector.control" 2>/dev/null)
echo "$passed of $total pgvector files pass verbatim (pgvector ${version:-?}, $(date -u +%Y-%m-%d))"
