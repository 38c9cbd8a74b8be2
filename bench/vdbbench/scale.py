"""Speed as the table grows (issue #13, goals 2, 3 and 7; docs/benchmarks.md,
"Scaling"): clustered synthetic rows (dataset.clustered, seed 0, DIM dims,
QUERIES queries from the same blobs) at each size of --scale (default
100,000, 300,000 and 1,000,000), loaded by binary COPY into a fresh
database of each SQL engine. There each engine builds hnsw (m 16,
ef_construction 64) and an IVF index of about sqrt(N) lists (vector_db: ivf
sq8; pgvector: ivfflat), and each is swept with 1 and 2 clients. vector_db's
hnsw is then built once more with maintenance_work_mem at a quarter of what
its graph needs in memory (goal 3; up to SMALL_MEMORY_MAX_ROWS), and must
say in a NOTICE that the graph outgrew it. At the largest size each engine's hnsw is also swept with
shared_buffers at a quarter of its index (goal 4): cold, with the server
restarted and the OS page cache dropped before each point, and warm, right
after. That needs the server of scripts/bench.sh, which the harness then
restarts itself, and root for the page cache. pgvector's is not: its build past maintenance_work_mem
inserts the rest row by row, for longer than the whole run may take. Each
engine's database is dropped after its size, so that two copies of the
largest table never sit on disk at once.

What it reports: per size and engine the load, build, size and memory, the
sweeps; ours over pgvector's QPS at recall >= 0.95 and >= 0.99 (the best
sweep point reaching it on each side, per client count) and build time; a
power-law fit t = a * N^b of each build's time over the sizes, with the
times it projects for 10M and 100M rows on this machine; and a plot of
build time and one-client QPS at recall >= 0.95 against rows.
"""
import math
import os
import subprocess
from dataclasses import dataclass, field

import numpy as np

from . import dataset, engines, report, sections

MARK = "<!-- scale -->"
DIM = 96
QUERIES = 300
SIZES = "100000,300000,1000000"
CLIENTS = (1, 2)
RECALLS = (0.95, 0.99)
HNSW = engines.IndexConfig("hnsw", {"m": 16, "ef_construction": 64}, "hnsw.ef_search", [10, 20, 40, 80, 160, 320, 640])
PROBES = [1, 2, 4, 8, 16, 32, 64]
PROJECT_TO = (10_000_000, 100_000_000)
MEMORY_BOUND_EF = [20, 40, 80, 160, 320]
# The quarter-memory build takes about as long again as the rest of a size
# at 1M rows on 2 cores: by default up to this size only (bench.py
# --small-memory-up-to).
SMALL_MEMORY_MAX_ROWS = 300_000
PLOT = "scale.png"  # beside the report


def ivf_config(engine, rows):
    """The IVF index of a size: about sqrt(N) lists, as the issue asks."""
    lists = max(1, round(math.sqrt(rows)))
    if engine == "vector_db":
        return engines.IndexConfig("ivf", {"lists": lists, "quantizer": "sq8"}, "ivf.probes", PROBES)
    return engines.IndexConfig("ivfflat", {"lists": lists}, "ivfflat.probes", PROBES)


@dataclass
class SizeResult:
    """One engine at one size."""
    engine: str
    rows: int
    load_seconds: float
    builds: list = field(default_factory=list)   # engines.BuildStat
    points: list = field(default_factory=list)   # measure.Point
    small_memory: object = None                  # BuildStat of the quarter-memory build (vector_db)
    small_memory_recall: float = None            # its recall@10 at hnsw.ef_search 40
    memory_bound: list = field(default_factory=list)  # (cold or warm, Point) with small shared_buffers
    shared_buffers: int = None                   # their shared_buffers (bytes)
    load_average: str = ""


def sizes(text):
    return [int(x) for x in (text or SIZES).split(",")]


