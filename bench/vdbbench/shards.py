"""Scale-out (docs/scale-out.md): the same rows searched on one server and
through a coordinator over three postgres_fdw shards, each with its own
hnsw index.

Layouts, in the same benchmark server (so that both share its CPUs, as
three servers on a 2-core machine would):
  one      the harness's items, one hnsw index;
  sharded  items_s, hash-partitioned on id over three shard databases
           (vdb_shard1..3, reached over loopback TCP through postgres_fdw),
           set up by vector_db_add_shard and vector_db_shard_table; the rows
           go in through the coordinator, the shards' indexes are built
           after the load (vector_db_shard_exec), as a bulk load should.
Searched four ways, over hnsw.ef_search (which the coordinator forwards
to the shards): "one server"; "3 shards", items_s as a user would query it
(a Merge Append of the shards' sorted streams, fetching 10 rows at a time,
vector_db_add_shard's fetch_size); "3 shards, fetch_size 100", the same
shard tables through a second partitioned table items_f whose foreign
tables fetch postgres_fdw's default 100 rows at a time; and "3 shards,
per-shard form", a UNION ALL of one ORDER BY ... LIMIT per shard table
(LIMIT pushed, the shards' scans at once). "shard N alone" runs the query
on each shard's table directly; coordinator overhead per query = the
sharded p50 minus the sum of the three shards' p50 (what the shards' own
work takes one after the other, as a Merge Append asks them). Recall@10
against the exact top-10 of all rows.
"""
import os
from dataclasses import dataclass

import psycopg2.extensions

from . import report, sections
from .measure import SqlSearch, make_point, timed_loop

MARK = "<!-- shards -->"
SHARDS = 3
EF_SEARCH = (10, 20, 40, 80, 120, 200)
BUILD = "hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)"
SQL = "SELECT id FROM {table} ORDER BY embedding <-> $1 LIMIT 10"
# The per-shard form of docs/scale-out.md: LIMIT pushed, shards at once.
PER_SHARD_SQL = ("SELECT id FROM (" + " UNION ALL ".join(
    f"(SELECT id, embedding <-> $1 AS d FROM items_s_shard{i} ORDER BY d LIMIT 10)" for i in range(SHARDS))
    + ") s ORDER BY d + 0 LIMIT 10")


LAYOUTS = (("one server", SQL.format(table="items")), ("3 shards", SQL.format(table="items_s")),
           ("3 shards, fetch_size 100", SQL.format(table="items_f")), ("3 shards, per-shard form", PER_SHARD_SQL))
SHARDED = [layout for layout, _ in LAYOUTS[1:]]


@dataclass
class ShardStat:
    layout: str
    ef_search: int
    recall: float
    qps: float
    p50_ms: float
    p99_ms: float
    queries: int
    load: str            # the 1-minute load average as the point began and ended


def shard_db(i):
    return f"vdb_shard{i + 1}"


def create_layouts(eng, rows, say):
    """The one-server index on items and the sharded copy items_s."""
    server = psycopg2.extensions.parse_dsn(eng.server_dsn)
    with eng.session("postgres") as cur:
        for i in range(SHARDS):
            cur.execute(f"DROP DATABASE IF EXISTS {shard_db(i)}")
            cur.execute(f"CREATE DATABASE {shard_db(i)}")
    with eng.session() as cur:
        cur.execute("DROP TABLE IF EXISTS items_s")
        for i in range(SHARDS):
            cur.execute(f"DROP SERVER IF EXISTS vdb_s{i + 1} CASCADE")
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
        cur.execute("CREATE EXTENSION IF NOT EXISTS dblink")
        for i in range(SHARDS):
            cur.execute("SELECT vector_db_add_shard(%s, %s, %s, %s, %s)",
                        (f"vdb_s{i + 1}", server.get("host", "127.0.0.1"), int(server["port"]), shard_db(i),
                         server.get("user", "postgres")))
        cur.execute("CREATE TABLE items_s (LIKE items INCLUDING STORAGE) PARTITION BY HASH (id)")
        cur.execute("SELECT vector_db_shard_table('items_s', %s)", ([f"vdb_s{i + 1}" for i in range(SHARDS)],))
        say(f"  loading {rows:,} rows into {SHARDS} shards through the coordinator")
        cur.execute("INSERT INTO items_s SELECT * FROM items")
        for i in range(SHARDS):
            say(f"  building the hnsw index of shard {i + 1}")
            cur.execute("SELECT vector_db_shard_exec(%s, %s)",
                        (f"vdb_s{i + 1}", f"CREATE INDEX ON items_s_shard{i} USING {BUILD}; ANALYZE items_s_shard{i}"))
        # The same shard tables again, read with postgres_fdw's default
        # fetch_size 100 instead of the helper's 10.
        cur.execute("DROP TABLE IF EXISTS items_f")
        cur.execute("CREATE TABLE items_f (LIKE items INCLUDING STORAGE) PARTITION BY HASH (id)")
        for i in range(SHARDS):
            cur.execute(f"CREATE FOREIGN TABLE items_f_shard{i} PARTITION OF items_f FOR VALUES WITH "
                        f"(MODULUS {SHARDS}, REMAINDER {i}) SERVER vdb_s{i + 1} "
                        f"OPTIONS (table_name 'items_s_shard{i}', fetch_size '100')")
        cur.execute("ANALYZE items_s")
        cur.execute("ANALYZE items_f")
        say("  building the one-server hnsw index")
        cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
        cur.execute(f"CREATE INDEX items_embedding_idx ON items USING {BUILD}")
        cur.execute("ANALYZE items")


