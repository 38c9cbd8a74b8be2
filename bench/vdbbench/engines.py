"""The engines a run can measure, and their default index configurations.

Postgres engines live each in their own database of the same server
(vector_db's and pgvector's type names clash, so they can never share one):
  vector_db  CREATE EXTENSION vector_db, access methods found in pg_am
  pgvector   CREATE EXTENSION vector, when pg_available_extensions has it
Library references run in this process on the same data:
  hnswlib    hnswlib.Index (HNSW)
  faiss      IndexHNSWFlat and IndexIVFFlat
"""
import multiprocessing as mp
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import psycopg2

from . import libpq, load
from .measure import Point, SqlSearch, concurrent_loop, make_point, percentile, timed_loop
from .progress import BuildWatcher

SEARCH_SQL = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT {k}"
FLOOR_SQL = "SELECT id FROM items WHERE id = $1"
INSERT_SQL = "INSERT INTO items (id, label, embedding) VALUES ($1, $2, $3)"
INSERT_BASE_ID = 10_000_000  # ids of rows the insert test adds (then deletes)

HNSW_EF = [10, 20, 40, 80, 120, 200]
IVF_PROBES = [1, 2, 3, 4, 5, 6, 8, 12, 16]


@dataclass
class IndexConfig:
    """One index to build and the search parameter to sweep over it."""
    am: str                       # access method (pg_am.amname) or library index kind
    options: dict                 # WITH (...) options / library build parameters
    param: str                    # GUC (or library knob) swept at search time
    values: list
    scale_value: object = None    # the one value a single point measures (make demo)

    @property
    def name(self):
        return " ".join([self.am] + [f"{k}={v}" for k, v in self.options.items()])


@dataclass
class BuildStat:
    engine: str
    index: str
    rows: int
    dim: int
    seconds: float
    size_bytes: int
    peak_hwm: int = None     # building backend's VmHWM (bytes)
    peak_work: int = None    # build's peak private + dynamic shared memory (bytes)
    notices: tuple = ()      # what CREATE INDEX said (e.g. that the graph outgrew maintenance_work_mem)
    cpu_seconds: float = None  # building backend's CPU time (its parallel workers' not counted)

    @property
    def am(self):
        """The index's access method: its first word (as Point.am)."""
        return self.index.split()[0]


@dataclass
class InsertStat:
    engine: str
    index: str
    clients: int
    rows: int
    rows_per_s: float


def pg_defaults(am):
    """Default configurations for an access method name, None if unknown."""
    if am == "hnsw":
        return IndexConfig("hnsw", {"m": 16, "ef_construction": 64}, "hnsw.ef_search", HNSW_EF, 40)
    if am == "ivfflat":
        return IndexConfig(am, {"lists": 245}, "ivfflat.probes", IVF_PROBES, 8)
    if am == "ivf":
        return IndexConfig(am, {"lists": 245, "quantizer": "sq8"}, "ivf.probes", IVF_PROBES, 8)
    return None


def sweep_configs(am):
    """What `make bench` sweeps for an access method: its default and, for
    ivf, the pq quantizer too (the issue's goals cover both)."""
    cfg = pg_defaults(am)
    if cfg is None:
        return []
    if am == "ivf":
        return [cfg, IndexConfig(am, {"lists": 245, "quantizer": "pq"}, "ivf.probes", IVF_PROBES, 8)]
    return [cfg]


