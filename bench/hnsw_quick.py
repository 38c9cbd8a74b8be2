#!/usr/bin/python3
"""Quick HNSW benchmark on Fashion-MNIST: build time, index size, recall@10
and QPS by ef_search, for vector_db's hnsw and (when installed) pgvector's,
measured in the same run so their ratios are comparable on a noisy machine.

  bench/hnsw_quick.py --dsn "host=127.0.0.1 port=5432 user=postgres" [--queries 1000]

Each engine gets its own database (both define a type named vector). The
queries are the test images; the ground truth is exact L2 top-10 by numpy.
"""
import argparse
import gzip
import io
import struct
import time

import numpy as np
import psycopg2

DATA = "/usr/share/datasets/fashion-mnist"


def read_images(name):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(n, rows * cols).astype(np.float32)


def ground_truth(base, queries, k):
    norms = (base ** 2).sum(1)
    truth = []
    for start in range(0, len(queries), 256):
        q = queries[start:start + 256]
        d = norms[None, :] - 2 * q @ base.T
        truth.append(np.argsort(d, axis=1)[:, :k])
    return np.vstack(truth)


def connect(dsn, db):
    conn = psycopg2.connect(f"{dsn} dbname={db}")
    conn.autocommit = True
    return conn


def load(dsn, db, extension, base):
    admin = connect(dsn, "postgres")
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {db}")
    admin.cursor().execute(f"CREATE DATABASE {db}")
    admin.close()
    conn = connect(dsn, db)
    cur = conn.cursor()
    cur.execute(f"CREATE EXTENSION {extension}")
    cur.execute(f"CREATE TABLE items (id int, embedding vector({base.shape[1]}))")
    cur.execute("ALTER TABLE items ALTER COLUMN embedding SET STORAGE PLAIN")
    buf = io.StringIO()
    for i, row in enumerate(base):
        buf.write(f"{i}\t[{','.join(str(int(x)) for x in row)}]\n")
    buf.seek(0)
    cur.copy_from(buf, "items", columns=("id", "embedding"))
    cur.execute("VACUUM ANALYZE items")
    return conn


def build(conn, m, efc, build_index):
    """Builds the index (unless reusing one); returns seconds and index bytes."""
    cur = conn.cursor()
    cur.execute("SET maintenance_work_mem = '4GB'")
    start = time.perf_counter()
    if build_index:
        cur.execute(f"CREATE INDEX idx ON items USING hnsw (embedding vector_l2_ops) "
                    f"WITH (m = {m}, ef_construction = {efc})")
    seconds = time.perf_counter() - start
    cur.execute("SELECT pg_relation_size('idx')")
    return seconds, cur.fetchone()[0]


def query_round(conn, texts, truth, ef, k=10):
    """One pass over the queries at one ef_search: (recall@k, QPS)."""
    cur = conn.cursor()
    cur.execute(f"SET hnsw.ef_search = {ef}")
    hits = 0
    start = time.perf_counter()
    for text, want in zip(texts, truth):
        cur.execute("EXECUTE q(%s)", (text,))
        got = {r[0] for r in cur.fetchall()}
        hits += len(got & set(want.tolist()))
    elapsed = time.perf_counter() - start
    return hits / (k * len(texts)), len(texts) / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--base", type=int, default=60000)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    parser.add_argument("--engines", default="vector_db,vector")
    parser.add_argument("--rounds", type=int, default=3, help="query passes per ef; the best QPS counts")
    parser.add_argument("--reuse", action="store_true",
                        help="query the tables and indexes a previous run left (build time reads 0)")
    args = parser.parse_args()

    base = read_images("train-images-idx3-ubyte.gz")[:args.base]
    queries = read_images("t10k-images-idx3-ubyte.gz")[:args.queries]
    truth = ground_truth(base, queries, 10)
    efs = [10, 20, 40, 80, 120, 200]

    admin = connect(args.dsn, "postgres")
    cur = admin.cursor()
    cur.execute("SELECT name FROM pg_available_extensions")
    available = {r[0] for r in cur.fetchall()}
    admin.close()
    conns, builds = {}, {}
    for extension in args.engines.split(","):
        if extension not in available:
            print(f"{extension}: not installed, skipped")
            continue
        db = f"bench_{extension}"
        conns[extension] = connect(args.dsn, db) if args.reuse else load(args.dsn, db, extension, base)
        builds[extension] = build(conns[extension], args.m, args.ef_construction, not args.reuse)
        conns[extension].cursor().execute("PREPARE q(vector) AS SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10")

    # Engines take turns at each ef, several rounds, best QPS kept: a shared
    # machine's load then hits both alike instead of whichever ran second.
    texts = ["[" + ",".join(str(int(x)) for x in q) + "]" for q in queries]
    results = {e: {} for e in conns}
    for _ in range(args.rounds):
        for ef in efs:
            for extension, conn in conns.items():
                recall, qps = query_round(conn, texts, truth, ef)
                best = results[extension].get(ef, (recall, 0))[1]
                results[extension][ef] = (recall, max(qps, best))
    for extension in conns:
        seconds, size = builds[extension]
        print(f"{extension}: build {seconds:.1f} s, index {size / 2**20:.1f} MiB")
        for ef in efs:
            recall, qps = results[extension][ef]
            print(f"  ef_search {ef:4d}: recall@10 {recall:.4f}, {qps:7.0f} QPS")
    if len(conns) == 2:
        ours, theirs = builds["vector_db"], builds["vector"]
        build_ratio = "n/a (reused)" if args.reuse else f"{ours[0] / theirs[0]:.2f}"
        print(f"ratios vector_db/pgvector: build {build_ratio}, size {ours[1] / theirs[1]:.2f}")
        for ef in efs:
            (r1, q1), (r2, q2) = results["vector_db"][ef], results["vector"][ef]
            print(f"  ef_search {ef:4d}: recall {r1:.4f} vs {r2:.4f}, QPS ratio {q1 / q2:.2f}")


if __name__ == "__main__":
    main()
