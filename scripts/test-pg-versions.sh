#!/usr/bin/env bash
# Runs the regress, isolation and TAP suites against other PostgreSQL versions
# than Debian's 15 that `make test` uses: each argument is the install prefix
# of a PostgreSQL built from source (configured with --enable-tap-tests; see
# docs/development.md, "Other PostgreSQL versions", for how to build one).
#
#   scripts/test-pg-versions.sh /tmp/pg16 /tmp/pg17 /tmp/pg18
#   SUITES='regress' scripts/test-pg-versions.sh /tmp/pg18
#
# For each prefix the tree (tracked and untracked, not ignored files) is copied
# to $VDB_PG_VERSIONS_DIR/NAME (default /tmp/vector_db-pg-versions/NAME), so
# the objects built for one version never mix with this tree's or another
# version's, and a rerun rebuilds only what changed. There scripts/run-tests.sh
# runs the suites with PG_CONFIG pointing at that prefix; its logs stay in the
# copy's run.log. Ends with one line per version and the sum,
# "N passed, N failed, N skipped"; exits non-zero if anything failed.
# Not part of make test: CI has only Debian's 15 and cannot fetch others.
set -uo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }
base=${VDB_PG_VERSIONS_DIR:-/tmp/vector_db-pg-versions}
suites=${SUITES:-regress isolation tap}

summary=()
total_passed=0 total_failed=0 total_skipped=0
for prefix in "$@"; do
	prefix=${prefix%/}
	pg_config="$prefix/bin/pg_config"
	[ -x "$pg_config" ] || { echo "$prefix: no bin/pg_config there" >&2; exit 2; }
	version=$("$pg_config" --version)
	copy="$base/$(basename "$prefix")"
	mkdir -p "$copy"
	# The postgres OS user reads the copy (TAP files, the install it tests).
	chmod 755 "$base" "$copy"
	git ls-files -z --cached --others --exclude-standard | xargs -0 -r ls -d 2>/dev/null |
		tar -c -T - | tar -x -C "$copy"
	echo "== $version ($prefix): $suites"
	# shellcheck disable=SC2086 # the suites are words
	(cd "$copy" && PG_CONFIG="$pg_config" scripts/run-tests.sh $suites) 2>&1 | tee "$copy/run.log"
	line=$(tail -1 "$copy/run.log")
	passed=""
	read -r passed failed skipped < <(echo "$line" |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
	# A run that died before its summary counts as one failure.
	[ -n "${passed:-}" ] || { passed=0 failed=1 skipped=0; }
	summary+=("$version: $passed passed, $failed failed, $skipped skipped")
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	total_skipped=$((total_skipped + skipped))
done

echo "== $(date -u +%Y-%m-%d) summary"
printf '%s\n' "${summary[@]}"
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
