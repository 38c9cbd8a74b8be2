# Sourced by the test, demo and bench scripts: throwaway PostgreSQL clusters on
# a loopback port, run by an unprivileged OS user because Postgres refuses to
# run as root. Clients connect over TCP to 127.0.0.1 as the superuser
# "postgres" with trust authentication; no unix socket is created.

PG_OS_USER=${PG_OS_USER:-postgres}
# The PostgreSQL to build against and copy: pg_config on PATH (Debian's 15)
# unless PG_CONFIG names another one, e.g. a source build under /tmp
# (scripts/test-pg-versions.sh).
PG_CONFIG=${PG_CONFIG:-pg_config}
SYSTEM_PG_BIN=$("$PG_CONFIG" --bindir)

# Runs a command as the cluster's OS user (directly when we are not root).
as_pg_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

# Prints a free TCP port on the loopback interface.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Makes a directory owned by the cluster's OS user.
make_pg_dir() {
	mkdir -p "$1"
	[ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$1"
}

# cluster_start BINDIR DATADIR PORT [postgresql.conf lines...]
cluster_start() {
	local bindir=$1 datadir=$2 port=$3
	shift 3
	make_pg_dir "$datadir"
	as_pg_user "$bindir/initdb" -D "$datadir" -U postgres -A trust --no-sync >"$datadir.initdb.log" 2>&1 ||
		{ cat "$datadir.initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = ''"
		echo "fsync = off"
		for line in "$@"; do echo "$line"; done
	} >>"$datadir/postgresql.conf"
	as_pg_user "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w start >/dev/null ||
		{ cat "$datadir/server.log" >&2; return 1; }
}

# cluster_stop BINDIR DATADIR
cluster_stop() {
	[ -f "$2/postmaster.pid" ] || return 0
	as_pg_user "$1/pg_ctl" -D "$2" -m fast -w stop >/dev/null
}

# tmp_install DIR: a private copy of PG_CONFIG's PostgreSQL (the system's 15
# by default) with this tree's vector_db installed into it, so tests never
# touch (or depend on) the system installation. Postgres finds its share and
# lib directories relative to its own binary, so a copied tree works as it
# is. Prints the bin directory.
tmp_install() {
	local dest=$1 libdir sharedir
	libdir=$(dirname "$SYSTEM_PG_BIN")
	sharedir=$("$PG_CONFIG" --sharedir)
	mkdir -p "$dest$libdir" "$dest$sharedir"
	cp -a "$libdir/." "$dest$libdir/"
	# A source build's share directory lies under its prefix, copied above.
	[[ $sharedir == "$libdir"/* ]] || cp -a "$sharedir/." "$dest$sharedir/"
	make -s install DESTDIR="$dest" PG_CONFIG="$PG_CONFIG" >/dev/null
	echo "$dest$SYSTEM_PG_BIN"
}

# work_dir NAME: a fresh temporary directory /tmp/NAME.XXXXXX that the
# cluster's OS user can read, in $work, and $bindir empty. When the script
# exits, the cluster in $work/data is stopped (once $bindir is set) and
# $work removed, unless KEEP_TEST_DIR is set.
work_dir() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$work"
	bindir=""
	trap work_dir_cleanup EXIT
}

work_dir_cleanup() {
	[ -z "$bindir" ] || cluster_stop "$bindir" "$work/data"
	[ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$work"
}

# build_install: builds this tree (its log in $work/build.log, shown when it
# fails) and installs it into a private copy under $work/install (see
# tmp_install), whose bin directory goes into $bindir.
build_install() {
	make -s -j"$(nproc)" >"$work/build.log" 2>&1 || { cat "$work/build.log"; return 1; }
	bindir=$(tmp_install "$work/install")
}

# cluster_base NAME: where the throwaway cluster NAME of make demo / make bench
# lives: .cluster/NAME of this tree, or a directory under /tmp when the
# cluster's OS user cannot reach the tree (e.g. a tree under /root), which it
# says on stderr.
cluster_base() {
	if as_pg_user test -x "$PWD"; then
		echo "$PWD/.cluster/$1"
	else
		echo "$1: the $PG_OS_USER user cannot reach $PWD, so the cluster lives in /tmp/vector_db-$1-cluster" >&2
		echo "/tmp/vector_db-$1-cluster"
	fi
}
