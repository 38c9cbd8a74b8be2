"""The harness's data side: idx parsing, exact ground truth and its cache."""
import gzip
import os
import struct
import tempfile
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import dataset


def idx_bytes(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


class ParseIdx(unittest.TestCase):
    def test_images_keep_shape_and_values(self):
        pixels = bytes(range(24))
        a = dataset.parse_idx(idx_bytes(0x08, (2, 3, 4), pixels))
        self.assertEqual(a.shape, (2, 3, 4))
        self.assertEqual(a[1, 2, 3], 23)
        self.assertEqual(a[0, 1, 0], 4)

    def test_big_endian_ints(self):
        a = dataset.parse_idx(idx_bytes(0x0C, (2,), struct.pack(">ii", 1, -70000)))
        self.assertEqual(list(a), [1, -70000])

    def test_rejects_bad_magic_truncation_and_unknown_type(self):
        with self.assertRaises(ValueError):
            dataset.parse_idx(b"\x01\x00\x08\x01\x00\x00\x00\x01\x00")
        with self.assertRaises(ValueError):
            dataset.parse_idx(idx_bytes(0x08, (5,), b"\x00\x01"))
        with self.assertRaises(ValueError):
            dataset.parse_idx(idx_bytes(0x42, (1,), b"\x00"))

    def test_read_idx_gunzips(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x-labels-idx1-ubyte.gz")
            with gzip.open(path, "wb") as f:
                f.write(idx_bytes(0x08, (3,), b"\x07\x08\x09"))
            self.assertEqual(list(dataset.read_idx(path)), [7, 8, 9])


class ExactTopK(unittest.TestCase):
    def test_matches_brute_force(self):
        rng = np.random.default_rng(1)
        base = rng.integers(0, 255, (300, 16)).astype(np.float32)
        queries = rng.integers(0, 255, (40, 16)).astype(np.float32)
        ids, dists = dataset.exact_topk(base, queries, k=5, chunk=7)
        for qi, q in enumerate(queries):
            d = ((base.astype(np.float64) - q) ** 2).sum(axis=1)
            np.testing.assert_array_equal(dists[qi], np.sort(d)[:5])
            np.testing.assert_allclose(d[ids[qi]], dists[qi])

    def test_ties_go_to_the_lower_id(self):
        base = np.array([[5.0], [1.0], [3.0], [1.0], [-1.0]], np.float32)
        ids, dists = dataset.exact_topk(base, np.array([[0.0]], np.float32), k=3)
        self.assertEqual(list(ids[0]), [1, 3, 4])
        self.assertEqual(list(dists[0]), [1.0, 1.0, 1.0])


class GroundTruthCache(unittest.TestCase):
    def test_computed_once_then_read_back(self):
        ds = dataset.clustered(400, dim=8, n_queries=20, n_clusters=5, seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            ids, dists = dataset.ground_truth(tmp, ds.train, ds.test, k=4)
            files = os.listdir(tmp)
            self.assertEqual(len(files), 1)
            ids2, dists2 = dataset.ground_truth(tmp, ds.train, ds.test, k=4)
            np.testing.assert_array_equal(ids, ids2)
            np.testing.assert_array_equal(dists, dists2)
            # other data must not hit the same cache entry
            dataset.ground_truth(tmp, ds.train[1:], ds.test, k=4)
            self.assertEqual(len(os.listdir(tmp)), 2)

    def test_filtered_truth_stays_within_the_query_label(self):
        ds = dataset.clustered(500, dim=8, n_queries=30, n_clusters=20, seed=4)
        with tempfile.TemporaryDirectory() as tmp:
            ids, _ = dataset.ground_truth(tmp, ds.train, ds.test, 5, ds.train_labels, ds.test_labels)
        for qi in range(len(ds.test)):
            self.assertTrue(np.all(ds.train_labels[ids[qi]] == ds.test_labels[qi]))


if __name__ == "__main__":
    unittest.main()
