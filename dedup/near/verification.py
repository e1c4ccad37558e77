"""The verification stage: the exact Jaccard of every candidate pair.

Candidates come from LSH over MinHash signatures, which only estimates
similarity; a pair is reported only if the exact Jaccard of the two shingle
sets reaches the threshold. The pairs are verified in chunks (in worker
processes), each reading from the shingle store only the sets it needs, so
memory is bounded by the chunk, not by the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.near.shingle_store import read_sets
from dedup.text.distinct import distinct
from dedup.text.similarity import overlap


@dataclass(frozen=True)
class Verified:
    """A candidate pair with its exact similarities (``i < j``, document indices)."""

    i: int
    j: int
    jaccard: float
    containment_i: float
    containment_j: float


def measure(i: int, j: int, a: np.ndarray, b: np.ndarray) -> Verified:
    """Exact Jaccard and both containments of two sorted unique shingle sets.

    Two empty sets (documents without a word token: only punctuation,
    symbols or emoji) have Jaccard 0: there is nothing to compare, so such
    documents are never near duplicates of each other.
    """
    common = overlap(a, b)
    union = a.size + b.size - common
    return Verified(
        i=i,
        j=j,
        jaccard=common / union if union else 0.0,
        containment_i=common / a.size if a.size else 0.0,
        containment_j=common / b.size if b.size else 0.0,
    )


def verified_columns(found: list[Verified]) -> tuple[np.ndarray, np.ndarray]:
    """``found`` as ``(k, 2)`` int64 document numbers and ``(k, 3)`` float64
    Jaccard and containments (the same floats)."""
    ends = np.array([(v.i, v.j) for v in found], dtype=np.int64).reshape(-1, 2)
    return ends, np.array([(v.jaccard, v.containment_i, v.containment_j) for v in found], dtype=np.float64).reshape(-1, 3)


def documents_in(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique document indices that appear in ``pairs``."""
    return distinct(pairs)


def verify_pairs(pairs: np.ndarray, sets: dict[int, np.ndarray], threshold: float) -> list[Verified]:
    """The pairs whose exact Jaccard reaches ``threshold``, in the order given.

    Args:
        pairs: ``(k, 2)`` candidate pairs ``i < j``.
        sets: Sorted unique shingle hashes of every document in ``pairs``.
        threshold: Exact Jaccard needed to keep a pair.
    """
    kept = []
    for i, j in pairs.tolist():
        found = measure(i, j, sets[i], sets[j])
        if found.jaccard >= threshold:
            kept.append(found)
    return kept


def verify_job(job: tuple[np.ndarray, dict[int, tuple[str, int, int]]], folder: str, threshold: float) -> list[Verified]:
    """:func:`verify_pairs` for a chunk of pairs, reading the sets from the shingle store.

    Args:
        job: The pairs and, for each document in them, where its set lies
            (:meth:`dedup.near.shingle_store.ShingleStore.locate`).
        folder: The shingle store's folder.
        threshold: Exact Jaccard needed to keep a pair.
    """
    pairs, locations = job
    return verify_pairs(pairs, read_sets(folder, locations), threshold)
