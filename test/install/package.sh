#!/usr/bin/env bash
# The Debian package (make deb, docs/install.md) as a user installs it:
#   test/install/package.sh WORKDIR
# builds it under WORKDIR, installs it with apt-get into the system's
# PostgreSQL 15, runs CREATE EXTENSION vector_db and an hnsw search on a
# throwaway cluster of the system's binaries, and removes the package again.
# Needs root (apt-get), as make test runs on CI; otherwise, or where the
# package is installed already (a user's, not to be touched), it skips.
# vector_db files that `make install` put into the system before are kept
# aside and put back afterwards. The private installation copies of the
# other suites are not affected: each copies the system's files and
# installs its own build over them.
# Prints TAP lines; scripts/run-tests.sh runs it as the suite package.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/pg-cluster.sh
source test/install/tap.sh
work=$1
package=postgresql-15-vector-db
skip() {
	echo "ok 1 # skip $1"
	echo "1..1"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "apt-get needs root"
! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
	skip "$package is installed on this machine: not replacing it"

# What the machine holds before: every package's version and state, and the
# vector_db files in PostgreSQL's directories; both must be the same after.
packages_state() {
	dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n' | sort
}
files_state() {
	(cd / && sha256sum "$libdir"/vector_db.so "$extdir"/vector_db.control "$extdir"/vector_db--*.sql 2>/dev/null)
}
libdir=$(pg_config --pkglibdir)
extdir=$(pg_config --sharedir)/extension
saved=$work/saved
mkdir -p "$saved/lib" "$saved/extension"
cp -a "$libdir"/vector_db.so "$saved/lib/" 2>/dev/null
cp -a "$extdir"/vector_db.control "$extdir"/vector_db--*.sql "$saved/extension/" 2>/dev/null
packages_before=$(packages_state)
files_before=$(files_state)
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -y -q "$@" >>"$work/apt.log" 2>&1
}
datadir=$work/data
cleanup() {
	cluster_stop "$SYSTEM_PG_BIN" "$datadir"
	! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || apt_get remove "$package"
	# The files only: `cp -a DIR/. DEST` would give DEST the mode of DIR.
	cp -a "$saved/lib/"* "$libdir/" 2>/dev/null
	cp -a "$saved/extension/"* "$extdir/" 2>/dev/null
}
trap cleanup EXIT

version=$(make -s print-EXTVERSION)
is "$(dpkg-parsechangelog -S Version)" "$version" "debian/changelog's version is the extension's, $version"
deb=$work/deb/${package}_${version}_amd64.deb
ok "make deb builds $package" bash -c "make -s deb DEB_DIR='$work/deb' >'$work/deb.log' 2>&1"
[ -f "$deb" ] || tail -30 "$work/deb.log"
contents=$(dpkg-deb -c "$deb" 2>&1 | awk '{print $6}')
for f in ./usr/lib/postgresql/15/lib/vector_db.so ./usr/share/postgresql/15/extension/vector_db.control \
	"./usr/share/postgresql/15/extension/vector_db--$version.sql"; do
	ok "the package holds ${f#.}" grep -qxF "$f" <<<"$contents"
done
# dpkg gives directories that exist already the package's modes: one
# packaged 0700 would lock everyone but root out of /usr.
bad_dirs=$(dpkg-deb -c "$deb" 2>&1 | awk '/^d/ && $1 != "drwxr-xr-x" {print $6}')
is "$bad_dirs" "" "every directory in the package is drwxr-xr-x"
[ -z "$bad_dirs" ] || exit 1
ok "apt-get install ./$(basename "$deb")" apt_get install "$deb"
is "$(dpkg-query -S "$libdir/vector_db.so" 2>&1)" "$package: $libdir/vector_db.so" "the installed library belongs to the package"

export PGHOST=127.0.0.1 PGPORT=$(free_port) PGUSER=postgres PGDATABASE=postgres
cluster_start "$SYSTEM_PG_BIN" "$datadir" "$PGPORT" "jit = off" || exit 1
psql=$SYSTEM_PG_BIN/psql
check_hnsw_search vector_db
is "$($psql -X -At -c "SELECT current_setting('vector_db.fault_point', true) IS NULL" 2>&1)" "t" \
	"the packaged library has no fault points (not the test build)"
cluster_stop "$SYSTEM_PG_BIN" "$datadir"

ok "apt-get remove $package" apt_get remove "$package"
ok "and the library is gone with it" test ! -e "$libdir/vector_db.so"
cleanup
is "$(packages_state)" "$packages_before" "the machine's packages are as before (name, version, state)"
is "$(files_state)" "$files_before" "the vector_db files make install put there before are back, unchanged"
echo "1..$tap_n"
