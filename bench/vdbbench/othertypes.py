"""The other types (`--types`): hnsw over halfvec, bit (Hamming) and
sparsevec, vector_db against pgvector on the same data in the same run.

Data:
  halfvec    the Fashion-MNIST rows cast to halfvec (pixels 0..255 are exact
             in float16, so the float32 ground truth holds), l2;
  bit        binary_quantize of the same rows (a pixel > 0 is a 1): 784 bits,
             Hamming distance, with its own exact ground truth (many ties:
             recall counts any row as near as the 10th);
  sparsevec  SPARSE_ROWS seeded random rows of SPARSE_DIMS dimensions, 20 to
             200 non-zeros each, 70% of them from one of 200 "topics" (term
             weights cluster so), queries drawn alike; l2 and inner product.
Each case loads one table per engine, builds an hnsw index (m 16,
ef_construction 64) in each engine in turn, then sweeps hnsw.ef_search with
the engines taking turns at each value, so that a noisy machine slows all
alike; a point's QPS is the best of ROUNDS passes over the queries. Builds
run serially (max_parallel_maintenance_workers = 0), so the backend's CPU
time (from /proc, the server being local) is the whole build's: on a
machine shared with other work it is steadier than the wall time, and both
are reported. halfvec is measured twice for vector_db: flat (the default)
and quantizer = 'sq8'.
Reported: build time, index size, recall@10 and QPS per point, and the
ratios against pgvector at recall@10 >= 0.95 and >= 0.99 (the fastest
point reaching it).
"""
import io
import os
from dataclasses import dataclass, field

import numpy as np

from . import dataset, progress, report, sections
from .measure import TIE_SLACK, SqlSearch, percentile, timed_loop

MARK = "<!-- types -->"
EF_SEARCH = (10, 20, 40, 80, 160, 320)
ROUNDS = 3
TARGETS = (0.95, 0.99)
BUILD = "m = 16, ef_construction = 64"
SPARSE_ROWS = 10_000
SPARSE_DIMS = 30_000
SPARSE_TOPICS = 200
K = 10


@dataclass
class Case:
    """One column type and operator class, with its queries and truth."""
    name: str               # e.g. "halfvec l2"
    table: str
    column_type: str        # SQL type of the column, e.g. halfvec(784)
    opclass: str
    op: str
    queries: list           # query literals (text)
    gt: np.ndarray          # (queries, K) exact distances, ascending
    distances: object       # distances(query number, ids) -> exact distances
    configs: dict           # engine -> [index options (SQL), ...]


@dataclass
class TypeStat:
    case: str
    engine: str
    index: str
    rows: int
    build_s: float
    build_cpu_s: float      # the backend's CPU seconds, None when /proc cannot tell
    size_bytes: int
    points: list = field(default_factory=list)  # (ef_search, recall, qps, p50_ms)
    load: str = ""                              # 1-minute load average at build start → last point


def recall(case, results):
    """Tie-aware recall@10: a row counts when its exact distance is no
    larger than the 10th exact one."""
    total = 0
    for i, ids in enumerate(results):
        kth = case.gt[i][K - 1]
        found = case.distances(i, ids[:K]) if ids else np.empty(0)
        total += min(K, int(np.count_nonzero(found <= kth + TIE_SLACK * max(kth, 1.0))))
    return total / (K * len(results))


def top_k(dists):
    """The K smallest of each row of a (queries, rows) distance matrix, ascending."""
    part = np.partition(dists, K - 1, axis=1)[:, :K]
    return np.sort(part, axis=1)


# --- the data of each case ------------------------------------------------

def halfvec_case(results_dir, train, test):
    _, gt = dataset.ground_truth(results_dir, train, test)

    def distances(i, ids):
        diff = train[np.asarray(ids)].astype(np.float64) - test[i].astype(np.float64)
        return np.einsum("ij,ij->i", diff, diff)

    queries = ["[" + ",".join(str(int(x)) for x in q) + "]" for q in test]
    return Case("halfvec l2", "t_half", f"halfvec({train.shape[1]})", "halfvec_l2_ops", "<->", queries, gt,
                distances, {"vector_db": ["", "quantizer = 'sq8'"], "pgvector": [""]})


