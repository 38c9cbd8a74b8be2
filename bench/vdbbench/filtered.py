"""Filtered search (issue #12, docs/hnsw.md "Filter columns"): the 10
nearest rows among those that pass a filter, `WHERE tag = $2 ORDER BY
embedding <-> $1 LIMIT 10` and the same with `labels && $2`, at about 1%
and 10% of the rows, vector_db's multi-column index against pgvector's
best plan.

The filter columns come from a fixed, seeded rule, independent of the
images (filter_columns): `tag int`, uniform over 100 values (1% each), and
`labels int[]`, 3 of 50 labels per row, one from each of three slots:
labels 0-9 (10% of the rows each), 10-29 (5% each), and 30-49, where each
of 30-39 goes to 1% of the rows and each of 40-49 to 9%. The workloads and
their $2 (drawn per query by a second seeded rule, query_params):
  tag = $2        one tag                              1%
  tag = ANY($2)   ten distinct tags                    10%
  labels && $2    one label of 30-39                   1%
  labels && $2    one label of 0-9                     10%
The truth of each query is the exact top-10 (float64 distances) among the
rows that pass its filter, cached like the unfiltered one.

Tables, in each engine's database: items_f(id, tag, labels, embedding)
with a btree on tag and a GIN index on labels. The vector indexes (INDEXES,
one line per access method and engine: vector_db's carry tag and labels as
filter columns, pgvector's the vector only) are built one after the other.
Plans, each checked in EXPLAIN: the planner's own choice (custom plans,
iterative scans relaxed_order), the vector index forced (sequential,
bitmap scans and sorts off) at each setting of PLANS, and the bitmap scan
of the btree or GIN index plus a sort (exact). An engine's best plan is
its fastest point at recall@10 >= 0.95 with exactly 10 rows on every
query; the goal is vector_db at >= 3x pgvector's QPS.
"""
import os
import re
from dataclasses import dataclass

import numpy as np

from . import dataset, load, report, sections
from .engines import sql_literal
from .measure import SqlSearch, make_point, timed_loop

MARK = "<!-- filtered-search -->"
SEED = 20261207
TAGS = 100
GOAL = 3.0
HNSW_BUILD = "WITH (m = 16, ef_construction = 64)"
FORCE_INDEX = ["SET enable_seqscan = off", "SET enable_bitmapscan = off", "SET enable_sort = off"]
BITMAP_SORT = ["SET enable_indexscan = off", "SET enable_seqscan = off"]
PLANNER = ["SET hnsw.iterative_scan = relaxed_order"]


def hnsw_plans():
    """(name, settings) of the forced hnsw plans: iterative scans in both
    orders at four ef_search. The low ones matter where the filter is
    inside the walk: there ef_search counts rows that pass, so ef_search 40
    finds the 40 nearest passing rows, more than a LIMIT 10 needs."""
    return [(f"hnsw {order}, ef_search {ef}",
             FORCE_INDEX + [f"SET hnsw.iterative_scan = {order}", f"SET hnsw.ef_search = {ef}"])
            for order in ("relaxed_order", "strict_order") for ef in (10, 20, 40, 100)]


# engine: [(name, CREATE INDEX ... USING <definition>, forced plans)], one
# line per vector index; the i-th of every engine is measured side by side.
INDEXES = {
    "vector_db": [("hnsw (embedding, tag, labels)",
                   f"hnsw (embedding vector_l2_ops, tag, labels) {HNSW_BUILD}", hnsw_plans())],
    "pgvector": [("hnsw (embedding)", f"hnsw (embedding vector_l2_ops) {HNSW_BUILD}", hnsw_plans())],
}


@dataclass
class Workload:
    name: str            # e.g. "tag = $2, 1%"
    sql: str
    params: list         # per query, $2 as text
    masks: np.ndarray    # (queries, rows) bool: the rows each query's filter passes
    gt: np.ndarray = None

    @property
    def selectivity(self):
        return float(self.masks.mean())


