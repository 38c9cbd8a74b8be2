"""The harness against a real server: binary COPY loading, the prepared
query path, plan checks and exact recall, on a small generated table in a
database of its own. Skipped until the extension has a vector type.
VECTOR_DB_BENCH_EXTENSION=vector runs it on pgvector instead."""
import os
import unittest

import numpy as np
import psycopg2

import bench_path  # noqa: F401
from vdbbench import dataset, engines, load

DSN = os.environ.get("VECTOR_DB_DSN", "")
EXTENSION = os.environ.get("VECTOR_DB_BENCH_EXTENSION", "vector_db")


@unittest.skipUnless(DSN, "VECTOR_DB_DSN not set")
class HarnessOnServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ds = dataset.clustered(600, dim=16, n_queries=40, n_clusters=8, seed=11)
        cls.eng = engines.PgEngine(EXTENSION, EXTENSION, DSN, "bench_e2e")
        why = cls.eng.create_database()
        if why:
            raise unittest.SkipTest(why)
        cls.eng.load(cls.ds)
        cls.params = [(p,) for p in cls.eng.encode(cls.ds.test)]
        _, cls.gt = dataset.exact_topk(cls.ds.train, cls.ds.test, 10)

    @classmethod
    def tearDownClass(cls):
        conn = psycopg2.connect(f"{DSN} dbname=postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS bench_e2e")
        conn.close()

    def test_loaded_rows_keep_ids_labels_and_values(self):
        with self.eng.session() as cur:
            cur.execute("SELECT count(*), sum(label) FROM items")
            count, label_sum = cur.fetchone()
            cur.execute("SELECT embedding::text FROM items WHERE id = 123")
            text = cur.fetchone()[0]
            cur.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'embedding'")
            storage = cur.fetchone()[0]
        self.assertEqual(count, 600)
        self.assertEqual(label_sum, int(self.ds.train_labels.sum()))
        np.testing.assert_array_equal(np.array(text.strip("[]").split(","), np.float32), self.ds.train[123])
        self.assertEqual(storage, "p")

    def test_exact_search_has_full_recall_without_index(self):
        p = self.eng.sweep_point(self.ds, self.gt, self.params, None, None, 1, warmup=2)
        self.assertEqual(p.recall, 1.0)
        self.assertEqual(p.queries, 40)
        self.assertEqual(p.mean_rows, 10.0)
        self.assertGreater(p.qps, 0)

    def test_plan_check_fails_loudly_when_the_index_is_missing(self):
        search = self.eng.searcher()
        try:
            with self.assertRaises(RuntimeError):
                self.eng.check_plan(search, self.ds.test[0], want_index=True)
            self.assertIn("items", self.eng.check_plan(search, self.ds.test[0], want_index=False))
        finally:
            search.close()

    def test_floor_query(self):
        p = self.eng.floor_point(200, warmup=5)
        self.assertEqual(p.queries, 200)
        self.assertGreater(p.qps, 100)
        self.assertLessEqual(p.p50_ms, p.p99_ms)

    def test_each_index_method_is_used_and_finds_neighbours(self):
        methods = [m for m in self.eng.access_methods() if engines.pg_defaults(m)]
        if not methods:
            self.skipTest(f"{EXTENSION} has no vector index access method yet")
        # a table this small is cheaper to sort than to search by index
        self.eng.session_setup = ["SET enable_seqscan = off"]
        try:
            for am in methods:
                with self.subTest(am=am):
                    cfg = engines.pg_defaults(am)
                    if "lists" in cfg.options:
                        cfg.options["lists"] = 8
                    build = self.eng.build(cfg, len(self.ds.train), self.ds.dim)
                    self.assertGreater(build.size_bytes, 0)
                    p = self.eng.sweep_point(self.ds, self.gt, self.params, cfg, cfg.values[-1], 1, warmup=2)
                    self.assertGreater(p.recall, 0.8)
        finally:
            self.eng.session_setup = []
            self.eng.drop_index()

    def test_insert_rate_then_remove_inserted_restores_the_table(self):
        stat = self.eng.insert_rate(self.ds, "no vector index", 2, 40)
        self.assertEqual(stat.rows, 40)
        self.assertGreater(stat.rows_per_s, 0)
        with self.eng.session() as cur:
            cur.execute("SELECT count(*) FROM items")
            self.assertEqual(cur.fetchone()[0], 640)
        self.eng.remove_inserted()
        with self.eng.session() as cur:
            cur.execute("SELECT count(*) FROM items")
            self.assertEqual(cur.fetchone()[0], 600)


if __name__ == "__main__":
    unittest.main()
