#!/usr/bin/python3
"""An hnsw build whose graph outgrows maintenance_work_mem, against the same
build in memory: the two CREATE INDEX timed back to back on the same rows,
and recall@10 of each index at hnsw.ef_search 40 on the same queries.

    bench/build_spill.py --dsn 'host=127.0.0.1 port=5432 user=postgres'

Data: bench/vdbbench/dataset.py `clustered` (--rows x --dim, seed 0),
loaded by the harness's PgEngine into a fresh database `build_spill` of the
server (dropped at the end); --dsn names the server, its dbname is ignored.
The spill build runs at --spill-mwm (default: 3MB per 50,000 96-dim rows,
about a quarter of what that graph needs); the NOTICE it prints says after
how many rows the arena filled. Each build's time is given as wall time and,
when the server runs on this machine, as the CPU time of its backend.
Serial builds by default (max_parallel_maintenance_workers 0), so that the
two times compare the paths and not the workers; --workers N lets both have
N workers (as make bench --scale does with 1). Needs numpy, psycopg2 and
libpq.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vdbbench import dataset, engines  # noqa: E402

EF_SEARCH = 40


def cpu(built):
    return built.cpu_seconds if built.cpu_seconds is not None else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--dim", type=int, default=96)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--memory-mwm", default="1GB")
    ap.add_argument("--spill-mwm", default=None, help="default: 3MB per 50,000 rows of 96 dims, at least 1MB")
    ap.add_argument("--skip-memory", action="store_true", help="only the spill build")
    ap.add_argument("--workers", type=int, default=0, help="max_parallel_maintenance_workers of both builds")
    args = ap.parse_args()
    spill = args.spill_mwm or f"{max(1024, 3 * 1024 * args.rows * args.dim // (50000 * 96))}kB"

    ds = dataset.clustered(args.rows, dim=args.dim, n_queries=args.queries)
    _, gt_dists = dataset.exact_topk(ds.train, ds.test, k=10)
    eng = engines.PgEngine("vector_db", "vector_db", args.dsn, "build_spill")
    why = eng.create_database()
    if why:
        sys.exit(f"build_spill: {why}")
    try:
        eng.load(ds)
        params = [(p,) for p in eng.encode(ds.test)]
        hnsw = engines.pg_defaults("hnsw")
        runs = [] if args.skip_memory else [("in memory", args.memory_mwm)]
        runs.append(("spill", spill))
        builds = {}
        for name, mwm in runs:
            built = eng.build(hnsw, args.rows, args.dim, settings=[("max_parallel_maintenance_workers", args.workers),
                                                                   ("maintenance_work_mem", mwm)])
            for notice in built.notices:
                print(notice, file=sys.stderr)
            builds[name] = built
            r = eng.sweep_point(ds, gt_dists, params, hnsw, EF_SEARCH, 1).recall
            print(f"{name:10s} maintenance_work_mem {mwm:>8s}: build {built.seconds:8.2f} s ({cpu(built):.2f} s CPU), "
                  f"index {built.size_bytes / 2**20:7.1f} MiB, recall@10 (ef_search {EF_SEARCH}) {r:.4f}",
                  flush=True)
    finally:
        eng.drop_database()
    if len(builds) == 2:
        spill, memory = builds["spill"], builds["in memory"]
        print(f"spill / in memory: {spill.seconds / memory.seconds:.2f}x wall, "
              f"{cpu(spill) / cpu(memory):.2f}x CPU")


if __name__ == "__main__":
    main()