@dataclass
class FilterStat:
    engine: str
    workload: str
    index: str
    plan: str
    shape: str           # the plan's scans, from EXPLAIN
    recall: float
    min_rows: int
    qps: float
    p50_ms: float
    queries: int
    load: str            # the 1-minute load average as the point began and ended


def filter_columns(n):
    """(tag (n,), labels (n, 3)) of rows 0..n-1 by the fixed rule."""
    rng = np.random.default_rng(SEED)
    tag = rng.integers(0, TAGS, n)
    common = rng.integers(0, 10, n)
    middle = 10 + rng.integers(0, 20, n)
    rare = rng.random(n) < 0.1
    last = np.where(rare, 30, 40) + rng.integers(0, 10, n)
    return tag.astype(np.int32), np.stack([common, middle, last], axis=1).astype(np.int32)


def query_params(queries):
    """Per workload, the $2 values of `queries` queries: {name: [list of ints]}."""
    rng = np.random.default_rng(SEED + 1)
    return {"tag1": [[int(rng.integers(0, TAGS))] for _ in range(queries)],
            "tag10": [sorted(int(x) for x in rng.choice(TAGS, 10, replace=False)) for _ in range(queries)],
            "labels1": [[30 + int(rng.integers(0, 10))] for _ in range(queries)],
            "labels10": [[int(rng.integers(0, 10))] for _ in range(queries)]}


def workloads(tag, labels, queries):
    """The four Workloads (without truth) for `queries` queries."""
    p = query_params(queries)
    base = "SELECT id FROM items_f WHERE {} ORDER BY embedding <-> $1 LIMIT 10"
    array = lambda vs: ("{" + ",".join(map(str, vs)) + "}").encode()
    tag_mask = lambda vs: np.isin(tag, vs)
    label_mask = lambda vs: np.isin(labels, vs).any(axis=1)
    return [Workload("tag = $2, 1%", base.format("tag = $2"), [str(v[0]).encode() for v in p["tag1"]],
                     np.array([tag_mask(v) for v in p["tag1"]])),
            Workload("tag = ANY($2), 10%", base.format("tag = ANY($2)"), [array(v) for v in p["tag10"]],
                     np.array([tag_mask(v) for v in p["tag10"]])),
            Workload("labels && $2, 1%", base.format("labels && $2"), [array(v) for v in p["labels1"]],
                     np.array([label_mask(v) for v in p["labels1"]])),
            Workload("labels && $2, 10%", base.format("labels && $2"), [array(v) for v in p["labels10"]],
                     np.array([label_mask(v) for v in p["labels10"]]))]


def masked_truth(d2, masks, k=10):
    """(queries, k) exact distances of each query's k nearest rows among
    those its mask passes, ascending (squared L2, as measure's recall)."""
    out = np.full((len(d2), k), np.inf)
    for i, (d, m) in enumerate(zip(d2, masks)):
        near = np.sort(d[m])[:k]
        out[i, :len(near)] = near
    return out


def add_truth(cache_dir, ds, works):
    """Each workload's exact filtered truth, cached under cache_dir."""
    from .rangesearch import squared_distances
    d2 = None
    for w in works:
        def compute():
            nonlocal d2
            if d2 is None:
                d2 = squared_distances(ds.train, ds.test)
            return {"dists": masked_truth(d2, w.masks)}
        key = [ds.train, ds.test, w.masks, np.frombuffer(w.sql.encode(), np.uint8)]
        w.gt = dataset.cached(cache_dir, "gt-filtered", key, compute)["dists"]