def measure(make_engines, size_list, results_dir, say, small_memory_max_rows=SMALL_MEMORY_MAX_ROWS):
    """Every size in turn: `make_engines()` gives the SQL engines, each with
    a fresh, empty database; sizes up to small_memory_max_rows also get the
    quarter-memory hnsw build."""
    stats = []
    for rows in size_list:
        ds = dataset.clustered(rows, DIM, n_queries=QUERIES)
        _, gt = dataset.ground_truth(results_dir, ds.train, ds.test)
        say(f"== scale: {ds.name}, {QUERIES} queries")
        for eng in make_engines():
            load_start = os.getloadavg()[0]
            result = SizeResult(eng.name, rows, eng.load(ds))
            say(f"  {eng.name}: loaded in {result.load_seconds:.1f} s")
            params = [(p,) for p in eng.encode(ds.test)]
            for cfg in (HNSW, ivf_config(eng.name, rows)):
                built = eng.build(cfg, rows, DIM)
                result.builds.append(built)
                say(f"  {eng.name} {cfg.name}: built in {built.seconds:.1f} s, "
                    f"{report.fmt_bytes(built.size_bytes)}, peak work mem {report.fmt_bytes(built.peak_work)}")
                for value in cfg.values:
                    for clients in CLIENTS:
                        point = eng.sweep_point(ds, gt, params, cfg, value, clients)
                        result.points.append(point)
                        say(f"    {cfg.param}={value}, {clients} client(s): recall {point.recall:.4f}, "
                            f"{point.qps:,.0f} QPS")
                if cfg is HNSW and rows == size_list[-1] and can_restart():
                    memory_bound(eng, result, built.size_bytes, ds, gt, params, say)
                eng.drop_index()
            if eng.name == "vector_db" and rows <= small_memory_max_rows:
                small_memory_build(eng, result, ds, gt, params, say)
            result.load_average = f"{load_start:.1f} → {os.getloadavg()[0]:.1f}"
            stats.append(result)
            eng.drop_database()
    return stats


def graph_bytes(rows):
    """What vector_db's in-memory hnsw graph needs (docs/hnsw.md, "Build"):
    per row the stored element (sq8: 16 bytes of scale and norms, then one
    byte a dimension), 8m bytes of links, 20 of level and upper-level share
    and 6 of heap TID."""
    m = HNSW.options["m"]
    return rows * (16 + DIM + 8 * m + 20 + 6)


