"""Turning a run's measurements into markdown, a plot and docs/benchmarks.md.

Everything here is a pure function of the run's records (plus matplotlib for
the picture), so the unit tests can render a report from made-up figures.
"""
import math
import os

MIB = 1024 * 1024


def fmt_qps(q):
    return f"{q:,.0f}"


def fmt_bytes(b):
    return "—" if b is None else f"{b / MIB:,.0f} MiB"


def fmt_recall(r):
    return "—" if r is None or (isinstance(r, float) and math.isnan(r)) else f"{r:.4f}"


def table(header, rows, align=None):
    """A markdown table; numbers are expected already formatted. align: one
    letter per column, r (right) or l (left); by default the columns whose
    header names a figure are right-aligned."""
    if align is None:
        align = "".join("r" if h.startswith(("#", "QPS", "p50", "p99", "recall", "rows", "build", "size", "peak"))
                        else "l" for h in header)
    assert len(align) == len(header), (header, align)
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def builds_table(builds):
    return table(["engine", "index", "rows", "build (s)", "size", "peak RSS", "peak work mem"],
                 [[b.engine, b.index, f"{b.rows:,}", f"{b.seconds:.1f}", fmt_bytes(b.size_bytes),
                   fmt_bytes(b.peak_hwm), fmt_bytes(b.peak_work)] for b in builds])


def points_table(points):
    return table(["engine", "index", "parameter", "recall@10", "QPS", "p50 (ms)", "p99 (ms)", "clients", "queries"],
                 [[p.engine, p.index, f"{p.param}={p.value}" if p.param else "—", fmt_recall(p.recall),
                   fmt_qps(p.qps), f"{p.p50_ms:.3f}", f"{p.p99_ms:.3f}", p.clients, f"{p.queries:,}"]
                  for p in points])


def inserts_table(inserts):
    return table(["engine", "index", "clients", "rows", "rows/s"],
                 [[i.engine, i.index, i.clients, f"{i.rows:,}", fmt_qps(i.rows_per_s)] for i in inserts])


GOAL_RECALLS = (0.95, 0.99, 0.999)


def _baseline_am(index):
    """pgvector's access method a vector_db index is judged against: hnsw
    against hnsw, every IVF flavour against ivfflat."""
    am = index.split()[0]
    return "hnsw" if am == "hnsw" else "ivfflat" if am in ("ivf", "ivfflat") else None


def fastest_reaching(points, recall, **equal):
    """The point of highest QPS among those reaching `recall` whose
    attributes equal `equal` (e.g. engine="pgvector", clients=1), None when
    none does. Points are any records with qps and recall: sweep points,
    or a section's own stats."""
    ok = [p for p in points if p.recall >= recall and all(getattr(p, k) == v for k, v in equal.items())]
    return max(ok, key=lambda p: p.qps) if ok else None


def goals_table(builds, points):
    """Each vector_db index against pgvector's index of its family, as the
    issues state the goals: QPS at equal recall (best sweep point reaching
    it on each side), build time and size. Empty when pgvector is absent."""
    rows = []
    pg_builds = {b.am: b for b in builds if b.engine == "pgvector"}
    pg_indexes = {p.am: p.index for p in points if p.engine == "pgvector"}
    ours = list(dict.fromkeys(p.index for p in points if p.engine == "vector_db"))
    for index in ours:
        am = _baseline_am(index)
        if am not in pg_indexes:
            continue
        cells = []
        for recall in GOAL_RECALLS:
            a = fastest_reaching(points, recall, engine="vector_db", index=index, clients=1)
            b = fastest_reaching(points, recall, engine="pgvector", index=pg_indexes[am], clients=1)
            cells.append(f"{a.qps / b.qps:.2f}x ({fmt_qps(a.qps)} / {fmt_qps(b.qps)})" if a and b else "—")
        build = next((b for b in builds if b.engine == "vector_db" and b.index == index), None)
        base = pg_builds.get(am)
        for attr in ("seconds", "size_bytes"):
            mine, theirs = getattr(build, attr, None), getattr(base, attr, None)
            cells.append(f"{mine / theirs:.2f}x" if mine and theirs else "—")
        rows.append([index, f"pgvector {pg_indexes[am]}"] + cells)
    if not rows:
        return None
    return table(["vector_db index", "against"] + [f"QPS at recall >= {r}" for r in GOAL_RECALLS] +
                 ["build time", "size"], rows)


def curves(points):
    """Sweep points grouped by engine+index, in sweep order: {label: [points]}."""
    out = {}
    for p in points:
        if p.param:
            out.setdefault(p.label, []).append(p)
    return out


