"""SQL distances agree with numpy in float64.

For each type and metric, 1,000 random pairs of random dimensions are sent
to the server as text and the distance it computes is compared with numpy's
on the very values the server stored (float32, float16, sparse float32 or
bits), computed in float64. The kernels accumulate in float32, so results
must agree to 1e-5 relative. Inner product and cosine distance can be close
to zero by cancellation, so their error is measured against the scale of the
operands (|a||b| for the inner product, 1 for cosine distance, whose range
is [0, 2]) as well as against the value.
"""
import io
import os
import unittest

import numpy as np
import psycopg2

PAIRS = 1000
RTOL = 1e-5


def connect():
    conn = psycopg2.connect(os.environ["VECTOR_DB_DSN"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
    return conn


def dense_text(values):
    # repr of a numpy float32/float16 is the shortest text that reads back
    # to the same value, so the server stores exactly what numpy holds.
    return "[" + ",".join(repr(float(x)) for x in values) + "]"


def sparse_text(values):
    nz = np.flatnonzero(values)
    body = ",".join("%d:%r" % (i + 1, float(values[i])) for i in nz)
    return "{%s}/%d" % (body, len(values))


def bit_text(bits):
    return "".join("1" if b else "0" for b in bits)


class DistanceAgreement(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = connect()
        cls.rng = np.random.default_rng(20261124)

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()

    def server_results(self, sqltype, texts_a, texts_b, expressions):
        """Loads the pairs into a temp table and evaluates each expression."""
        with self.conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS pairs")
            cur.execute("CREATE TEMP TABLE pairs (id int, a %s, b %s)" % (sqltype, sqltype))
            data = io.StringIO("".join(
                "%d\t%s\t%s\n" % (i, a, b) for i, (a, b) in enumerate(zip(texts_a, texts_b))))
            cur.copy_expert("COPY pairs FROM STDIN", data)
            cur.execute("SELECT %s FROM pairs ORDER BY id" % ", ".join(expressions))
            return np.array(cur.fetchall(), dtype=np.float64)

    def assert_close(self, name, got, want, scale):
        error = np.abs(got - want)
        allowed = RTOL * np.maximum(np.abs(want), scale)
        worst = int(np.argmax(error / np.maximum(allowed, 1e-300)))
        self.assertTrue(
            np.all(error <= allowed),
            "%s: pair %d got %r, numpy %r" % (name, worst, got[worst], want[worst]))

    def check_dense(self, sqltype, dtype, max_dim, make_values):
        a_list, b_list = [], []
        for _ in range(PAIRS):
            dim = int(self.rng.integers(1, max_dim + 1))
            a_list.append(make_values(dim).astype(dtype))
            b_list.append(make_values(dim).astype(dtype))
        if sqltype == "sparsevec":
            texts_a = [sparse_text(a) for a in a_list]
            texts_b = [sparse_text(b) for b in b_list]
        else:
            texts_a = [dense_text(a) for a in a_list]
            texts_b = [dense_text(b) for b in b_list]
        got = self.server_results(sqltype, texts_a, texts_b, [
            "a <-> b", "inner_product(a, b)", "-(a <#> b)", "a <=> b", "a <+> b",
            "cosine_distance(a, b)", "l2_distance(a, b)", "l1_distance(a, b)"])
        a64 = [a.astype(np.float64) for a in a_list]
        b64 = [b.astype(np.float64) for b in b_list]
        norms = np.array([np.linalg.norm(a) * np.linalg.norm(b) for a, b in zip(a64, b64)])
        l2 = np.array([np.linalg.norm(a - b) for a, b in zip(a64, b64)])
        ip = np.array([np.dot(a, b) for a, b in zip(a64, b64)])
        cosine = 1 - ip / norms
        l1 = np.array([np.abs(a - b).sum() for a, b in zip(a64, b64)])
        self.assert_close(sqltype + " l2", got[:, 0], l2, 0)
        self.assert_close(sqltype + " l2_distance", got[:, 6], l2, 0)
        self.assert_close(sqltype + " inner_product", got[:, 1], ip, norms)
        self.assert_close(sqltype + " <#>", got[:, 2], ip, norms)
        self.assert_close(sqltype + " cosine", got[:, 3], cosine, 1)
        self.assert_close(sqltype + " cosine_distance", got[:, 5], cosine, 1)
        self.assert_close(sqltype + " l1", got[:, 4], l1, 0)
        self.assert_close(sqltype + " l1_distance", got[:, 7], l1, 0)

    def test_vector(self):
        self.check_dense("vector", np.float32, 300, lambda d: self.rng.normal(size=d) * 10)

    def test_halfvec(self):
        self.check_dense("halfvec", np.float16, 300, lambda d: self.rng.normal(size=d))

    def test_sparsevec(self):
        def sparse(dim):
            values = self.rng.normal(size=dim)
            # Mostly zeros, at least one non-zero so cosine is defined.
            values[self.rng.random(dim) < 0.8] = 0
            values[self.rng.integers(dim)] = 1.5
            return values
        self.check_dense("sparsevec", np.float32, 2000, sparse)

    def test_bit(self):
        a_list, b_list = [], []
        for _ in range(PAIRS):
            length = int(self.rng.integers(1, 700))
            a_list.append(self.rng.random(length) < 0.5)
            b_list.append(self.rng.random(length) < 0.5)
        got = self.server_results(
            "varbit", [bit_text(a) for a in a_list], [bit_text(b) for b in b_list],
            ["a <~> b", "hamming_distance(a, b)", "a <%> b", "jaccard_distance(a, b)"])
        hamming = np.array([np.count_nonzero(a != b) for a, b in zip(a_list, b_list)], dtype=float)
        both = np.array([np.count_nonzero(a & b) for a, b in zip(a_list, b_list)], dtype=float)
        either = np.array([np.count_nonzero(a | b) for a, b in zip(a_list, b_list)], dtype=float)
        jaccard = np.where(both == 0, 1.0, 1 - both / np.maximum(either, 1))
        self.assert_close("hamming <~>", got[:, 0], hamming, 0)
        self.assert_close("hamming_distance", got[:, 1], hamming, 0)
        self.assert_close("jaccard <%>", got[:, 2], jaccard, 0)
        self.assert_close("jaccard_distance", got[:, 3], jaccard, 0)


if __name__ == "__main__":
    unittest.main()
