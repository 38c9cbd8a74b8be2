"""psycopg2 (Debian's python3-psycopg2) against vector_db.

The vector type is registered as psycopg2 lets users register any type: an
adapter that writes numpy arrays as vector text, and a typecaster for the
vector OID that reads text back. psycopg2's queries speak only the text
format; its binary path is COPY (copy_expert with FORMAT binary), whose
stream the test writes and parses itself. A third of the rows goes in by
execute_values, a third by text COPY, a third by binary COPY; everything is
read back as text and through a binary COPY TO STDOUT, where each vector
must be byte for byte the binary form written and equal the same row read
as text.
"""
import io
import unittest

import numpy as np

from drivers_common import (DIMS, EF_SEARCH, K, DriverCase, DSN, require, to_text, from_text,
                            to_binary, from_binary, to_copy_binary, from_copy_binary)

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
        ids = range(len(cls.data))
        psycopg2.extras.execute_values(
            cls.cur, "INSERT INTO %s VALUES %%s" % TABLE,
            [(i, cls.categories[i], cls.data[i]) for i in ids[0::3]])
        buf = io.StringIO("".join("%d\t%d\t%s\n" % (i, cls.categories[i], to_text(cls.data[i]))
                                  for i in ids[1::3]))
        cls.cur.copy_expert("COPY %s FROM STDIN" % TABLE, buf)
        buf = io.BytesIO(to_copy_binary([(i.to_bytes(4, "big"), cls.categories[i].to_bytes(4, "big"),
                                          to_binary(cls.data[i])) for i in ids[2::3]]))
        cls.cur.copy_expert("COPY %s FROM STDIN (FORMAT binary)" % TABLE, buf)
        cls.cur.execute("SET hnsw.ef_search = %d" % EF_SEARCH)
        cls.cur.execute("SET enable_seqscan = off")

    @classmethod
    def tearDownClass(cls):
        cls.cur.execute("DROP TABLE %s" % TABLE)
        cls.conn.close()

    def fetch_text(self):
        self.cur.execute("SELECT id, category, embedding FROM %s" % TABLE)
        return self.cur.fetchall()

    def test_text_round_trip(self):
        self.assert_rows_equal(self.fetch_text())

    def test_binary_copy_round_trip(self):
        out = io.BytesIO()
        self.cur.copy_expert("COPY (SELECT id, category, embedding FROM %s) TO STDOUT (FORMAT binary)" % TABLE, out)
        rows = []
        for rid, category, embedding in from_copy_binary(out.getvalue()):
            rid, category = int.from_bytes(rid, "big"), int.from_bytes(category, "big")
            self.assertEqual(embedding, to_binary(self.data[rid]), "bytes of row %d" % rid)
            rows.append((rid, category, from_binary(embedding)))
        self.assert_rows_equal(rows)
        text = {rid: vec for rid, _, vec in self.fetch_text()}
        for rid, _, vec in rows:
            np.testing.assert_array_equal(vec, text[rid], "row %d: binary vs text" % rid)

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
