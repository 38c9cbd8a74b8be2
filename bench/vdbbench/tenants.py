"""Multi-tenant search (docs/multitenancy.md): the 10 nearest rows of one
tenant, `WHERE label = $2 ORDER BY embedding <-> $1 LIMIT 10`, where the
label column holds the tenant.

Tenants by a fixed rule, uncorrelated with the images: row (or query) i
goes to tenant floor(TENANTS * u^2), u a multiplicative hash of i in
[0, 1): uneven sizes, from 10% of the rows for tenant 0 down to 0.5% for
the last. A query searches the tenant its index gives it, so large tenants
get more queries, as in life. The truth is the exact top-10 among the
tenant's rows.

Layouts, in each engine's database:
  list   items_t PARTITION BY LIST (label), a partition per tenant, an
         hnsw index created on each partition (no partitioned index);
  hash   items_t PARTITION BY HASH (label) into HASH_PARTITIONS, each with
         its own hnsw index and a btree on label;
  table  the harness's items with an hnsw index and a btree on label.
Plans: the planner's (which takes a sequential or bitmap scan and a sort
for a small tenant when that is cheaper), with custom plans (plan_cache_mode =
force_custom_plan, so that a constant tenant prunes the partitions and the
btree's estimate is the tenant's), at several hnsw.ef_search with
iterative scans on (strict_order, in both engines), and with index scans
off (the btree's bitmap scan, or a sequential scan of a LIST partition,
and a sort), which is exact. pgvector's best plan is
its fastest point at recall@10 >= 0.95 with 10 rows on every query, over
both layouts.
"""
import os
from dataclasses import dataclass

import numpy as np

from . import report, sections
from .measure import SqlSearch, make_point, timed_loop

MARK = "<!-- tenants -->"
TENANTS = 100
HASH_PARTITIONS = 8
EF_SEARCH = (40, 100)
BUILD = "hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)"


def tenant_of(ids):
    """The fixed rule: floor(TENANTS * u^2), u = (i * 2654435761 mod 2^32) / 2^32."""
    u = (np.asarray(ids, np.int64) * 2654435761 % 2**32) / 2.0**32
    return np.floor(TENANTS * u * u).astype(np.int32)


@dataclass
class TenantStat:
    engine: str
    layout: str
    plan: str
    recall: float
    min_rows: int
    qps: float
    p50_ms: float
    queries: int
    load: str            # the 1-minute load average as the point began and ended


def create_partitioned(eng, strategy, bounds, btree):
    """items_t partitioned BY `strategy` (label), a partition per bound
    (FOR VALUES ...) filled from items, each with its own hnsw index (and
    a btree on label when `btree`)."""
    with eng.session() as cur:
        cur.execute("DROP TABLE IF EXISTS items_t")
        cur.execute(f"CREATE TABLE items_t (LIKE items) PARTITION BY {strategy} (label)")
        for i, bound in enumerate(bounds):
            cur.execute(f"CREATE TABLE items_t_{i} PARTITION OF items_t FOR VALUES {bound}")
        cur.execute("INSERT INTO items_t SELECT * FROM items")
        for i in range(len(bounds)):
            cur.execute(f"CREATE INDEX items_t_{i}_hnsw ON items_t_{i} USING {BUILD}")
            if btree:
                cur.execute(f"CREATE INDEX items_t_{i}_label ON items_t_{i} (label)")
        cur.execute("ANALYZE items_t")


def create_list_layout(eng):
    create_partitioned(eng, "LIST", [f"IN ({t})" for t in range(TENANTS)], btree=False)


def create_hash_layout(eng):
    create_partitioned(eng, "HASH", [f"WITH (MODULUS {HASH_PARTITIONS}, REMAINDER {r})"
                                     for r in range(HASH_PARTITIONS)], btree=True)


def create_table_layout(eng):
    with eng.session() as cur:
        cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
        cur.execute(f"CREATE INDEX items_embedding_idx ON items USING {BUILD}")
        cur.execute("CREATE INDEX IF NOT EXISTS items_label_idx ON items (label)")
        cur.execute("ANALYZE items")


def plans():
    """(name, settings) of the plans measured on each layout."""
    out = [(f"planner's, hnsw.ef_search={ef}, iterative strict_order",
            [f"SET hnsw.ef_search = {ef}", "SET hnsw.iterative_scan = strict_order"]) for ef in EF_SEARCH]
    out.append(("index scans off: btree bitmap or seq scan, + sort (exact)", ["SET enable_indexscan = off"]))
    return out


