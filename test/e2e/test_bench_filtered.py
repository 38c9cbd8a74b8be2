"""The filtered-search section of the harness (bench/vdbbench/filtered.py):
the filter columns' rule, the workloads' selectivities, the filtered truth
and the best-plan ratios, the parts that need no server."""
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import filtered


def fstat(engine, plan, recall, min_rows, qps, workload="tag = $2, 1%"):
    return filtered.FilterStat(engine, workload, "hnsw", plan, "Index Scan", recall, min_rows, qps, 1.0, 100,
                               "1.0 → 1.0")


class Columns(unittest.TestCase):
    def test_rule_is_fixed_and_gives_the_stated_frequencies(self):
        tag, labels = filtered.filter_columns(60000)
        again_tag, again_labels = filtered.filter_columns(60000)
        np.testing.assert_array_equal(tag, again_tag)
        np.testing.assert_array_equal(labels, again_labels)
        self.assertEqual(labels.shape, (60000, 3))
        # three distinct labels of 50 per row
        self.assertTrue((np.sort(labels, axis=1)[:, 1:] != np.sort(labels, axis=1)[:, :-1]).all())
        self.assertTrue(((labels >= 0) & (labels < 50)).all())
        freq = np.bincount(tag, minlength=100) / 60000
        self.assertTrue(((freq > 0.007) & (freq < 0.013)).all())
        lab = np.bincount(labels.ravel(), minlength=50) / 60000
        self.assertTrue(((lab[30:40] > 0.007) & (lab[30:40] < 0.013)).all())
        self.assertTrue(((lab[:10] > 0.09) & (lab[:10] < 0.11)).all())

    def test_workloads_hold_their_selectivities(self):
        tag, labels = filtered.filter_columns(60000)
        works = filtered.workloads(tag, labels, 50)
        self.assertEqual([w.name for w in works],
                         ["tag = $2, 1%", "tag = ANY($2), 10%", "labels && $2, 1%", "labels && $2, 10%"])
        for w, target in zip(works, (0.01, 0.10, 0.01, 0.10)):
            self.assertAlmostEqual(w.selectivity, target, delta=target * 0.2, msg=w.name)
            self.assertEqual(len(w.params), 50)
        self.assertEqual(works[1].params[0].count(b","), 9)  # ten tags in the = ANY array


class Truth(unittest.TestCase):
    def test_truth_is_the_nearest_among_passing_rows(self):
        d2 = np.array([[5.0, 1.0, 3.0, 2.0, 4.0]])
        masks = np.array([[True, False, True, False, True]])
        np.testing.assert_array_equal(filtered.masked_truth(d2, masks, k=2), [[3.0, 4.0]])


class Ratios(unittest.TestCase):
    def test_best_needs_recall_and_ten_rows(self):
        s = [fstat("pgvector", "fast but short", 0.99, 9, 900.0),
             fstat("pgvector", "fast but poor", 0.90, 10, 800.0),
             fstat("pgvector", "good", 0.97, 10, 100.0),
             fstat("vector_db", "ours", 0.98, 10, 300.0)]
        self.assertEqual(filtered.best(s, "pgvector", "tag = $2, 1%").plan, "good")
        (line,) = filtered.ratio_lines(s)
        self.assertIn("3.00× the QPS of pgvector's best", line)
        self.assertIn("met", line)
        (line,) = filtered.ratio_lines(s[:2] + s[3:])
        self.assertIn("no ratio, pgvector", line)

    def test_plan_shape_names_scans_and_where_the_qual_goes(self):
        lines = ["Limit", "  ->  Index Scan using items_f_vec on items_f", "        Index Cond: (tag = 3)",
                 "        Order By: (embedding <-> '[1]')"]
        self.assertEqual(filtered.plan_shape(lines), "Index Scan items_f_vec (Index Cond)")
        lines = ["Limit", "  ->  Sort", "        Sort Key: ((embedding <-> '[1]'))",
                 "        ->  Bitmap Heap Scan on items_f", "              Recheck Cond: (tag = 3)",
                 "              ->  Bitmap Index Scan on items_f_tag", "                    Index Cond: (tag = 3)"]
        self.assertEqual(filtered.plan_shape(lines), "Sort + Bitmap Index Scan (Index Cond)")


if __name__ == "__main__":
    unittest.main()