def plot(points, path, title, floors=()):
    """Recall@10 against QPS (log axis), one line per engine/index; each of
    `floors` (Points of the trivial-query path) is a dotted horizontal line:
    no extension can be faster than that through the same client."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for label, pts in curves(points).items():
        ax.plot([p.recall for p in pts], [p.qps for p in pts], marker="o", label=label)
    for f in floors:
        ax.axhline(f.qps, linestyle=":", color="grey")
        ax.annotate(f"{f.engine} {f.index}", (ax.get_xlim()[0], f.qps), fontsize=7, color="grey",
                    va="bottom")
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries per second (log)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(meta, builds, points, extras=(), inserts=(), plot_file=None):
    """docs/benchmarks.md for one run. meta: dict with date, machine, cpus,
    memory, server, settings, versions, queries, command. extras: exact and
    floor points."""
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (scripts/bench.sh → bench/bench.py); rerunning it rewrites this file.",
        "Machines are noisy: compare ratios within one run, not absolute figures across runs.",
        "",
        "## Conditions",
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['machine']}, {meta['cpus']} CPUs (nproc), {meta['memory']} RAM",
        f"- server: {meta['server']}",
        f"- settings: {meta['settings']}; column storage PLAIN",
        f"- engines: {meta['versions']}",
        f"- data: {meta['data']}",
        f"- queries: {meta['queries']}",
        f"- command: `{meta['command']}`",
        "",
        "Each point: one client connection (unless `clients` says otherwise), one query at a time,",
        "a prepared `SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10` with the vector sent in",
        "binary, after a warm-up; the plan is checked with EXPLAIN to use the index. recall@10 counts a",
        "returned row as right when its exact distance is within the 10th exact distance (ties count).",
        "Library references (hnswlib, FAISS) run in the harness's process, one query per call.",
        "",
    ]
    if plot_file:
        lines += ["## Recall against throughput", "", f"![recall@10 vs QPS]({plot_file})", ""]
    if builds:
        lines += ["## Index builds", "",
                  "`peak RSS`: the building backend's high-water mark, shared buffers and shared memory",
                  "it touched included; `peak work mem`: the most private memory (RssAnon) of the backend",
                  "and its parallel workers plus the dynamic shared memory they had allocated (PostgreSQL",
                  "allocates a DSM segment in full when it creates it), sampled twice a second.",
                  "`size`: pg_relation_size,",
                  "or the serialized index for the libraries.", "", builds_table(builds), ""]
    goals = goals_table(builds, points)
    if goals:
        lines += ["## Against pgvector", "",
                  "Ratios of this run: QPS is the best one-client sweep point reaching the recall on each",
                  "side (ours / pgvector's in brackets); build time and size are ours over pgvector's.", "",
                  goals, ""]
    if points:
        lines += ["## Search sweeps", "", points_table(points), ""]
    if extras:
        lines += ["## Exact search and the fixed cost of a query", "",
                  "`exact` is a sequential scan with no vector index; `floor` a prepared primary-key",
                  "lookup returning one id over the same path (the ceiling for any extension), best of",
                  "three rounds taken in turns.", "",
                  points_table(extras), ""]
    if inserts:
        lines += ["## Single-row INSERT throughput", "", inserts_table(inserts), ""]
    lines += [
        "## Running it",
        "",
        "`make bench` builds and installs vector_db, starts a throwaway server (.cluster/bench/) with",
        "the settings above and runs the default sweep; `scripts/bench.sh ARGS` passes ARGS to",
        "bench/bench.py (`--help` lists them): `--all-queries` (10,000 per point), `--clients N`,",
        "`--insert`, `--engines LIST`, and",
        "`--index ENGINE:AM:OPTIONS:PARAM=V1,V2` to replace an engine's default index configurations.",
        "Raw results of every run go to bench/results/run-*.json.",
        "A full run ends with the fast-ingest measurement (its own section below; `--no-ingest`",
        "leaves it out, `--ingest` measures only that). `--vacuum-inserts [CLIENTS]` measures only",
        "insert latency beside VACUUM (its own section below); `--drift` only IVF drift recovery",
        "(recall drifted, rebalanced and after REINDEX); `--range` only range search",
        "against the exact scan, `--tenants` only multi-tenant search (a LIST partition per tenant,",
        "HASH partitions and one table, beside pgvector), `--filtered` only filtered search (`tag` and",
        "`labels` filter columns at 1% and 10% of the rows, beside pgvector's best plan), `--types` only",
        "hnsw over halfvec, bit and sparsevec beside pgvector (Fashion-MNIST cast to halfvec,",
        "binary_quantize'd to 784 bits, and 10,000 seeded sparse rows; about 15 minutes at 20,000 rows on",
        "a loaded 2-core machine), each on the first `--section-rows N` rows (default all)",
        "with `--section-queries N` queries (default 300); later runs keep those sections as they",
        "are. `BENCH_PG_BIN=DIR scripts/bench.sh` runs the PostgreSQL 15 of DIR instead of the",
        "system's (a private copy with both extensions installed).",
        "",
        "## Measuring pgvector side by side",
        "",
        "The harness measures pgvector in its own database of the same server whenever the server",
        "offers the extension `vector` (pg_available_extensions). To set that up, build pgvector",
        "0.8.x from its source into the system PostgreSQL 15, outside this tree, for example:",
        "",
        "    git clone --branch v0.8.6 https://github.com/pgvector/pgvector.git /tmp/pgvector",
        "    make -C /tmp/pgvector && make -C /tmp/pgvector install",
        "",
        "then run `make bench` again (or `scripts/bench.sh --engines pgvector`). Without it the run",
        "simply leaves pgvector out.",
        "",
    ]
    return "\n".join(lines)
