"""Range search (docs/range_search.md): every row within a radius,
`WHERE embedding <<->> sphere($1, r)`, through vector_db's hnsw and ivf
indexes against the exact scan of the same table in the same run.

The radii come from the data, computed once: for a sample of the queries,
the exact distance of their 10th, 100th and 1,000th nearest rows; each
radius is the median of one of those, so that a sphere holds about that
many rows (fewer in sparse regions, more in dense ones). The truth of each
query is every row nearer than the radius by exact float64 distance.
Recall is over all queries' rows together (rows found within the radius /
rows within it); "outside" counts rows returned beyond the radius (a few
at its very edge may differ by the float32 rounding of the operator, which
the test suite checks exactly). pgvector has no range search: the baseline
is the sequential scan that evaluates the operator on every row.
"""
import os
from dataclasses import dataclass

import numpy as np

from . import load, report, sections
from .measure import SqlSearch, timed_loop

MARK = "<!-- range-search -->"
TARGETS = (10, 100, 1000)
SQL = "SELECT id FROM items WHERE embedding <<->> sphere($1::vector, $2::real)"
EXACT = ["SET enable_indexscan = off", "SET enable_bitmapscan = off"]
INDEXES = [("hnsw", "hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)", []),
           ("ivf sq8", "ivf (embedding vector_l2_ops) WITH (lists = 245, quantizer = 'sq8')", [])]


@dataclass
class RangeStat:
    index: str
    target: int
    radius: float
    queries: int
    truth_rows: float    # mean rows within the radius
    found_rows: float    # mean rows returned
    recall: float
    outside: int
    qps: float
    load: str = ""       # the 1-minute load average as the point began and ended


def squared_distances(base, queries):
    """Exact squared L2 (float64) of every query to every row."""
    b = base.astype(np.float64)
    q = queries.astype(np.float64)
    d = np.einsum("ij,ij->i", b, b)[None, :] - 2.0 * (q @ b.T) + np.einsum("ij,ij->i", q, q)[:, None]
    return np.maximum(d, 0.0)


def radii(d2):
    """{target: radius}: the median over the queries of the distance of
    their target-th nearest row."""
    ordered = np.sort(d2, axis=1)
    return {k: float(np.sqrt(np.median(ordered[:, min(k, ordered.shape[1]) - 1]))) for k in TARGETS}


def run_point(eng, name, setup, params, radius, d2, probe):
    """One radius through one plan: the index (items_range_idx) or, with
    the EXACT settings, the sequential scan; `probe` is a query vector for
    the plan check."""
    search = SqlSearch(eng.dsn, SQL, eng.session_setup + setup, binary=(eng.binary, False))
    try:
        plan = "\n".join(search.explain([f"'{load.vector_text(probe)}'", str(radius)]))
        if ("items_range_idx" in plan) == (setup is EXACT):
            raise RuntimeError(f"range search {name}: unexpected plan\n{plan}")
        r = str(radius).encode()
        load_start = os.getloadavg()[0]
        args = [(p, r) for p in params]
        results, _, secs = timed_loop(search, args, warmup=min(5, len(args)))
    finally:
        search.close()
    within = d2 < radius * radius
    truth = int(within.sum())
    found = sum(int(within[i, ids].sum()) for i, ids in enumerate(results))
    returned = sum(len(ids) for ids in results)
    return RangeStat(name, 0, radius, len(args), truth / len(args), returned / len(args),
                     found / truth if truth else float("nan"), returned - found, len(args) / secs,
                     f"{load_start:.1f} → {os.getloadavg()[0]:.1f}")


def measure(eng, ds, queries, exact_queries, say):
    """Every (index, radius) point on the loaded `items` of engine `eng`
    (vector_db), then the exact scan; returns RangeStats."""
    q = ds.test[:queries]
    d2 = squared_distances(ds.train, q)
    rs = radii(d2)
    say("range search radii: " + ", ".join(f"~{k} rows: {r:.1f}" for k, r in rs.items()))
    params = eng.encode(q)
    stats = []
    for name, definition, setup in INDEXES:
        with eng.session() as cur:
            cur.execute("DROP INDEX IF EXISTS items_range_idx")
            cur.execute(f"CREATE INDEX items_range_idx ON items USING {definition}")
            cur.execute("ANALYZE items")
        for k, r in rs.items():
            s = run_point(eng, name, setup, params, r, d2, q[0])
            s.target = k
            stats.append(s)
            say(f"  {name}, ~{k} rows (r = {r:.1f}): recall {s.recall:.4f}, {s.found_rows:.0f} rows/query, "
                f"{s.outside} outside, {s.qps:,.1f} QPS")
    with eng.session() as cur:
        cur.execute("DROP INDEX IF EXISTS items_range_idx")
    for k, r in rs.items():
        s = run_point(eng, "exact scan", EXACT, params[:exact_queries], r, d2[:exact_queries], q[0])
        s.target = k
        stats.append(s)
        say(f"  exact scan, ~{k} rows: recall {s.recall:.4f}, {s.qps:,.1f} QPS")
    return stats


def ratio_lines(stats):
    exact = {s.target: s for s in stats if s.index == "exact scan"}
    out = []
    for s in stats:
        base = exact.get(s.target)
        if s.index != "exact scan" and base is not None:
            out.append(f"- {s.index}, ~{s.target} rows: {s.qps / base.qps:.1f}× the exact scan's QPS "
                       f"at recall {s.recall:.4f} (goal ≥ 0.99 at default settings: "
                       f"{'met' if s.recall >= 0.99 else 'missed'})")
    return out


def render(stats, rows, command, machine):
    lines = [MARK, "## Range search", "",
             f"Fashion-MNIST ({rows:,} rows × 784): `WHERE embedding <<->> sphere($1, r)` for radii at the "
             "median distance of the queries' 10th, 100th and 1,000th nearest rows (computed once on the "
             "queries), at default search settings, against the sequential scan evaluating the operator on "
             "every row (pgvector has no range search). Recall: rows found within the radius over rows "
             "within it (exact float64 distances), all queries together.", "",
             report.table(["index", "target rows", "radius", "queries", "rows within (mean)", "rows returned (mean)",
                           "recall", "outside", "QPS", "load average"],
                          [[s.index, f"{s.target:,}", f"{s.radius:.1f}", s.queries, f"{s.truth_rows:,.1f}",
                            f"{s.found_rows:,.1f}", f"{s.recall:.4f}", s.outside, f"{s.qps:,.1f}", s.load]
                           for s in stats], "lrrrrrrrrl")]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
