"""Exact set similarities of shingle sets (sorted unique uint64 arrays)."""

from __future__ import annotations

import numpy as np

from dedup.text.distinct import distinct
from dedup.text.normalize import normalize_text
from dedup.text.shingles import shingle_hashes


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted unique arrays."""
    if a.size == 0 or b.size == 0:
        return 0
    if a.size > b.size:
        a, b = b, a
    # Where each element of the smaller array would go in the larger one.
    at = np.searchsorted(b, a)
    at[at == b.size] = 0
    return int(np.count_nonzero(b[at] == a))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity |a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    if a.size == 0 and b.size == 0:
        return 1.0
    common = overlap(a, b)
    return common / (a.size + b.size - common)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a``'s shingles found in ``b``: |a ∩ b| / |a|."""
    if a.size == 0:
        return 0.0
    return overlap(a, b) / a.size


def shingle_set(text: str, ngram: int) -> np.ndarray:
    """Sorted unique 64-bit word ``ngram`` shingle hashes of an original text."""
    return distinct(shingle_hashes(normalize_text(text), ngram))


def set_similarity(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Exact ``jaccard``, ``containment_a`` and ``containment_b`` of two shingle sets."""
    return similarity_of_counts(a.size, b.size, overlap(a, b))  # the overlap once for the three


def similarity_of_counts(size_a: int, size_b: int, common: int) -> dict[str, float]:
    """:func:`set_similarity` of two sets of ``size_a`` and ``size_b`` items,
    ``common`` of them in both."""
    union = size_a + size_b - common
    return {
        "jaccard": round(common / union if union else 1.0, 6),
        "containment_a": round(common / size_a if size_a else 0.0, 6),
        "containment_b": round(common / size_b if size_b else 0.0, 6),
    }


def document_similarity(text_a: str, text_b: str, ngram: int) -> dict[str, float]:
    """:func:`set_similarity` of two original texts' word ``ngram`` shingle sets."""
    return set_similarity(shingle_set(text_a, ngram), shingle_set(text_b, ngram))