def point(eng, ds, sql, layout, name, settings, params):
    """One plan on one layout of one engine: a TenantStat."""
    setup = eng.session_setup + ["SET plan_cache_mode = force_custom_plan"] + settings
    search = SqlSearch(eng.dsn, sql, setup, binary=(eng.binary, False))
    load_start = os.getloadavg()[0]
    try:
        results, lat, secs = timed_loop(search, params, warmup=min(20, len(params)))
    finally:
        search.close()
    p = make_point(eng.name, layout, "", name, results, lat, secs, ds.train, ds.test, ds.gt, 10)
    return TenantStat(eng.name, layout, name, p.recall, min(len(r) for r in results), p.qps, p.p50_ms,
                      len(results), f"{load_start:.1f} → {os.getloadavg()[0]:.1f}")


def measure(engs, ds, queries, say):
    """Every layout and plan on the engines `engs`, whose `items` are loaded
    with label = tenant (ds.train_labels / ds.test_labels are the tenants,
    ds.gt the tenant-filtered exact top-10). Each layout exists in every
    engine at once, and each plan is measured engine after engine, so that
    a noisy machine slows all alike."""
    params = {e.name: [(p, str(int(t)).encode()) for p, t in zip(e.encode(ds.test[:queries]), ds.test_labels)]
              for e in engs}
    stats = []
    for layout, create, table in (("list", create_list_layout, "items_t"), ("hash", create_hash_layout, "items_t"),
                                  ("table", create_table_layout, "items")):
        for eng in engs:
            create(eng)
        sql = f"SELECT id FROM {table} WHERE label = $2 ORDER BY embedding <-> $1 LIMIT 10"
        for name, settings in plans():
            for eng in engs:
                s = point(eng, ds, sql, layout, name, settings, params[eng.name])
                stats.append(s)
                say(f"  {eng.name} {layout}, {name}: recall {s.recall:.4f}, min rows {s.min_rows}, "
                    f"{s.qps:,.0f} QPS")
    for eng in engs:
        with eng.session() as cur:
            cur.execute("DROP TABLE IF EXISTS items_t")
            cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
    return stats


def best(stats, engine, **layout):
    """The engine's fastest point with recall >= 0.95 and 10 rows on every
    query (on the layout given as layout=..., or any)."""
    return report.fastest_reaching(stats, 0.95, engine=engine, min_rows=10, **layout)


def ratio_line(what, ours, what_theirs, theirs):
    if ours is None or theirs is None:
        return (f"- {what} against {what_theirs}: no ratio, {what if ours is None else what_theirs} has no point "
                "with recall@10 >= 0.95 and 10 rows on every query in this run")
    return (f"- {what} ({ours.plan}): {ours.qps / theirs.qps:.2f}× the QPS of {what_theirs} ({theirs.layout}, "
            f"{theirs.plan}): {ours.qps:,.0f} / {theirs.qps:,.0f} QPS, recall@10 {ours.recall:.4f} / "
            f"{theirs.recall:.4f}")


def ratio_lines(stats):
    """vector_db's LIST layout against pgvector's best plan, and against
    vector_db's HASH layout."""
    ours = best(stats, "vector_db", layout="list")
    return [ratio_line("vector_db, LIST layout", ours, "pgvector's best plan", best(stats, "pgvector")),
            ratio_line("vector_db, LIST layout", ours, "vector_db's HASH layout", best(stats, "vector_db", layout="hash"))]


def render(stats, rows, command, machine):
    lines = [MARK, "## Multi-tenant search", "",
             f"Fashion-MNIST ({rows:,} rows × 784) split into {TENANTS} tenants of uneven sizes by a fixed rule "
             "(bench/vdbbench/tenants.py: 10% of the rows down to 0.5%); each query searches one tenant: "
             "`WHERE label = $2 ORDER BY embedding <-> $1 LIMIT 10`, with custom plans. Layouts: `list`, a LIST "
             "partition per tenant with its own hnsw index (m 16, ef_construction 64); `hash`, "
             f"{HASH_PARTITIONS} HASH partitions, each with an hnsw index and a btree on the tenant; `table`, one "
             "table with an hnsw index and a btree on the tenant. Recall@10 against each tenant's exact top-10; min rows: "
             "the fewest rows a query returned.", "",
             report.table(["engine", "layout", "plan", "queries", "recall@10", "min rows", "QPS", "p50 (ms)",
                           "load average"],
                          [[s.engine, s.layout, s.plan, s.queries, f"{s.recall:.4f}", s.min_rows, f"{s.qps:,.0f}",
                            f"{s.p50_ms:.2f}", s.load] for s in stats], "lllrrrrrl")]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
