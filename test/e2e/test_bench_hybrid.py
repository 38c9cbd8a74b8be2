"""The hybrid-search section of the harness (bench/vdbbench/hybrid.py): the
parts that need no server."""
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import hybrid


def stat(search, settings, p50, overlap):
    return hybrid.HybridStat(search, settings, 1000, 10, p50, p50, 40.0, overlap)


class HybridSection(unittest.TestCase):
    def test_stand_in_embedding_is_unit_length_and_shared_terms_lie_close(self):
        cache = {}
        v = hybrid.embed([(0, "fox", 2), (0, "dog", 1), (1, "fox", 1), (2, "zebra", 1)], 4, cache)
        np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1, rtol=1e-6)
        self.assertEqual(np.linalg.norm(v[3]), 0)    # a row without terms stays zero
        self.assertGreater(v[0] @ v[1], abs(v[0] @ v[2]))
        again = hybrid.embed([(0, "fox", 1)], 1, {})
        np.testing.assert_array_equal(again[0], v[1])  # a term's vector depends on the term alone

    def test_ratios_compare_like_settings(self):
        stats = [stat("dense", "default", 0.5, 0.9), stat("BM25", "default", 2.0, 0.5),
                 stat("fused (RRF)", "default", 4.0, 0.7)]
        lines = hybrid.ratio_lines(stats)
        self.assertIn("- default: fused search takes 8.0× the median latency of dense-only search", lines)
        self.assertIn("- default: fused search takes 2.0× the median latency of BM25-only search", lines)
        self.assertIn("- BM25, default: 20.0× faster than the same search run exactly, sharing 0.500 of its top-10",
                      lines)

    def test_render_is_one_marked_section(self):
        text = hybrid.render([stat("dense", "default", 0.5, 0.9)], 1000, "cmd", "machine")
        self.assertTrue(text.startswith(hybrid.MARK))
        self.assertEqual(text.count(hybrid.MARK), 2)
        self.assertIn("| dense | default | 1,000 | 10 | 0.50 |", text)


if __name__ == "__main__":
    unittest.main()