def bit_case(train, test):
    base, qbits = (train > 0), (test > 0)
    base_f = base.astype(np.float32)
    ones = base_f.sum(axis=1)

    def hamming(q):  # |a| + |b| - 2 a.b, exact in float32 for 784 bits
        qf = q.astype(np.float32)
        return ones + qf.sum() - 2 * (base_f @ qf)

    gt = top_k(np.stack([hamming(q) for q in qbits]))

    def distances(i, ids):
        return np.count_nonzero(base[np.asarray(ids)] != qbits[i], axis=1).astype(np.float64)

    queries = ["".join("1" if b else "0" for b in q) for q in qbits]
    return Case("bit hamming", "t_bit", f"bit({train.shape[1]})", "bit_hamming_ops", "<~>", queries, gt,
                distances, {"vector_db": [""], "pgvector": [""]})


def sparse_rows(rng, count):
    """(indices, values) pairs of term-weight-like rows clustered by topic."""
    out = []
    width = SPARSE_DIMS // SPARSE_TOPICS
    for _ in range(count):
        nnz = int(rng.integers(20, 200))
        topic = int(rng.integers(0, SPARSE_TOPICS))
        local = topic * width + np.floor(rng.random(nnz) ** 2 * width).astype(int)
        anywhere = np.floor(rng.random(nnz) ** 2 * SPARSE_DIMS).astype(int)
        idx = np.unique(np.where(rng.random(nnz) < 0.7, local, anywhere))
        out.append((idx, (rng.random(len(idx)) + 0.01).astype(np.float32)))
    return out


def sparse_text(row):
    idx, values = row
    return "{%s}/%d" % (",".join("%d:%r" % (i + 1, float(v)) for i, v in zip(idx, values)), SPARSE_DIMS)


def sparse_cases(rows, queries):
    """l2 and inner product over the same rows: exact distances from a
    row-compressed copy in float64."""
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    indices = np.concatenate([r[0] for r in rows])
    values = np.concatenate([r[1] for r in rows]).astype(np.float64)
    norms = np.add.reduceat(values * values, indptr[:-1])

    def dots(q):
        dense = np.zeros(SPARSE_DIMS)
        dense[q[0]] = q[1]
        return np.add.reduceat(values * dense[indices], indptr[:-1])

    all_dots = np.stack([dots(q) for q in queries])
    q_norms = np.array([float(np.dot(q[1].astype(np.float64), q[1])) for q in queries])
    l2 = np.maximum(norms[None, :] + q_norms[:, None] - 2 * all_dots, 0)
    texts = [sparse_text(q) for q in queries]
    cases = []
    for name, op, opclass, matrix in (("sparsevec l2", "<->", "sparsevec_l2_ops", l2),
                                      ("sparsevec ip", "<#>", "sparsevec_ip_ops", -all_dots)):
        cases.append(Case(name, "t_sparse", f"sparsevec({SPARSE_DIMS})", opclass, op, texts, top_k(matrix),
                          lambda i, ids, m=matrix: m[i, np.asarray(ids)], {"vector_db": [""], "pgvector": [""]}))
    return cases


# --- loading, building, sweeping --------------------------------------------

