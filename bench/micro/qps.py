#!/usr/bin/python3
"""Per-query speed of one index against pgvector's, interleaved, on a
server that stays up between runs (unlike `make bench`, which starts a
throwaway one): for tuning the query hot path.

  bench/micro/qps.py --dsn "host=127.0.0.1 port=P user=postgres" --load
      loads Fashion-MNIST into databases qps_vdb (vector_db) and qps_pgv
      (pgvector) and builds each engine's index (--vdb-index, --pgv-index)
  bench/micro/qps.py --dsn ... --param hnsw.ef_search=20,40,80,120 --rounds 3
      for each value, alternates the engines for --rounds rounds of --queries
      queries each on one connection per engine, and prints recall@10 and
      the best round's QPS of each, their ratio, and the backend's CPU time
      per query (the least of the rounds; steadier than QPS on a loaded
      machine, where perf has no hardware counters). A server restart (new vector_db.so) needs
      no reload.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vdbbench import dataset, load  # noqa: E402
from vdbbench.measure import SqlSearch, recall_at_k, exact_distances  # noqa: E402

DBS = {"vector_db": ("qps_vdb", "vector_db"), "pgvector": ("qps_pgv", "vector")}
SQL = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"


def dsn_for(args, db):
    return f"{args.dsn} dbname={db}"


def do_load(args, ds):
    import psycopg2
    admin = psycopg2.connect(dsn_for(args, "postgres"))
    admin.autocommit = True
    for engine in args.engines:
        db, ext = DBS[engine]
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {db}")
            cur.execute(f"CREATE DATABASE {db}")
        conn = psycopg2.connect(dsn_for(args, db))
        with conn.cursor() as cur:
            cur.execute(f"CREATE EXTENSION {ext}")
        conn.commit()
        load.create_items(conn, ds)
        spec = args.vdb_index if engine == "vector_db" else args.pgv_index
        start = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(f"CREATE INDEX ON items USING {spec}")
        conn.commit()
        print(f"{engine}: built {spec} in {time.perf_counter() - start:.1f} s", flush=True)
        conn.close()


def backend_pid(search):
    return int(search.conn.execute("SELECT pg_backend_pid()")[0][0])


def cpu_ns(pid):
    """The backend's CPU time so far (ns, /proc/PID/schedstat): unlike wall
    time it leaves out the time other processes of a loaded machine ran."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def run_round(search, params, pid):
    """Runs every query once; returns (results, seconds, backend CPU ns)."""
    cpu = cpu_ns(pid)
    start = time.perf_counter()
    results = [search(p) for p in params]
    seconds = time.perf_counter() - start
    return results, seconds, cpu_ns(pid) - cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--engines", default="vector_db,pgvector")
    ap.add_argument("--load", action="store_true")
    ap.add_argument("--vdb-index", default="hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)")
    ap.add_argument("--pgv-index", default="hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)")
    ap.add_argument("--param", default="hnsw.ef_search=20,40,80,120",
                    help="GUC=V1,V2 swept for both engines (pgvector's name via --pgv-param)")
    ap.add_argument("--pgv-param", default=None, help="pgvector's GUC=V1,V2 when it differs")
    ap.add_argument("--set", action="append", default=[], help="extra GUC=VALUE for vector_db's session")
    ap.add_argument("--pgv-set", action="append", default=[], help="extra GUC=VALUE for pgvector's session")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    args.engines = args.engines.split(",")

    ds = dataset.fashion_mnist()
    if args.load:
        do_load(args, ds)
        return
    queries = ds.test[:args.queries]
    gt_ids, gt_dists = dataset.ground_truth(os.path.join(os.path.dirname(__file__), "..", "results"),
                                            ds.train, ds.test)
    params = [(load.vector_param(q, True),) for q in queries]
    guc, _, values = args.param.partition("=")
    values = values.split(",")
    pguc, pvalues = guc, values
    if args.pgv_param:
        pguc, _, pv = args.pgv_param.partition("=")
        pvalues = pv.split(",")
    print(f"load average {os.getloadavg()[0]:.2f}; {len(queries)} queries x {args.rounds} rounds", flush=True)
    for i, value in enumerate(values):
        best = {}
        searches = {}
        for engine in args.engines:
            g, v = (guc, value) if engine == "vector_db" else (pguc, pvalues[i])
            extra = args.set if engine == "vector_db" else args.pgv_set
            setup = [f"SET {g} = {v}"] + [f"SET {s.replace('=', ' = ', 1)}" for s in extra]
            s = SqlSearch(dsn_for(args, DBS[engine][0]), SQL, setup)
            for p in params[:50]:
                s(p)
            searches[engine] = (s, backend_pid(s), f"{g}={v}")
        for _ in range(args.rounds):
            for engine in args.engines:
                s, pid, _ = searches[engine]
                results, seconds, cpu = run_round(s, params, pid)
                qps, cpu_us = len(params) / seconds, cpu / 1e3 / len(params)
                if engine not in best:
                    found = [exact_distances(ds.train, q, r) for q, r in zip(queries, results)]
                    best[engine] = [recall_at_k(found, gt_dists[:len(results)]), qps, cpu_us]
                best[engine][1] = max(best[engine][1], qps)
                best[engine][2] = min(best[engine][2], cpu_us)
        for engine in args.engines:
            recall, qps, cpu_us = best[engine]
            print(f"{engine:9s} {searches[engine][2]:22s} recall {recall:.4f}  {qps:7.0f} QPS  "
                  f"{cpu_us:6.1f} us CPU/query", flush=True)
            searches[engine][0].close()
        if len(best) == 2:
            v, p = best["vector_db"], best["pgvector"]
            print(f"  ratio QPS {v[1] / p[1]:.2f}x  CPU {p[2] / v[2]:.2f}x  (load {os.getloadavg()[0]:.2f})",
                  flush=True)


if __name__ == "__main__":
    main()
