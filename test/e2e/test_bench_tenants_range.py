"""The range-search and multi-tenant sections of the harness
(bench/vdbbench/rangesearch.py, tenants.py): the parts that need no server."""
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import rangesearch, tenants


def tstat(engine, layout, plan, recall, min_rows, qps):
    return tenants.TenantStat(engine, layout, plan, recall, min_rows, qps, 1.0, 100, "1.0 → 1.0")


class Range(unittest.TestCase):
    def test_radii_are_medians_of_the_kth_nearest_distance(self):
        # Three queries; row j lies at squared distance (j + 1) * (query + 1).
        d2 = np.array([[(j + 1) * (q + 1) for j in range(1200)] for q in range(3)], np.float64)
        r = rangesearch.radii(d2)
        self.assertEqual(sorted(r), [10, 100, 1000])
        # The median query is the second: its k-th nearest lies at 2k.
        for k in (10, 100, 1000):
            self.assertAlmostEqual(r[k], np.sqrt(2 * k))

    def test_squared_distances_are_exact(self):
        base = np.array([[0, 0], [3, 4]], np.float32)
        np.testing.assert_array_equal(rangesearch.squared_distances(base, np.array([[0, 0]], np.float32)),
                                      [[0, 25]])

    def test_ratio_is_taken_against_the_exact_scan_of_the_same_radius(self):
        s = [rangesearch.RangeStat("hnsw", 10, 1.0, 5, 10, 10, 0.995, 0, 30.0),
             rangesearch.RangeStat("exact scan", 10, 1.0, 5, 10, 10, 1.0, 0, 10.0)]
        (line,) = rangesearch.ratio_lines(s)
        self.assertIn("3.0×", line)
        self.assertIn("met", line)


class Tenants(unittest.TestCase):
    def test_tenants_are_uneven_and_cover_every_tenant(self):
        t = tenants.tenant_of(np.arange(60000))
        counts = np.bincount(t, minlength=tenants.TENANTS)
        self.assertEqual(len(counts), tenants.TENANTS)
        self.assertTrue((counts > 0).all())
        self.assertGreater(counts[0], 10 * counts[-1])

    def test_best_needs_recall_and_ten_rows(self):
        s = [tstat("pgvector", "table", "fast but short", 0.99, 9, 900.0),
             tstat("pgvector", "table", "fast but poor", 0.90, 10, 800.0),
             tstat("pgvector", "list", "good", 0.97, 10, 100.0),
             tstat("vector_db", "list", "ours", 0.98, 10, 300.0),
             tstat("vector_db", "hash", "hashed", 0.99, 10, 150.0)]
        self.assertEqual(tenants.best(s, "pgvector").plan, "good")
        against_pgvector, against_hash = tenants.ratio_lines(s)
        self.assertIn("3.00× the QPS of pgvector's best plan", against_pgvector)
        self.assertIn("2.00× the QPS of vector_db's HASH layout", against_hash)
        self.assertIn("no ratio", tenants.ratio_lines(s[:3])[0])


if __name__ == "__main__":
    unittest.main()
