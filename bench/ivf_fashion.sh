#!/usr/bin/env bash
# Fashion-MNIST (60,000 x 784) benchmark of the IVF indexes against a private
# PostgreSQL with this tree's build installed (and pgvector's ivfflat from the
# system install, when present, in a database of its own, in the same run).
#   bench/ivf_fashion.sh [queries [--flat-only]]   prints one table per index; see bench/ivf_fashion.py
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-cluster.sh
work=$(mktemp -d /tmp/vector_db-bench.XXXXXX)
chmod 755 "$work"
make -s -j2 >/dev/null
bindir=$(tmp_install "$work/install")
port=$(free_port)
trap 'cluster_stop "$bindir" "$work/data"; rm -rf "$work"' EXIT
cluster_start "$bindir" "$work/data" "$port" "shared_buffers = 1GB" "maintenance_work_mem = 1GB" \
	"max_parallel_maintenance_workers = 1" "jit = off"
/usr/bin/python3 bench/ivf_fashion.py --dsn "host=127.0.0.1 port=$port user=postgres" --queries "${1:-200}" ${2:-}
