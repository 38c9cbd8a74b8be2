"""Fast ingest: how many single-row INSERTs per second an indexed table
takes, and what the index's recall is once the new rows are merged.

For each engine and index (vector_db's hnsw and ivf sq8 with
`fastupdate = on`, pgvector's hnsw and ivfflat with the same build
parameters), on the Fashion-MNIST table loaded by the harness:
  1. build the index and measure recall@10 at one search setting (hnsw
     ef_search 40, ivf probes 8) on the 60,000 rows;
  2. CLIENTS pgbench clients insert single rows for SECONDS (`-l`, every
     transaction logged): the training images mirrored left to right, a
     new image each (in order, from a table of their own, so that the
     insert reads no vector from the client), with ids after the last row;
  3. wait until what the inserts left pending is merged: by the background
     workers when the server runs them (`vector_db` preloaded, e.g.
     BENCH_WORKERS=1 scripts/bench.sh), else (or past WORKER_WAIT_S) by
     vector_db_merge; nothing to do for pgvector, or for an ivf without
     the option. Then measure recall again, against the exact top-10 of
     the table as it now is;
  4. drop the index and delete the new rows.
The same inserts into the table without a vector index give each
engine's ceiling. The 1-minute load average is noted as each measurement
begins and ends: the ratios are taken side by side on a shared machine.

ivf's fastupdate option is used where the loaded vector_db has it (the
option's error says when not); the report says which insert path ran.
"""
import os
import tempfile
import time
import types
from dataclasses import dataclass

import numpy as np
import psycopg2

from . import dataset, engines, load, pgbench, report

SECONDS = 20
CLIENTS = 4
MARK = "<!-- ingest -->"
WORKER_WAIT_S = 120
SOURCE = "ingest_bench_vectors"
SCRIPT = ("INSERT INTO items (id, label, embedding) "
          "SELECT n.id, s.label, s.embedding FROM (SELECT nextval('ingest_bench_ids') AS id) n "
          f"JOIN {SOURCE} s ON s.id = n.id % {{sources}};\n")
NO_INDEX = "no vector index"
FASTUPDATE = "fastupdate = on"
PLAIN = "plain inserts"
NO_OPTION = "plain inserts (no fastupdate option in this build)"


@dataclass
class IngestStat:
    engine: str
    index: str
    mode: str             # FASTUPDATE, PLAIN or NO_OPTION ("" without an index)
    clients: int
    seconds: float
    rows: int             # transactions logged by pgbench, one row each
    p50_ms: float
    p99_ms: float
    max_ms: float         # the slowest insert (one that merged the pending area, with fastupdate)
    param: str = ""       # search setting of the recall figures
    value: object = None
    recall_before: float = float("nan")
    recall_after: float = float("nan")
    merged: int = 0       # rows pending when the inserts ended
    merge_s: float = 0.0  # from then until none was
    merged_by: str = ""   # "worker" or "vector_db_merge"
    load_start: float = float("nan")
    load_end: float = float("nan")

    @property
    def rows_per_s(self):
        return self.rows / self.seconds


def configs(engine_name, access_methods):
    """(IndexConfig, insert mode) pairs an engine is measured with, in the
    order of the report, for the access methods its database has."""
    if engine_name == "vector_db":
        wanted = [("hnsw", {"m": 16, "ef_construction": 64, "fastupdate": "on"}, "hnsw.ef_search", 40),
                  ("ivf", {"lists": 245, "quantizer": "sq8", "fastupdate": "on"}, "ivf.probes", 8)]
    else:
        wanted = [("hnsw", {"m": 16, "ef_construction": 64}, "hnsw.ef_search", 40),
                  ("ivfflat", {"lists": 245}, "ivfflat.probes", 8)]
    return [(engines.IndexConfig(am, opts, param, [value], value),
             FASTUPDATE if opts.get("fastupdate") == "on" else PLAIN)
            for am, opts, param, value in wanted if am in access_methods]


def mirrored(images):
    """Square images mirrored left to right (rows of side × side pixels)."""
    side = int(round(len(images[0]) ** 0.5))
    if side * side != len(images[0]):
        raise ValueError(f"ingest: {len(images[0])} dims are no square image")
    return np.ascontiguousarray(images.reshape(len(images), side, side)[:, :, ::-1].reshape(len(images), -1))


def table_as_now(train, sources, new_ids):
    """The rows of the table after the inserts, indexed by id (row id
    train rows, then sources[id % len(sources)] for each id in new_ids),
    and a mask of the ids that exist (a gap in the sequence is no row)."""
    top = max(len(train), int(new_ids.max()) + 1) if len(new_ids) else len(train)
    base = np.zeros((top, train.shape[1]), train.dtype)
    base[:len(train)] = train
    present = np.zeros(top, bool)
    present[:len(train)] = True
    base[new_ids] = sources[new_ids % len(sources)]
    present[new_ids] = True
    return base, present


