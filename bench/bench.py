#!/usr/bin/python3
"""The vector_db benchmark: recall@10 against QPS on Fashion-MNIST for every
engine and index that exists, written to docs/benchmarks.md with a plot.

Usually run by `make bench` (scripts/bench.sh starts a throwaway server and
passes --dsn). Engines: vector_db and pgvector (each in its own database of
that server, when installed), hnswlib and FAISS in-process.
"""
import argparse
import dataclasses
import datetime
import json
import os
import platform
import subprocess
import sys

import numpy as np
import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vdbbench import dataset, drift, engines, filtered, hybrid, ingest, othertypes, rangesearch, report, scale, sections, shards, spread, tenants, vacuum_inserts  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL_ENGINES = ["vector_db", "pgvector", "hnswlib", "faiss"]
PG_ENGINES = {"vector_db": ("vector_db", "vdb_bench"), "pgvector": ("vector", "pgvector_bench")}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True, help="libpq connection string of the server, without dbname")
    ap.add_argument("--engines", default=",".join(ALL_ENGINES), help="comma list among " + ",".join(ALL_ENGINES))
    ap.add_argument("--index", action="append", default=[], metavar="ENGINE:AM:OPTS:PARAM=V1,V2",
                    help="index configuration replacing the engine's defaults, e.g. "
                         "vector_db:hnsw:m=16,ef_construction=64:hnsw.ef_search=10,40,200 (repeatable)")
    ap.add_argument("--queries", type=int, default=2000, help="queries per sweep point (default 2000)")
    ap.add_argument("--all-queries", action="store_true", help="use all 10,000 test queries per point")
    ap.add_argument("--exact-queries", type=int, default=200, help="queries for exact (no index) search (default 200)")
    ap.add_argument("--clients", type=int, default=1,
                    help="concurrent client connections per SQL sweep point (libraries stay single-threaded)")
    ap.add_argument("--insert", action="store_true", help="measure single-row INSERT throughput too")
    ap.add_argument("--insert-clients", type=int, default=4, help="client connections of --insert (default 4)")
    ap.add_argument("--insert-rows", type=int, default=4000, help="rows --insert adds in all (default 4000)")
    ap.add_argument("--vacuum-inserts", type=int, nargs="?", const=2, default=None, metavar="CLIENTS",
                    help="only measure insert latency (CLIENTS pgbench clients, default 2) while VACUUM repairs "
                         "an HNSW index after half its rows were deleted; replaces that section of the report")
    ap.add_argument("--vacuum-fastupdate", action="store_true",
                    help="with --vacuum-inserts: vector_db's index WITH (fastupdate = on), so inserts append to "
                         "its pending area beside VACUUM")
    ap.add_argument("--ingest", action="store_true",
                    help="only measure fast ingest (single-row INSERTs by 4 pgbench clients for 20 s into each "
                         "vector index, recall before and after the merge); replaces that section of the report")
    ap.add_argument("--no-ingest", action="store_true", help="leave the ingest measurement out of a full run")
    ap.add_argument("--drift", action="store_true",
                    help="only measure IVF drift recovery (half the rows replaced by other classes; recall "
                         "drifted, rebalanced and after REINDEX); replaces that section of the report")
    ap.add_argument("--range", action="store_true",
                    help="only measure range search (vector_db's hnsw and ivf against the exact scan, radii of "
                         "about 10, 100 and 1,000 rows); replaces that section of the report")
    ap.add_argument("--tenants", action="store_true",
                    help="only measure multi-tenant search (a LIST partition per tenant, HASH partitions, one table; "
                         "vector_db and pgvector); replaces that section of the report")
    ap.add_argument("--shards", action="store_true",
                    help="only measure scale-out: one table against the same rows over 3 postgres_fdw shards of "
                         "the same server (vector_db only; needs postgres_fdw and dblink from contrib); replaces "
                         "that section of the report")
    ap.add_argument("--hybrid", action="store_true",
                    help="only measure hybrid search (dense, BM25 and fused latency, top-10 overlap with exact "
                         "search) on the paragraphs of /usr/share/doc/*/copyright; vector_db only; replaces that "
                         "section of the report")
    ap.add_argument("--build-spread", nargs="?", type=int, const=5, default=None, metavar="BUILDS",
                    help="only measure recall from build to build: BUILDS (default 5) hnsw builds of the same "
                         "clustered 96-dim rows in each SQL engine, recall@10 at ef_search 40 after each; "
                         "replaces that section of the report")
    ap.add_argument("--spread-rows", type=int, default=200_000, metavar="N",
                    help="--build-spread: rows of clustered data (default 200,000)")
    ap.add_argument("--types", action="store_true",
                    help="only measure hnsw over the other types: halfvec (Fashion-MNIST cast), bit (binary_quantize, "
                         "Hamming) and sparsevec (seeded sparse rows), vector_db and pgvector; replaces that section "
                         "of the report")
    ap.add_argument("--section-rows", type=int, default=None, metavar="N",
                    help="--range, --tenants, --filtered, --shards and --types: use the first N training rows "
                         "(default all 60,000)")
    ap.add_argument("--section-queries", type=int, default=300, metavar="N",
                    help="--range, --tenants, --filtered, --shards and --types: queries per point (default 300; the "
                         "exact scan gets a third)")
    ap.add_argument("--filtered", action="store_true",
                    help="only measure filtered search (WHERE tag = $2 / labels && $2 at 1%% and 10%% of the rows: "
                         "vector_db's multi-column hnsw against pgvector's best plan); replaces that section of "
                         "the report")
    ap.add_argument("--set", action="append", default=[], metavar="GUC=VALUE",
                    help="a setting for every SQL search session, e.g. hnsw.max_scan_tuples=40000 (repeatable)")
    ap.add_argument("--scale", nargs="?", const=scale.SIZES, default=None, metavar="N1,N2,..",
                    help="only measure speed as the table grows: clustered 96-dim rows of these sizes "
                         f"(default {scale.SIZES}), load, hnsw and IVF builds (memory, size), sweeps at 1 and "
                         "2 clients, a quarter-memory hnsw build, a plot and projected build times; "
                         "replaces that section of the report (about 20 minutes on 2 cores with pgvector)")
    ap.add_argument("--small-memory-up-to", type=int, default=scale.SMALL_MEMORY_MAX_ROWS, metavar="ROWS",
                    help="with --scale: the sizes up to ROWS also get an hnsw build with maintenance_work_mem at "
                         f"a quarter of what its graph needs (default {scale.SMALL_MEMORY_MAX_ROWS:,}; at 1M rows "
                         "it takes about as long again as the rest of that size)")
    ap.add_argument("--results-dir", default=os.path.join(ROOT, "bench", "results"),
                    help="ground truth cache and raw JSON results (default bench/results)")
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "benchmarks.md"),
                    help="markdown file to (re)write; '' for none")
    ap.add_argument("--plot", default=os.path.join(ROOT, "docs", "benchmarks-recall-qps.png"),
                    help="recall/QPS plot to (re)write")
    args = ap.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for kv in args.set:
        if "=" not in kv:
            ap.error(f"--set {kv!r}: expected GUC=VALUE")
    unknown = set(args.engines) - set(ALL_ENGINES)
    if unknown:
        ap.error(f"unknown engines: {', '.join(sorted(unknown))}")
    if args.all_queries:
        args.queries = 10_000
    return args


