"""Word n-gram shingles and their 64-bit hashes, for whole arrays of tokens.

A token's hash is xxh3-64 of its UTF-8 bytes. A shingle of ``n`` tokens
hashes to the polynomial ``h(t0)*P^(n-1) + h(t1)*P^(n-2) + ... + h(tn-1)``
modulo 2^64, computed for all positions at once. A text with fewer than
``n`` tokens is one shingle of all its tokens; a text with none has no
shingles. :func:`shingle_hash` is the same definition for one shingle, in
plain Python, and is what tests compare the array version against.
"""

from __future__ import annotations

import numpy as np
import xxhash

from dedup.normalize import tokenize

_P = np.uint64(0x100000001B3)  # the 64-bit FNV prime: odd, well mixed
_MASK64 = (1 << 64) - 1


def token_hashes(tokens: list[str]) -> np.ndarray:
    """xxh3-64 of each token's UTF-8 bytes, as a uint64 array."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter((digest(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))


def shingle_hashes_from_tokens(hashes: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of every run of ``n`` consecutive token hashes.

    Args:
        hashes: uint64 token hashes in text order.
        n: Tokens per shingle.

    Returns:
        uint64 array of ``max(len(hashes) - n + 1, 1)`` shingle hashes, or
        an empty array when there are no tokens.
    """
    count = len(hashes)
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    n = min(n, count)
    out = hashes[: count - n + 1].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            out *= _P
            out += hashes[k : count - n + 1 + k]
    return out


def shingle_hashes(normalized: str, n: int) -> np.ndarray:
    """The 64-bit shingle hashes of a normalised text (see the module doc)."""
    return shingle_hashes_from_tokens(token_hashes(tokenize(normalized)), n)


def shingle_hash(tokens: tuple[str, ...] | list[str]) -> int:
    """The 64-bit hash of one shingle, computed one token at a time.

    The reference for :func:`shingle_hashes_from_tokens`.
    """
    value = 0
    for token in tokens:
        value = (value * int(_P) + xxhash.xxh3_64_intdigest(token.encode("utf-8"))) & _MASK64
    return value


def fold32(hashes: np.ndarray) -> np.ndarray:
    """Fold 64-bit hashes to 32 bits (high word xor low word), for MinHash."""
    return ((hashes >> np.uint64(32)) ^ (hashes & np.uint64(0xFFFFFFFF))).astype(np.uint32)
