"""Hybrid search (docs/hybrid.md): latency of dense-only, BM25-only and
fused search on a text corpus, and how much of each top-10 an exact run of
the same search shares.

Corpus: the paragraphs (40 to 2,000 characters) of the installed packages'
/usr/share/doc/*/copyright files in sorted file order, up to ROWS (the text
of test/e2e/test_bm25.py, more of it). No embedding model is installed, so
the dense column is a stand-in: a row's term counts (vector_db_bm25_tokens)
times a fixed pseudo-random DIM-dimensional vector per term, normalised: a
cosine space in which texts that share terms lie close, enough to time an
hnsw search over vectors of real text. QUERIES queries: three consecutive
words of a paragraph drawn with a fixed seed.

Searches, each a prepared statement with text parameters:
  dense:  ORDER BY emb <=> q LIMIT 10 (hnsw vector_cosine_ops);
  BM25:   docs/hybrid.md's exact query: the rows matching the query's
          tsquery through the GIN index that vector_db_bm25_create made,
          ORDER BY their score (bm <#> the query's vector), id LIMIT 10,
          both from vector_db_bm25_query_parts(...);
  fused:  hybrid_search with both, 40 rows each, RRF (k 60), top 10.
Quality: each search's top-10 against the same search run exactly (index
scans off, so the dense search is a sequential scan; for BM25, every row's
score by a sequential scan): the share of the exact top-10 keys found. For
fused search that is the overlap of the fused ranking with the exact fused
ranking. The dense and fused searches are measured at hnsw's default
settings (ef_search 40), at ef_search 200, and at ef_search 200 with
iterative scans (strict_order); BM25 uses no hnsw index. For comparison,
"BM25 via hnsw" is the search BM25 used before: ORDER BY bm <#> q over an
hnsw index (sparsevec_ip_ops) on the BM25 column, approximate, at the same
three settings (with index scans off it is its own exact reference).
"""
import glob
import random
import zlib
from dataclasses import dataclass

import numpy as np

from . import report, sections
from .measure import SqlSearch, percentile, timed_loop

MARK = "<!-- hybrid-search -->"
ROWS = 20000
DIM = 128
QUERIES = 300
EXACT = ["SET enable_indexscan = off"]
SETTINGS = [("default", []), ("ef_search 200", ["SET hnsw.ef_search = 200"]),
            ("ef_search 200, iterative", ["SET hnsw.ef_search = 200", "SET hnsw.iterative_scan = strict_order"])]
BM25_ONLY = [("GIN, exact (no hnsw)", [])]
# The rows scoring above 0 by BM25 score, best first, with index scans off a sequential scan
# (ties by id: the exact reference of BM25); with them on and no tie-break, the approximate
# walk of an hnsw index on the BM25 column, which BM25 used before the GIN path.
BM25_SCAN = ("WITH q AS MATERIALIZED (SELECT vector_db_bm25_query('chunks', 'bm', $1) AS v) SELECT id FROM chunks "
             "WHERE bm <#> (SELECT v FROM q) < 0 ORDER BY bm <#> (SELECT v FROM q){} LIMIT 10")
# name: (SQL, which of (dense vector, query text) it takes, settings it runs at)
SEARCHES = {
    "dense": ("SELECT id FROM chunks ORDER BY emb <=> $1::vector LIMIT 10", (0,), SETTINGS),
    "BM25": ("WITH q AS MATERIALIZED (SELECT * FROM vector_db_bm25_query_parts('chunks', 'bm', $1)) "
             "SELECT id FROM (SELECT id, bm <#> (SELECT vector FROM q) AS d "
             "FROM chunks WHERE to_tsvector('english', body) @@ (SELECT tsquery FROM q) OFFSET 0) c ORDER BY d, id LIMIT 10",
             (1,), BM25_ONLY),
    "BM25 via hnsw": (BM25_SCAN.format(""), (1,), SETTINGS),
    "fused (RRF)": ("SELECT key FROM hybrid_search('chunks', ARRAY[hybrid_vector('emb', $1::vector, 'cosine', 40), "
                    "hybrid_bm25('bm', $2, 40)], 'rrf', 10)", (0, 1), SETTINGS),
}
# The exact reference of a search, where it is not the search itself with index scans off.
EXACT_SQL = {"BM25": BM25_SCAN.format(", id")}


@dataclass
class HybridStat:
    search: str
    settings: str
    rows: int
    queries: int
    p50_ms: float
    mean_ms: float
    exact_p50_ms: float
    overlap: float     # share of the exact top-10 found


def corpus():
    out = []
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        with open(path, encoding="utf-8", errors="replace") as f:
            out += [p.strip() for p in f.read().split("\n\n") if 40 <= len(p.strip()) <= 2000]
        if len(out) >= ROWS:
            break
    return out[:ROWS]


def term_vector(term, cache):
    if term not in cache:
        cache[term] = np.random.default_rng(zlib.crc32(term.encode())).standard_normal(DIM)
    return cache[term]


def embed(token_rows, n, cache):
    """Unit vectors from (row, term, tf) triples of rows 0..n-1."""
    out = np.zeros((n, DIM))
    for i, term, tf in token_rows:
        out[i] += tf * term_vector(term, cache)
    norms = np.linalg.norm(out, axis=1)
    norms[norms == 0] = 1
    return (out / norms[:, None]).astype(np.float32)