def say(text):
    print(text, flush=True)


class Run:
    """Everything measured in one invocation."""

    def __init__(self):
        self.builds, self.points, self.extras = [], [], []
        self.inserts = []
        self.versions = {}

    def to_json(self):
        conv = lambda xs: [dataclasses.asdict(x) for x in xs]
        return {k: conv(v) if isinstance(v, list) else v for k, v in vars(self).items()}


def custom_configs(args, engine):
    return [cfg for eng, cfg in map(engines.parse_index_spec, args.index) if eng == engine]


def pg_engine(args, name):
    extension, dbname = PG_ENGINES[name]
    eng = engines.PgEngine(name, extension, args.dsn, dbname)
    eng.session_setup = [f"SET {k} = {engines.sql_literal(v)}" for k, v in (kv.split("=", 1) for kv in args.set)]
    return eng


def prepare_pg_engine(args, run, name, ds, gt):
    """Creates the engine's database, loads the table and measures the
    floor and exact search; returns the engine, or None when it cannot run."""
    extension = PG_ENGINES[name][0]
    eng = pg_engine(args, name)
    if not eng.available():
        say(f"== {name}: extension {extension} is not installed in this server; skipped")
        return None
    why = eng.create_database()
    if why:
        say(f"== {name}: {why}; skipped")
        return None
    run.versions[name] = f"{extension} {eng.version}"
    say(f"== {name} ({extension} {eng.version}) in database {eng.dbname}")
    secs = eng.load(ds)
    say(f"loaded {len(ds.train):,} rows in {secs:.1f} s ({'binary' if eng.binary else 'text'} COPY)")
    eng.params = [(p,) for p in eng.encode(ds.test[:args.queries])]

    exact = eng.sweep_point(ds, gt, eng.params[:args.exact_queries], None, None, 1, warmup=5)
    say(f"exact: recall {exact.recall:.4f}, {exact.qps:,.1f} QPS, p50 {exact.p50_ms:.2f} ms")
    run.extras.append(exact)
    if args.insert:
        run.inserts.append(eng.insert_rate(ds, "no vector index", args.insert_clients, args.insert_rows))
        say(f"insert, no vector index: {run.inserts[-1].rows_per_s:,.0f} rows/s")
        eng.remove_inserted()
    return eng


