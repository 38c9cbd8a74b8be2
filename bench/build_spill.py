#!/usr/bin/python3
"""An hnsw build whose graph outgrows maintenance_work_mem, against the same
build in memory: the two CREATE INDEX timed back to back on the same rows,
and recall@10 of each index at hnsw.ef_search 40 on the same queries.

    bench/build_spill.py --dsn 'host=127.0.0.1 port=5432 user=postgres'

Data: bench/vdbbench/dataset.py `clustered` (--rows x --dim, seed 0). The
spill build runs at --spill-mwm (default: 3MB per 50,000 96-dim rows, about
a quarter of what that graph needs); the NOTICE says after how many rows the
arena filled. Each build's time is given as wall time and, when the server
runs on this machine, as the CPU time of its backend. Serial builds (max_parallel_maintenance_workers 0), so that the
two times compare the paths and not the workers. Needs numpy and libpq only.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vdbbench import dataset, libpq, progress  # noqa: E402


def load(conn, ds):
    conn.execute("DROP TABLE IF EXISTS spill_items")
    conn.execute(f"CREATE TABLE spill_items (id int, embedding vector({ds.dim}))")
    conn.execute("ALTER TABLE spill_items ALTER embedding SET STORAGE PLAIN")
    # Server-side COPY of a file the server can read: libpq.py has no COPY.
    fd, path = tempfile.mkstemp(suffix=".tsv", dir="/tmp")
    with os.fdopen(fd, "w") as f:
        for i, v in enumerate(ds.train):
            f.write(f"{i}\t[{','.join(repr(float(x)) for x in v)}]\n")
    os.chmod(path, 0o644)
    try:
        conn.execute(f"COPY spill_items FROM '{path}'")
    finally:
        os.unlink(path)
    conn.execute("VACUUM ANALYZE spill_items")


def build(conn, mwm):
    conn.execute("DROP INDEX IF EXISTS spill_idx")
    conn.execute(f"SET maintenance_work_mem = '{mwm}'")
    pid = int(conn.execute("SELECT pg_backend_pid()")[0][0])
    # CPU time of the backend when it runs here: load stretches wall time much more.
    cpu = progress.cpu_seconds(pid)
    start = time.perf_counter()
    conn.execute("CREATE INDEX spill_idx ON spill_items USING hnsw (embedding vector_l2_ops)")
    seconds = time.perf_counter() - start
    cpu = progress.cpu_seconds(pid) - cpu if cpu is not None else float("nan")
    size = int(conn.execute("SELECT pg_relation_size('spill_idx')")[0][0])
    return seconds, cpu, size


def recall(conn, ds, gt_dists):
    conn.execute("SET hnsw.ef_search = 40")
    conn.execute("SET enable_seqscan = off")
    conn.prepare("q", "SELECT id FROM spill_items ORDER BY embedding <-> $1 LIMIT 10")
    found = []
    for q in ds.test:
        text = ("[" + ",".join(repr(float(x)) for x in q) + "]").encode()
        ids = [int(x) for x in conn.first_column("q", [text], [False])]
        diff = ds.train[ids].astype(np.float64) - q.astype(np.float64)
        found.append(np.einsum("ij,ij->i", diff, diff))
    conn.execute("DEALLOCATE q")
    return float(np.mean([min(10, np.count_nonzero(f <= g[9] * (1 + 1e-6))) for f, g in zip(found, gt_dists)]) / 10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--dim", type=int, default=96)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--memory-mwm", default="1GB")
    ap.add_argument("--spill-mwm", default=None, help="default: 3MB per 50,000 rows of 96 dims, at least 1MB")
    ap.add_argument("--skip-memory", action="store_true", help="only the spill build")
    args = ap.parse_args()
    spill = args.spill_mwm or f"{max(1024, 3 * 1024 * args.rows * args.dim // (50000 * 96))}kB"

    ds = dataset.clustered(args.rows, dim=args.dim, n_queries=args.queries)
    _, gt_dists = dataset.exact_topk(ds.train, ds.test, k=10)
    conn = libpq.Connection(args.dsn)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
    conn.execute("SET max_parallel_maintenance_workers = 0")
    load(conn, ds)
    runs = [] if args.skip_memory else [("in memory", args.memory_mwm)]
    runs.append(("spill", spill))
    times = {}
    for name, mwm in runs:
        seconds, cpu, size = build(conn, mwm)
        times[name] = (seconds, cpu)
        r = recall(conn, ds, gt_dists)
        print(f"{name:10s} maintenance_work_mem {mwm:>8s}: build {seconds:8.2f} s ({cpu:.2f} s CPU), "
              f"index {size / 2**20:7.1f} MiB, recall@10 (ef_search 40) {r:.4f}", flush=True)
    if len(times) == 2:
        (spill, spill_cpu), (memory, memory_cpu) = times["spill"], times["in memory"]
        print(f"spill / in memory: {spill / memory:.2f}x wall, {spill_cpu / memory_cpu:.2f}x CPU")


if __name__ == "__main__":
    main()
