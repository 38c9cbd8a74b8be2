#!/usr/bin/python3
"""A development benchmark of hnsw over sparsevec beside pgvector.

Usage: bench/sparse_hnsw.py PORT ROWS, against a server on 127.0.0.1:PORT
(user postgres) where both vector_db and pgvector ("vector") are installed,
e.g. a cluster of a `KEEP_TEST_DIR=1 scripts/run-tests.sh regress` copy.
Each engine gets its own database with the same ROWS random sparse rows of
30,000 dimensions (20 to 200 non-zeros, 70% of them from one of 200
"topics", as term weights cluster) and 200 such queries. Per opclass: build
m = 16, ef_construction = 64 with max_parallel_maintenance_workers = 1 (two
builders each), then recall@10 against a sequential scan and queries per
second of prepared ORDER BY ... LIMIT 10 queries with index scans forced,
best of 3 rounds, the engines taking turns.
"""
import io
import sys
import time

import numpy as np
import psycopg2

PORT = int(sys.argv[1])
ROWS = int(sys.argv[2])
DIMS = 30000
QUERIES = 200
ENGINES = {"vector_db": "vector_db", "pgvector": "vector"}
OPCLASSES = [("<#>", "sparsevec_ip_ops"), ("<->", "sparsevec_l2_ops")]
EF_SEARCH = (20, 40, 100)


def random_rows(rng, count):
    """sparsevec texts: term-weight-like rows clustered by topic."""
    out = []
    for _ in range(count):
        nnz = int(rng.integers(20, 200))
        topic = int(rng.integers(0, 200))
        local = topic * 150 + np.floor(rng.random(nnz) ** 2 * 150).astype(int)
        anywhere = np.floor(rng.random(nnz) ** 2 * DIMS).astype(int)
        idx = np.unique(np.where(rng.random(nnz) < 0.7, local, anywhere))
        values = (rng.random(len(idx)) + 0.01).astype(np.float32)
        pairs = ",".join("%d:%r" % (i + 1, float(v)) for i, v in zip(idx, values))
        out.append("{%s}/%d" % (pairs, DIMS))
    return out


def connect(db):
    conn = psycopg2.connect(host="127.0.0.1", port=PORT, user="postgres", dbname=db)
    conn.autocommit = True
    return conn


def load(data):
    admin = connect("postgres").cursor()
    for db, extension in ENGINES.items():
        admin.execute("DROP DATABASE IF EXISTS sb_%s" % db)
        admin.execute("CREATE DATABASE sb_%s" % db)
        cur = connect("sb_" + db).cursor()
        cur.execute("CREATE EXTENSION %s" % extension)
        cur.execute("CREATE TABLE items (id int, s sparsevec(%d))" % DIMS)
        rows = "".join("%d\t%s\n" % (i, text) for i, text in enumerate(data))
        cur.copy_expert("COPY items FROM STDIN", io.StringIO(rows))
        cur.execute("VACUUM ANALYZE items")


def exact_top10(op, queries):
    cur = connect("sb_vector_db").cursor()
    cur.execute("SET enable_indexscan = off")
    exact = []
    for q in queries:
        cur.execute("SELECT id FROM items ORDER BY s %s %%s LIMIT 10" % op, (q,))
        exact.append({r[0] for r in cur.fetchall()})
    return exact


def measure(op, opclass, queries):
    exact = exact_top10(op, queries)
    conns = {db: connect("sb_" + db) for db in ENGINES}
    result = {db: {} for db in ENGINES}
    for db, conn in conns.items():
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 1")
        start = time.time()
        cur.execute("CREATE INDEX idx ON items USING hnsw (s %s) WITH (m = 16, ef_construction = 64)" % opclass)
        result[db]["build"] = time.time() - start
        cur.execute("SELECT pg_relation_size('idx')")
        result[db]["size"] = cur.fetchone()[0]
        cur.execute("SET enable_seqscan = off")
        cur.execute("PREPARE q(sparsevec) AS SELECT id FROM items ORDER BY s %s $1 LIMIT 10" % op)
    for ef in EF_SEARCH:
        best = {db: float("inf") for db in ENGINES}
        for _ in range(3):
            for db, conn in conns.items():
                cur = conn.cursor()
                cur.execute("SET hnsw.ef_search = %d" % ef)
                hits = 0
                start = time.time()
                for q, want in zip(queries, exact):
                    cur.execute("EXECUTE q(%s)", (q,))
                    hits += len(want & {r[0] for r in cur.fetchall()})
                best[db] = min(best[db], time.time() - start)
                result[db][ef] = (hits / (10.0 * len(queries)), len(queries) / best[db])
    for db, conn in conns.items():
        r = result[db]
        sweep = " | ".join("ef %d: recall %.3f, %4.0f qps" % (ef, *r[ef]) for ef in EF_SEARCH)
        print("%-20s %-9s build %5.1fs size %5.1f MiB | %s" % (opclass, db, r["build"], r["size"] / 2**20, sweep),
              flush=True)
        conn.cursor().execute("DROP INDEX idx")


def main():
    rng = np.random.default_rng(3)
    data, queries = random_rows(rng, ROWS), random_rows(rng, QUERIES)
    load(data)
    for op, opclass in OPCLASSES:
        measure(op, opclass, queries)


if __name__ == "__main__":
    main()
