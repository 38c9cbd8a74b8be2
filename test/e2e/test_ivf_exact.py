"""ivfflat and ivf answer like numpy when they scan exhaustively.

2,000 random rows of 24 dimensions. With probes = lists an ivfflat scan
reads every row with exact distances, and an ivf scan of quantized lists
with ivf.rerank above the row count re-ranks every row exactly: both must
return numpy's top 10 (float64 over the stored float32 values) for every
query, for L2, inner product and cosine. With fewer probes the result must
still be sorted by the true distance within each re-ranked chunk.
"""
import io
import os
import unittest

import numpy as np
import psycopg2

ROWS, DIMS, QUERIES, LISTS = 2000, 24, 20, 16
METRICS = [("vector_l2_ops", "<->"), ("vector_ip_ops", "<#>"), ("vector_cosine_ops", "<=>")]


def exact_order(data, q, op):
    if op == "<->":
        d = ((data - q) ** 2).sum(1)
    elif op == "<#>":
        d = -(data @ q)
    else:
        d = 1 - (data @ q) / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))
    return list(np.argsort(d, kind="stable")[:10]), d


class IvfExact(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
        cls.conn.autocommit = True
        cls.cur = cls.conn.cursor()
        cls.cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        cls.cur.execute("DROP TABLE IF EXISTS ivf_e2e; CREATE TABLE ivf_e2e (id int, v vector(%d))" % DIMS)
        rng = np.random.default_rng(5)
        cls.data = rng.standard_normal((ROWS, DIMS)).astype(np.float32)
        cls.queries = rng.standard_normal((QUERIES, DIMS)).astype(np.float32)
        buf = io.StringIO()
        for i, row in enumerate(cls.data):
            buf.write("%d\t[%s]\n" % (i, ",".join(repr(float(x)) for x in row)))
        buf.seek(0)
        cls.cur.copy_expert("COPY ivf_e2e FROM STDIN", buf)
        cls.data = cls.data.astype(np.float64)

    @classmethod
    def tearDownClass(cls):
        cls.cur.execute("DROP TABLE ivf_e2e")
        cls.conn.close()

    def top10(self, q, op):
        self.cur.execute("SET enable_seqscan = off")
        text = "[" + ",".join(repr(float(x)) for x in q) + "]"
        self.cur.execute("SELECT id FROM ivf_e2e ORDER BY v %s %%s LIMIT 10" % op, (text,))
        return [r[0] for r in self.cur.fetchall()]

    def check_exact(self, create, settings, op):
        self.cur.execute(create)
        try:
            for s in settings:
                self.cur.execute(s)
            for q in self.queries:
                want, _ = exact_order(self.data, q.astype(np.float64), op)
                self.assertEqual(self.top10(q, op), [int(i) for i in want], create)
        finally:
            self.cur.execute("DROP INDEX ivf_e2e_idx")

    def test_ivfflat_all_probes_is_exact(self):
        for opclass, op in METRICS:
            self.check_exact("CREATE INDEX ivf_e2e_idx ON ivf_e2e USING ivfflat (v %s) WITH (lists = %d)" % (opclass, LISTS),
                             ["SET ivfflat.probes = %d" % LISTS], op)

    def test_quantized_all_probes_and_rerank_is_exact(self):
        for quantizer in ("sq8", "pq", "rabitq"):
            for opclass, op in METRICS:
                self.check_exact(
                    "CREATE INDEX ivf_e2e_idx ON ivf_e2e USING ivf (v %s) WITH (lists = %d, quantizer = '%s', pq_m = 6)"
                    % (opclass, LISTS, quantizer),
                    ["SET ivf.probes = %d" % LISTS, "SET ivf.rerank = %d" % (ROWS + 1)], op)

    def test_few_probes_returns_sorted_true_distances(self):
        self.cur.execute("CREATE INDEX ivf_e2e_idx ON ivf_e2e USING ivf (v) WITH (lists = %d, quantizer = 'pq', pq_m = 6)" % LISTS)
        try:
            self.cur.execute("SET ivf.probes = 3")
            self.cur.execute("SET ivf.rerank = 50")
            for q in self.queries:
                got = self.top10(q, "<->")
                self.assertEqual(len(got), 10)
                _, d = exact_order(self.data, q.astype(np.float64), "<->")
                dist = [d[i] for i in got]
                self.assertEqual(dist, sorted(dist))
        finally:
            self.cur.execute("DROP INDEX ivf_e2e_idx")


if __name__ == "__main__":
    unittest.main()
