"""VACUUM beside inserts: how long single-row INSERTs wait while VACUUM
repairs an HNSW index after half its rows were deleted.

For each engine: the Fashion-MNIST table (loaded by the harness) gets
`hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)`, every
other row is deleted, then `clients` pgbench clients insert single rows (a
test image each, in a table of their own so the insert reads no vector from
the client) while one VACUUM of the table runs. pgbench writes every
transaction's latency (`-l`); the transactions that ended while VACUUM ran
are counted. pgbench runs in rounds of ROUND_S seconds until VACUUM is over,
since how long VACUUM takes is what differs.
"""
import os
import tempfile
import threading
import time
import types
from dataclasses import dataclass

import numpy as np

from . import engines, load, pgbench, report

ROUND_S = 10
SCRIPT = ("\\set q random(0, {last})\n"
          "INSERT INTO items (id, label, embedding) "
          "SELECT nextval('vacuum_bench_ids'), label, embedding FROM vacuum_bench_vectors WHERE id = :q;\n")
MARK = "<!-- vacuum-beside-inserts -->"


@dataclass
class VacuumStat:
    engine: str
    index: str
    clients: int
    vacuum_s: float
    inserts: int        # transactions that ended while VACUUM ran
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    quiet_p999_ms: float  # the same clients for ROUND_S seconds after VACUUM, for the machine's own tail
    quiet_max_ms: float
    load_start: float = float("nan")  # the machine's 1-minute load average as it began and ended
    load_end: float = float("nan")


def measure(eng, ds, clients, say, fastupdate=False):
    """Builds the index on the engine's loaded `items`, deletes half the rows
    and measures; the engine's table is left with the index and the rows the
    clients added. fastupdate: vector_db's index gets `fastupdate = on`, so
    the inserts append to its pending area (pgvector has no such option)."""
    options = {"m": 16, "ef_construction": 64}
    if fastupdate and eng.name == "vector_db":
        options["fastupdate"] = "on"
    cfg = engines.IndexConfig("hnsw", options, "hnsw.ef_search", [40])
    build = eng.build(cfg, len(ds.train), ds.dim)
    say(f"  {eng.name}: built {cfg.name} in {build.seconds:.1f} s")
    conn = eng.connect()
    try:
        queries = types.SimpleNamespace(train=ds.test, train_labels=ds.test_labels, dim=ds.dim)
        load.create_items(conn, queries, table="vacuum_bench_vectors")
    finally:
        conn.close()
    with eng.session() as cur:
        cur.execute("DROP SEQUENCE IF EXISTS vacuum_bench_ids")
        cur.execute(f"CREATE SEQUENCE vacuum_bench_ids START {engines.INSERT_BASE_ID}")
        cur.execute("DELETE FROM items WHERE id %% 2 = 0 AND id < %s", (engines.INSERT_BASE_ID,))
    load_start = pgbench.load_average()
    with tempfile.TemporaryDirectory(prefix="vacuum-bench-") as work:
        os.chmod(work, 0o777)
        script = os.path.join(work, "insert.sql")
        with open(script, "w") as f:
            f.write(SCRIPT.format(last=len(ds.test) - 1))
        prefix = os.path.join(work, "latency")
        done = threading.Event()
        span = {}

        def vacuum():
            time.sleep(2)  # inserts run first, so the wait VACUUM causes shows
            with eng.session() as cur:
                span["start"] = time.time()
                cur.execute("VACUUM items")
                span["end"] = time.time()
            done.set()

        vacuum_thread = threading.Thread(target=vacuum)
        vacuum_thread.start()
        rounds = 0
        while not done.is_set():
            pgbench.run(eng.dsn, script, clients, ROUND_S, f"{prefix}{rounds}", work)
            rounds += 1
        vacuum_thread.join()
        lat = np.concatenate([pgbench.read_logs(f"{prefix}{r}", span["start"], span["end"]) for r in range(rounds)])
        pgbench.run(eng.dsn, script, clients, ROUND_S, f"{prefix}quiet", work)
        quiet = pgbench.read_logs(f"{prefix}quiet")
    if len(lat) == 0:
        lat = np.array([float("nan")])
    stat = VacuumStat(eng.name, cfg.name, clients, span["end"] - span["start"], int(np.isfinite(lat).sum()),
                      float(np.percentile(lat, 50)), float(np.percentile(lat, 99)),
                      float(np.percentile(lat, 99.9)), float(lat.max()),
                      float(np.percentile(quiet, 99.9)), float(quiet.max()), load_start, pgbench.load_average())
    say(f"  {eng.name}: VACUUM {stat.vacuum_s:.1f} s; {stat.inserts:,} inserts meanwhile, "
        f"p99.9 {stat.p999_ms:.1f} ms, max {stat.max_ms:.1f} ms (after it: {stat.quiet_p999_ms:.1f}, "
        f"{stat.quiet_max_ms:.1f} ms); load average {stat.load_start:.1f} → {stat.load_end:.1f}")
    return stat


