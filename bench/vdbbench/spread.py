"""Recall from build to build (issue #13, goal 5; docs/hnsw.md, "Recall
from build to build"): the same rows indexed BUILDS times with the same
options, hnsw (m 16, ef_construction 64) in each SQL engine, the builds of
the engines interleaved so that a noisy machine slows all alike, and each
build's recall@10 at hnsw.ef_search 40 over the same queries. The bench
server allows one parallel maintenance worker, so every build is a
parallel one: what varies from build to build is how the heap scan shares
the rows out and the timing of the participants.

Data: clustered synthetic vectors (dataset.clustered, seed 0) of DIM dims,
--spread-rows rows (default 200,000) and QUERIES queries.
"""
import os
from dataclasses import dataclass

import numpy as np

from . import dataset, engines, report, sections

MARK = "<!-- build-spread -->"
DIM = 96
QUERIES = 500
EF_SEARCH = 40


@dataclass
class SpreadStat:
    engine: str
    build: int
    seconds: float
    recall: float
    load: str  # the 1-minute load average as the build began and as its sweep ended


def data(rows):
    return dataset.clustered(rows, DIM, n_queries=QUERIES)


def measure(engs, ds, gt, builds, say):
    """`builds` builds of each engine's hnsw on its loaded `items`, one
    recall point each."""
    cfg = engines.pg_defaults("hnsw")
    params = {e.name: [(p,) for p in e.encode(ds.test)] for e in engs}
    stats = []
    for b in range(1, builds + 1):
        for eng in engs:
            load_start = os.getloadavg()[0]
            built = eng.build(cfg, len(ds.train), ds.dim)
            point = eng.sweep_point(ds, gt, params[eng.name], cfg, EF_SEARCH, 1)
            stats.append(SpreadStat(eng.name, b, built.seconds, point.recall,
                                    f"{load_start:.1f} → {os.getloadavg()[0]:.1f}"))
            say(f"  {eng.name} build {b}: {built.seconds:.1f} s, recall@10 {point.recall:.4f} at ef_search {EF_SEARCH}")
            eng.drop_index()
    return stats


def summary(stats, engine):
    """(mean, min, max, largest distance from the mean) of an engine's recalls."""
    r = np.array([s.recall for s in stats if s.engine == engine])
    return r.mean(), r.min(), r.max(), np.abs(r - r.mean()).max()


def ratio_lines(stats):
    lines = []
    for engine in dict.fromkeys(s.engine for s in stats):
        mean, lo, hi, dev = summary(stats, engine)
        lines.append(f"{engine}: recall@10 at ef_search {EF_SEARCH} over "
                     f"{sum(s.engine == engine for s in stats)} builds: mean {mean:.4f}, "
                     f"{lo:.4f} to {hi:.4f}, within ±{dev:.4f} of the mean")
    return lines


def render(stats, rows, command, machine):
    lines = [MARK, "## Recall from build to build", "",
             f"The same {rows:,} clustered synthetic rows × {DIM} dims (seed 0), {QUERIES} queries, indexed "
             f"again and again with hnsw (m 16, ef_construction 64, one parallel maintenance worker), "
             f"recall@10 at ef_search {EF_SEARCH} after each build (docs/hnsw.md, \"Recall from build to build\").",
             "", report.table(["engine", "build", "build time (s)", "recall@10", "load average"],
                              [[s.engine, s.build, f"{s.seconds:.1f}", f"{s.recall:.4f}", s.load] for s in stats],
                              "lllll")]
    return "\n".join(lines + sections.closing_lines(ratio_lines(stats), command, machine, MARK))
