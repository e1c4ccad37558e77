"""The corpus-wide word n-gram index that proposes passage candidates.

Words and their hashes are those of :mod:`dedup.shingles` (whole-array,
the tokens of :func:`dedup.normalize.tokenize`), computed for a batch of
texts at once; an n-gram never spans two texts.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.shingles import batch_token_hashes, shingle_hashes_from_tokens


def word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the words of many normalised texts.

    Returns:
        ``(hashes, owners)``: uint64 hash of each word in text order, and the
        index of the text it belongs to.
    """
    return batch_token_hashes(texts)


def ngram_hashes(word: np.ndarray, owners: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every ``n`` consecutive words that belong to one text.

    Returns:
        ``(hashes, owners)`` of the n-grams.
    """
    count = word.size - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    out = shingle_hashes_from_tokens(word, n)
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
