#!/usr/bin/python3
"""Two builds of vector_db.so, A/B, on one query shape: per-query time inside
the server, so that a change worth 10-20% shows through this machine's noise.

    bench/ab_builds.py --dsn 'host=127.0.0.1 port=5491 user=postgres' \\
        --library /usr/lib/postgresql/15/lib/vector_db.so \\
        --restart 'su postgres -c "pg_ctl -D /tmp/data restart -m fast -w"' \\
        --qual 'tag = $1' /tmp/before.so /tmp/after.so

Each round copies each build in turn over --library, restarts the server
with --restart, runs --warmup queries and then times --queries queries in a
PL/pgSQL loop (so no client or network time): the 10 nearest Fashion-MNIST
training rows (the first 1,000 rows as queries) among those that pass
--qual, whose $1 runs through 0..99 (a `tag` of items_f: 1% of the rows
each). Rounds alternate the builds, so drift on the machine hits both.
Prints each build's times sorted and the ratio of the medians.

Data: the filtered section's items_f (bench/vdbbench/filtered.py: tag,
labels), built once in database `ab_builds` with an hnsw index (embedding,
tag, labels), m 16, ef_construction 64, and kept for the next run.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vdbbench import dataset, filtered, load  # noqa: E402

DATABASE = "ab_builds"

QUERY_LOOP = """
CREATE OR REPLACE FUNCTION ab_query_loop(n int, qual text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	queries text[];
	t0 timestamptz;
	r int[];
BEGIN
	SELECT array_agg(embedding::text ORDER BY id) INTO queries FROM items_f WHERE id < 1000;
	t0 := clock_timestamp();
	FOR i IN 1..n LOOP
		EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items_f WHERE %s '
		               'ORDER BY embedding <-> %L LIMIT 10) s', qual, queries[1 + (i * 7) % 1000])
		USING (i * 31) % 100 INTO r;
	END LOOP;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000 / n;
END $$"""


class Server:
    def __init__(self, dsn):
        self.server_dsn = dsn

    def connect(self, dbname=DATABASE):
        conn = psycopg2.connect(f"{self.server_dsn} dbname={dbname}")
        conn.autocommit = True
        return conn


def prepare(server):
    """The database, table, index and loop function, unless there already."""
    conn = server.connect("postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        fresh = cur.fetchone() is None
        if fresh:
            cur.execute(f"CREATE DATABASE {DATABASE}")
    conn.close()
    conn = server.connect()
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        cur.execute("SELECT to_regclass('items_f') IS NOT NULL")
        if not cur.fetchone()[0]:
            ds = dataset.fashion_mnist()
            conn.autocommit = False
            load.create_items(conn, ds)
            conn.autocommit = True
            filtered.create_table(server, ds.dim, *filtered.filter_columns(len(ds.train)))
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("CREATE INDEX items_f_vec ON items_f USING hnsw (embedding vector_l2_ops, tag, labels) "
                        "WITH (m = 16, ef_construction = 64)")
        cur.execute(QUERY_LOOP)
    conn.close()


def per_query_ms(server, qual, queries, warmup):
    conn = server.connect()
    with conn.cursor() as cur:
        cur.execute("SET enable_bitmapscan = off")  # the index, whatever the planner thinks
        cur.execute("SELECT ab_query_loop(%s, %s)", (warmup, qual))
        cur.execute("SELECT ab_query_loop(%s, %s)", (queries, qual))
        ms = cur.fetchone()[0]
    conn.close()
    return ms


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True, help="libpq connection string of the server, without dbname")
    ap.add_argument("--library", required=True, help="the server's installed vector_db.so, which each build replaces")
    ap.add_argument("--restart", required=True, help="shell command that restarts the server and waits")
    ap.add_argument("--qual", default="tag = $1", help="the WHERE clause; $1 runs through 0..99 (default: tag = $1)")
    ap.add_argument("--queries", type=int, default=1500)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("builds", nargs=2, metavar="BUILD.so")
    args = ap.parse_args()
    server = Server(args.dsn)
    prepare(server)
    times = {build: [] for build in args.builds}
    for _ in range(args.rounds):
        for build in args.builds:
            shutil.copyfile(build, args.library)
            subprocess.run(args.restart, shell=True, check=True, stdout=subprocess.DEVNULL)
            times[build].append(per_query_ms(server, args.qual, args.queries, args.warmup))
    for build, ms in times.items():
        print(f"{build}: " + " ".join(f"{t:.3f}" for t in sorted(ms)) + " ms a query")
    a, b = (statistics.median(times[build]) for build in args.builds)
    print(f"median {args.builds[1]} / {args.builds[0]}: {b / a:.3f}")


if __name__ == "__main__":
    main()