def recall_now(eng, ds, cfg, params, sources):
    """recall@10 at cfg's setting against the exact top-10 of the table as
    it is now (the new rows included)."""
    with eng.session() as cur:
        cur.execute("SELECT id FROM items WHERE id >= %s", (len(ds.train),))
        new_ids = np.array([r[0] for r in cur.fetchall()], np.int64)
    base, present = table_as_now(ds.train, sources, new_ids)
    queries = ds.test[:len(params)]
    _, gt = dataset.exact_topk(base[present], queries)
    now = types.SimpleNamespace(train=base, test=ds.test, test_labels=ds.test_labels)
    return eng.sweep_point(now, gt, params, cfg, cfg.values[0], 1).recall


def build(eng, cfg, mode, say):
    """Builds the index; an ivf of vector_db without the fastupdate option
    is built without it. Returns the insert mode that applies."""
    try:
        b = eng.build(cfg, 0, 0)
    except psycopg2.Error as e:
        if mode != FASTUPDATE or e.pgcode != "22023" or "fastupdate" not in str(e):
            raise
        say(f"  {eng.name} {cfg.am}: {str(e).strip()}; measuring plain inserts")
        cfg.options = {k: v for k, v in cfg.options.items() if k != "fastupdate"}
        b, mode = eng.build(cfg, 0, 0), NO_OPTION
    say(f"  {eng.name}: built {cfg.name} in {b.seconds:.1f} s")
    return mode


def insert_for(eng, work, sources_count, name):
    """SECONDS of single-row inserts; (rows, p50 ms, p99 ms, max ms)."""
    with eng.session() as cur:
        cur.execute("DROP SEQUENCE IF EXISTS ingest_bench_ids")
        cur.execute("SELECT max(id) + 1 FROM items")
        cur.execute(f"CREATE SEQUENCE ingest_bench_ids START {cur.fetchone()[0]}")
    script = os.path.join(work, "insert.sql")
    with open(script, "w") as f:
        f.write(SCRIPT.format(sources=sources_count))
    prefix = os.path.join(work, name)
    pgbench.run(eng.dsn, script, CLIENTS, SECONDS, prefix, work)
    lat = pgbench.read_logs(prefix)
    return len(lat), float(np.percentile(lat, 50)), float(np.percentile(lat, 99)), float(lat.max())


def merge(eng, workers):
    """Waits until nothing is pending: for the workers' merge (when they
    run, up to WORKER_WAIT_S), then vector_db_merge for whatever is left.
    Returns (rows pending at first, seconds, who merged the last of them)."""
    start = time.perf_counter()
    with eng.session() as cur:
        def pending():
            cur.execute("SELECT pending FROM vector_db_index_stats('items_embedding_idx')")
            return cur.fetchone()[0]
        first = left = pending()
        while workers and left > 0 and time.perf_counter() - start < WORKER_WAIT_S:
            time.sleep(0.2)
            left = pending()
        cur.execute("SELECT vector_db_merge('items_embedding_idx')")
        by = "vector_db_merge" if cur.fetchone()[0] > 0 or not workers else "worker"
        return first, time.perf_counter() - start, by


def remove_new_rows(eng, first_new):
    with eng.session() as cur:
        cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
        cur.execute("DELETE FROM items WHERE id >= %s", (first_new,))
        cur.execute("VACUUM items")


