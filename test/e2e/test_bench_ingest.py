"""The ingest section of the harness (bench/vdbbench/ingest.py) and the
marked sections of docs/benchmarks.md: the parts that need no server."""
import unittest

import numpy as np

import bench_path  # noqa: F401
from vdbbench import ingest, sections


def stat(engine, index, mode, rows, before=float("nan"), after=float("nan")):
    return ingest.IngestStat(engine, index, mode, 4, 20, rows, 1.5, 9.0, 1234.0, "p", 40, before, after,
                             merged=100 if mode == ingest.FASTUPDATE else 0, merge_s=2.0,
                             merged_by="worker" if mode == ingest.FASTUPDATE else "",
                             load_start=1.0, load_end=3.0)


class Ingest(unittest.TestCase):
    def test_mirrored_flips_each_row_of_pixels(self):
        images = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.float32)
        np.testing.assert_array_equal(ingest.mirrored(images), [[2, 1, 4, 3], [6, 5, 8, 7]])
        with self.assertRaises(ValueError):
            ingest.mirrored(np.zeros((1, 3), np.float32))

    def test_table_as_now_places_new_rows_by_id_and_marks_gaps(self):
        train = np.array([[0.0], [1.0], [2.0]], np.float32)
        sources = np.array([[10.0], [11.0]], np.float32)
        base, present = ingest.table_as_now(train, sources, np.array([3, 5]))
        np.testing.assert_array_equal(base[[0, 1, 2, 3, 5], 0], [0, 1, 2, 11, 11])
        np.testing.assert_array_equal(present, [True, True, True, True, False, True])

    def test_configs_use_fastupdate_for_vector_db_only(self):
        ours = ingest.configs("vector_db", ["hnsw", "ivf", "ivfflat"])
        self.assertEqual([(c.am, c.options.get("fastupdate"), mode) for c, mode in ours],
                         [("hnsw", "on", ingest.FASTUPDATE), ("ivf", "on", ingest.FASTUPDATE)])
        self.assertEqual(ours[0][0].options["m"], 16)
        self.assertEqual(ours[1][0].options["quantizer"], "sq8")
        theirs = ingest.configs("pgvector", ["hnsw", "ivfflat"])
        self.assertEqual([(c.name, c.param, c.values, mode) for c, mode in theirs],
                         [("hnsw m=16 ef_construction=64", "hnsw.ef_search", [40], ingest.PLAIN),
                          ("ivfflat lists=245", "ivfflat.probes", [8], ingest.PLAIN)])
        self.assertEqual(ingest.configs("vector_db", ["ivf"])[0][0].am, "ivf")

    def test_ratios_pair_each_index_with_pgvectors_family(self):
        stats = [stat("vector_db", ingest.NO_INDEX, "", 200000),
                 stat("vector_db", "hnsw m=16 fastupdate=on", ingest.FASTUPDATE, 120000, 0.9950, 0.9900),
                 stat("vector_db", "ivf lists=245 quantizer=sq8", ingest.NO_OPTION, 24000, 0.96, 0.94),
                 stat("pgvector", "hnsw m=16", ingest.PLAIN, 20000, 0.996, 0.995),
                 stat("pgvector", "ivfflat lists=245", ingest.PLAIN, 20000, 0.99, 0.98)]
        lines = ingest.ratio_lines(stats)
        self.assertEqual(len(lines), 2)
        self.assertIn("(-0.0050; goal within 0.01: met)", lines[0])
        self.assertIn("6.00× pgvector hnsw m=16's rows/s (6,000 / 1,000; goal ≥ 5×: met)", lines[0])
        self.assertIn(ingest.NO_OPTION, lines[1])
        self.assertIn("(-0.0200; goal within 0.01: missed)", lines[1])
        self.assertIn("1.20× pgvector ivfflat lists=245's rows/s", lines[1])
        self.assertIn("goal ≥ 5×: missed", lines[1])
        md = ingest.render(stats, "bench/bench.py --ingest", "Test CPU")
        self.assertTrue(md.startswith(ingest.MARK) and md.rstrip().endswith(ingest.MARK))
        self.assertIn("| vector_db | no vector index | — | 10,000 | 1.5 | 9.0 | 1,234 | — | — | — | — | — | — | 1.0 → 3.0 |", md)
        self.assertIn("| vector_db | hnsw m=16 fastupdate=on | fastupdate = on | 6,000 | 1.5 | 9.0 | 1,234 | 100 | worker | 2.0 "
                      "| p=40 | 0.9950 | 0.9900 | 1.0 → 3.0 |", md)
        self.assertIn("| pgvector | hnsw m=16 | plain inserts | 1,000 | 1.5 | 9.0 | 1,234 | — | — | — | p=40 | 0.9960 |", md)

    def test_without_pgvector_there_is_no_ratio(self):
        lines = ingest.ratio_lines([stat("vector_db", "hnsw m=16", ingest.FASTUPDATE, 1000, 0.99, 0.99)])
        self.assertEqual(len(lines), 1)
        self.assertNotIn("pgvector", lines[0])


class Sections(unittest.TestCase):
    def test_a_section_is_replaced_and_the_others_kept(self):
        a, b = "<!-- a -->", "<!-- b -->"
        text = f"body\n\n{a}\nold a\n{a}\n\n{b}\nkept b\n{b}\n"
        new = sections.with_section(text, f"{a}\nnew a\n{a}\n", a)
        self.assertEqual(new.count(a), 2)
        self.assertIn("new a", new)
        self.assertNotIn("old a", new)
        self.assertEqual(sections.section_of(new, b), f"{b}\nkept b\n{b}\n")
        self.assertTrue(new.startswith("body\n"))

    def test_a_fresh_report_keeps_earlier_sections(self):
        a = "<!-- a -->"
        old = f"old body\n{a}\nsection\n{a}\n"
        new = sections.with_section("new body\n", sections.section_of(old, a), a)
        self.assertEqual(new, f"new body\n\n{a}\nsection\n{a}\n")
        self.assertEqual(sections.section_of("no marks", a), "")
        self.assertEqual(sections.with_section("x\n", "", a), "x\n")


if __name__ == "__main__":
    unittest.main()
