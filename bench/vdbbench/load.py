"""Creating the benchmark table and filling it with COPY.

The table is items(id int primary key, label int, embedding vector(dim)),
row i of the data set having id i. Rows travel in COPY's binary format when
the database's vector type has a receive function (pgvector's layout:
int16 dim, int16 unused, dim big-endian float4), else as text '[1,2,3]'.
"""
import sys
import time

import numpy as np

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
COPY_TRAILER = b"\xff\xff"


def vector_binary(v):
    """One vector in the type's binary (send/recv) format."""
    v = np.asarray(v, np.float32)
    return np.array([len(v), 0], ">i2").tobytes() + v.astype(">f4").tobytes()


def vector_text(v):
    """One vector in the type's text format, shortest exact float32 spelling."""
    return "[" + ",".join(_float_text(x) for x in np.asarray(v, np.float32)) + "]"


def vector_param(v, binary):
    """One vector as a statement parameter: binary, or text as bytes."""
    return vector_binary(v) if binary else vector_text(v).encode()


def _float_text(x):
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def copy_binary_rows(ids, labels, vectors):
    """The binary COPY tuples (no header) for rows (id int4, label int4,
    embedding vector), encoded in one go through a packed numpy record."""
    dim = vectors.shape[1]
    rec = np.dtype([("nfields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("label_len", ">i4"),
                    ("label", ">i4"), ("vec_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"),
                    ("vec", ">f4", (dim,))])
    out = np.zeros(len(ids), rec)
    out["nfields"] = 3
    out["id_len"] = 4
    out["id"] = ids
    out["label_len"] = 4
    out["label"] = labels
    out["vec_len"] = 4 + 4 * dim
    out["dim"] = dim
    out["vec"] = vectors
    return out.tobytes()


def copy_text_rows(ids, labels, vectors):
    return "".join(f"{i}\t{l}\t{vector_text(v)}\n" for i, l, v in zip(ids, labels, vectors)).encode()


class _CopySource:
    """A file-like object for psycopg2's copy_expert that encodes rows a batch
    at a time and prints a progress line as it goes."""

    def __init__(self, ids, labels, vectors, binary, what, batch=2000):
        self.ids, self.labels, self.vectors = ids, labels, vectors
        self.binary, self.what, self.batch = binary, what, batch
        self.pos = 0
        self.buf = COPY_HEADER if binary else b""
        self.done = False

    def read(self, size=-1):
        while not self.done and (size < 0 or len(self.buf) < size):
            self._fill()
        if size < 0:
            size = len(self.buf)
        chunk, self.buf = self.buf[:size], self.buf[size:]
        return chunk

    readline = read

    def _fill(self):
        n = len(self.ids)
        if self.pos >= n:
            self.buf += COPY_TRAILER if self.binary else b""
            self.done = True
            progress(f"{self.what}: {n}/{n} rows", end=True)
            return
        sl = slice(self.pos, min(self.pos + self.batch, n))
        encode = copy_binary_rows if self.binary else copy_text_rows
        self.buf += encode(self.ids[sl], self.labels[sl], self.vectors[sl])
        self.pos = sl.stop
        progress(f"{self.what}: {self.pos}/{n} rows")


def progress(text, end=False):
    """Rewrites one status line on a terminal; prints it once otherwise."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + text + ("\n" if end else ""))
        sys.stderr.flush()
    elif end:
        print(text, file=sys.stderr, flush=True)


def type_has_recv(cur, typname="vector"):
    cur.execute("SELECT typreceive::oid <> 0 FROM pg_type WHERE typname = %s", (typname,))
    row = cur.fetchone()
    if row is None:
        raise RuntimeError(f"type {typname} does not exist in database {cur.connection.info.dbname}")
    return bool(row[0])


def create_items(conn, ds, table="items", ids=None):
    """(Re)creates `table` with the data set's train vectors, PLAIN storage,
    analyzed. Returns (seconds, binary_used)."""
    ids = np.arange(len(ds.train), dtype=np.int64) if ids is None else ids
    labels = ds.train_labels if ds.train_labels is not None else np.zeros(len(ds.train), np.int32)
    with conn.cursor() as cur:
        binary = type_has_recv(cur)
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, label int, embedding vector({ds.dim}))")
        cur.execute(f"ALTER TABLE {table} ALTER embedding SET STORAGE PLAIN")
        conn.commit()
        start = time.perf_counter()
        fmt = "(FORMAT binary)" if binary else ""
        cur.copy_expert(f"COPY {table} (id, label, embedding) FROM STDIN {fmt}",
                        _CopySource(ids, labels, ds.train, binary, f"loading {table} ({'binary' if binary else 'text'} COPY)"))
        conn.commit()
        seconds = time.perf_counter() - start
    old = conn.autocommit
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {table}")
    conn.autocommit = old
    return seconds, binary
