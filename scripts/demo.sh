#!/usr/bin/env bash
# `make demo` / `make demo-stop`: a throwaway cluster of the system PostgreSQL
# 15 (where `make install` put vector_db), run by the postgres OS user on
# 127.0.0.1, with Fashion-MNIST loaded and searched by bench/demo.py.
#
#   scripts/demo.sh start   (re)start the cluster, reload the data, search
#   scripts/demo.sh stop    stop it (the data directory stays until removed)
#
# The cluster lives in .cluster/demo/ of the tree (git-ignored), or under /tmp
# when the postgres user cannot reach the tree (e.g. a tree under /root). Its
# port (55432 when free) is remembered in the port file next to the data.
# DEMO_EXTENSION=vector runs the same demo on pgvector, for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh

base=$(cluster_base demo)
datadir=$base/data
portfile=$base/port

# Is this TCP port free on the loopback interface?
port_free() {
	/usr/bin/python3 -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

running() {
	[ -f "$datadir/postmaster.pid" ] && as_pg_user "$SYSTEM_PG_BIN/pg_ctl" -D "$datadir" status >/dev/null 2>&1
}

choose_port() {
	if port_free 55432; then echo 55432; else free_port; fi
}

# Starts the cluster: a running one is restarted so that it loads the vector_db
# just installed; a stopped one is started again, on a new port if its old
# port was taken meanwhile; a missing one is created.
start_cluster() {
	if running; then
		port=$(cat "$portfile")
		as_pg_user "$SYSTEM_PG_BIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -m fast -w restart >/dev/null
	elif [ -f "$datadir/PG_VERSION" ]; then
		port=$(cat "$portfile" 2>/dev/null || true)
		if [ -z "$port" ] || ! port_free "$port"; then
			port=$(choose_port)
			echo "port = $port" >>"$datadir/postgresql.conf"
		fi
		as_pg_user "$SYSTEM_PG_BIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w start >/dev/null ||
			{ tail -20 "$datadir/server.log" >&2; return 1; }
	else
		make_pg_dir "$base"
		port=$(choose_port)
		cluster_start "$SYSTEM_PG_BIN" "$datadir" "$port" "shared_buffers = 1GB" "maintenance_work_mem = 1GB" "jit = off"
	fi
	echo "$port" >"$portfile"
}

case "${1:-start}" in
start)
	start_cluster
	echo "demo: PostgreSQL $("$SYSTEM_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $datadir"
	/usr/bin/python3 bench/demo.py --dsn "host=127.0.0.1 port=$port user=postgres" \
		--extension "${DEMO_EXTENSION:-vector_db}"
	cat <<-MSG

	The demo cluster keeps running. Connect with:
	    psql "host=127.0.0.1 port=$port user=postgres dbname=demo"
	e.g.  SELECT id, label FROM items ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 42) LIMIT 5;
	Stop it with:  make demo-stop      (remove $base to delete it)
	MSG
	;;
stop)
	if running; then
		cluster_stop "$SYSTEM_PG_BIN" "$datadir"
		echo "demo: cluster stopped (data kept in $datadir)"
	else
		echo "demo: no demo cluster running"
	fi
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
