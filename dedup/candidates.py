"""LSH banding: candidate pairs from a matrix of MinHash signatures.

The bands and rows are the ones datasketch's ``MinHashLSH`` chooses for the
threshold and ``num_perm`` (so the candidates are the pairs ``MinHashLSH``
would return: a test checks it), but the buckets are built for the whole
matrix at once with a sort instead of one dictionary insert per document.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch import MinHashLSH

# A bucket larger than this is paired as a star around its first member:
# enough to connect the cluster, without a quadratic number of pairs.
MAX_BUCKET_PAIRS = 64


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) chosen by datasketch's ``MinHashLSH`` for these settings."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (document, band): a hash of that band's rows.

    Returns:
        ``(n_docs, bands)`` uint64 matrix.
    """
    n = signatures.shape[0]
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows):
            keys *= np.uint64(0x9E3779B97F4A7C15)
            keys ^= sig[:, :, j] + np.uint64(j + 1)
    return keys


def candidate_pairs(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Pairs of rows that share at least one LSH band.

    Args:
        signatures: ``(n_docs, num_perm)`` uint32 MinHash matrix.
        threshold: The LSH threshold (estimated Jaccard) to band for.

    Returns:
        ``(k, 2)`` int64 array of row indices ``i < j``, sorted, unique.
    """
    n, num_perm = signatures.shape
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    bands, rows = lsh_params(threshold, num_perm)
    keys = band_keys(signatures, bands, rows)
    found: list[np.ndarray] = []
    for band in range(bands):
        found.extend(_bucket_pairs(keys[:, band]))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _bucket_pairs(keys: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    boundaries = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    out = []
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1]):
        members = order[start : start + size]
        if size <= MAX_BUCKET_PAIRS:
            i, j = np.triu_indices(size, k=1)
            out.append(np.stack([members[i], members[j]], axis=1))
        else:
            out.append(np.stack([np.full(size - 1, members[0]), members[1:]], axis=1))
    return out
