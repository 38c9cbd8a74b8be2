#!/usr/bin/python3
"""What `make demo` shows: Fashion-MNIST in a vector_db table, searched.

Loads the 60,000 training images into items(id, label, embedding vector(784))
of a fresh database "demo", runs nearest-neighbour queries with a few test
images and prints the classes found next to the query's class, with timings.
Then, for every index access method the extension offers (hnsw, ivfflat,
ivf), builds the index and reports build time, recall@10 against exact
search and latency.
"""
import argparse
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vdbbench import dataset, engines, load  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_QUERIES = [0, 1, 2, 3, 11, 13, 19, 23]   # test images of several classes
RECALL_QUERIES = 300


def neighbours_line(query_label, labels):
    """'Sneaker: 9 Sneaker, 1 Sandal' — the query's class against the found ones."""
    counts = Counter(dataset.CLASS_NAMES[l] for l in labels)
    found = ", ".join(f"{n} {name}" for name, n in counts.most_common())
    return f"{dataset.CLASS_NAMES[query_label]:<12} -> {found}"


def sample_searches(conn, ds, heading):
    """Runs the sample queries one by one and prints what they found."""
    print(heading)
    with conn.cursor() as cur:
        for i in SAMPLE_QUERIES:
            literal = load.vector_text(ds.test[i])
            start = time.perf_counter()
            cur.execute("SELECT label FROM items ORDER BY embedding <-> %s::vector LIMIT 10", (literal,))
            labels = [r[0] for r in cur.fetchall()]
            ms = (time.perf_counter() - start) * 1000
            print(f"  test image {i:>3}  {neighbours_line(ds.test_labels[i], labels):<48} {ms:7.1f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True, help="libpq connection string of the server, without dbname")
    ap.add_argument("--extension", default="vector_db", help="extension providing the vector type")
    ap.add_argument("--dbname", default="demo")
    args = ap.parse_args()

    ds = dataset.fashion_mnist()
    eng = engines.PgEngine(args.extension, args.extension, args.dsn, args.dbname)
    why = eng.create_database()
    if why:
        print(f"demo: {why}: nothing to load", file=sys.stderr)
        return 1
    print(f"database {args.dbname}: extension {args.extension} {eng.version}")
    secs = eng.load(ds)
    print(f"loaded {len(ds.train):,} Fashion-MNIST images as vector({ds.dim}) in {secs:.1f} s "
          f"({'binary' if eng.binary else 'text'} COPY)")

    conn = eng.connect()
    conn.autocommit = True
    sample_searches(conn, ds, "\nexact search (sequential scan), 10 nearest neighbours by L2 distance:")

    queries = ds.test[:RECALL_QUERIES]
    _, gt = dataset.ground_truth(os.path.join(ROOT, "bench", "results"), ds.train, queries)
    params = [(p,) for p in eng.encode(queries)]
    exact = eng.sweep_point(ds, gt, params[:50], None, None, 1, warmup=3)
    print(f"exact search: {exact.p50_ms:.1f} ms per query (median of 50)")

    methods = [m for m in eng.access_methods() if m in ("hnsw", "ivfflat", "ivf")]
    if not methods:
        print("\nno index access method (hnsw, ivfflat, ivf) in this build yet: exact search only")
    for n, am in enumerate(methods, 1):
        cfg = engines.pg_defaults(am)
        build = eng.build(cfg, len(ds.train), ds.dim)
        opts = ", ".join(f"{k} = {v}" for k, v in cfg.options.items())
        print(f"\nCREATE INDEX ON items USING {am} (embedding vector_l2_ops) WITH ({opts}): "
              f"{build.seconds:.1f} s, {build.size_bytes / 2**20:,.0f} MiB")
        with conn.cursor() as cur:
            cur.execute(f"SET {cfg.param} = {cfg.scale_value}")
        sample_searches(conn, ds, f"same queries through the index ({cfg.param} = {cfg.scale_value}):")
        p = eng.sweep_point(ds, gt, params, cfg, cfg.scale_value, 1)
        print(f"{am}: recall@10 {p.recall:.3f} over {p.queries} queries, median {p.p50_ms:.2f} ms, "
              f"p99 {p.p99_ms:.2f} ms, {p.qps:,.0f} queries/s")
        with conn.cursor() as cur:
            cur.execute(f"RESET {cfg.param}")
        if n < len(methods):
            eng.drop_index()   # the last index stays for the user to try
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
