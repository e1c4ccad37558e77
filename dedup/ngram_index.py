"""The corpus-wide word n-gram index that proposes passage candidates.

For speed the index hashes words with array arithmetic over a whole batch
of normalised texts at once instead of one Python call per token: a word is
a run of letters, digits and combining marks, and every character of a
script written without spaces (Chinese, Japanese, Thai, ...) is a word of
its own, as in :func:`dedup.normalize.tokenize`. A word's hash is the
polynomial hash of its code points modulo 2^64, read off prefix sums (the
powers of an odd base are invertible modulo 2^64); an n-gram's hash
combines its words' hashes as :mod:`dedup.shingles` does. These hashes only
ever meet each other, so they need not equal the document-level ones.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np

from dedup.normalize import _UNSEGMENTED  # noqa: PLC2701 (one definition of the scripts)

_BASE = np.uint64(0x100000001B3)
_INVERSE = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_WORD, _SINGLE = 1, 2


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Class of every code point of the Basic Multilingual Plane: 0 other, 1 word, 2 single."""
    table = np.zeros(0x10000, dtype=np.int8)
    for code in range(0x10000):
        ch = chr(code)
        if ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            table[code] = _WORD
    ranges = _UNSEGMENTED  # "lo-hi" triples of characters
    for k in range(0, len(ranges) - 2, 3):
        lo, hi = ord(ranges[k]), ord(ranges[k + 2])
        if hi < 0x10000:
            table[lo : hi + 1] = _SINGLE
    return table


def _classify(codes: np.ndarray) -> np.ndarray:
    table = _classes()
    out = np.zeros(codes.size, dtype=np.int8)
    bmp = codes < 0x10000
    out[bmp] = table[codes[bmp]]
    for code in np.unique(codes[~bmp]).tolist():
        ch = chr(code)
        cls = _SINGLE if 0x20000 <= code <= 0x3134F else (_WORD if ch.isalnum() else 0)
        out[codes == code] = cls
    return out


def word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the words of many normalised texts.

    Args:
        texts: Normalised texts (no newline inside).

    Returns:
        ``(hashes, owners)``: uint64 hash of each word in text order, and the
        index of the text it belongs to.
    """
    joined = "\n".join(texts)
    if not joined:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cls = _classify(codes)
    word = cls == _WORD
    prev_word = np.concatenate(([False], word[:-1]))
    next_word = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((word & ~prev_word) | (cls == _SINGLE))
    ends = np.flatnonzero((word & ~next_word) | (cls == _SINGLE)) + 1
    n = codes.size
    with np.errstate(over="ignore"):
        inv_powers = np.cumprod(np.full(n, _INVERSE, dtype=np.uint64))
        inv_powers = np.concatenate(([np.uint64(1)], inv_powers[:-1]))
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(codes.astype(np.uint64) * inv_powers, dtype=np.uint64)))
        powers = np.cumprod(np.full(n, _BASE, dtype=np.uint64))
        powers = np.concatenate(([np.uint64(1)], powers[:-1]))
        hashes = (prefix[ends] - prefix[starts]) * powers[ends - 1]
        hashes ^= hashes >> np.uint64(29)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(32)
    owners = np.cumsum(codes == 10)[starts]
    return hashes, owners


def ngram_hashes(word: np.ndarray, owners: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every ``n`` consecutive words that belong to one text.

    Returns:
        ``(hashes, owners)`` of the n-grams.
    """
    count = word.size - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    out = word[:count].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            out *= _BASE
            out += word[k : k + count]
    same = owners[:count] == owners[n - 1 :]
    return out[same], owners[:count][same]


def candidate_pairs(
    hashes: np.ndarray, owners: np.ndarray, n_docs: int, max_docs: int, min_shared: int
) -> np.ndarray:
    """Pairs of documents sharing at least ``min_shared`` distinct hashes.

    Args:
        hashes: Fingerprint hashes (any order, repeats allowed).
        owners: Document index of each hash.
        n_docs: Number of documents.
        max_docs: Hashes held by more documents are ignored.
        min_shared: Distinct shared hashes a pair needs.

    Returns:
        ``(k, 2)`` int64 array of document indices ``i < j``, sorted.
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    if hashes.size == 0:
        return empty
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    first = np.concatenate(([True], (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])))
    hashes, owners = hashes[first], owners[first]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    lengths = np.diff(np.concatenate((starts, [hashes.size])))
    codes: list[np.ndarray] = []
    for size in np.unique(lengths[(lengths > 1) & (lengths <= max_docs)]).tolist():
        group = starts[lengths == size]
        left, right = np.triu_indices(size, k=1)
        codes.append((owners[group[:, None] + left] * n_docs + owners[group[:, None] + right]).ravel())
    if not codes:
        return empty
    unique, counts = np.unique(np.concatenate(codes), return_counts=True)
    chosen = unique[counts >= min_shared]
    return np.stack([chosen // n_docs, chosen % n_docs], axis=1)
