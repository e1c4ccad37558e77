"""Word n-gram hashes of many texts at once, and the sampled ones kept as fingerprints.

Words and their hashes are those of :mod:`dedup.text.shingles` (whole-array,
the tokens of :func:`dedup.text.normalize.tokenize`), computed for a batch of
texts at once; an n-gram never spans two texts. The document-level stage
takes the passage fingerprints here in the same pass as its shingles; the
passage index (:mod:`dedup.passages.index`) pairs them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.text.shingles import batch_token_hashes, shingle_hashes_from_tokens


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


def sampled(hashes: np.ndarray, sample: int) -> np.ndarray:
    """Which n-gram hashes are fingerprints: one in ``sample``, chosen by hash value."""
    return (hashes >> np.uint64(23)) % np.uint64(sample) == 0


def sampled_ngrams(word: np.ndarray, owners: np.ndarray, n: int, sample: int) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints of many texts: their :func:`ngram_hashes` kept by :func:`sampled`.

    Returns:
        ``(hashes, owners)`` of the sampled n-grams, in text order.
    """
    hashes, owners = ngram_hashes(word, owners, n)
    keep = sampled(hashes, sample)
    return hashes[keep], owners[keep]


def by_hash(hashes: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints ordered by hash. :func:`dedup.passages.index.candidate_pairs` of hashes that
    come in such runs (one per batch, say) sorts them much faster."""
    order = np.argsort(hashes)
    return hashes[order], owners[order]
