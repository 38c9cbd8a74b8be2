"""asyncpg (Debian's python3-asyncpg) against vector_db, in both formats.

asyncpg speaks the binary protocol and lets users give any type a codec
with Connection.set_type_codec, in text or binary format. One connection
gets the text codec, another the binary one; each inserts half the rows, and
copy_records_to_table (asyncpg's bulk load, a binary COPY) loads them all
again into a second table. Both connections read everything back and run the
searches.
"""
import asyncio
import unittest

from drivers_common import (DIMS, EF_SEARCH, K, DriverCase, dsn_params, require,
                            to_text, from_text, to_binary, from_binary)

asyncpg, SKIP = require("asyncpg", "asyncpg")

TABLE = "drivers_asyncpg"


async def connect(fmt):
    p = dsn_params()
    conn = await asyncpg.connect(host=p["host"], port=int(p["port"]), user=p["user"], database=p["dbname"])
    await conn.execute("CREATE EXTENSION IF NOT EXISTS vector_db")
    if fmt == "text":
        await conn.set_type_codec("vector", schema="public", format="text", encoder=to_text, decoder=from_text)
    else:
        await conn.set_type_codec("vector", schema="public", format="binary", encoder=to_binary, decoder=from_binary)
    return conn


@unittest.skipIf(SKIP, SKIP)
class Asyncpg(DriverCase):
    @classmethod
    def setUpClass(cls):
        cls.loop = asyncio.new_event_loop()
        cls.wait = cls.loop.run_until_complete
        cls.text = cls.wait(connect("text"))
        cls.binary = cls.wait(connect("binary"))
        cls.wait(cls.text.execute("DROP TABLE IF EXISTS %s, %s_copy" % (TABLE, TABLE)))
        for t in (TABLE, TABLE + "_copy"):
            cls.wait(cls.text.execute("CREATE TABLE %s (id int PRIMARY KEY, category int, embedding vector(%d))"
                                     % (t, DIMS)))
        cls.wait(cls.text.execute("CREATE INDEX %s_idx ON %s USING hnsw (embedding vector_l2_ops)" % (TABLE, TABLE)))
        half = len(cls.data) // 2
        insert = "INSERT INTO %s VALUES ($1, $2, $3)" % TABLE
        cls.wait(cls.text.executemany(insert, [(i, cls.categories[i], cls.data[i]) for i in range(half)]))
        cls.wait(cls.binary.executemany(insert, [(i, cls.categories[i], cls.data[i])
                                                for i in range(half, len(cls.data))]))
        for conn in (cls.text, cls.binary):
            cls.wait(conn.execute("SET hnsw.ef_search = %d; SET enable_seqscan = off" % EF_SEARCH))

    @classmethod
    def tearDownClass(cls):
        cls.wait(cls.text.execute("DROP TABLE %s, %s_copy" % (TABLE, TABLE)))
        cls.wait(cls.text.close())
        cls.wait(cls.binary.close())
        cls.loop.close()

    def rows(self, conn, table):
        return [tuple(r) for r in self.wait(conn.fetch("SELECT id, category, embedding FROM %s" % table))]

    def test_text_round_trip(self):
        self.assert_rows_equal(self.rows(self.text, TABLE))

    def test_binary_round_trip(self):
        self.assert_rows_equal(self.rows(self.binary, TABLE))

    def test_binary_copy(self):
        records = [(i, self.categories[i], v) for i, v in enumerate(self.data)]
        self.wait(self.binary.copy_records_to_table(TABLE + "_copy", records=records))
        self.assert_rows_equal(self.rows(self.text, TABLE + "_copy"))
        self.assert_rows_equal(self.rows(self.binary, TABLE + "_copy"))

    def knn(self, conn, q, category=None):
        where, args = ("", [q]) if category is None else ("WHERE category = $2", [q, category])
        sql = "SELECT id, embedding <-> $1 FROM %s %s ORDER BY embedding <-> $1 LIMIT %d" % (TABLE, where, K)
        plan = self.wait(conn.fetch("EXPLAIN " + sql, *args))
        self.assert_index_scan([r[0] for r in plan], TABLE + "_idx")
        return [tuple(r) for r in self.wait(conn.fetch(sql, *args))]

    def test_nearest_neighbours(self):
        for conn in (self.text, self.binary):
            self.check_nearest(lambda q: self.knn(conn, q))

    def test_filtered_nearest_neighbours(self):
        for conn in (self.text, self.binary):
            self.check_filtered(lambda q, c: self.knn(conn, q, c))
