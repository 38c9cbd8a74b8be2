"""hnsw over sparsevec answers like numpy.

1,500 random sparse rows of 2,000 dimensions with 5 to 600 non-zeros
(unclustered signed rows for L2 and L1, topic-clustered positive rows for
inner product and cosine, as in the TAP recall test), loaded through the
text format. For each operator class an index scan with a large
hnsw.ef_search must find (nearly) numpy's exact top 10, computed in float64
over the same float32 values, and return its rows in numpy's order.
"""
import io
import os
import unittest

import numpy as np
import psycopg2

ROWS, DIMS, QUERIES = 1500, 2000, 20
METRICS = [("u", "sparsevec_l2_ops", "<->"), ("s", "sparsevec_ip_ops", "<#>"),
           ("s", "sparsevec_cosine_ops", "<=>"), ("u", "sparsevec_l1_ops", "<+>")]


def random_rows(rng, count, clustered):
    """Dense float32 arrays holding sparse rows of similar norms."""
    out = np.zeros((count, DIMS), dtype=np.float32)
    for r in range(count):
        nnz = 100 + (r * 37) % 500 if r % 10 == 0 else 5 + (r * 13) % 56
        if clustered:
            topic = r % 20
            local = topic * 100 + np.floor(rng.random(nnz) ** 2 * 100).astype(int)
            anywhere = np.floor(rng.random(nnz) * DIMS).astype(int)
            idx = np.unique(np.where(rng.random(nnz) < 0.8, local, anywhere))
            values = rng.random(len(idx)) + 0.01
        else:
            idx = np.unique(np.floor(rng.random(nnz) ** 3 * DIMS).astype(int))
            values = rng.random(len(idx)) - 0.5
        out[r, idx] = values / np.sqrt(len(idx))
    return out


def sparse_text(row):
    idx = np.flatnonzero(row)
    return "{%s}/%d" % (",".join("%d:%r" % (i + 1, float(row[i])) for i in idx), DIMS)


def distances(data, q, op):
    if op == "<->":
        return np.sqrt(((data - q) ** 2).sum(1))
    if op == "<#>":
        return -(data @ q)
    if op == "<+>":
        return np.abs(data - q).sum(1)
    return 1 - (data @ q) / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))


class HnswSparse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
        cls.conn.autocommit = True
        cls.cur = cls.conn.cursor()
        cls.cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        cls.cur.execute("DROP TABLE IF EXISTS hnsw_sparse_e2e; "
                        "CREATE TABLE hnsw_sparse_e2e (id int, u sparsevec(%d), s sparsevec(%d))" % (DIMS, DIMS))
        rng = np.random.default_rng(9)
        cls.data = {"u": random_rows(rng, ROWS, False), "s": random_rows(rng, ROWS, True)}
        cls.queries = {"u": random_rows(rng, QUERIES, False), "s": random_rows(rng, QUERIES, True)}
        buf = io.StringIO()
        for i in range(ROWS):
            buf.write("%d\t%s\t%s\n" % (i, sparse_text(cls.data["u"][i]), sparse_text(cls.data["s"][i])))
        buf.seek(0)
        cls.cur.copy_expert("COPY hnsw_sparse_e2e FROM STDIN", buf)
        cls.data = {k: v.astype(np.float64) for k, v in cls.data.items()}

    @classmethod
    def tearDownClass(cls):
        cls.cur.execute("DROP TABLE hnsw_sparse_e2e")
        cls.conn.close()

    def test_matches_numpy(self):
        for col, opclass, op in METRICS:
            with self.subTest(opclass=opclass):
                self.cur.execute("CREATE INDEX hnsw_sparse_e2e_idx ON hnsw_sparse_e2e USING hnsw (%s %s)" % (col, opclass))
                self.cur.execute("SET hnsw.ef_search = 200; SET enable_seqscan = off")
                self.cur.execute("EXPLAIN SELECT id FROM hnsw_sparse_e2e ORDER BY %s %s '{1:1}/%d' LIMIT 10"
                                 % (col, op, DIMS))
                self.assertIn("hnsw_sparse_e2e_idx", " ".join(r[0] for r in self.cur.fetchall()))
                hits = 0
                for q in self.queries[col]:
                    self.cur.execute("SELECT id FROM hnsw_sparse_e2e ORDER BY %s %s %%s LIMIT 10" % (col, op),
                                     (sparse_text(q),))
                    got = [r[0] for r in self.cur.fetchall()]
                    d = distances(self.data[col], q.astype(np.float64), op)
                    exact = set(np.argsort(d, kind="stable")[:10])
                    hits += len(exact & set(got))
                    # nearest first, up to float32 rounding of the index's distances
                    dist = d[got]
                    self.assertTrue(np.all(np.diff(dist) >= -1e-5 * (1 + np.abs(dist[:-1]))), (opclass, got))
                self.assertGreaterEqual(hits / (10.0 * QUERIES), 0.98, opclass)
                self.cur.execute("SELECT vector_db_index_check('hnsw_sparse_e2e_idx', true)")
                self.cur.execute("DROP INDEX hnsw_sparse_e2e_idx; RESET enable_seqscan")


if __name__ == "__main__":
    unittest.main()
