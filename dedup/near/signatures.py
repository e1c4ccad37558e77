"""MinHash signatures for batches of documents, as one uint32 matrix.

The permutations are datasketch's ``affine32`` scheme with an explicit seed:
a 32-bit input hash is pre-mixed with the MurmurHash3 finaliser and then
mapped by ``a*h + b mod 2^32`` for each of ``num_perm`` (a, b) pairs drawn by
datasketch. A row of :func:`minhash_segments` therefore equals
``datasketch.MinHash(num_perm, seed, scheme="affine32",
hashfunc=...).update_batch(...)`` fed the same 32-bit shingle hashes, which
the tests check; only the loop is gone.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dedup.text.shingles import compiled_loop, fold32

# The C loops (dedup/text/_loops.c), built where a compiler was found at install; else None.
_segment_minima = compiled_loop("segment_minima")
_shingle_minima = compiled_loop("shingle_minima")

EMPTY = np.uint32(0xFFFFFFFF)
# Shingles per block: the (num_perm x rows) temporary stays in cache (4 MB at 128).
_BLOCK_ROWS = 1 << 13


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 (a, b) parameters for ``num_perm`` and ``seed``.

    Drawn as datasketch 2 draws them: from ``numpy.random.RandomState(seed)``,
    an odd multiplier ``a = 2 * randint(0, 2**31) + 1`` per permutation, then
    an offset ``b = randint(0, 2**32)`` per permutation (a test compares them
    with datasketch's own).
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finaliser, element-wise (wrapping arithmetic)."""
    h = values.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _long_segment(mixed: np.ndarray, a: np.ndarray, b: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """The signature of one document with more shingles than a block, keeping
    memory at one block (``num_perm * _BLOCK_ROWS``) whatever its length."""
    best = np.full(a.shape[0], EMPTY, dtype=np.uint32)
    for lo in range(0, mixed.size, _BLOCK_ROWS):
        part = mixed[lo : lo + _BLOCK_ROWS]
        block = buffer[:, : part.size]
        with np.errstate(over="ignore"):
            np.multiply(a, part[None, :], out=block)
            block += b
        np.minimum(best, block.min(axis=1), out=best)
    return best


def minhash_segments(values: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int, used: int | None = None) -> np.ndarray:
    """MinHash signatures of the segments ``values[offsets[k]:offsets[k+1]]``.

    With the compiled module, one C loop permutes and compares each value
    in registers (about three times faster); without it, the same minima
    come from :func:`numpy_segments`.

    Args:
        values: uint32 shingle hashes of all documents, concatenated.
        offsets: ``n_docs + 1`` segment boundaries.
        num_perm: Permutations the parameters are drawn for.
        seed: Permutation seed.
        used: Compute only the first ``used`` permutations of the
            ``num_perm`` (the columns LSH bands read); all by default.

    Returns:
        ``(n_docs, used or num_perm)`` uint32 matrix (empty segments: ``0xFFFFFFFF``).
    """
    if _segment_minima is None:
        return numpy_segments(values, offsets, num_perm, seed, used)
    return _compiled_minima(_segment_minima, fmix32(values), offsets, num_perm, seed, used)


def shingle_minhash(hashes: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int, used: int | None = None) -> np.ndarray:
    """:func:`minhash_segments` of 64-bit shingle hashes, :func:`~dedup.text.shingles.fold32`
    of each taken as its 32-bit hash: with the compiled module the hashes
    are folded and mixed in the loop's own pass, not through numpy temporaries.

    Args:
        hashes: uint64 shingle hashes of all documents, concatenated.
        offsets, num_perm, seed, used: As for :func:`minhash_segments`.
    """
    if _shingle_minima is None:
        return minhash_segments(fold32(hashes), offsets, num_perm, seed, used)
    return _compiled_minima(_shingle_minima, np.ascontiguousarray(hashes, dtype=np.uint64), offsets, num_perm, seed, used)


def _compiled_minima(loop, values: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int, used: int | None) -> np.ndarray:
    """The ``(segments, used or num_perm)`` minima a compiled loop
    (``segment_minima`` or ``shingle_minima``) writes for ``values``."""
    a, b = permutations(num_perm, seed)
    count = num_perm if used is None else min(used, num_perm)
    out = np.empty((offsets.size - 1, count), dtype=np.uint32)
    loop(values, np.ascontiguousarray(offsets, dtype=np.int64), a[:count], b[:count], out)
    return out


def numpy_segments(values: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int, used: int | None = None) -> np.ndarray:
    """:func:`minhash_segments` with numpy alone (where the C loop was not built).

    The permutations run as ``(num_perm, rows)`` blocks of whole documents,
    so that the temporary stays in cache and the minimum of each document is
    one ``reduceat`` along contiguous memory.

    Args:
        values: uint32 shingle hashes of all documents, concatenated.
        offsets: ``n_docs + 1`` segment boundaries.
        num_perm: Permutations (signature length).
        seed: Permutation seed.
        used: Compute only the first ``used`` permutations of the
            ``num_perm`` (the columns LSH bands read); all by default.

    Returns:
        ``(n_docs, used or num_perm)`` uint32 matrix (empty segments: ``0xFFFFFFFF``).
    """
    a, b = permutations(num_perm, seed)
    num_perm = num_perm if used is None else min(used, num_perm)
    a, b = a[:num_perm, None], b[:num_perm, None]
    n_docs = offsets.size - 1
    out = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    mixed = fmix32(values)
    buffer = np.empty((num_perm, _BLOCK_ROWS), dtype=np.uint32)
    first = 0
    while first < n_docs:
        # The documents whose shingles fit one block (at least one document).
        last = max(int(np.searchsorted(offsets, offsets[first] + _BLOCK_ROWS, side="right")) - 1, first + 1)
        last = min(last, n_docs)
        lo, hi = int(offsets[first]), int(offsets[last])
        if hi - lo > _BLOCK_ROWS:  # one long document: its minimum, a block at a time
            out[first] = _long_segment(mixed[lo:hi], a, b, buffer)
            first = last
            continue
        block = buffer[:, : hi - lo]
        with np.errstate(over="ignore"):
            np.multiply(a, mixed[None, lo:hi], out=block)
            block += b
        seg = offsets[first:last] - lo
        rows = np.flatnonzero(np.diff(offsets[first : last + 1]) > 0)  # documents with shingles
        if rows.size:
            out[first + rows] = np.minimum.reduceat(block, seg[rows], axis=1).T
        first = last
    return out
