"""What every Python driver test shares: the data, the wire forms of vector,
the numpy reference and the checks.

Each test module drives one client library the way its users do (its own
type adapters, DDL or migration API, query builder) and hands the rows it
got back to the checks here, so all libraries are held to one standard:

- a vector read back is the float32 vector written, bit for bit;
- a nearest-neighbour query, plain or filtered by category, returns ids whose
  numpy distances (float64 over the stored float32 values) are the k
  smallest, in order, and the distances the server reports agree with numpy
  to 1e-5 relative (the kernels accumulate in float32).

hnsw is approximate; with hnsw.ef_search above the row count a search keeps
every row as a candidate, so the answer must be exact. EXPLAIN proves the
index answered.

Where pgvector-python is absent (Debian 12 does not package it), the tests
register the vector type through each library's own extension points, using
the text and binary forms below: the same few lines a user would write.
"""
import os
import re
import struct
import unittest

import numpy as np

DIMS = 8
ROWS = 200  # shared among the ways each library can write them, text and binary
CATEGORIES = 4
QUERIES = 5
K = 10
RTOL = 1e-5
# Above ROWS: every row stays a candidate, so the hnsw answer is exact.
EF_SEARCH = 400

DSN = os.environ.get("VECTOR_DB_DRIVERS_DSN", "")


def dsn_params():
    """The DSN's key=value pairs, for libraries that take keywords."""
    return dict(item.split("=", 1) for item in DSN.split())


def dataset():
    """ROWS float32 vectors with a category each, and QUERIES queries."""
    rng = np.random.default_rng(11)
    data = rng.standard_normal((ROWS, DIMS)).astype(np.float32)
    categories = [int(c) for c in rng.integers(0, CATEGORIES, ROWS)]
    queries = rng.standard_normal((QUERIES, DIMS)).astype(np.float32)
    return data, categories, queries


# vector's text form: '[1,2.5,...]'. repr of a float32 widened to float64 is
# text that reads back to the same float32.
def to_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def from_text(text):
    return np.array([float(x) for x in text[1:-1].split(",")], dtype=np.float32)


# vector's binary form (send/recv), as pgvector's: big-endian uint16 dim,
# uint16 0, then dim float4.
def to_binary(v):
    v = np.asarray(v, dtype=">f4")
    return struct.pack(">HH", len(v), 0) + v.tobytes()


def from_binary(data):
    dim, unused = struct.unpack_from(">HH", data)
    if unused != 0:
        raise ValueError("vector binary form: unused field is %d" % unused)
    return np.frombuffer(data, dtype=">f4", count=dim, offset=4).astype(np.float32)


# COPY's binary format: a signature, int32 flags, int32 length of a header
# extension; each tuple an int16 field count and per field an int32 length
# (-1 for NULL) and the type's send bytes; int16 -1 ends it.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\0"


def to_copy_binary(tuples):
    """tuples: sequences of bytes, one per field."""
    out = [COPY_SIGNATURE, struct.pack(">ii", 0, 0)]
    for fields in tuples:
        out.append(struct.pack(">h", len(fields)))
        for f in fields:
            out += [struct.pack(">i", len(f)), f]
    out.append(struct.pack(">h", -1))
    return b"".join(out)


def from_copy_binary(data):
    """The tuples of a binary COPY, each a list of bytes (None for NULL)."""
    if not data.startswith(COPY_SIGNATURE):
        raise ValueError("binary COPY: bad signature")
    flags, extension = struct.unpack_from(">ii", data, len(COPY_SIGNATURE))
    if flags != 0:
        raise ValueError("binary COPY: flags %#x" % flags)
    pos = len(COPY_SIGNATURE) + 8 + extension
    tuples = []
    while True:
        (count,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if count == -1:
            break
        fields = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", data, pos)
            pos += 4
            fields.append(None if length < 0 else data[pos:pos + length])
            pos += max(length, 0)
        tuples.append(fields)
    if pos != len(data):
        raise ValueError("binary COPY: %d bytes after the trailer" % (len(data) - pos))
    return tuples


def expected(data, categories, q, category=None):
    """numpy's k nearest (ids, distances), optionally within one category."""
    d = np.sqrt(((data.astype(np.float64) - q.astype(np.float64)) ** 2).sum(1))
    ids = [i for i in np.argsort(d, kind="stable") if category is None or categories[i] == category]
    return [int(i) for i in ids[:K]], d


class DriverCase(unittest.TestCase):
    """Checks shared by the per-library tests."""

    data, categories, queries = dataset()

    def assert_rows_equal(self, rows):
        """rows: (id, category, vector) as the library returned them."""
        self.assertEqual(len(rows), ROWS)
        for rid, category, vec in sorted(rows, key=lambda r: r[0]):
            self.assertEqual(category, self.categories[rid])
            got = np.asarray(vec, dtype=np.float32)
            self.assertEqual(got.shape, (DIMS,))
            np.testing.assert_array_equal(got, self.data[rid], "row %d" % rid)

    def assert_knn(self, q, rows, category=None):
        """rows: (id, distance) in the order the server returned them."""
        want_ids, d = expected(self.data, self.categories, q, category)
        self.assertEqual(len(rows), len(want_ids))
        got_ids = [int(r[0]) for r in rows]
        if category is not None:
            self.assertTrue(all(self.categories[i] == category for i in got_ids), got_ids)
        # Ids compared by their true distance, so that two rows at equal
        # distance may come in either order.
        np.testing.assert_allclose(d[got_ids], d[want_ids], rtol=RTOL)
        np.testing.assert_allclose([float(r[1]) for r in rows], d[got_ids], rtol=RTOL)
        distances = [float(r[1]) for r in rows]
        self.assertEqual(distances, sorted(distances))

    def check_nearest(self, knn):
        """knn(q) -> (id, distance) rows: the plain search, each query."""
        for q in self.queries:
            self.assert_knn(q, knn(q))

    def check_filtered(self, knn):
        """knn(q, category) -> rows: the search within one category."""
        for c, q in enumerate(self.queries):
            self.assert_knn(q, knn(q, c % CATEGORIES), c % CATEGORIES)

    def assert_index_scan(self, plan_lines, index):
        # The name may still come quoted with the search settings appended
        # ("items_idx (hnsw: ef_search=40, ...)"), as EXPLAIN shows it today.
        self.assertRegex("\n".join(plan_lines), r'Index Scan using "?%s\b' % re.escape(index))


def require(module_name, library):
    """Imports a library or says why its tests are skipped."""
    try:
        module = __import__(module_name)
    except ImportError as e:
        return None, "%s is not installed (%s)" % (library, e)
    if not DSN:
        return None, "VECTOR_DB_DRIVERS_DSN is not set (scripts/run-tests.sh drivers sets it)"
    return module, None