def small_memory_build(eng, result, ds, gt, params, say):
    """hnsw again with maintenance_work_mem at a quarter of what the graph
    needs in memory. PostgreSQL gives a build no parallel worker below 32MB
    of maintenance_work_mem per participant, so below about 1M rows this
    build is serial where the in-memory one had a worker."""
    in_memory = result.builds[0]
    kb = max(1024, graph_bytes(result.rows) // 4 // 1024)
    built = eng.build(HNSW, result.rows, DIM, settings=[("maintenance_work_mem", f"{kb}kB")])
    if not any("no longer fits" in n for n in built.notices):
        raise RuntimeError(f"vector_db hnsw with maintenance_work_mem {kb}kB: no NOTICE that the graph "
                           f"outgrew it (notices: {built.notices})")
    result.small_memory = built
    result.small_memory_recall = eng.sweep_point(ds, gt, params, HNSW, 40, 1).recall
    say(f"  vector_db hnsw, maintenance_work_mem {kb}kB: {built.seconds:.1f} s "
        f"({built.seconds / in_memory.seconds:.2f}x in memory), recall {result.small_memory_recall:.4f} at ef 40")
    eng.drop_index()


def can_restart():
    return bool(os.environ.get("BENCH_SERVER_DATA")) and os.geteuid() == 0


def restart_server():
    """Restarts scripts/bench.sh's server as its OS user (PG_OS_USER of
    scripts/pg-cluster.sh, which bench.sh exports), which empties shared
    buffers and applies ALTER SYSTEM."""
    bindir, datadir = os.environ["BENCH_SERVER_BIN"], os.environ["BENCH_SERVER_DATA"]
    user = os.environ.get("BENCH_SERVER_USER", "postgres")
    subprocess.run(["runuser", "-u", user, "--", f"{bindir}/pg_ctl", "-D", datadir, "-l",
                    f"{datadir}/server.log", "-m", "fast", "-w", "restart"], check=True, stdout=subprocess.DEVNULL)


def drop_os_cache():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def memory_bound(eng, result, index_bytes, ds, gt, params, say):
    """The hnsw index swept with shared_buffers at a quarter of its size:
    each point cold (server restarted, OS cache dropped, no warm-up), then
    warm (the same queries again at once)."""
    kb = max(16 * 1024, index_bytes // 4 // 1024)
    with eng.session() as cur:
        cur.execute(f"ALTER SYSTEM SET shared_buffers = '{kb}kB'")
    result.shared_buffers = kb * 1024
    try:
        for ef in MEMORY_BOUND_EF:
            restart_server()
            drop_os_cache()
            for kind, warmup in (("cold", 0), ("warm", 50)):
                point = eng.sweep_point(ds, gt, params, HNSW, ef, 1, warmup=warmup)
                result.memory_bound.append((kind, point))
                say(f"    shared_buffers {kb // 1024} MB, {kind}, ef_search {ef}: recall {point.recall:.4f}, "
                    f"{point.qps:,.0f} QPS")
    finally:
        with eng.session() as cur:
            cur.execute("ALTER SYSTEM RESET shared_buffers")
        restart_server()


def pairs(stats):
    """(rows, vector_db's result, pgvector's result) for each size with both."""
    by = {(s.rows, s.engine): s for s in stats}
    return [(rows, by[(rows, "vector_db")], by[(rows, "pgvector")])
            for rows in dict.fromkeys(s.rows for s in stats)
            if (rows, "vector_db") in by and (rows, "pgvector") in by]


def fit(points):
    """Least-squares power law t = a * N^b through (N, t) points: (a, b)."""
    n, t = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    b, log_a = np.polyfit(n, t, 1)
    return math.exp(log_a), b


def build_fits(stats):
    """{(engine, am): (a, b)} over the sizes measured (at least two)."""
    series = {}
    for s in stats:
        for b in s.builds:
            series.setdefault((s.engine, b.am), []).append((s.rows, b.seconds))
    return {key: fit(pts) for key, pts in series.items() if len({r for r, _ in pts}) >= 2}


def duration(seconds):
    return f"{seconds / 60:,.0f} min" if seconds < 7200 else f"{seconds / 3600:,.1f} h"


def ratio_lines(stats):
    lines = []
    for rows, ours, theirs in pairs(stats):
        for our_am, their_am in (("hnsw", "hnsw"), ("ivf", "ivfflat")):
            cells = []
            for clients in CLIENTS:
                for recall in RECALLS:
                    a, b = (report.fastest_reaching(r.points, recall, am=am, clients=clients)
                            for r, am in ((ours, our_am), (theirs, their_am)))
                    cells.append(f"{clients} client(s) at recall >= {recall}: "
                                 + (f"{a.qps / b.qps:.2f}x ({a.qps:,.0f} / {b.qps:,.0f})" if a and b
                                    else "— (not reached)"))
            mine = next(b for b in ours.builds if b.am == our_am)
            base = next(b for b in theirs.builds if b.am == their_am)
            lines.append(f"- {rows:,} rows, {our_am} against pgvector {their_am}: QPS " + "; ".join(cells)
                         + f"; build time {mine.seconds / base.seconds:.2f}x ({mine.seconds:.1f} / "
                         f"{base.seconds:.1f} s); size {mine.size_bytes / base.size_bytes:.2f}x")
    for rows, ours, theirs in pairs(stats):
        if ours.memory_bound and theirs.memory_bound:
            for kind in ("cold", "warm"):
                a, b = (report.fastest_reaching([p for k, p in r.memory_bound if k == kind], 0.95)
                        for r in (ours, theirs))
                lines.append(f"- {rows:,} rows, hnsw with shared_buffers at a quarter of each index "
                             f"({ours.shared_buffers // 2**20} / {theirs.shared_buffers // 2**20} MB), {kind}, "
                             "recall >= 0.95: "
                             + (f"{a.qps / b.qps:.2f}x ({a.qps:,.0f} / {b.qps:,.0f} QPS)" if a and b
                                else "— (not reached)") + " (goal >= 3x)")
    for s in stats:
        if s.small_memory:
            in_memory = s.builds[0]
            lines.append(f"- {s.rows:,} rows, vector_db hnsw with maintenance_work_mem at a quarter of what "
                         f"its graph needs: {s.small_memory.seconds:.1f} s, "
                         f"{s.small_memory.seconds / in_memory.seconds:.2f}x the in-memory "
                         f"{in_memory.seconds:.1f} s (goal <= 2x), recall@10 {s.small_memory_recall:.4f} at ef_search 40")
    for (engine, am), (a, b) in build_fits(stats).items():
        projected = ", ".join(f"{n / 1e6:,.0f}M rows {duration(a * n ** b)}" for n in PROJECT_TO)
        lines.append(f"- {engine} {am} build time fits t = {a:.3g} · N^{b:.2f} s; projected on this machine: "
                     f"{projected}")
    return lines


def plot(stats, path):
    """Build time and one-client QPS at recall >= 0.95 against rows, log-log."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    series = {}
    for s in stats:
        for b in s.builds:
            entry = series.setdefault(f"{s.engine} {b.am}", ([], [], []))
            entry[0].append(s.rows)
            entry[1].append(b.seconds)
            entry[2].append(report.fastest_reaching(s.points, 0.95, am=b.am, clients=1))
    for label, (rows, seconds, fastest) in series.items():
        left.plot(rows, seconds, marker="o", label=label)
        kept = [(r, p.qps) for r, p in zip(rows, fastest) if p]
        if kept:
            right.plot(*zip(*kept), marker="o", label=label)
    for ax, title, ylabel in ((left, "index build", "seconds"),
                              (right, "one client, recall@10 >= 0.95", "queries per second")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"rows (clustered, {DIM} dims)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def render(stats, rows, command, machine, plot_name=None):
    lines = [MARK, "## Scaling", "",
             f"Clustered synthetic rows × {DIM} dims (`dataset.clustered`, seed 0: 100 Gaussian blobs), "
             f"{QUERIES} queries from the same blobs, exact top-10 ground truth; each size loaded by binary "
             "COPY into a fresh database of each engine. hnsw m 16, ef_construction 64; IVF with about √N "
             "lists (vector_db ivf sq8, pgvector ivfflat). QPS: the best sweep point reaching the recall.",
             ""]
    if plot_name:
        lines += [f"![build time and QPS against rows]({plot_name})", ""]
    table_rows = []
    for s in stats:
        for b in s.builds + ([s.small_memory] if s.small_memory else []):
            small = b is s.small_memory
            cells = [report.fastest_reaching(s.points, r, am=b.am, clients=c) if not small else None
                     for c in CLIENTS for r in RECALLS]
            table_rows.append([f"{s.rows:,}", s.engine, b.index + (", ¼ memory" if small else ""),
                               f"{s.load_seconds:.1f}", f"{b.seconds:.1f}", report.fmt_bytes(b.size_bytes),
                               report.fmt_bytes(b.peak_work)]
                              + [report.fmt_qps(p.qps) if p else "—" for p in cells] + [s.load_average])
    lines.append(report.table(["rows", "engine", "index", "load (s)", "build (s)", "size", "peak work mem"]
                              + [f"QPS {c}c @{r}" for c in CLIENTS for r in RECALLS] + ["load average"],
                              table_rows))
    bound = [(s, kind, p) for s in stats for kind, p in s.memory_bound]
    if bound:
        lines += ["", "hnsw swept with shared_buffers at a quarter of its index: cold (server restarted and "
                  "the OS page cache dropped before the point, no warm-up), then warm (the same queries again).", "",
                  report.table(["rows", "engine", "shared_buffers", "index size", "cache", "ef_search", "recall@10",
                                "QPS", "p50 (ms)"],
                               [[f"{s.rows:,}", s.engine, report.fmt_bytes(s.shared_buffers),
                                 report.fmt_bytes(s.builds[0].size_bytes), kind, p.value, report.fmt_recall(p.recall),
                                 report.fmt_qps(p.qps), f"{p.p50_ms:.2f}"] for s, kind, p in bound])]
    lines += ["", "<details><summary>Sweeps</summary>", "",
              report.points_table([p for s in stats for p in s.points]), "", "</details>"]
    return "\n".join(lines + sections.closing_lines(ratio_lines(stats), command, machine, MARK))
