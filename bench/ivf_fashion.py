"""Fashion-MNIST benchmark for ivfflat and ivf: build time, index size, and
recall@10 / queries per second by probes, for ivfflat, ivf sq8 and ivf pq
(re-ranked), and pgvector's ivfflat when its extension is installed. Exact
neighbours come from numpy. One connection, queries run one after another;
on a shared machine compare ratios from one run, not absolute numbers."""
import argparse
import gzip
import time

import numpy as np
import psycopg2

DATA = "/usr/share/datasets/fashion-mnist"
LISTS = 245
PROBES = [1, 2, 4, 8, 16, 32]


def load_idx(name):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        raw = f.read()
    count, rows, cols = np.frombuffer(raw[4:16], dtype=">u4")
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows * cols).astype(np.float32)


def vec_text(row):
    return "[" + ",".join(str(int(x)) for x in row) + "]"


def connect(dsn, db):
    conn = psycopg2.connect(f"{dsn} dbname={db}")
    conn.autocommit = True
    return conn


def load_table(conn, train):
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS items; CREATE TABLE items (id int, v vector(784))")
    import io
    buf = io.StringIO()
    for i, row in enumerate(train):
        buf.write(f"{i}\t{vec_text(row)}\n")
    buf.seek(0)
    cur.copy_expert("COPY items FROM STDIN", buf)
    cur.execute("VACUUM ANALYZE items")


def measure(conn, name, create, probes_setting, variants, queries, truth):
    """Builds one index and sweeps probes under each (label, settings) variant."""
    cur = conn.cursor()
    start = time.perf_counter()
    cur.execute(create)
    build = time.perf_counter() - start
    cur.execute("SELECT pg_relation_size('idx')")
    size = cur.fetchone()[0]
    cur.execute("SET enable_seqscan = off")
    print(f"\n{name}: build {build:.1f} s, size {size / 2**20:.1f} MiB")
    texts = [vec_text(q) for q in queries]
    for label, settings in variants:
        for setting in settings:
            cur.execute(setting)
        print(f"  {label}\n  probes  recall@10      QPS")
        for probes in PROBES:
            cur.execute(f"SET {probes_setting} = {probes}")
            hits = 0
            start = time.perf_counter()
            for q, t in zip(texts, truth):
                cur.execute("SELECT id FROM items ORDER BY v <-> %s LIMIT 10", (q,))
                hits += len(set(r[0] for r in cur.fetchall()) & set(t))
            elapsed = time.perf_counter() - start
            print(f"  {probes:6d}  {hits / (10 * len(truth)):9.3f}  {len(truth) / elapsed:7.1f}")
    cur.execute("DROP INDEX idx")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--flat-only", action="store_true", help="ivfflat and pgvector's ivfflat only")
    args = parser.parse_args()

    train = load_idx("train-images-idx3-ubyte.gz")
    queries = load_idx("t10k-images-idx3-ubyte.gz")[: args.queries]
    d2 = (queries ** 2).sum(1)[:, None] - 2 * queries @ train.T + (train ** 2).sum(1)[None, :]
    truth = [list(np.argsort(row)[:10]) for row in d2]

    admin = connect(args.dsn, "postgres")
    cur = admin.cursor()
    for db in ("vdb", "pgv"):
        cur.execute(f"DROP DATABASE IF EXISTS {db}")
        cur.execute(f"CREATE DATABASE {db}")
    cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    have_pgvector = cur.fetchone()[0] == 1

    vdb = connect(args.dsn, "vdb")
    vdb.cursor().execute("CREATE EXTENSION vector_db")
    start = time.perf_counter()
    load_table(vdb, train)
    print(f"loaded {len(train)} rows in {time.perf_counter() - start:.1f} s; {len(queries)} queries, lists = {LISTS}")
    measure(vdb, "vector_db ivfflat", f"CREATE INDEX idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = {LISTS})",
            "ivfflat.probes", [("exact lists", [])], queries, truth)
    reranks = [("rerank 100", ["SET ivf.rerank = 100"]), ("no rerank", ["SET ivf.rerank = 0"])]
    quantized = [] if args.flat_only else [
        ("vector_db ivf sq8", "quantizer = 'sq8'"),
        ("vector_db ivf pq (pq_m = 98)", "quantizer = 'pq', pq_m = 98"),
    ]
    for name, options in quantized:
        measure(vdb, name, f"CREATE INDEX idx ON items USING ivf (v vector_l2_ops) WITH (lists = {LISTS}, {options})",
                "ivf.probes", reranks, queries, truth)
    if have_pgvector:
        pgv = connect(args.dsn, "pgv")
        pgv.cursor().execute("CREATE EXTENSION vector")
        load_table(pgv, train)
        measure(pgv, "pgvector ivfflat", f"CREATE INDEX idx ON items USING ivfflat (v vector_l2_ops) WITH (lists = {LISTS})",
                "ivfflat.probes", [("exact lists", [])], queries, truth)
    else:
        print("\npgvector is not installed: no comparison")


if __name__ == "__main__":
    main()