def create_table(eng, dim, tag, labels):
    """items_f from the engine's loaded items plus the filter columns, a
    btree on tag and a GIN index on labels; items is dropped."""
    rows = "".join(f"{i}\t{t}\t{{{','.join(map(str, ls))}}}\n" for i, (t, ls) in enumerate(zip(tag, labels)))
    conn = eng.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS items_f")
            cur.execute("CREATE TABLE items_f (id int PRIMARY KEY, tag int, labels int[], embedding vector(%s))"
                        % int(dim))
            cur.execute("ALTER TABLE items_f ALTER embedding SET STORAGE PLAIN")
            cur.execute("CREATE TEMP TABLE f (id int, tag int, labels int[])")
            cur.copy_expert("COPY f FROM STDIN", _Reader(rows.encode()))
            cur.execute("INSERT INTO items_f SELECT i.id, f.tag, f.labels, i.embedding FROM items i JOIN f USING (id)")
            cur.execute("DROP TABLE items")
            cur.execute("CREATE INDEX items_f_tag ON items_f (tag)")
            cur.execute("CREATE INDEX items_f_labels ON items_f USING gin (labels)")
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE items_f")
    finally:
        conn.close()


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, size=-1):
        size = len(self.data) - self.pos if size < 0 else size
        chunk = self.data[self.pos:self.pos + size]
        self.pos += len(chunk)
        return chunk

    readline = read


def plan_shape(lines):
    """The scans and sorts of an EXPLAIN (COSTS OFF), e.g. "Index Scan
    items_f_hnsw (Index Cond: tag)", for the report."""
    parts = []
    for line in lines:
        m = re.search(r"(Index Scan|Index Only Scan|Bitmap Index Scan|Seq Scan|Sort)(?: using (\w+))?", line)
        if m and not line.strip().startswith("Sort Key"):
            parts.append(m.group(1) + (f" {m.group(2)}" if m.group(2) else ""))
        elif line.strip().startswith(("Index Cond", "Filter")) and parts:
            parts[-1] += f" ({line.strip().split(':')[0]})"
    return " + ".join(parts)


def point(eng, ds, work, index, plan, settings, expect, params):
    """One plan of one workload on one engine: a FilterStat. `expect`: a
    text the plan must contain (None: the planner's choice)."""
    setup = eng.session_setup + ["SET plan_cache_mode = force_custom_plan"] + settings
    search = SqlSearch(eng.dsn, work.sql, setup, binary=(eng.binary, False))
    try:
        lines = search.explain([sql_literal(load.vector_text(ds.test[0])), sql_literal(work.params[0].decode())])
        if expect is not None and expect not in "\n".join(lines):
            raise RuntimeError(f"{eng.name} {work.name}, {plan}: expected {expect} in the plan\n" + "\n".join(lines))
        load_start = os.getloadavg()[0]
        results, lat, secs = timed_loop(search, params, warmup=min(20, len(params)))
    finally:
        search.close()
    p = make_point(eng.name, index, "", plan, results, lat, secs, ds.train, ds.test, work.gt, 10)
    return FilterStat(eng.name, work.name, index, plan, plan_shape(lines), p.recall,
                      min(len(r) for r in results), p.qps, p.p50_ms, len(results),
                      f"{load_start:.1f} → {os.getloadavg()[0]:.1f}")