def measure_floors(args, run, pg, rounds=3):
    """The trivial query's rate per engine: best of `rounds`, taken in turns,
    since a ceiling is what the path allows when nothing else interferes."""
    best = {}
    for _ in range(rounds):
        for eng in pg:
            p = eng.floor_point(args.queries)
            if eng.name not in best or p.qps > best[eng.name].qps:
                best[eng.name] = p
    for name, p in best.items():
        say(f"{name} floor: {p.qps:,.0f} QPS, p50 {p.p50_ms:.3f} ms (best of {rounds})")
        run.extras.append(p)


def pg_config_groups(args, pg):
    """The SQL engines' index configurations grouped so that like is measured
    beside like: {(am, n): [(engine, cfg)]}, n counting an engine's configs
    of the same access method."""
    groups = {}
    for eng in pg:
        configs = custom_configs(args, eng.name) or [c for am in eng.access_methods()
                                                     for c in engines.sweep_configs(am)]
        if not configs:
            say(f"{eng.name}: no index access method for vector_l2_ops yet; only exact search measured")
        seen = {}
        for cfg in configs:
            seen[cfg.am] = seen.get(cfg.am, -1) + 1
            groups.setdefault((cfg.am, seen[cfg.am]), []).append((eng, cfg))
    return groups


def run_pg_group(args, run, ds, gt, members):
    """Builds one index in each engine of the group, then sweeps them
    interleaved, value by value, so that a noisy machine slows all alike."""
    for eng, cfg in members:
        build = eng.build(cfg, len(ds.train), ds.dim)
        run.builds.append(build)
        say(f"{eng.name} {cfg.name}: built in {build.seconds:.1f} s, {build.size_bytes / 2**20:,.0f} MiB")
    for i in range(max(len(cfg.values) for _, cfg in members)):
        for eng, cfg in members:
            if i >= len(cfg.values):
                continue
            v = cfg.values[i]
            p = eng.sweep_point(ds, gt, eng.params, cfg, v, args.clients)
            run.points.append(p)
            say(f"  {eng.name} {cfg.param}={v}: recall {p.recall:.4f}, {p.qps:,.0f} QPS, "
                f"p50 {p.p50_ms:.3f} ms, p99 {p.p99_ms:.3f} ms")
    for eng, cfg in members:
        if args.insert:
            run.inserts.append(eng.insert_rate(ds, cfg.name, args.insert_clients, args.insert_rows))
            say(f"  {eng.name} insert: {run.inserts[-1].rows_per_s:,.0f} rows/s with {args.insert_clients} clients")
        eng.drop_index()
        if args.insert:
            eng.remove_inserted()


def library_engine(name):
    return engines.HnswlibEngine() if name == "hnswlib" else engines.FaissEngine()


def run_library(args, run, name, ds, gt):
    try:
        eng = library_engine(name)
    except ImportError as e:
        say(f"== {name}: not importable ({e}); skipped")
        return
    run.versions[name] = library_version(name)
    say(f"== {name} ({run.versions[name]}), in-process")
    for cfg in custom_configs(args, name) or eng.configs():
        build, points = eng.sweep(ds, gt, ds.test[:args.queries], cfg)
        run.builds.append(build)
        run.points += points
        say(f"{name} {cfg.name}: built in {build.seconds:.1f} s; " +
            ", ".join(f"{p.value}: {p.recall:.3f}/{p.qps:,.0f}" for p in points))