def ratio_row(stats):
    """vector_db's figures over pgvector's, as a last table row (none
    without both)."""
    by = {s.engine: s for s in stats}
    if "vector_db" not in by or "pgvector" not in by:
        return []
    ours, theirs = by["vector_db"], by["pgvector"]
    return [["ratio vector_db / pgvector", f"{ours.vacuum_s / theirs.vacuum_s:.2f}", "",
             f"{(ours.inserts / ours.vacuum_s) / (theirs.inserts / theirs.vacuum_s):.2f}",
             f"{ours.p50_ms / theirs.p50_ms:.2f}", f"{ours.p99_ms / theirs.p99_ms:.2f}",
             f"{ours.p999_ms / theirs.p999_ms:.2f}", f"{ours.max_ms / theirs.max_ms:.2f}",
             f"{ours.quiet_p999_ms / theirs.quiet_p999_ms:.2f}", f"{ours.quiet_max_ms / theirs.quiet_max_ms:.2f}", ""]]


def render(stats, command, machine):
    """The report section, between MARK lines (kept by later full runs)."""
    lines = [MARK, "## VACUUM beside inserts", "",
             "Fashion-MNIST (60,000 × 784) with `hnsw (embedding vector_l2_ops) WITH (m = 16, "
             "ef_construction = 64)`, every other row deleted, then one `VACUUM items` while "
             f"{stats[0].clients} pgbench clients insert single rows. Latency of the inserts that ended "
             "while VACUUM ran (pgbench `-l`, every transaction); \"after\": the same clients for "
             f"{ROUND_S} s once VACUUM is over, the tail the machine gives inserts without it. "
             "Goal for vector_db: p99.9 ≤ 50 ms, max ≤ 200 ms. Load average: the machine's 1-minute "
             "load as the engine's measurement began and ended.", "",
             report.table(["engine", "VACUUM (s)", "inserts meanwhile", "inserts/s", "p50 (ms)", "p99 (ms)",
                           "p99.9 (ms)", "max (ms)", "p99.9 after (ms)", "max after (ms)", "load average"],
                          [[f"{s.engine} (`fastupdate`)" if "fastupdate=on" in s.index else s.engine,
                            f"{s.vacuum_s:.1f}", f"{s.inserts:,}", f"{s.inserts / s.vacuum_s:,.0f}", f"{s.p50_ms:.1f}",
                            f"{s.p99_ms:.1f}", f"{s.p999_ms:.1f}", f"{s.max_ms:.1f}", f"{s.quiet_p999_ms:.1f}",
                            f"{s.quiet_max_ms:.1f}", f"{s.load_start:.1f} → {s.load_end:.1f}"] for s in stats]
                          + ratio_row(stats), "lrrrrrrrrrl")]
    lines += ["", f"Command: `{command}`. Machine: {machine}.", MARK, ""]
    return "\n".join(lines)