def measure(engs, ds, cache_dir, say):
    """Every workload and plan on the engines `engs` (their items loaded with
    ds.train); ds.test holds the queries. Each plan is measured engine
    after engine, so that a noisy machine slows all alike."""
    tag, labels = filter_columns(len(ds.train))
    works = workloads(tag, labels, len(ds.test))
    add_truth(cache_dir, ds, works)
    for w in works:
        say(f"  {w.name}: {w.selectivity:.2%} of the rows pass on average")
    for eng in engs:
        create_table(eng, ds.dim, tag, labels)
    vectors = {e.name: e.encode(ds.test) for e in engs}
    params = {(e.name, w.name): list(zip(vectors[e.name], w.params)) for e in engs for w in works}
    stats = []

    def run(eng, w, index, plan, settings, expect):
        s = point(eng, ds, w, index, plan, settings, expect, params[eng.name, w.name])
        stats.append(s)
        say(f"  {eng.name} {w.name}, {index}, {plan}: recall {s.recall:.4f}, min rows {s.min_rows}, "
            f"{s.qps:,.0f} QPS [{s.shape}]")

    for w in works:
        for eng in engs:
            run(eng, w, "btree / GIN", "bitmap scan + sort (exact)", BITMAP_SORT, "Bitmap Heap Scan")
    for slot in range(max(len(INDEXES.get(e.name, [])) for e in engs)):
        members = [(e, INDEXES[e.name][slot]) for e in engs if slot < len(INDEXES.get(e.name, []))]
        for eng, (_, definition, _) in members:
            with eng.session() as cur:
                cur.execute("DROP INDEX IF EXISTS items_f_vec")
                cur.execute(f"CREATE INDEX items_f_vec ON items_f USING {definition}")
                cur.execute("ANALYZE items_f")
        for w in works:
            for eng, (index, _, _) in members:
                run(eng, w, index, "planner's choice, iterative relaxed_order", PLANNER, None)
            for i in range(max(len(plans) for _, (_, _, plans) in members)):
                for eng, (index, _, plans) in members:
                    if i < len(plans):
                        run(eng, w, index, plans[i][0], plans[i][1], "items_f_vec")
        for eng, _ in members:
            with eng.session() as cur:
                cur.execute("DROP INDEX items_f_vec")
    return stats


def best(stats, engine, workload):
    """The engine's fastest point on the workload with recall >= 0.95 and
    10 rows on every query, None when it has none."""
    return report.fastest_reaching(stats, 0.95, engine=engine, workload=workload, min_rows=10)


def ratio_lines(stats):
    """Per workload: vector_db's best against pgvector's best, and the goal."""
    out = []
    for w in dict.fromkeys(s.workload for s in stats):
        ours, theirs = best(stats, "vector_db", w), best(stats, "pgvector", w)
        if ours is None or theirs is None:
            who = "vector_db" if ours is None else "pgvector"
            out.append(f"- `{w}`: no ratio, {who} has no point with recall@10 >= 0.95 and 10 rows on every query")
            continue
        ratio = ours.qps / theirs.qps
        out.append(f"- `{w}`: vector_db ({ours.index}, {ours.plan}) at {ratio:.2f}× the QPS of pgvector's best "
                   f"({theirs.index}, {theirs.plan}): {ours.qps:,.0f} / {theirs.qps:,.0f} QPS, recall@10 "
                   f"{ours.recall:.4f} / {theirs.recall:.4f}; goal ≥ {GOAL:.0f}×: "
                   f"{'met' if ratio >= GOAL else 'missed'}")
    return out


def render(stats, rows, command, machine):
    lines = [MARK, "## Filtered search", "",
             f"Fashion-MNIST ({rows:,} rows × 784) with two columns by a fixed, seeded rule independent of the "
             "images (bench/vdbbench/filtered.py): `tag int`, 100 values of 1% each, and `labels int[]`, 3 of "
             "50 labels per row. Queries `WHERE <filter> ORDER BY embedding <-> $1 LIMIT 10` with custom plans; "
             "recall@10 against the exact top-10 among the rows that pass; min rows: the fewest rows a query "
             "returned. vector_db: hnsw (embedding, tag, labels), the filter applied inside the walk; pgvector: "
             "hnsw (embedding) with iterative scans. Both: a btree on tag and a GIN index on labels for the "
             "bitmap plan. Plan: the scans EXPLAIN shows (Index Cond: the qual is applied by the index; Filter: "
             "above it). m 16, ef_construction 64.", "",
             report.table(["engine", "filter", "index", "plan", "EXPLAIN", "queries", "recall@10", "min rows", "QPS",
                           "p50 (ms)", "load average"],
                          [[s.engine, f"`{s.workload}`", s.index, s.plan, s.shape, s.queries, f"{s.recall:.4f}",
                            s.min_rows, f"{s.qps:,.0f}", f"{s.p50_ms:.2f}", s.load] for s in stats], "lllllrrrrrl")]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
