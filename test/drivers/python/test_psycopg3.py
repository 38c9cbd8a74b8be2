"""psycopg 3 (Debian's python3-psycopg) against vector_db, in both formats.

The vector type is registered through psycopg 3's adaptation API: a text
and a binary Dumper for numpy arrays (chosen per placeholder, %t or %b) and
a text and a binary Loader for the vector OID (chosen by the result format,
binary=True). Half the rows go in as text, half as binary, and a binary COPY
adds them again to a second table; everything is read back in both formats.
"""
import unittest

import numpy as np

from drivers_common import (DIMS, EF_SEARCH, K, DriverCase, DSN, require,
                            to_text, from_text, to_binary, from_binary)

psycopg, SKIP = require("psycopg", "psycopg 3")
if psycopg:
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

TABLE = "drivers_psycopg3"


def register_vector(conn):
    info = TypeInfo.fetch(conn, "vector")
    info.register(conn)  # lets COPY's set_types name "vector"

    class TextDumper(Dumper):
        format = Format.TEXT
        oid = info.oid

        def dump(self, obj):
            return to_text(obj).encode()

    class BinaryDumper(TextDumper):
        format = Format.BINARY

        def dump(self, obj):
            return to_binary(obj)

    class TextLoader(Loader):
        format = Format.TEXT

        def load(self, data):
            return from_text(bytes(data).decode())

    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return from_binary(bytes(data))

    conn.adapters.register_dumper(np.ndarray, TextDumper)
    conn.adapters.register_dumper(np.ndarray, BinaryDumper)
    conn.adapters.register_loader(info.oid, TextLoader)
    conn.adapters.register_loader(info.oid, BinaryLoader)


@unittest.skipIf(SKIP, SKIP)
class Psycopg3(DriverCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg.connect(DSN, autocommit=True)
        cls.conn.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
        register_vector(cls.conn)
        cls.conn.execute("DROP TABLE IF EXISTS %s, %s_copy" % (TABLE, TABLE))
        for t in (TABLE, TABLE + "_copy"):
            cls.conn.execute("CREATE TABLE %s (id int PRIMARY KEY, category int, embedding vector(%d))" % (t, DIMS))
        cls.conn.execute("CREATE INDEX %s_idx ON %s USING hnsw (embedding vector_l2_ops)" % (TABLE, TABLE))
        half = len(cls.data) // 2
        with cls.conn.cursor() as cur:
            cur.executemany("INSERT INTO %s VALUES (%%s, %%s, %%t)" % TABLE,
                            [(i, cls.categories[i], cls.data[i]) for i in range(half)])
            cur.executemany("INSERT INTO %s VALUES (%%s, %%s, %%b)" % TABLE,
                            [(i, cls.categories[i], cls.data[i]) for i in range(half, len(cls.data))])
        cls.conn.execute("SET hnsw.ef_search = %d" % EF_SEARCH)
        cls.conn.execute("SET enable_seqscan = off")

    @classmethod
    def tearDownClass(cls):
        cls.conn.execute("DROP TABLE %s, %s_copy" % (TABLE, TABLE))
        cls.conn.close()

    def fetch(self, table, binary):
        cur = self.conn.cursor(binary=binary)
        cur.execute("SELECT id, category, embedding FROM %s" % table)
        self.assertEqual(cur.pgresult.fformat(2), Format.BINARY if binary else Format.TEXT)
        return cur.fetchall()

    def test_text_round_trip(self):
        self.assert_rows_equal(self.fetch(TABLE, binary=False))

    def test_binary_round_trip(self):
        self.assert_rows_equal(self.fetch(TABLE, binary=True))

    def test_binary_copy(self):
        with self.conn.cursor() as cur:
            with cur.copy("COPY %s_copy FROM STDIN WITH (FORMAT BINARY)" % TABLE) as copy:
                copy.set_types(["int4", "int4", "vector"])
                for i, v in enumerate(self.data):
                    copy.write_row((i, self.categories[i], v))
        self.assert_rows_equal(self.fetch(TABLE + "_copy", binary=True))
        self.assert_rows_equal(self.fetch(TABLE + "_copy", binary=False))

    def knn(self, q, binary, category=None):
        where = "" if category is None else "WHERE category = %(c)s"
        p = "%(q)b" if binary else "%(q)t"
        sql = "SELECT id, embedding <-> %s FROM %s %s ORDER BY embedding <-> %s LIMIT %d" % (p, TABLE, where, p, K)
        cur = self.conn.cursor(binary=binary)
        plan = cur.execute("EXPLAIN " + sql, {"q": q, "c": category}).fetchall()
        # EXPLAIN's text column comes back as bytes in binary mode.
        self.assert_index_scan([r[0] if isinstance(r[0], str) else bytes(r[0]).decode() for r in plan], TABLE + "_idx")
        return cur.execute(sql, {"q": q, "c": category}).fetchall()

    def test_nearest_neighbours(self):
        for binary in (False, True):
            self.check_nearest(lambda q: self.knn(q, binary))

    def test_filtered_nearest_neighbours(self):
        for binary in (False, True):
            self.check_filtered(lambda q, c: self.knn(q, binary, c))
