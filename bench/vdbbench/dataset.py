"""Data sets for the demo and the benchmark, and their exact ground truth.

Fashion-MNIST comes from Debian's dataset-fashion-mnist package as gzipped idx
files: the 60,000 training images are the table, the 10,000 test images are
the queries, each image a 784-dim float32 vector of its raw pixel values
(0..255). Those values are integers, so squared L2 distances are integers
below 2^26: computed in float64 they are exact, and ties between neighbours
are real (duplicate images exist), which the recall measure has to respect.
"""
import gzip
import hashlib
import os
from dataclasses import dataclass

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# idx type codes (third byte of the magic number) and their big-endian dtypes
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(raw):
    """Decodes one idx file (bytes) into an ndarray of its declared shape.

    Layout: two zero bytes, a type code, the number of dimensions, then one
    big-endian uint32 per dimension and the data in row-major order."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("not an idx file: bad magic number")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"idx: unknown type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError("idx: truncated header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(_IDX_DTYPES[code])
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"idx: expected {count} items of {dtype.itemsize} bytes after the header")
    return np.frombuffer(raw, dtype, count, header).reshape(shape)


def read_idx(path):
    """Reads an idx file, gunzipping it when its name ends in .gz."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return parse_idx(f.read())


@dataclass
class Dataset:
    name: str
    train: np.ndarray          # (n, dim) float32, row i has id i
    test: np.ndarray           # (q, dim) float32 queries
    train_labels: np.ndarray = None
    test_labels: np.ndarray = None

    @property
    def dim(self):
        return self.train.shape[1]


def fashion_mnist(directory=FASHION_DIR):
    """The Fashion-MNIST train/test images as flat float32 vectors with labels."""
    def images(stem):
        a = read_idx(os.path.join(directory, stem + "-images-idx3-ubyte.gz"))
        return np.ascontiguousarray(a.reshape(a.shape[0], -1), dtype=np.float32)

    def labels(stem):
        return read_idx(os.path.join(directory, stem + "-labels-idx1-ubyte.gz")).astype(np.int32)

    return Dataset("fashion-mnist-784", images("train"), images("t10k"), labels("train"), labels("t10k"))


def clustered(n, dim=128, n_queries=1000, n_clusters=100, seed=0):
    """Synthetic data with cluster structure (Gaussian blobs around random
    centres), the shape real embeddings have; queries come from the same
    distribution. Labels are the cluster numbers modulo 10."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, (n_clusters, dim)).astype(np.float32)

    def draw(count):
        which = rng.integers(0, n_clusters, count)
        pts = centres[which] + rng.normal(0.0, 0.35, (count, dim)).astype(np.float32)
        return pts.astype(np.float32), (which % 10).astype(np.int32)

    train, train_labels = draw(n)
    test, test_labels = draw(n_queries)
    return Dataset(f"clustered-{n}x{dim}", train, test, train_labels, test_labels)


def exact_topk(base, queries, k=10, chunk=None):
    """Exact k nearest neighbours by squared L2, in float64 so that the
    distances of integer-valued data are exact. Returns (ids, dists), each
    (len(queries), k), nearest first; ties are broken by the lower id."""
    chunk = chunk or max(16, int(5e7 // len(base)))  # ~400 MB of distances at a time
    base64 = base.astype(np.float64)
    base_sq = np.einsum("ij,ij->i", base64, base64)
    ids = np.empty((len(queries), k), np.int64)
    dists = np.empty((len(queries), k), np.float64)
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk].astype(np.float64)
        d = base_sq[None, :] - 2.0 * (q @ base64.T) + np.einsum("ij,ij->i", q, q)[:, None]
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        pd = np.take_along_axis(d, part, axis=1)
        order = np.lexsort((part, pd), axis=1)
        ids[start:start + chunk] = np.take_along_axis(part, order, axis=1)
        dists[start:start + chunk] = np.take_along_axis(pd, order, axis=1)
    return ids, np.maximum(dists, 0.0)


def _fingerprint(*arrays):
    h = hashlib.sha1()
    for a in arrays:
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _cached_at(path, compute):
    """The arrays compute() returns (a dict of name: ndarray), computed once
    and kept in the .npz file at path."""
    if os.path.exists(path):
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    out = compute()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(path, **out)
    return out


def cached(cache_dir, name, key_arrays, compute):
    """compute()'s arrays, cached under cache_dir as name-<hash of key_arrays>.npz."""
    return _cached_at(os.path.join(cache_dir, f"{name}-{_fingerprint(*key_arrays)}.npz"), compute)


def ground_truth(cache_dir, base, queries, k=10, label_of=None, query_labels=None):
    """Exact top-k, computed once and cached under cache_dir keyed by a hash
    of the data. With label_of/query_labels, each query's neighbours are
    searched only among rows of the query's own label (the filtered case)."""
    key = _fingerprint(base, queries) + (f"-label{_fingerprint(label_of, query_labels)}" if label_of is not None else "")

    def compute():
        if label_of is None:
            ids, dists = exact_topk(base, queries, k)
        else:
            ids = np.empty((len(queries), k), np.int64)
            dists = np.empty((len(queries), k), np.float64)
            for lab in np.unique(query_labels):
                rows = np.flatnonzero(label_of == lab)
                qs = np.flatnonzero(query_labels == lab)
                sub_ids, sub_d = exact_topk(base[rows], queries[qs], k)
                ids[qs], dists[qs] = rows[sub_ids], sub_d
        return {"ids": ids, "dists": dists}

    z = _cached_at(os.path.join(cache_dir, f"gt-{key}-k{k}.npz"), compute)
    return z["ids"], z["dists"]