def library_version(name):
    pkg = "python3-hnswlib" if name == "hnswlib" else "python3-faiss"
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout or "?"
    except OSError:
        return "?"


def shown_command(argv):
    """The command line for the report, without the throwaway server's DSN."""
    shown, skip = [], False
    for a in argv:
        if skip or a.startswith("--dsn="):
            skip = False
            continue
        skip = a == "--dsn"
        if not skip:
            shown.append(a)
    return " ".join(["bench/bench.py"] + shown)


def machine_meta(args):
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    conn = psycopg2.connect(f"{args.dsn} dbname=postgres")
    with conn, conn.cursor() as cur:
        cur.execute("SELECT version()")
        server = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) "
                    "FROM pg_settings WHERE name IN ('shared_buffers', 'maintenance_work_mem', "
                    "'max_parallel_maintenance_workers', 'jit', 'max_parallel_workers_per_gather')")
        settings = cur.fetchone()[0]
    conn.close()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {"machine": f"{model} ({platform.machine()})", "cpus": nproc,
            "memory": f"{mem_kb / 2**20:.0f} GiB", "server": server, "settings": settings}


def machine_line(args):
    meta = machine_meta(args)
    return "; ".join(str(v) for k, v in meta.items() if k in ("machine", "cpus", "memory", "server", "settings"))


def run_ingest(args, ds, gt, pg, argv):
    """The ingest measurement on each prepared SQL engine (its `items`
    loaded, no vector index), written to its section of the report."""
    say(f"== fast ingest: {ingest.CLIENTS} clients, {ingest.SECONDS} s per index")
    stats = []
    for eng in pg:
        say(f"== {eng.name} ({eng.extension} {eng.version}): ingest")
        params = [(p,) for p in eng.encode(ds.test[:args.queries])]
        stats += ingest.measure(eng, ds, gt[:len(params)], params, say)
    for line in ingest.ratio_lines(stats):
        say(line)
    if stats and args.report:
        sections.write_section(args.report, ingest.render(stats, shown_command(argv), machine_line(args)),
                               ingest.MARK)
        say(f"wrote {args.report}")


def loaded_engines(args, ds):
    """The SQL engines installed in the server, each in a fresh database
    with the table loaded (for a measurement run on its own)."""
    pg = []
    for name in args.engines:
        if name not in PG_ENGINES:
            continue
        eng = pg_engine(args, name)
        if not eng.available() or eng.create_database():
            say(f"== {name}: not installed in this server; skipped")
            continue
        eng.load(ds)
        pg.append(eng)
    return pg


def ingest_only(args, ds, argv):
    """--ingest: that one measurement, on freshly loaded tables."""
    _, gt = dataset.ground_truth(args.results_dir, ds.train, ds.test)
    run_ingest(args, ds, gt, loaded_engines(args, ds), argv)
    return 0


def run_vacuum_inserts(args, ds, argv):
    """--vacuum-inserts: that one measurement for each SQL engine."""
    stats = []
    for eng in loaded_engines(args, ds):
        say(f"== {eng.name} ({eng.extension} {eng.version}): VACUUM beside {args.vacuum_inserts} inserting clients")
        stats.append(vacuum_inserts.measure(eng, ds, args.vacuum_inserts, say, args.vacuum_fastupdate))
    if stats and args.report:
        sections.write_section(args.report, vacuum_inserts.render(stats, shown_command(argv), machine_line(args)),
                               vacuum_inserts.MARK)
        say(f"wrote {args.report}")
    return 0


def section_dataset(args, ds):
    """The data of --range and --tenants: the first --section-rows rows."""
    n = args.section_rows or len(ds.train)
    return dataset.Dataset(f"{ds.name}-{n}", ds.train[:n], ds.test[:args.section_queries])


def report_section(args, module, stats, rows, argv):
    """Prints the ratios of a section's module (rangesearch, tenants) and
    writes its section of the report."""
    for line in module.ratio_lines(stats):
        say(line)
    if stats and args.report:
        sections.write_section(args.report, module.render(stats, rows, shown_command(argv), machine_line(args)),
                               module.MARK)
        say(f"wrote {args.report}")
    return 0


