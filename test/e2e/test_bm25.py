"""BM25 as sparse vectors equals a reference BM25 in numpy.

The corpus: the paragraphs (blank-line separated, 40 to 2,000 characters)
of the copyright files of the installed packages, the first 2,000 in sorted
file order; 50 queries are words drawn with a fixed seed from those files.
vector_db_bm25_create sets the BM25 column up; the reference recomputes
every score in Python from the same tokens (vector_db_bm25_tokens, i.e.
to_tsvector) and the same statistics (N, df and the frozen avgdl), with
BM25's formulas, rounding each weight to float4 and summing in term-id
order in float32 as the sparsevec inner product does, so scores must be
equal exactly. Each query's top 10 by the exact indexed BM25 query of
docs/hybrid.md (candidates: the rows whose to_tsvector matches the
query's tsquery, vector_db_bm25_query_parts, through the GIN index
vector_db_bm25_create made, which the plan must show; then ORDER BY score)
must be the reference's top 10, ties broken by id; hybrid_search with
that one BM25 search must rank the same keys. Then deletes, updates and an
insert change N and df, and the query side must follow them exactly.
"""
import glob
import math
import os
import random
import unittest

import numpy as np
import psycopg2

DOCS, QUERIES, K1, B = 2000, 50, 1.2, 0.75


def corpus():
    out = []
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for para in f.read().split("\n\n"):
                para = para.strip()
                if 40 <= len(para) <= 2000:
                    out.append(para)
                    if len(out) == DOCS:
                        return out
    return out


class Bm25Reference(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = corpus()
        if len(cls.docs) < DOCS:
            raise unittest.SkipTest("fewer than %d paragraphs in /usr/share/doc/*/copyright" % DOCS)
        cls.conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
        cls.conn.autocommit = True
        cur = cls.cur = cls.conn.cursor()
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        cur.execute("DROP TABLE IF EXISTS bm25_e2e; CREATE TABLE bm25_e2e "
                    "(id int PRIMARY KEY, body text, bm sparsevec(1000000000))")
        cur.execute("INSERT INTO bm25_e2e (id, body) SELECT i - 1, d FROM unnest(%s::text[]) WITH ORDINALITY u(d, i)",
                    (cls.docs,))
        cur.execute("SELECT vector_db_bm25_create('bm25_e2e', 'body', 'bm')")
        cur.execute("PREPARE bm25_top(text) AS WITH q AS MATERIALIZED (SELECT * FROM vector_db_bm25_query_parts('bm25_e2e', 'bm', $1)) "
                    "SELECT id, -(bm <#> (SELECT vector FROM q))::float8 FROM "
                    "(SELECT * FROM bm25_e2e WHERE to_tsvector('english', body) @@ (SELECT tsquery FROM q) OFFSET 0) c "
                    "ORDER BY bm <#> (SELECT vector FROM q), id LIMIT 10")
        words = sorted({w.lower() for d in cls.docs for w in d.split() if w.isalpha() and len(w) > 3})
        rng = random.Random(15)
        cls.queries = [" ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(QUERIES)]

    @classmethod
    def tearDownClass(cls):
        cls.cur.execute("DROP TABLE bm25_e2e")
        cls.conn.close()

    def reference(self):
        """Exact BM25 scores {id: score} per query, from the same tokens."""
        cur = self.cur
        cur.execute("SELECT b.id, b.doc_count, b.avgdl, b.k1, b.b FROM vector_db_bm25 b WHERE b.relid = 'bm25_e2e'::regclass")
        setup, n, avgdl, k1, b = cur.fetchone()
        self.assertEqual((k1, b), (K1, B))
        cur.execute("SELECT term, id, df FROM vector_db_bm25_terms WHERE bm25 = %s", (setup,))
        terms = {t: (i, df) for t, i, df in cur.fetchall()}
        cur.execute("SELECT d.id, k.term, k.tf FROM bm25_e2e d, vector_db_bm25_tokens('english', d.body) k")
        docs = {}
        for i, t, tf in cur.fetchall():
            docs.setdefault(i, []).append((t, tf))
        self.assertEqual(len(docs), n)
        weights, postings = {}, {}
        for i, toks in docs.items():
            dl = float(sum(tf for _, tf in toks))
            weights[i] = {terms[t][0]: np.float32(tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * (dl / avgdl))))
                          for t, tf in toks}
            for tid in weights[i]:
                postings.setdefault(tid, []).append(i)
        out = []
        for q in self.queries:
            cur.execute("SELECT term, tf FROM vector_db_bm25_tokens('english', %s)", (q,))
            qw = {}
            for t, tf in cur.fetchall():
                if t in terms and terms[t][1] > 0:
                    df = terms[t][1]
                    qw[terms[t][0]] = np.float32(tf * math.log(1 + (((n - df) + 0.5) / (df + 0.5))))
            scores = {}
            for i in {i for tid in qw for i in postings.get(tid, [])}:
                s = np.float32(0)
                for tid in sorted(set(weights[i]) & set(qw)):
                    s = np.float32(s + weights[i][tid] * qw[tid])
                if s > 0:
                    scores[i] = float(s)
            out.append(scores)
        return out

    def check_top10(self):
        cur = self.cur
        cur.execute("SELECT 'vector_db_bm25_' || id || '_gin' FROM vector_db_bm25 WHERE relid = 'bm25_e2e'::regclass")
        gin = cur.fetchone()[0]
        # On 2,000 rows a sequential scan can be cheaper; the index path is what is checked.
        cur.execute("SET enable_seqscan = off")
        for q, ref in zip(self.queries, self.reference()):
            cur.execute("EXPLAIN (COSTS OFF) EXECUTE bm25_top(%s)", (q,))
            self.assertIn("Bitmap Index Scan on " + gin, "\n".join(r[0] for r in cur.fetchall()), q)
            cur.execute("EXECUTE bm25_top(%s)", (q,))
            got = cur.fetchall()
            want = sorted(ref.items(), key=lambda r: (-r[1], r[0]))[:10]
            self.assertEqual(got, want, q)
            cur.execute("SELECT key FROM hybrid_search('bm25_e2e', ARRAY[hybrid_bm25('bm', %s, 10)])", (q,))
            self.assertEqual([r[0] for r in cur.fetchall()], [i for i, _ in got], q)
        cur.execute("RESET enable_seqscan")

    def test_top10_equals_reference(self):
        self.check_top10()
        # Statistics follow deletes, updates and inserts (avgdl stays frozen).
        self.cur.execute("DELETE FROM bm25_e2e WHERE id % 50 = 0")
        self.cur.execute("UPDATE bm25_e2e SET body = body || ' license software' WHERE id % 60 = 7")
        self.cur.execute("INSERT INTO bm25_e2e (id, body) VALUES (-1, 'permission notice permission notice')")
        self.check_top10()
        self.cur.execute("SELECT vector_db_bm25_refresh('bm25_e2e', 'bm')")
        self.check_top10()


if __name__ == "__main__":
    unittest.main()
