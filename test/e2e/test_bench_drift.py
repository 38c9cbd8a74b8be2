"""The IVF drift section of the harness (bench/vdbbench/drift.py): the parts
that need no server."""
import unittest

import bench_path  # noqa: F401
from vdbbench import drift


def dstat(engine, index, drifted, rebalanced, fresh):
    return drift.DriftStat(engine, index, 30000, 15000, 0.95, drifted, rebalanced,
                           "worker" if engine == "vector_db" else "", 3.0, fresh, 2.0, 1.0, 2.0)


class Drift(unittest.TestCase):
    def test_goal_is_rebalanced_within_a_hundredth_of_fresh(self):
        lines = drift.ratio_lines([dstat("vector_db", "ivf", 0.7, 0.945, 0.954),
                                   dstat("vector_db", "ivfflat", 0.7, 0.94, 0.951),
                                   dstat("pgvector", "ivfflat", 0.7, float("nan"), 0.95)])
        self.assertEqual(len(lines), 2, "pgvector has no rebalance to judge")
        self.assertIn("met", lines[0])
        self.assertIn("missed", lines[1])

    def test_section_shows_each_step_and_a_dash_for_pgvector_rebalance(self):
        text = drift.render([dstat("pgvector", "ivfflat lists=245", 0.7123, float("nan"), 0.9512)], 60000,
                            "cmd", "machine")
        self.assertTrue(text.startswith(drift.MARK) and text.rstrip().endswith(drift.MARK))
        row = [line for line in text.splitlines() if line.startswith("| pgvector")][0]
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[4:8], ["0.9500", "0.7123", "—", "—"])
        self.assertEqual(cells[9], "0.9512")


if __name__ == "__main__":
    unittest.main()