def run_drift(args, ds, argv):
    """--drift: that one measurement for each SQL engine."""
    stats = []
    for eng in loaded_engines(args, ds):
        say(f"== {eng.name} ({eng.extension} {eng.version}): IVF drift recovery")
        stats += drift.measure(eng, ds, say)
    return report_section(args, drift, stats, len(ds.train), argv)


def run_range(args, ds, argv):
    """--range: vector_db only (pgvector has no range search)."""
    ds = section_dataset(args, ds)
    args.engines = ["vector_db"]
    stats = []
    for eng in loaded_engines(args, ds):
        say(f"== {eng.name} ({eng.extension} {eng.version}): range search on {len(ds.train):,} rows")
        stats = rangesearch.measure(eng, ds, args.section_queries, max(1, args.section_queries // 3), say)
    return report_section(args, rangesearch, stats, len(ds.train), argv)


def run_tenants(args, ds, argv):
    """--tenants: each SQL engine on the same tenants."""
    ds = section_dataset(args, ds)
    ds.train_labels = tenants.tenant_of(np.arange(len(ds.train)))
    ds.test_labels = tenants.tenant_of(np.arange(len(ds.test)))
    _, ds.gt = dataset.ground_truth(args.results_dir, ds.train, ds.test, 10, ds.train_labels, ds.test_labels)
    engs = loaded_engines(args, ds)
    say(f"== {', '.join(f'{e.name} ({e.extension} {e.version})' for e in engs)}: {tenants.TENANTS} tenants on "
        f"{len(ds.train):,} rows")
    stats = tenants.measure(engs, ds, args.section_queries, say)
    return report_section(args, tenants, stats, len(ds.train), argv)


def run_filtered(args, ds, argv):
    """--filtered: each SQL engine on the same filter columns and queries."""
    ds = section_dataset(args, ds)
    engs = loaded_engines(args, ds)
    say(f"== {', '.join(f'{e.name} ({e.extension} {e.version})' for e in engs)}: filtered search on "
        f"{len(ds.train):,} rows, {len(ds.test)} queries")
    stats = filtered.measure(engs, ds, args.results_dir, say)
    return report_section(args, filtered, stats, len(ds.train), argv)


def run_shards(args, ds, argv):
    """--shards: vector_db only (the helpers and the settings forwarding are ours)."""
    ds = section_dataset(args, ds)
    _, ds.gt = dataset.ground_truth(args.results_dir, ds.train, ds.test)
    args.engines = ["vector_db"]
    stats = []
    for eng in loaded_engines(args, ds):
        say(f"== {eng.name} ({eng.extension} {eng.version}): one server against {shards.SHARDS} shards, "
            f"{len(ds.train):,} rows")
        stats = shards.measure(eng, ds, args.section_queries, say)
    return report_section(args, shards, stats, len(ds.train), argv)


def run_spread(args, argv):
    """--build-spread: each SQL engine's hnsw built again and again."""
    ds = spread.data(args.spread_rows)
    _, gt = dataset.ground_truth(args.results_dir, ds.train, ds.test)
    engs = loaded_engines(args, ds)
    say(f"== {', '.join(f'{e.name} ({e.extension} {e.version})' for e in engs)}: {args.build_spread} builds "
        f"each on {ds.name}")
    stats = spread.measure(engs, ds, gt, args.build_spread, say)
    return report_section(args, spread, stats, len(ds.train), argv)


def run_scale(args, argv):
    """--scale: each SQL engine at each size, in a fresh database each time."""
    def fresh_engines():
        engs = []
        for name in args.engines:
            eng = pg_engine(args, name) if name in PG_ENGINES else None
            if eng and eng.available() and not eng.create_database():
                engs.append(eng)
        return engs
    stats = scale.measure(fresh_engines, scale.sizes(args.scale), args.results_dir, say, args.small_memory_up_to)
    for line in scale.ratio_lines(stats):
        say(line)
    if stats and args.report:
        plot_path = os.path.join(os.path.dirname(os.path.abspath(args.report)), scale.PLOT)
        scale.plot(stats, plot_path)
        sections.write_section(args.report, scale.render(stats, 0, shown_command(argv), machine_line(args),
                                                         scale.PLOT), scale.MARK)
        say(f"wrote {args.report} and {plot_path}")
    return 0


def run_types(args, ds, argv):
    """--types: each SQL engine on the same halfvec, bit and sparsevec tables."""
    ds = section_dataset(args, ds)
    engs = loaded_engines(args, ds)
    say(f"== {', '.join(f'{e.name} ({e.extension} {e.version})' for e in engs)}: other types on "
        f"{len(ds.train):,} rows")
    stats = othertypes.measure(engs, ds, args.section_queries, say, args.results_dir)
    return report_section(args, othertypes, stats, len(ds.train), argv)


def run_hybrid(args, argv):
    """--hybrid: vector_db only (pgvector has no BM25 or fusion)."""
    args.engines = ["vector_db"]
    eng = pg_engine(args, "vector_db")
    if not eng.available() or eng.create_database():
        say("== vector_db: not installed in this server; skipped")
        return 1
    say(f"== vector_db ({eng.extension} {eng.version}): hybrid search")
    stats = hybrid.measure(eng, say)
    return report_section(args, hybrid, stats, stats[0].rows if stats else 0, argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    if args.hybrid:
        return run_hybrid(args, sys.argv[1:] if argv is None else argv)
    if args.build_spread:
        return run_spread(args, sys.argv[1:] if argv is None else argv)
    if args.scale:
        return run_scale(args, sys.argv[1:] if argv is None else argv)
    ds = dataset.fashion_mnist()
    say(f"data: {ds.name}, {len(ds.train):,} rows, {len(ds.test):,} queries")
    if args.vacuum_inserts:
        return run_vacuum_inserts(args, ds, sys.argv[1:] if argv is None else argv)
    if args.ingest:
        return ingest_only(args, ds, sys.argv[1:] if argv is None else argv)
    if args.drift:
        return run_drift(args, ds, sys.argv[1:] if argv is None else argv)
    if args.range:
        return run_range(args, ds, sys.argv[1:] if argv is None else argv)
    if args.tenants:
        return run_tenants(args, ds, sys.argv[1:] if argv is None else argv)
    if args.shards:
        return run_shards(args, ds, sys.argv[1:] if argv is None else argv)
    if args.types:
        return run_types(args, ds, sys.argv[1:] if argv is None else argv)
    if args.filtered:
        return run_filtered(args, ds, sys.argv[1:] if argv is None else argv)
    _, gt = dataset.ground_truth(args.results_dir, ds.train, ds.test)
    run = Run()
    pg = [e for e in (prepare_pg_engine(args, run, n, ds, gt) for n in args.engines if n in PG_ENGINES) if e]
    measure_floors(args, run, pg)
    for members in pg_config_groups(args, pg).values():
        run_pg_group(args, run, ds, gt, members)
    for name in args.engines:
        if name not in PG_ENGINES:
            run_library(args, run, name, ds, gt)
    if pg and not args.no_ingest:
        run_ingest(args, ds, gt, pg, sys.argv[1:] if argv is None else argv)

    os.makedirs(args.results_dir, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(args.results_dir, f"run-{stamp}.json"), "w") as f:
        json.dump(run.to_json(), f, indent=1, default=str)
    if args.report:
        meta = machine_meta(args)
        meta.update(date=started.strftime("%Y-%m-%d %H:%M UTC"),
                    versions=", ".join(f"{k} ({v})" for k, v in run.versions.items()) or "none",
                    data=f"{ds.name}: {len(ds.train):,} base vectors × {ds.dim} dims (float4), exact L2 top-10 ground truth",
                    queries=f"{args.queries:,} test images per sweep point, {args.exact_queries} for exact search",
                    command=shown_command(sys.argv[1:] if argv is None else argv))
        plot_name = None
        if run.points and args.plot:
            floors = [p for p in run.extras if p.index.startswith("floor")]
            report.plot(run.points, args.plot, f"{ds.name}, recall@10 vs QPS, {args.clients} client(s)", floors)
            plot_name = os.path.relpath(args.plot, os.path.dirname(args.report))
        old = open(args.report).read() if os.path.exists(args.report) else ""
        text = report.render(meta, run.builds, run.points, run.extras, run.inserts,
                             plot_file=plot_name)
        for mark in (vacuum_inserts.MARK, ingest.MARK, drift.MARK, rangesearch.MARK, filtered.MARK, tenants.MARK, shards.MARK,
                     hybrid.MARK, spread.MARK, othertypes.MARK, scale.MARK):
            text = sections.with_section(text, sections.section_of(old, mark), mark)
        with open(args.report, "w") as f:
            f.write(text)
        say(f"wrote {args.report}" + (f" and {args.plot}" if plot_name else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
