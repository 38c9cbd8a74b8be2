#!/usr/bin/env bash
# `make bench`: starts a throwaway cluster of the system PostgreSQL 15 (where
# `make install` put vector_db) with the settings of /work/shared/ANCHORS.md,
# runs the harness bench/bench.py against it and stops it again. Arguments are
# passed to the harness (see `bench/bench.py --help`), e.g.
#   scripts/bench.sh --all-queries --insert
# The cluster lives in .cluster/bench/ of the tree (git-ignored), or under
# /tmp when the postgres OS user cannot reach the tree. BENCH_PG_BIN names
# another PostgreSQL 15 bin directory to run instead (e.g. a private copy
# with vector_db and pgvector installed, on a machine shared with others).
# BENCH_WORKERS=1 preloads vector_db, so that its background workers run
# (every second) and merge what fast ingest leaves pending; pgvector cannot
# be created in such a server (both libraries define hnsw.ef_search), so
# it goes with --engines vector_db.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh
SYSTEM_PG_BIN=${BENCH_PG_BIN:-$SYSTEM_PG_BIN}

base=$(cluster_base bench)
datadir=$base/data
make_pg_dir "$base"

# A cluster left behind by an interrupted run is stopped and replaced.
cluster_stop "$SYSTEM_PG_BIN" "$datadir" || true
rm -rf "$datadir"
port=$(free_port)
workers=()
[ "${BENCH_WORKERS:-0}" = 0 ] || workers=("shared_preload_libraries = 'vector_db'" "vector_db.naptime = 1")
cluster_start "$SYSTEM_PG_BIN" "$datadir" "$port" \
	"shared_buffers = 4GB" \
	"maintenance_work_mem = 4GB" \
	"max_parallel_maintenance_workers = 1" \
	"jit = off" \
	"${workers[@]}"
# Throwaway: stopped and deleted at the end (KEEP_BENCH_CLUSTER=1 keeps the data).
finish() {
	cluster_stop "$SYSTEM_PG_BIN" "$datadir"
	[ -n "${KEEP_BENCH_CLUSTER:-}" ] || rm -rf "$datadir" "$datadir.initdb.log"
}
trap finish EXIT
echo "bench: server on 127.0.0.1:$port, data in $datadir"
# For settings that need a restart (make bench --scale sets shared_buffers
# below the index's size), the harness restarts this server itself, as the
# OS user that runs it.
export BENCH_SERVER_BIN=$SYSTEM_PG_BIN BENCH_SERVER_DATA=$datadir BENCH_SERVER_USER=$PG_OS_USER

/usr/bin/python3 bench/bench.py --dsn "host=127.0.0.1 port=$port user=postgres" "$@"
