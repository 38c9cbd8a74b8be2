"""The harness's arithmetic: recall with ties, percentiles, sweep points."""
import math
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import measure


class Recall(unittest.TestCase):
    GT = [[1.0, 2.0, 3.0, 4.0]]

    def test_all_right_and_all_wrong(self):
        self.assertEqual(measure.recall_at_k([[1.0, 2.0, 3.0, 4.0]], self.GT, k=4), 1.0)
        self.assertEqual(measure.recall_at_k([[5.0, 6.0, 7.0, 8.0]], self.GT, k=4), 0.0)

    def test_partial_and_short_results(self):
        self.assertEqual(measure.recall_at_k([[1.0, 9.0, 3.0, 9.0]], self.GT, k=4), 0.5)
        # fewer rows than k (a filtered query that came back short) lose the missing ones
        self.assertEqual(measure.recall_at_k([[1.0]], self.GT, k=4), 0.25)

    def test_a_tie_at_the_kth_distance_counts(self):
        # two rows share distance 4.0; returning the "other" one is just as right
        self.assertEqual(measure.recall_at_k([[1.0, 2.0, 3.0, 4.0]], [[1.0, 2.0, 3.0, 4.0]], k=4), 1.0)
        self.assertEqual(measure.recall_at_k([[4.0, 4.0, 4.0, 4.0]], [[1.0, 2.0, 3.0, 4.0]], k=4), 1.0)
        self.assertEqual(measure.recall_at_k([[4.0000001, 4.5, 1.0, 2.0]], [[1.0, 2.0, 3.0, 4.0]], k=4), 0.75)

    def test_mean_over_queries_and_only_k_counted(self):
        found = [[1.0, 2.0], [9.0, 9.0], [1.0, 1.0, 1.0]]
        gt = [[1.0, 2.0], [1.0, 2.0], [1.0, 1.0]]
        self.assertAlmostEqual(measure.recall_at_k(found, gt, k=2), (2 + 0 + 2) / 6)

    def test_exact_distances(self):
        base = np.array([[0, 0], [3, 4], [1, 1]], np.float32)
        d = measure.exact_distances(base, np.array([0, 0], np.float32), [1, 2])
        self.assertEqual(list(d), [25.0, 2.0])
        self.assertEqual(len(measure.exact_distances(base, base[0], [])), 0)


class Percentile(unittest.TestCase):
    def test_matches_numpy_linear(self):
        rng = np.random.default_rng(7)
        for n in (1, 2, 5, 100, 1001):
            xs = list(rng.random(n))
            for p in (0, 1, 50, 90, 99, 100):
                self.assertAlmostEqual(measure.percentile(xs, p), float(np.percentile(xs, p)))

    def test_known_values(self):
        self.assertEqual(measure.percentile([3, 1, 2], 50), 2)
        self.assertEqual(measure.percentile([10, 20], 50), 15)
        self.assertEqual(measure.percentile(list(range(101)), 99), 99)
        with self.assertRaises(ValueError):
            measure.percentile([], 50)


class Points(unittest.TestCase):
    def test_timed_loop_returns_every_result_in_order(self):
        calls = []
        results, lat, secs = measure.timed_loop(lambda p: calls.append(p) or p * 2, [1, 2, 3], warmup=2)
        self.assertEqual(results, [2, 4, 6])
        self.assertEqual(calls, [1, 2, 1, 2, 3])
        self.assertEqual(len(lat), 3)
        self.assertGreaterEqual(secs, sum(lat) * 0.99)

    def test_make_point_scores_recall_qps_and_rows(self):
        base = np.array([[0.0], [1.0], [2.0], [10.0]], np.float32)
        queries = np.array([[0.0], [10.0]], np.float32)
        gt = [[0.0, 1.0], [0.0, 64.0]]
        p = measure.make_point("e", "idx", "ef", 10, [[0, 1], [3]], [0.001, 0.003], 0.5,
                               base, queries, gt, k=2)
        self.assertEqual(p.recall, 0.75)
        self.assertEqual(p.qps, 4.0)
        self.assertAlmostEqual(p.p50_ms, 2.0)
        self.assertEqual(p.mean_rows, 1.5)
        self.assertEqual(p.label, "e idx")
        self.assertFalse(math.isnan(p.p99_ms))


if __name__ == "__main__":
    unittest.main()
