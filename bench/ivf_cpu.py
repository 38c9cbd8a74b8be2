#!/usr/bin/python3
"""Backend CPU per query of IVF indexes, vector_db beside pgvector.

The IVF tuning tool behind docs/ivf.md's figures. It reuses the databases
`bench/bench.py` leaves in a server (vdb_bench and pgvector_bench, table
items loaded with Fashion-MNIST), builds the indexes given, and for each
setting runs the same queries through one prepared statement per engine,
in turns, `--rounds` times. It reports recall@10, wall QPS, and the
backend's CPU time per query (utime + stime from /proc/PID/stat, which the
server must share with this host): on a noisy shared VM the CPU a query
costs is steadier than wall time. Ratios are against the first pgvector
point of the same round whose recall reaches a target.

  /usr/bin/python3 bench/ivf_cpu.py --dsn "host=127.0.0.1 port=PORT user=postgres" \\
      --index "vector_db:ivf:lists=245,quantizer=sq8:ivf.probes=4,8" \\
      --index "pgvector:ivfflat:lists=245:ivfflat.probes=4,8"
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vdbbench import dataset, engines, load  # noqa: E402
from vdbbench.measure import SqlSearch, exact_distances, recall_at_k  # noqa: E402

DBS = {"vector_db": "vdb_bench", "pgvector": "pgvector_bench"}
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid):
    """Seconds of CPU the process has used (user + system)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def build(dsn, cfg):
    opts = ", ".join(f"{k} = {engines.sql_literal(v) if isinstance(v, str) else v}" for k, v in cfg.options.items())
    eng = engines.PgEngine("x", "x", dsn, "postgres")
    with eng.session(cfg.dbname) as cur:
        cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
        start = time.perf_counter()
        cur.execute(f"CREATE INDEX items_embedding_idx ON items USING {cfg.am} (embedding vector_l2_ops)"
                    + (f" WITH ({opts})" if opts else ""))
        secs = time.perf_counter() - start
        cur.execute("SELECT pg_relation_size('items_embedding_idx')")
        size = cur.fetchone()[0]
    return secs, size


def measure(dsn, cfg, value, params, ds, gt, extra):
    setup = [f"SET {cfg.param} = {value}"] + [f"SET {s}" for s in extra]
    search = SqlSearch(f"{dsn} dbname={cfg.dbname}", engines.search_sql(10), setup, (True,))
    try:
        pid = int(search.conn.execute("SELECT pg_backend_pid()")[0][0])
        for p in params[:50]:
            search(p)
        cpu0, t0 = backend_cpu(pid), time.perf_counter()
        results = [search(p) for p in params]
        wall, cpu = time.perf_counter() - t0, backend_cpu(pid) - cpu0
    finally:
        search.close()
    found = [exact_distances(ds.train, ds.test[i], ids) for i, ids in enumerate(results)]
    return recall_at_k(found, gt[:len(results)]), len(params) / wall, cpu / len(params) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--index", action="append", required=True, help="ENGINE:AM:OPTS:PARAM=V1,V2 as bench.py")
    ap.add_argument("--set", action="append", default=[], help="ENGINE:GUC=VALUE for that engine's sessions")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--results-dir", default="bench/results")
    args = ap.parse_args()

    ds = dataset.fashion_mnist()
    _, gt = dataset.ground_truth(args.results_dir, ds.train, ds.test)
    params = [(load.vector_param(v, True),) for v in ds.test[:args.queries]]
    configs = []
    for spec in args.index:
        engine, cfg = engines.parse_index_spec(spec)
        cfg.engine, cfg.dbname = engine, DBS[engine]
        cfg.extra = [s.split(":", 1)[1] for s in args.set if s.split(":", 1)[0] == engine]
        secs, size = build(args.dsn, cfg)
        print(f"{engine} {cfg.name}: build {secs:.2f} s, {size / 2**20:.1f} MiB", flush=True)
        # The index stays: each config needs its own table (only one index named items_embedding_idx).
        configs.append(cfg)
        if len([c for c in configs if c.engine == engine]) > 1:
            sys.exit("one index per engine at a time")
    for r in range(args.rounds):
        for i in range(max(len(c.values) for c in configs)):
            for cfg in configs:
                if i < len(cfg.values):
                    rec, qps, ms = measure(args.dsn, cfg, cfg.values[i], params, ds, gt, cfg.extra)
                    print(f"round {r} {cfg.engine:9} {cfg.param}={cfg.values[i]:<5} recall {rec:.4f} "
                          f"{qps:7.0f} QPS  cpu {ms:.3f} ms/query", flush=True)


if __name__ == "__main__":
    main()
