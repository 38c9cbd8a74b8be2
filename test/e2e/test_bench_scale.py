"""make bench --scale's arithmetic and report, on made-up figures: the
power-law fit, the ratios at equal recall per client count, the
quarter-memory line and the plot."""
import os
import tempfile
import unittest

import bench_path  # noqa: F401
from vdbbench import engines, scale
from vdbbench.measure import Point

MIB = 2**20


def result(engine, rows, hnsw_s, ivf_s, qps_hnsw, recall_hnsw):
    ivf = "ivf lists=316 quantizer=sq8" if engine == "vector_db" else "ivfflat lists=316"
    r = scale.SizeResult(engine, rows, 10.0)
    r.builds = [engines.BuildStat(engine, "hnsw m=16 ef_construction=64", rows, 96, hnsw_s, 100 * MIB, None, 80 * MIB),
                engines.BuildStat(engine, ivf, rows, 96, ivf_s, 50 * MIB, None, 20 * MIB)]
    for clients in (1, 2):
        r.points += [Point(engine, "hnsw m=16 ef_construction=64", "hnsw.ef_search", 40, recall_hnsw,
                           qps_hnsw * clients, 1, 1, 300, clients),
                     Point(engine, "hnsw m=16 ef_construction=64", "hnsw.ef_search", 10, 0.90,
                           qps_hnsw * 3 * clients, 1, 1, 300, clients),
                     Point(engine, ivf, "probes", 8, 0.96, 500.0 * clients, 1, 1, 300, clients)]
    return r


class Scale(unittest.TestCase):
    def test_fit_recovers_a_power_law(self):
        a, b = scale.fit([(n, 2e-6 * n ** 1.2) for n in (1e5, 3e5, 1e6)])
        self.assertAlmostEqual(b, 1.2, places=6)
        self.assertAlmostEqual(a, 2e-6, delta=1e-9)

    def test_ratio_lines_per_size_clients_and_recall(self):
        ours = result("vector_db", 100000, 20.0, 5.0, 3000.0, 0.995)
        theirs = result("pgvector", 100000, 50.0, 10.0, 1000.0, 0.96)
        ours.small_memory = engines.BuildStat("vector_db", "hnsw m=16 ef_construction=64", 100000, 96, 30.0,
                                              100 * MIB, None, 20 * MIB)
        ours.small_memory_recall = 0.99
        lines = scale.ratio_lines([ours, theirs])
        hnsw = next(line for line in lines if "hnsw against pgvector hnsw" in line)
        self.assertIn("1 client(s) at recall >= 0.95: 3.00x (3,000 / 1,000)", hnsw)
        # pgvector's sweep never reaches 0.99: no ratio there
        self.assertIn("1 client(s) at recall >= 0.99: — (not reached)", hnsw)
        self.assertIn("2 client(s) at recall >= 0.95: 3.00x (6,000 / 2,000)", hnsw)
        self.assertIn("build time 0.40x (20.0 / 50.0 s); size 1.00x", hnsw)
        ivf = next(line for line in lines if "ivf against pgvector ivfflat" in line)
        self.assertIn("1 client(s) at recall >= 0.95: 1.00x (500 / 500)", ivf)
        self.assertTrue(any("1.50x the in-memory 20.0 s (goal <= 2x)" in line for line in lines))
        # one size: too few points to fit a growth
        self.assertFalse(any("fits t =" in line for line in lines))

    def test_memory_bound_ratio_at_equal_recall(self):
        ours = result("vector_db", 1000000, 20.0, 5.0, 3000.0, 0.995)
        theirs = result("pgvector", 1000000, 50.0, 10.0, 1000.0, 0.96)
        ours.shared_buffers, theirs.shared_buffers = 64 * MIB, 160 * MIB
        ours.memory_bound = [("cold", Point("vector_db", "hnsw", "hnsw.ef_search", 20, 0.93, 900.0, 1, 1, 300)),
                             ("cold", Point("vector_db", "hnsw", "hnsw.ef_search", 40, 0.97, 300.0, 1, 1, 300)),
                             ("warm", Point("vector_db", "hnsw", "hnsw.ef_search", 40, 0.97, 2000.0, 1, 1, 300))]
        theirs.memory_bound = [("cold", Point("pgvector", "hnsw", "hnsw.ef_search", 40, 0.96, 100.0, 1, 1, 300)),
                               ("warm", Point("pgvector", "hnsw", "hnsw.ef_search", 40, 0.96, 800.0, 1, 1, 300))]
        lines = scale.ratio_lines([ours, theirs])
        # ef 20's 900 QPS misses recall 0.95, so ef 40's 300 counts
        self.assertIn("- 1,000,000 rows, hnsw with shared_buffers at a quarter of each index (64 / 160 MB), cold, "
                      "recall >= 0.95: 3.00x (300 / 100 QPS) (goal >= 3x)", lines)
        self.assertTrue(any("warm, recall >= 0.95: 2.50x (2,000 / 800 QPS)" in line for line in lines))
        md = scale.render([ours, theirs], 0, "cmd", "machine")
        self.assertIn("| 1,000,000 | vector_db | 64 MiB | 100 MiB | cold | 40 | 0.9700 | 300 | 1.00 |", md)

    def test_render_with_a_fit_over_sizes(self):
        stats = [result(e, n, s * n / 1e5, 1.0, 1000.0, 0.99)
                 for n in (100000, 1000000) for e, s in (("vector_db", 10.0), ("pgvector", 30.0))]
        md = scale.render(stats, 0, "bench/bench.py --scale", "Test CPU", "scale.png")
        self.assertTrue(md.startswith(scale.MARK) and md.rstrip().endswith(scale.MARK))
        self.assertIn("![build time and QPS against rows](scale.png)", md)
        self.assertIn("| 1,000,000 | pgvector | hnsw m=16 ef_construction=64 | 10.0 | 300.0 |", md)
        self.assertIn("vector_db hnsw build time fits t = 0.0001 · N^1.00 s", md)
        self.assertIn("projected on this machine: 10M rows 17 min, 100M rows 2.8 h", md)

    def test_plot_writes_a_png(self):
        stats = [result("vector_db", n, n / 1e4, 1.0, 1000.0, 0.99) for n in (100000, 300000)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "scale.png")
            scale.plot(stats, path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