def load_tables(eng, ds, sparse):
    """t_half and t_bit from the harness's items (loaded by binary COPY),
    t_sparse by text COPY."""
    with eng.session() as cur:
        dim = ds.train.shape[1]
        for table, expr, typ in (("t_half", f"embedding::halfvec({dim})", f"halfvec({dim})"),
                                 ("t_bit", "binary_quantize(embedding)", f"bit({dim})")):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, x {typ})")
            cur.execute(f"INSERT INTO {table} SELECT id, {expr} FROM items")
        cur.execute("DROP TABLE IF EXISTS t_sparse")
        cur.execute(f"CREATE TABLE t_sparse (id int PRIMARY KEY, x sparsevec({SPARSE_DIMS}))")
        cur.copy_expert("COPY t_sparse FROM STDIN",
                        io.StringIO("".join("%d\t%s\n" % (i, sparse_text(r)) for i, r in enumerate(sparse))))
        cur.execute("VACUUM ANALYZE t_half, t_bit, t_sparse")


def build(eng, case, options):
    with eng.session() as cur:
        cur.execute("DROP INDEX IF EXISTS t_idx")
        cur.execute("SET max_parallel_maintenance_workers = 0")
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        with_clause = ", ".join(o for o in (BUILD, options) if o)
        cpu, start = progress.cpu_seconds(pid), os.times().elapsed
        cur.execute(f"CREATE INDEX t_idx ON {case.table} USING hnsw (x {case.opclass}) WITH ({with_clause})")
        seconds, cpu_end = os.times().elapsed - start, progress.cpu_seconds(pid)
        cur.execute("SELECT pg_relation_size('t_idx'), count(*) FROM " + case.table)
        size, rows = cur.fetchone()
    return TypeStat(case.name, eng.name, "hnsw " + (options or "default"), rows, seconds,
                    cpu_end - cpu if cpu is not None and cpu_end is not None else None, size)


def sweep_point(eng, case, ef):
    sql = f"SELECT id FROM {case.table} ORDER BY x {case.op} $1::{case.column_type} LIMIT {K}"
    search = SqlSearch(eng.dsn, sql, eng.session_setup + ["SET enable_seqscan = off", f"SET hnsw.ef_search = {ef}"],
                       binary=(False,))
    try:
        plan = "\n".join(search.explain(["'" + case.queries[0] + "'"]))
        if "t_idx" not in plan:
            raise RuntimeError(f"{eng.name} {case.name}: the plan does not use the index:\n{plan}")
        params = [(q.encode(),) for q in case.queries]
        results, lat, secs = timed_loop(search, params, warmup=min(20, len(params)))
        for _ in range(ROUNDS - 1):
            _, more, more_secs = timed_loop(search, params, warmup=0)
            if more_secs < secs:
                lat, secs = more, more_secs
    finally:
        search.close()
    return ef, recall(case, results), len(results) / secs, percentile([x * 1000 for x in lat], 50)


def measure_case(case, engs, say):
    """Builds each engine's index (one index per table at a time, so the
    planner has one choice), sweeps them interleaved; vector_db's further
    configurations follow, each swept on its own."""
    rounds = max(len(case.configs.get(e.name, [])) for e in engs)
    stats = []
    for r in range(rounds):
        members = []
        for eng in engs:
            configs = case.configs.get(eng.name, [])
            if r < len(configs):
                s = build(eng, case, configs[r])
                s.load = f"{os.getloadavg()[0]:.1f}"
                say(f"  {eng.name} {case.name} {s.index}: built in {s.build_s:.1f} s ({cpu_text(s)} CPU), "
                    f"{s.size_bytes / 2**20:.1f} MiB")
                members.append((eng, s))
        for ef in EF_SEARCH:
            for eng, s in members:
                s.points.append(sweep_point(eng, case, ef))
                _, rec, qps, p50 = s.points[-1]
                say(f"    {eng.name} {s.index} ef_search={ef}: recall {rec:.4f}, {qps:,.0f} QPS, p50 {p50:.2f} ms")
        for eng, s in members:
            s.load += f" → {os.getloadavg()[0]:.1f}"
            with eng.session() as cur:
                cur.execute("DROP INDEX IF EXISTS t_idx")
        stats += [s for _, s in members]
    return stats