def vector_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def load(eng, docs, queries, say):
    """The chunks table with its indexes; returns the query parameters."""
    cache = {}
    with eng.session() as cur:
        cur.execute("DROP TABLE IF EXISTS chunks")
        cur.execute(f"CREATE TABLE chunks (id int PRIMARY KEY, body text, emb vector({DIM}), "
                    "bm sparsevec(1000000000))")
        cur.execute("INSERT INTO chunks (id, body) SELECT i - 1, d FROM unnest(%s::text[]) WITH ORDINALITY u(d, i)",
                    (docs,))
        cur.execute("SELECT c.id, k.term, k.tf FROM chunks c, vector_db_bm25_tokens('english', c.body) k")
        emb = embed(cur.fetchall(), len(docs), cache)
        cur.execute("UPDATE chunks c SET emb = e.v::vector FROM unnest(%s::int[], %s::text[]) e(id, v) "
                    "WHERE c.id = e.id", (list(range(len(docs))), [vector_text(v) for v in emb]))
        cur.execute("SELECT vector_db_bm25_create('chunks', 'body', 'bm')")
        cur.execute("CREATE INDEX ON chunks USING hnsw (emb vector_cosine_ops)")
        cur.execute("CREATE INDEX ON chunks USING hnsw (bm sparsevec_ip_ops)")
        cur.execute("ANALYZE chunks")
        cur.execute("SELECT q.i - 1, k.term, k.tf FROM unnest(%s::text[]) WITH ORDINALITY q(t, i), "
                    "vector_db_bm25_tokens('english', q.t) k", (queries,))
        qemb = embed(cur.fetchall(), len(queries), cache)
    say(f"hybrid: {len(docs):,} paragraphs loaded, BM25 column (and its GIN index) and hnsw indexes built")
    return [(vector_text(v).encode(), q.encode()) for v, q in zip(qemb, queries)]


def run(eng, sql, setup, params):
    search = SqlSearch(eng.dsn, sql, eng.session_setup + setup, binary=(False,) * len(params[0]))
    try:
        return timed_loop(search, params, warmup=min(10, len(params)))
    finally:
        search.close()


def measure(eng, say):
    """Every search on `chunks` in the engine's database, then exactly."""
    docs = corpus()
    rng = random.Random(15)
    queries = []
    while len(queries) < QUERIES:
        words = [w for w in rng.choice(docs).split() if w.isalpha()]
        if len(words) >= 3:
            start = rng.randrange(len(words) - 2)
            queries.append(" ".join(words[start:start + 3]))
    params = load(eng, docs, queries, say)
    stats = []
    for name, (sql, which, settings) in SEARCHES.items():
        mine = [tuple(p[i] for i in which) for p in params]
        exact, exact_lat, _ = run(eng, EXACT_SQL.get(name, sql), EXACT, mine)
        exact_p50 = percentile([x * 1000 for x in exact_lat], 50)
        for label, setup in settings:
            found, lat, _ = run(eng, sql, setup, mine)
            overlap = np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact) if e])
            ms = [x * 1000 for x in lat]
            stats.append(HybridStat(name, label, len(docs), len(params), percentile(ms, 50), float(np.mean(ms)),
                                    exact_p50, float(overlap)))
            say(f"  {name}, {label}: p50 {stats[-1].p50_ms:.2f} ms, mean {stats[-1].mean_ms:.2f} ms, "
                f"top-10 overlap with exact {stats[-1].overlap:.3f} (exact p50 {exact_p50:.1f} ms)")
    return stats


def ratio_lines(stats):
    by = {(s.search, s.settings): s for s in stats}
    out = []
    for label, _ in SETTINGS:
        fused = by.get(("fused (RRF)", label))
        for name in ("dense", "BM25"):
            single = by.get((name, label)) or by.get((name, BM25_ONLY[0][0]))
            if fused and single:
                out.append(f"- {label}: fused search takes {fused.p50_ms / single.p50_ms:.1f}× the median latency "
                           f"of {name}-only search")
    out += [f"- {s.search}, {s.settings}: {s.exact_p50_ms / s.p50_ms:.1f}× faster than the same search run "
            f"exactly, sharing {s.overlap:.3f} of its top-10" for s in stats]
    return out


def render(stats, rows, command, machine):
    lines = [MARK, "## Hybrid search", "",
             f"{rows:,} paragraphs of the installed packages' copyright files, a {DIM}-dimensional stand-in "
             "embedding (term counts times a fixed pseudo-random vector per term; no embedding model is "
             "installed) with an hnsw index, and a BM25 column (vector_db_bm25_create, which adds a GIN index on "
             f"the text's tsvector). {QUERIES} queries of three consecutive words of a paragraph. BM25: docs/hybrid.md's "
             "exact query, the rows matching the query's tsquery (vector_db_bm25_query_parts) through the GIN index ranked by their score, top 10 "
             "(ties by id). BM25 via hnsw: the former path, ORDER BY bm <#> the query's vector through an hnsw index "
             "on the BM25 column (approximate; with index scans off, every row scored). Fused: hybrid_search with the dense and BM25 searches "
             "(40 rows each), RRF k 60, top 10. Overlap: the share of the top-10 of the same search run exactly "
             "(index scans off; for BM25, every row scored by a sequential scan) that the indexed search returns; "
             "for fused search, the exact fused ranking.", "",
             report.table(["search", "settings", "rows", "queries", "p50 ms", "mean ms", "exact p50 ms",
                           "top-10 overlap with exact"],
                          [[s.search, s.settings, f"{s.rows:,}", s.queries, f"{s.p50_ms:.2f}", f"{s.mean_ms:.2f}",
                            f"{s.exact_p50_ms:.1f}", f"{s.overlap:.3f}"] for s in stats], "llrrrrrr")]
    lines += sections.closing_lines(ratio_lines(stats), command, machine, MARK)
    return "\n".join(lines)
