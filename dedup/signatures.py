"""MinHash signatures for batches of documents, as one uint32 matrix.

The permutations are datasketch's ``affine32`` scheme with an explicit seed:
a 32-bit input hash is pre-mixed with the MurmurHash3 finaliser and then
mapped by ``a*h + b mod 2^32`` for each of ``num_perm`` (a, b) pairs drawn by
datasketch. A row of :func:`minhash_signatures` therefore equals
``datasketch.MinHash(num_perm, seed, scheme="affine32",
hashfunc=...).update_batch(...)`` fed the same 32-bit shingle hashes, which
the tests check; only the loop is gone.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch import MinHash

EMPTY = np.uint32(0xFFFFFFFF)
# Rows of shingles per block: bounds the (rows x num_perm) temporary.
_BLOCK_ROWS = 1 << 15


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 (a, b) parameters for ``num_perm`` and ``seed``."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finaliser, element-wise (wrapping arithmetic)."""
    h = values.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def minhash_signatures(hash_lists: list[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures of many documents at once.

    Args:
        hash_lists: One uint32 array of shingle hashes per document.
        num_perm: Permutations (signature length).
        seed: Permutation seed.

    Returns:
        ``(len(hash_lists), num_perm)`` uint32 matrix; a document with no
        shingles gets a row of ``0xFFFFFFFF`` (datasketch's empty MinHash).
    """
    a, b = permutations(num_perm, seed)
    out = np.full((len(hash_lists), num_perm), EMPTY, dtype=np.uint32)
    lengths = np.fromiter((len(h) for h in hash_lists), dtype=np.int64, count=len(hash_lists))
    nonempty = np.flatnonzero(lengths)
    if nonempty.size == 0:
        return out
    # Process documents in groups whose shingles fit one block.
    group: list[int] = []
    rows = 0
    for doc in nonempty:
        if group and rows + lengths[doc] > _BLOCK_ROWS:
            _fill(out, group, hash_lists, lengths, a, b)
            group, rows = [], 0
        group.append(int(doc))
        rows += int(lengths[doc])
    _fill(out, group, hash_lists, lengths, a, b)
    return out


def _fill(out, group, hash_lists, lengths, a, b) -> None:
    mixed = fmix32(np.concatenate([hash_lists[d] for d in group]))
    with np.errstate(over="ignore"):
        permuted = mixed[:, None] * a[None, :]
        permuted += b[None, :]
    starts = np.concatenate(([0], np.cumsum(lengths[group])[:-1]))
    out[group] = np.minimum.reduceat(permuted, starts, axis=0)