def measure(engs, ds, queries, say, results_dir):
    """Every case on the engines `engs` (their `items` loaded with ds)."""
    rng = np.random.default_rng(3)
    sparse, sparse_queries = sparse_rows(rng, SPARSE_ROWS), sparse_rows(rng, queries)
    for eng in engs:
        say(f"  {eng.name}: loading t_half, t_bit, t_sparse")
        load_tables(eng, ds, sparse)
    test = ds.test[:queries]
    cases = [halfvec_case(results_dir, ds.train, test), bit_case(ds.train, test)] + sparse_cases(sparse, sparse_queries)
    stats = []
    for case in cases:
        say(f"== {case.name}: {case.column_type}, {len(case.queries)} queries")
        stats += measure_case(case, engs, say)
    for eng in engs:
        with eng.session() as cur:
            cur.execute("DROP TABLE IF EXISTS t_half, t_bit, t_sparse")
    return stats


# --- the report -----------------------------------------------------------

def cpu_text(s):
    return "?" if s.build_cpu_s is None else f"{s.build_cpu_s:.1f} s"


def fastest(stat, target):
    ok = [p for p in stat.points if p[1] >= target]
    return max(ok, key=lambda p: p[2]) if ok else None


def ratio_lines(stats):
    """Each vector_db index against pgvector's on the same case: build time,
    size, and QPS at each recall target."""
    lines = []
    for ours in (s for s in stats if s.engine == "vector_db"):
        theirs = next((s for s in stats if s.engine == "pgvector" and s.case == ours.case), None)
        if theirs is None:
            continue
        parts = [f"build {ours.build_s / theirs.build_s:.2f}× ({ours.build_s:.1f} / {theirs.build_s:.1f} s)"]
        if ours.build_cpu_s and theirs.build_cpu_s:
            parts.append(f"build CPU {ours.build_cpu_s / theirs.build_cpu_s:.2f}× ({ours.build_cpu_s:.1f} / "
                         f"{theirs.build_cpu_s:.1f} s)")
        parts.append(f"size {ours.size_bytes / theirs.size_bytes:.2f}×")
        for target in TARGETS:
            a, b = fastest(ours, target), fastest(theirs, target)
            if a and b:
                parts.append(f"QPS at recall ≥ {target}: {a[2] / b[2]:.2f}× ({a[2]:,.0f} at ef {a[0]} / "
                             f"{b[2]:,.0f} at ef {b[0]})")
            else:
                parts.append(f"QPS at recall ≥ {target}: no ratio ({'ours' if not a else 'pgvector'} never reaches it)")
        lines.append(f"- {ours.case}, vector_db {ours.index} against pgvector: " + "; ".join(parts))
    return lines


def render(stats, rows, command, machine):
    lines = [MARK, "## Other types: halfvec, bit, sparsevec", "",
             f"hnsw (m 16, ef_construction 64) over halfvec (Fashion-MNIST, {rows:,} rows cast to halfvec(784), l2), "
             f"bit (binary_quantize of the same rows, 784 bits, Hamming) and sparsevec ({SPARSE_ROWS:,} seeded rows of "
             f"{SPARSE_DIMS:,} dimensions, 20 to 200 non-zeros clustered by topic; l2 and inner product), vector_db "
             "against pgvector in the same run (bench/vdbbench/othertypes.py). Recall@10 counts ties with the 10th "
             "exact distance as hits. Serial builds (wall and backend CPU time); text-format query parameters, one "
             f"client, each point's QPS the best of {ROUNDS} passes over the queries.", "",
             report.table(["type", "engine", "index", "rows", "build (s)", "build CPU (s)", "size (MiB)",
                           "ef_search: recall / QPS", "load average"],
                          [[s.case, s.engine, s.index, f"{s.rows:,}", f"{s.build_s:.1f}", cpu_text(s),
                            f"{s.size_bytes / 2**20:.1f}",
                            "; ".join(f"{ef}: {rec:.3f} / {qps:,.0f}" for ef, rec, qps, _ in s.points), s.load]
                           for s in stats], "lllrrrrll")]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