def parse_index_spec(spec):
    """ENGINE:AM:k=v,k=v:PARAM=v1,v2,... into (engine, IndexConfig), e.g.
    "pgvector:hnsw:m=32,ef_construction=128:hnsw.ef_search=40,80"."""
    parts = spec.split(":")
    if len(parts) != 4:
        raise ValueError(f"index spec {spec!r}: expected ENGINE:AM:OPTIONS:PARAM=VALUES")
    engine, am, opts, sweep = parts
    options = {}
    for kv in filter(None, opts.split(",")):
        k, _, v = kv.partition("=")
        options[k.strip()] = _number(v.strip())
    param, _, values = sweep.partition("=")
    vals = [_number(v) for v in values.split(",") if v.strip()]
    if not param or not vals:
        raise ValueError(f"index spec {spec!r}: no PARAM=VALUES to sweep")
    return engine, IndexConfig(am, options, param, vals, vals[len(vals) // 2])


def _number(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


class PgEngine:
    """A vector extension in its own database of the benchmark server."""

    def __init__(self, name, extension, server_dsn, dbname, k=10):
        self.name, self.extension, self.dbname, self.k = name, extension, dbname, k
        self.server_dsn = server_dsn
        self.dsn = f"{server_dsn} dbname={dbname}"
        self.binary = True
        self.session_setup = []   # SQL run first by every search session

    def connect(self):
        return psycopg2.connect(self.dsn)

    @contextmanager
    def session(self, dbname=None):
        """An autocommit cursor on the engine's database (or `dbname`), its
        connection closed afterwards."""
        conn = psycopg2.connect(f"{self.server_dsn} dbname={dbname or self.dbname}")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    # Is the extension installed in the server (control file present)?
    def available(self):
        with self.session("postgres") as cur:
            cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (self.extension,))
            return cur.fetchone() is not None

    def create_database(self):
        """A fresh database with the extension; returns why the engine cannot
        be measured (no vector type yet), or None when it can."""
        with self.session("postgres") as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')
            cur.execute(f'CREATE DATABASE "{self.dbname}"')
        with self.session() as cur:
            cur.execute(f'CREATE EXTENSION "{self.extension}"')
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (self.extension,))
            self.version = cur.fetchone()[0]
            cur.execute("SELECT 1 FROM pg_type t JOIN pg_operator o ON o.oprleft = t.oid "
                        "WHERE t.typname = 'vector' AND o.oprname = '<->'")
            if cur.fetchone() is None:
                return f"extension {self.extension} has no vector type with <-> yet"
        return None

    def drop_database(self):
        with self.session("postgres") as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')

    def workers_running(self):
        """Whether vector_db's background workers run in this server (the
        engine is vector_db and the server preloads it)."""
        if self.name != "vector_db":
            return False
        with self.session() as cur:
            cur.execute("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'vector_db launcher')")
            return cur.fetchone()[0]

    def access_methods(self):
        """Index access methods of this database with a vector_l2_ops opclass."""
        with self.session() as cur:
            cur.execute("SELECT DISTINCT a.amname FROM pg_am a JOIN pg_opclass c ON c.opcmethod = a.oid "
                        "WHERE c.opcname = 'vector_l2_ops' ORDER BY 1")
            return [r[0] for r in cur.fetchall()]

    def load(self, ds):
        conn = self.connect()
        try:
            seconds, self.binary = load.create_items(conn, ds)
        finally:
            conn.close()
        return seconds

    # Encodes query vectors as statement parameters of the right format.
    def encode(self, vectors):
        return [load.vector_param(v, self.binary) for v in vectors]

    def build(self, cfg, rows, dim, settings=()):
        """CREATE INDEX in a fresh backend (so its memory peak is this build's),
        watched from a second connection, after SET of each (name, value) of
        `settings`. Returns a BuildStat."""
        opts = ", ".join(f"{k} = {sql_literal(v) if isinstance(v, str) else v}"
                         for k, v in cfg.options.items())
        with_clause = f" WITH ({opts})" if opts else ""
        with self.session() as cur:
            cur.execute("DROP INDEX IF EXISTS items_embedding_idx")
            for name, value in settings:
                cur.execute(f"SET {name} = {sql_literal(str(value))}")
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            del cur.connection.notices[:]   # DROP INDEX IF EXISTS's, not the build's
            with BuildWatcher(self.dsn, pid, f"{self.name} {cfg.name}") as watch:
                start = time.perf_counter()
                cur.execute(f"CREATE INDEX items_embedding_idx ON items USING {cfg.am} "
                            f"(embedding vector_l2_ops){with_clause}")
                seconds = time.perf_counter() - start
            cur.execute("SELECT pg_relation_size('items_embedding_idx')")
            size = cur.fetchone()[0]
            notices = tuple(n.strip() for n in cur.connection.notices)
        return BuildStat(self.name, cfg.name, rows, dim, seconds, size, watch.peak_hwm, watch.peak_work, notices,
                         watch.cpu_seconds)

    def drop_index(self):
        with self.session() as cur:
            cur.execute("DROP INDEX IF EXISTS items_embedding_idx")

    def searcher(self, setup=()):
        return SqlSearch(self.dsn, search_sql(self.k), setup, (self.binary,))

    def check_plan(self, search, query, want_index):
        """Fails loudly unless the plan of the prepared query uses the vector
        index (want_index) or scans the table without it."""
        plan = "\n".join(search.explain([sql_literal(load.vector_text(query))]))
        uses = "items_embedding_idx" in plan
        if uses != want_index:
            raise RuntimeError(f"{self.name}: expected {'an index scan on' if want_index else 'no use of'} "
                               f"items_embedding_idx, got plan:\n{plan}")
        return plan

    def sweep_point(self, ds, gt_dists, params, cfg, value, clients, warmup=50):
        """Measures one value of the swept parameter (cfg None: exact search)."""
        setup = self.session_setup + ([f"SET {cfg.param} = {value}"] if cfg else [])
        search = self.searcher(setup)
        try:
            self.check_plan(search, ds.test[0], want_index=cfg is not None)
            search(params[0])
            if cfg and search.setting(cfg.param) != str(value):
                raise RuntimeError(f"{self.name}: {cfg.param} is not a parameter of the loaded extension "
                                   f"(session shows {search.setting(cfg.param)!r})")
            if clients == 1:
                results, lat, secs = timed_loop(search, params, warmup)
            else:
                results, lat, secs = concurrent_loop(self.dsn, search_sql(self.k), setup,
                                                     search.binary, params, clients, warmup)
        finally:
            search.close()
        return make_point(self.name, cfg.name if cfg else "exact (no index)", cfg.param if cfg else "",
                          value if cfg else "", results, lat, secs, ds.train, ds.test, gt_dists, self.k, clients)

    def floor_point(self, n, warmup=50):
        """The fixed cost of one prepared statement on this path: a primary
        key lookup returning one id (ids 0..999 exist in every data set)."""
        search = SqlSearch(self.dsn, FLOOR_SQL, binary=(False,))
        try:
            ids = [(str(i % 1000).encode(),) for i in range(n)]
            results, lat, secs = timed_loop(search, ids, warmup)
        finally:
            search.close()
        ms = [x * 1000 for x in lat]
        return Point(self.name, "floor (pk lookup)", "", "", recall=float("nan"), qps=n / secs,
                     p50_ms=percentile(ms, 50), p99_ms=percentile(ms, 99), queries=n)

    def insert_rate(self, ds, index_name, clients, rows):
        """Single-row INSERTs by `clients` connections into the table as it
        is (with whatever index exists); remove_inserted() deletes them."""
        per = max(1, rows // clients)
        seconds = concurrent_inserts(self.dsn, ds, self.binary, clients, per)
        return InsertStat(self.name, index_name, clients, per * clients, per * clients / seconds)

    def remove_inserted(self):
        """Deletes and vacuums away the insert test's rows (cheapest once the
        vector index is dropped)."""
        with self.session() as cur:
            cur.execute("DELETE FROM items WHERE id >= %s", (INSERT_BASE_ID,))
            cur.execute("VACUUM items")


def _insert_client(args):
    dsn, client, per, vectors, labels, binary, barrier = args
    conn = libpq.Connection(dsn)
    conn.prepare("ins", INSERT_SQL)
    rows = [(str(INSERT_BASE_ID + client * per + i).encode(), str(int(labels[i % len(labels)])).encode(),
             load.vector_param(vectors[i % len(vectors)], binary)) for i in range(per)]
    barrier.wait()
    start = time.perf_counter()
    for r in rows:
        conn.first_column("ins", r, (False, False, binary))
    took = time.perf_counter() - start
    conn.close()
    return took


def concurrent_inserts(dsn, ds, binary, clients, per):
    """Wall seconds for `clients` processes each inserting `per` rows."""
    ctx = mp.get_context("fork")
    with ctx.Manager() as mgr:
        barrier = mgr.Barrier(clients)
        with ctx.Pool(clients) as pool:
            times = pool.map(_insert_client, [(dsn, c, per, ds.test, ds.test_labels, binary, barrier)
                                              for c in range(clients)])
    return max(times)


def search_sql(k):
    return SEARCH_SQL.format(k=k)


class LibraryEngine:
    """An in-process index library measured on the same data and queries,
    one query per call like the SQL path (the Python call costs a few µs)."""

    def __init__(self, name, k=10, threads=None):
        self.name, self.k = name, k
        self.threads = threads or os.cpu_count()

    def sweep(self, ds, gt_dists, queries, cfg, warmup=50):
        build = self.build(ds, cfg)
        points = []
        for value in cfg.values:
            search = self.searcher(cfg, value)
            results, lat, secs = timed_loop(search, list(queries), warmup)
            points.append(make_point(self.name, cfg.name, cfg.param, value, results, lat, secs,
                                     ds.train, ds.test, gt_dists, self.k))
        self.index = None
        return build, points


class HnswlibEngine(LibraryEngine):
    def __init__(self, k=10, threads=None):
        super().__init__("hnswlib", k, threads)
        import hnswlib
        self.lib = hnswlib

    @staticmethod
    def configs():
        return [IndexConfig("hnsw", {"M": 16, "ef_construction": 64}, "ef", HNSW_EF, 40)]

    def build(self, ds, cfg):
        idx = self.lib.Index(space="l2", dim=ds.dim)
        idx.init_index(max_elements=len(ds.train), M=cfg.options["M"], ef_construction=cfg.options["ef_construction"])
        idx.set_num_threads(self.threads)
        start = time.perf_counter()
        idx.add_items(ds.train, np.arange(len(ds.train)))
        seconds = time.perf_counter() - start
        idx.set_num_threads(1)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "index.bin")
            idx.save_index(path)
            size = os.path.getsize(path)
        self.index = idx
        return BuildStat(self.name, cfg.name, len(ds.train), ds.dim, seconds, size)

    def searcher(self, cfg, value):
        self.index.set_ef(value)
        knn = self.index.knn_query
        k = self.k
        return lambda q: knn(q, k)[0][0]


class FaissEngine(LibraryEngine):
    def __init__(self, k=10, threads=None):
        super().__init__("faiss", k, threads)
        import faiss
        self.faiss = faiss

    @staticmethod
    def configs():
        return [IndexConfig("IndexHNSWFlat", {"M": 16, "efConstruction": 64}, "efSearch", HNSW_EF, 40),
                IndexConfig("IndexIVFFlat", {"nlist": 245}, "nprobe", IVF_PROBES, 8)]

    def build(self, ds, cfg):
        f = self.faiss
        f.omp_set_num_threads(self.threads)
        start = time.perf_counter()
        if cfg.am == "IndexHNSWFlat":
            idx = f.IndexHNSWFlat(ds.dim, cfg.options["M"])
            idx.hnsw.efConstruction = cfg.options["efConstruction"]
        else:
            idx = f.IndexIVFFlat(f.IndexFlatL2(ds.dim), ds.dim, cfg.options["nlist"])
            idx.train(ds.train)
        idx.add(ds.train)
        seconds = time.perf_counter() - start
        size = f.serialize_index(idx).nbytes
        f.omp_set_num_threads(1)
        self.index = idx
        return BuildStat(self.name, cfg.name, len(ds.train), ds.dim, seconds, size)

    def searcher(self, cfg, value):
        if cfg.am == "IndexHNSWFlat":
            self.index.hnsw.efSearch = value
        else:
            self.index.nprobe = value
        search = self.index.search
        k = self.k
        return lambda q: search(q.reshape(1, -1), k)[1][0]
