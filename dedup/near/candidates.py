"""LSH banding: candidate pairs from a matrix of MinHash signatures.

The bands and rows are the ones datasketch's ``MinHashLSH`` chooses for the
threshold and ``num_perm`` with false negatives weighted 19 times false
positives (:data:`RECALL_WEIGHTS`): tuned for recall, since every candidate
is verified exactly afterwards. At the default candidate threshold 0.7 and
128 permutations that is 21 bands of 6 rows: a pair of exact Jaccard 0.8
becomes a candidate with probability 0.998. The candidates are the pairs
that ``MinHashLSH`` with the same parameters would return (a test checks it). The buckets are built one band at a time
for the whole matrix with a sort instead of one dictionary insert per
document, so memory stays at one 64-bit key per document on top of the
signatures.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, Iterable

import numpy as np

from dedup.text.distinct import distinct

# A bucket larger than this is paired as a star around its first member (in input order):
# enough to connect the cluster, without a quadratic number of pairs.
MAX_BUCKET_PAIRS = 64
# (false positive, false negative) weights given to MinHashLSH's parameter search.
RECALL_WEIGHTS = (0.05, 0.95)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, weights: tuple[float, float] = RECALL_WEIGHTS) -> tuple[int, int]:
    """(bands, rows) that ``MinHashLSH(threshold, num_perm, weights=weights)`` chooses.

    The same search as datasketch's: over every ``bands * rows <= num_perm``,
    minimise the weighted areas under the candidate probability
    ``1 - (1 - s**rows)**bands`` below the threshold (false positives) and
    above 1 minus it above (false negatives). The integrands are
    polynomials of degree at most ``num_perm``, which Gauss-Legendre
    quadrature with enough nodes integrates exactly.
    """
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands = np.array([p[0] for p in pairs], dtype=np.float64)[:, None]
    rows = np.array([p[1] for p in pairs], dtype=np.float64)[:, None]
    nodes, node_weights = np.polynomial.legendre.leggauss(num_perm // 2 + 2)

    def area(lo: float, hi: float, above: bool) -> np.ndarray:
        s = (nodes + 1) * (hi - lo) / 2 + lo
        p = 1 - (1 - s[None, :] ** rows) ** bands
        return ((1 - p) if above else p) @ node_weights * (hi - lo) / 2

    error = area(0.0, threshold, False) * weights[0] + area(threshold, 1.0, True) * weights[1]
    return pairs[int(np.argmin(error))]


def band_key(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One 64-bit key per document for one band: a hash of that band's rows.

    Two documents with the same band rows get the same key; different rows
    collide with probability about 2**-64 (verification removes any such pair).

    Returns:
        ``(n_docs,)`` uint64 array.
    """
    key = np.zeros(signatures.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(band * rows, (band + 1) * rows):
            key *= _MIX
            key ^= signatures[:, j].astype(np.uint64) + np.uint64(j + 1)
    return key


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """:func:`band_key` of every band, as an ``(n_docs, bands)`` uint64 matrix."""
    keys = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = band_key(signatures, band, rows)
    return keys


def candidate_pairs(signatures: np.ndarray, threshold: float, subset: np.ndarray | None = None) -> np.ndarray:
    """Pairs of rows that share at least one LSH band.

    Args:
        signatures: ``(n_docs, num_perm)`` uint32 MinHash matrix.
        threshold: The LSH threshold (estimated Jaccard) to band for.
        subset: Row indices to pair (sorted); ``None`` for all rows.

    Returns:
        ``(k, 2)`` int64 array of row indices ``i < j``, sorted, unique.
    """
    bands, rows = lsh_params(threshold, signatures.shape[1])
    return pairs_from_keys(band_keys(signatures, bands, rows), subset)


def pairs_from_keys(keys: np.ndarray, subset: np.ndarray | None = None) -> np.ndarray:
    """Pairs of rows that share a key in at least one band.

    Args:
        keys: ``(n_docs, bands)`` uint64 band keys (:func:`band_keys`).
        subset: Row indices to pair (sorted); ``None`` for all rows.

    Returns:
        ``(k, 2)`` int64 array of row indices ``i < j``, sorted, unique.
    """
    index = np.arange(keys.shape[0]) if subset is None else np.asarray(subset, dtype=np.int64)
    n = index.size
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    found = [_bucket_pairs(keys[:, band] if subset is None else keys[index, band]) for band in range(keys.shape[1])]
    codes = distinct(np.concatenate(found))
    return np.stack([index[codes // n], index[codes % n]], axis=1)


def _bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs within buckets of equal keys, each encoded as ``i * n + j`` with ``i < j``."""
    n = keys.size
    # Not a stable sort (twice as fast): the order inside a bucket does not
    # matter for the all-pairs buckets, and a star's centre is taken as the
    # smallest member below.
    order = np.argsort(keys)
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    sizes = np.diff(np.concatenate((starts, [n])))
    out = []
    # Buckets of one size at a time: a (buckets, size) matrix of members.
    for size in np.unique(sizes[(sizes > 1) & (sizes <= MAX_BUCKET_PAIRS)]).tolist():
        members = order[starts[sizes == size][:, None] + np.arange(size)]
        i, j = np.triu_indices(size, k=1)
        out.append(_encode(members[:, i].reshape(-1), members[:, j].reshape(-1), n))
    for start, size in zip(starts[sizes > MAX_BUCKET_PAIRS].tolist(), sizes[sizes > MAX_BUCKET_PAIRS].tolist()):
        members = np.sort(order[start : start + size])
        out.append(_encode(np.full(size - 1, members[0]), members[1:], n))
    return np.concatenate(out)


def _encode(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    low, high = np.minimum(a, b), np.maximum(a, b)
    return low.astype(np.int64) * n + high



# Items (band keys of documents) per reduce task of the shuffle by band key, about.
ITEMS_PER_PARTITION = 2_000_000
# Mixes the band number into a band key, so that the keys of one band do not
# fall into the same partitions of a shuffle.
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_columns(keys: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A batch's band keys as columns for a shuffle by band key.

    Args:
        keys: ``(rows, bands)`` uint64 band keys of a batch.
        numbers: The document number of each row; rows numbered below 0 are left out.

    Returns:
        ``(shuffle keys, values)``: a uint64 key per (row, band), the band
        key mixed with the band number, and ``(band, document number)`` rows.
    """
    rows = np.flatnonzero(numbers >= 0)
    bands = keys.shape[1] if keys.ndim == 2 else 0
    band = np.tile(np.arange(bands, dtype=np.int64), rows.size)
    mixed = keys[rows].reshape(-1) ^ (band.astype(np.uint64) * _BAND_MIX)
    return mixed, np.stack([band, np.repeat(numbers[rows], bands)], axis=1)


def bucket_pair_codes(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The pairs of documents that share a band key, encoded ``i * n + j``
    (``i < j``), sorted and unique, from the columns of :func:`band_columns`:
    the pairs :func:`pairs_from_keys` makes of the same buckets (in any
    partition of the keys, so the partitions' pairs add up)."""
    if keys.size < 2:
        return np.zeros(0, dtype=np.int64)
    band, docs = values[:, 0], values[:, 1]
    order = np.lexsort((docs, band, keys))
    keys, band, docs = keys[order], band[order], docs[order]
    starts = np.flatnonzero(np.concatenate(([True], (keys[1:] != keys[:-1]) | (band[1:] != band[:-1]))))
    sizes = np.diff(np.concatenate((starts, [keys.size])))
    out = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes[(sizes > 1) & (sizes <= MAX_BUCKET_PAIRS)]).tolist():
        members = docs[starts[sizes == size][:, None] + np.arange(size)]  # ascending in each bucket
        i, j = np.triu_indices(size, k=1)
        out.append(members[:, i].reshape(-1) * n + members[:, j].reshape(-1))
    for start, size in zip(starts[sizes > MAX_BUCKET_PAIRS].tolist(), sizes[sizes > MAX_BUCKET_PAIRS].tolist()):
        out.append(docs[start] * n + docs[start + 1 : start + size])
    return distinct(np.concatenate(out))


def shuffled_pairs(engine: Any, sources: Iterable[tuple], n: int) -> np.ndarray:
    """Stage 3 as a shuffle by band key on ``engine``: the pairs of
    :func:`bucket_pair_codes` over the :func:`band_columns` that ``sources``
    make (as ``engine.map_partitions`` takes them), for ``n`` documents, in
    partitions of about :data:`ITEMS_PER_PARTITION` band keys.

    Returns:
        ``(k, 2)`` int64 document numbers ``i < j``, sorted, unique.
    """
    partitions = n * 32 // ITEMS_PER_PARTITION + 1
    codes = [c for c in engine.map_partitions(partial(bucket_pair_codes, n=n), sources, partitions) if c.size]
    codes = distinct(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    return np.stack([codes // n, codes % n], axis=1) if n else np.zeros((0, 2), dtype=np.int64)
