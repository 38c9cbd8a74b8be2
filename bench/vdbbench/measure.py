"""What a sweep point is made of: recall, percentiles, and the timed loops.

Recall@k respects ties: a returned row counts as a true neighbour when its
exact distance is no larger than the k-th exact distance, because with
integer pixel data several rows can share that distance and any of them is
a right answer. QPS is queries over wall time of the whole loop, one query
in flight per client; latencies are per query, client to client.
"""
import multiprocessing as mp
import time
from dataclasses import dataclass, field

import numpy as np

from . import libpq

# relative slack when comparing float distances computed on two sides
TIE_SLACK = 1e-6


def recall_at_k(found_dists, gt_dists, k=10):
    """Mean recall@k. found_dists[i] holds the exact distances of the rows
    query i returned (any length, at most k counted); gt_dists[i] the exact
    k nearest distances, ascending."""
    if len(found_dists) == 0:
        return 0.0
    total = 0
    for found, gt in zip(found_dists, gt_dists):
        kth = gt[k - 1]
        total += min(k, int(np.count_nonzero(np.asarray(found[:k]) <= kth + TIE_SLACK * max(kth, 1.0))))
    return total / (k * len(found_dists))


def exact_distances(base, query, ids):
    """Squared L2 from query to base[ids], in float64 (exact for integer data)."""
    if len(ids) == 0:
        return np.empty(0)
    diff = base[np.asarray(ids)].astype(np.float64) - query.astype(np.float64)
    return np.einsum("ij,ij->i", diff, diff)


def percentile(values, p):
    """The p-th percentile (0..100) with linear interpolation between the
    closest ranks, as numpy's default does."""
    if len(values) == 0:
        raise ValueError("percentile of no values")
    s = sorted(values)
    rank = (len(s) - 1) * p / 100.0
    lo = int(rank)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (rank - lo)


@dataclass
class Point:
    """One measured point of a sweep."""
    engine: str              # e.g. "vector_db", "pgvector", "hnswlib"
    index: str               # e.g. "hnsw m=16 ef_construction=64"
    param: str               # swept parameter name, "" when none
    value: object            # its value
    recall: float
    qps: float
    p50_ms: float
    p99_ms: float
    queries: int
    clients: int = 1
    mean_rows: float = None  # rows returned per query (filtered mode)
    extra: dict = field(default_factory=dict)

    @property
    def label(self):
        return f"{self.engine} {self.index}"

    @property
    def am(self):
        """The index's access method (or library index kind): its first word."""
        return self.index.split()[0]


def make_point(engine, index, param, value, results, latencies, seconds, base, queries, gt_dists, k=10, clients=1):
    """Scores one loop's raw results (lists of ids per query) into a Point."""
    found = [exact_distances(base, queries[i], ids) for i, ids in enumerate(results)]
    lat_ms = [x * 1000.0 for x in latencies]
    return Point(engine, index, param, value,
                 recall=recall_at_k(found, gt_dists[:len(results)], k),
                 qps=len(results) / seconds,
                 p50_ms=percentile(lat_ms, 50), p99_ms=percentile(lat_ms, 99),
                 queries=len(results), clients=clients,
                 mean_rows=float(np.mean([len(r) for r in results])))


def timed_loop(search, params, warmup=50):
    """Runs search(p) for every p after `warmup` untimed calls; returns
    (results, per-call seconds, wall seconds)."""
    for p in params[:warmup]:
        search(p)
    results, lat = [], []
    clock = time.perf_counter
    start = clock()
    for p in params:
        t = clock()
        results.append(search(p))
        lat.append(clock() - t)
    return results, lat, clock() - start


class SqlSearch:
    """A prepared statement on its own libpq connection, after `setup` SQL
    (e.g. SET hnsw.ef_search = 40). Called with a tuple of encoded
    parameters (binary[i]: whether parameter i is in binary format), it
    returns the integers of the first result column."""

    NAME = "bench_q"

    def __init__(self, dsn, sql, setup=(), binary=(True,)):
        self.conn = libpq.Connection(dsn)
        for stmt in setup:
            self.conn.execute(stmt)
        self.conn.prepare(self.NAME, sql)
        self.binary = binary

    def __call__(self, params):
        return [int(x) for x in self.conn.first_column(self.NAME, params, self.binary)]

    def explain(self, literals):
        """The plan (text lines) of the prepared statement for parameters
        given as SQL literals."""
        return [r[0] for r in self.conn.execute(f"EXPLAIN (COSTS OFF) EXECUTE {self.NAME}({', '.join(literals)})")]

    def setting(self, name):
        """The value of a GUC as this session sees it, None if not defined
        (a custom-prefix placeholder counts as undefined)."""
        rows = self.conn.execute(f"SELECT setting FROM pg_settings WHERE name = '{name}'")
        return rows[0][0] if rows else None

    def close(self):
        self.conn.close()


def _client(args):
    dsn, sql, setup, binary, params, warmup, barrier = args
    s = SqlSearch(dsn, sql, setup, binary)
    for p in params[:warmup]:
        s(p)
    barrier.wait()
    return timed_loop(s, params, warmup=0)


def concurrent_loop(dsn, sql, setup, binary, params, clients, warmup=50):
    """Like timed_loop over `clients` connections in separate processes, the
    queries dealt round-robin; returns results in query order, latencies,
    and the wall time of the slowest client."""
    ctx = mp.get_context("fork")
    with ctx.Manager() as mgr:
        barrier = mgr.Barrier(clients)
        shares = [params[c::clients] for c in range(clients)]
        with ctx.Pool(clients) as pool:
            outs = pool.map(_client, [(dsn, sql, tuple(setup), binary, s, warmup, barrier) for s in shares])
    results = [None] * len(params)
    lat = []
    for c, (res, l, _) in enumerate(outs):
        results[c::clients] = res
        lat.extend(l)
    return results, lat, max(o[2] for o in outs)