def measure(eng, ds, gt, params, say):
    """Every configuration of the engine, and the table without an index
    (gt: the exact top-10 distances of the queries over the loaded rows);
    the table is left as it was (60,000 rows, no vector index)."""
    sources = mirrored(ds.train)
    conn = eng.connect()
    try:
        load.create_items(conn, types.SimpleNamespace(train=sources, train_labels=ds.train_labels, dim=ds.dim),
                          table=SOURCE)
    finally:
        conn.close()
    eng.drop_index()
    workers = eng.workers_running()
    if eng.name == "vector_db":
        say(f"  vector_db: background workers {'running' if workers else 'not running'}")
    stats = []
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as work:
        os.chmod(work, 0o777)
        for cfg, mode in [(None, "")] + configs(eng.name, eng.access_methods()):
            load_start = pgbench.load_average()
            if cfg is not None:
                mode = build(eng, cfg, mode, say)
                before = eng.sweep_point(ds, gt, params, cfg, cfg.values[0], 1).recall
            index = cfg.name if cfg else NO_INDEX
            rows, p50, p99, worst = insert_for(eng, work, len(sources), f"{eng.name}-{cfg.am if cfg else 'none'}")
            stat = IngestStat(eng.name, index, mode, CLIENTS, SECONDS, rows, p50, p99, worst)
            if cfg is not None:
                if mode == FASTUPDATE:
                    stat.merged, stat.merge_s, stat.merged_by = merge(eng, workers)
                stat.param, stat.value = cfg.param, cfg.values[0]
                stat.recall_before = before
                stat.recall_after = recall_now(eng, ds, cfg, params, sources)
            stat.load_start, stat.load_end = load_start, pgbench.load_average()
            say(f"  {eng.name} {index}{' (' + mode + ')' if mode else ''}: {stat.rows_per_s:,.0f} rows/s, "
                f"p99 {p99:.1f} ms, max {worst:.0f} ms" + (f"; {stat.merged:,} pending, merged by {stat.merged_by or '—'} in {stat.merge_s:.1f} s; recall@10 at "
                                       f"{stat.param}={stat.value} {stat.recall_before:.4f} → {stat.recall_after:.4f}"
                                       if cfg else "") + f"; load average {load_start:.1f} → {stat.load_end:.1f}")
            remove_new_rows(eng, len(ds.train))
            stats.append(stat)
    with eng.session() as cur:
        cur.execute(f"DROP TABLE {SOURCE}")
        cur.execute("DROP SEQUENCE IF EXISTS ingest_bench_ids")
    return stats


def family(stat):
    """Which of pgvector's indexes an index is compared with."""
    am = stat.index.split(" ")[0]
    return {"ivf": "ivfflat"}.get(am, am)


def _fmt(x, spec):
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def row(s):
    """The section's table cells of one measurement."""
    fast = s.mode == FASTUPDATE
    return [s.engine, s.index, s.mode or "—", f"{s.rows_per_s:,.0f}", f"{s.p50_ms:.1f}", f"{s.p99_ms:.1f}",
            f"{s.max_ms:,.0f}", f"{s.merged:,}" if fast else "—", s.merged_by or "—",
            f"{s.merge_s:.1f}" if fast else "—", f"{s.param}={s.value}" if s.index != NO_INDEX else "—",
            _fmt(s.recall_before, ".4f"), _fmt(s.recall_after, ".4f"), f"{s.load_start:.1f} → {s.load_end:.1f}"]


def render(stats, command, machine):
    """The report section, between MARK lines (kept by later full runs)."""
    lines = [MARK, "## Fast ingest", "",
             f"Fashion-MNIST (60,000 × 784): {CLIENTS} pgbench clients insert single rows for {SECONDS} s "
             "(pgbench `-l`, every transaction; the training images mirrored left to right, a new one "
             "each) into the table with one index; then the harness waits until nothing is pending "
             "(\"pending\": rows pending as the inserts ended; \"merged by\": the background worker when "
             "the server preloads vector_db, else `vector_db_merge`; pgvector has nothing pending) and "
             "measures recall@10 again against the exact top-10 of the table as it now is. Goals for vector_db with `fastupdate = on`: "
             "at least 5× pgvector's rows/s with the same index family, recall after the merge within "
             "0.01 of before. Load average: the machine's 1-minute load as each measurement began and "
             "ended.", "",
             report.table(["engine", "index", "inserts", "rows/s", "p50 (ms)", "p99 (ms)", "max (ms)", "pending",
                           "merged by", "merge (s)", "setting", "recall@10 before", "recall@10 after", "load average"],
                          [row(s) for s in stats], "lllrrrrrlrlrrl")]
    lines += [""] + ratio_lines(stats) + ["", f"Command: `{command}`. Machine: {machine}.", MARK, ""]
    return "\n".join(lines)


def ratio_lines(stats):
    """vector_db against pgvector, family by family, measured in the same run."""
    theirs = {family(s): s for s in stats if s.engine == "pgvector" and s.index != NO_INDEX}
    out = []
    for s in stats:
        if s.engine != "vector_db" or s.index == NO_INDEX:
            continue
        drift = s.recall_after - s.recall_before
        line = (f"- {s.index} ({s.mode}): recall@10 {s.recall_before:.4f} → {s.recall_after:.4f} "
                f"({drift:+.4f}; goal within 0.01: {'met' if abs(drift) <= 0.01 else 'missed'})")
        other = theirs.get(family(s))
        if other is not None:
            ratio = s.rows_per_s / other.rows_per_s
            line += (f"; {ratio:.2f}× pgvector {other.index}'s rows/s ({s.rows_per_s:,.0f} / "
                     f"{other.rows_per_s:,.0f}; goal ≥ 5×: {'met' if ratio >= 5 else 'missed'})")
        out.append(line)
    return out