def point(eng, ds, dsn, sql, layout, ef, params):
    search = SqlSearch(dsn, sql, eng.session_setup + [f"SET hnsw.ef_search = {ef}"], binary=(eng.binary,))
    load_start = os.getloadavg()[0]
    try:
        results, lat, secs = timed_loop(search, params, warmup=min(20, len(params)))
    finally:
        search.close()
    p = make_point(eng.name, layout, "hnsw.ef_search", ef, results, lat, secs, ds.train, ds.test, ds.gt, 10)
    return ShardStat(layout, ef, p.recall, p.qps, p.p50_ms, p.p99_ms, len(results),
                     f"{load_start:.1f} → {os.getloadavg()[0]:.1f}")


def measure(eng, ds, queries, say):
    """Every ef_search on each layout, one layout after the other per value,
    so that a noisy machine slows all alike. Recall of a single shard is
    against the global truth, so it is left out (its latency is what counts)."""
    create_layouts(eng, len(ds.train), say)
    params = [(p,) for p in eng.encode(ds.test[:queries])]
    stats = []
    for ef in EF_SEARCH:
        for layout, sql in LAYOUTS:
            s = point(eng, ds, eng.dsn, sql, layout, ef, params)
            stats.append(s)
            say(f"  {layout}, ef_search {ef}: recall {s.recall:.4f}, {s.qps:,.0f} QPS, p50 {s.p50_ms:.2f} ms")
        for i in range(SHARDS):
            dsn = f"{eng.server_dsn} dbname={shard_db(i)}"
            s = point(eng, ds, dsn, SQL.format(table=f"items_s_shard{i}"), f"shard {i + 1} alone", ef, params)
            stats.append(s)
    return stats


def overhead_ms(stats, ef, layout="3 shards"):
    """Sharded p50 minus the sum of the shards' own p50 at one ef_search."""
    sharded = [s.p50_ms for s in stats if s.layout == layout and s.ef_search == ef]
    alone = [s.p50_ms for s in stats if s.layout.endswith("alone") and s.ef_search == ef]
    return sharded[0] - sum(alone) if sharded and len(alone) == SHARDS else None


def ratio_lines(stats):
    lines = []
    for floor, layout in ((f, l) for f in (0.95, 0.99) for l in SHARDED):
        one, sharded = (report.fastest_reaching(stats, floor, layout=each) for each in ("one server", layout))
        if one is None or sharded is None:
            lines.append(f"- recall@10 >= {floor}, {layout}: no ratio, a layout has no point that reaches it")
            continue
        lines.append(f"- recall@10 >= {floor}: {layout} give {sharded.qps / one.qps:.2f}× the QPS of one server "
                     f"({sharded.qps:,.0f} at ef_search {sharded.ef_search}, p50 {sharded.p50_ms:.2f} ms, p99 "
                     f"{sharded.p99_ms:.2f} ms / {one.qps:,.0f} at ef_search {one.ef_search}, p50 {one.p50_ms:.2f} "
                     f"ms, p99 {one.p99_ms:.2f} ms); coordinator overhead at that ef_search "
                     f"{overhead_ms(stats, sharded.ef_search, layout):.2f} ms per query")
    return lines


def render(stats, rows, command, machine):
    lines = [MARK, "## Scale-out over postgres_fdw shards", "",
             f"Fashion-MNIST ({rows:,} rows × 784): one table with an hnsw index (m 16, ef_construction 64) "
             f"against the same rows hash-partitioned over {SHARDS} shard databases of the same server through "
             "postgres_fdw (docs/scale-out.md), each shard with its own hnsw index of the same options; "
             "`ORDER BY embedding <-> $1 LIMIT 10`, the coordinator forwarding hnsw.ef_search to the shards. "
             "\"3 shards\": the partitioned table as vector_db_add_shard sets it up (fetch_size 10); \"fetch_size "
             "100\": the same shard tables read with postgres_fdw's default; \"per-shard form\": a UNION ALL of one "
             "ORDER BY ... LIMIT 10 per shard table (LIMIT pushed, the shards at once). \"shard N alone\" is the "
             "query on one shard's table directly (its recall is against the global truth, so only its latency "
             "means something): coordinator overhead = a sharded p50 minus the sum of the shards' p50.", "",
             report.table(["layout", "hnsw.ef_search", "queries", "recall@10", "QPS", "p50 (ms)", "p99 (ms)",
                           "load average"],
                          [[s.layout, s.ef_search, s.queries, "—" if s.layout.endswith("alone") else f"{s.recall:.4f}",
                            f"{s.qps:,.0f}", f"{s.p50_ms:.2f}", f"{s.p99_ms:.2f}", s.load] for s in stats],
                          "lrrrrrrl")]
    for layout in SHARDED:
        lines += ["", f"Coordinator overhead per query (p50), {layout}: " + ", ".join(
            f"ef_search {ef}: {overhead_ms(stats, ef, layout):.2f} ms" for ef in EF_SEARCH
            if overhead_ms(stats, ef, layout) is not None)]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
