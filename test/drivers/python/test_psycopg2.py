"""psycopg2 (Debian's python3-psycopg2) against vector_db.

The vector type is registered as psycopg2 lets users register any type: an
adapter that writes numpy arrays as vector text, and a typecaster for the
vector OID that reads text back. psycopg2 speaks only the text format, so
there is no binary path to test; rows go in by execute_values and COPY.
"""
import io
import unittest

import numpy as np

from drivers_common import DIMS, EF_SEARCH, K, DriverCase, DSN, require, to_text, from_text

psycopg2, SKIP = require("psycopg2", "psycopg2")
if psycopg2:
    import psycopg2.extensions
    import psycopg2.extras

TABLE = "drivers_psycopg2"


def register_vector(conn):
    class VectorText:
        def __init__(self, array):
            self.array = array

        def getquoted(self):
            return psycopg2.extensions.adapt(to_text(self.array)).getquoted() + b"::vector"

    psycopg2.extensions.register_adapter(np.ndarray, VectorText)
    with conn.cursor() as cur:
        cur.execute("SELECT 'vector'::regtype::oid")
        oid = cur.fetchone()[0]
    caster = psycopg2.extensions.new_type((oid,), "VECTOR", lambda s, cur: None if s is None else from_text(s))
    psycopg2.extensions.register_type(caster, conn)


@unittest.skipIf(SKIP, SKIP)
class Psycopg2(DriverCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect(DSN)
        cls.conn.autocommit = True
        cls.cur = cls.conn.cursor()
        cls.cur.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        register_vector(cls.conn)
        cls.cur.execute("DROP TABLE IF EXISTS %s" % TABLE)
        cls.cur.execute("CREATE TABLE %s (id int PRIMARY KEY, category int, embedding vector(%d))" % (TABLE, DIMS))
        cls.cur.execute("CREATE INDEX %s_idx ON %s USING hnsw (embedding vector_l2_ops)" % (TABLE, TABLE))
        half = len(cls.data) // 2
        psycopg2.extras.execute_values(
            cls.cur, "INSERT INTO %s VALUES %%s" % TABLE,
            [(i, cls.categories[i], cls.data[i]) for i in range(half)])
        buf = io.StringIO("".join("%d\t%d\t%s\n" % (i, cls.categories[i], to_text(cls.data[i]))
                                  for i in range(half, len(cls.data))))
        cls.cur.copy_expert("COPY %s FROM STDIN" % TABLE, buf)
        cls.cur.execute("SET hnsw.ef_search = %d" % EF_SEARCH)
        cls.cur.execute("SET enable_seqscan = off")

    @classmethod
    def tearDownClass(cls):
        cls.cur.execute("DROP TABLE %s" % TABLE)
        cls.conn.close()

    def test_text_round_trip(self):
        self.cur.execute("SELECT id, category, embedding FROM %s" % TABLE)
        self.assert_rows_equal(self.cur.fetchall())

    def knn(self, q, category=None):
        where = "" if category is None else "WHERE category = %(c)s"
        sql = "SELECT id, embedding <-> %%(q)s FROM %s %s ORDER BY embedding <-> %%(q)s LIMIT %d" % (TABLE, where, K)
        self.cur.execute("EXPLAIN " + sql, {"q": q, "c": category})
        self.assert_index_scan([r[0] for r in self.cur.fetchall()], TABLE + "_idx")
        self.cur.execute(sql, {"q": q, "c": category})
        return self.cur.fetchall()

    def test_nearest_neighbours(self):
        self.check_nearest(self.knn)

    def test_filtered_nearest_neighbours(self):
        self.check_filtered(self.knn)
