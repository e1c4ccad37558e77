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

from functools import lru_cache

import numpy as np

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
    codes = np.unique(np.concatenate(found))
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
