"""The verification stage: the exact Jaccard of every candidate pair.

Candidates come from LSH over MinHash signatures, which only estimates
similarity; a pair is reported only if the exact Jaccard of the two shingle
sets reaches the threshold. Shingle sets arrive as a stream in document
order (recomputed for the documents that are in a candidate pair), and each
set is kept only until its last partner has arrived, so memory is bounded
by the pairs that span the stream, not by the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from dedup.similarity import overlap


@dataclass(frozen=True)
class Verified:
    """A candidate pair with its exact similarities (``i < j``, document indices)."""

    i: int
    j: int
    jaccard: float
    containment_i: float
    containment_j: float


def measure(i: int, j: int, a: np.ndarray, b: np.ndarray) -> Verified:
    """Exact Jaccard and both containments of two sorted unique shingle sets."""
    common = overlap(a, b)
    union = a.size + b.size - common
    return Verified(
        i=i,
        j=j,
        jaccard=common / union if union else 1.0,
        containment_i=common / a.size if a.size else 0.0,
        containment_j=common / b.size if b.size else 0.0,
    )


def documents_in(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique document indices that appear in ``pairs``."""
    return np.unique(pairs.reshape(-1))


def verify_stream(pairs: np.ndarray, sets: Iterable[tuple[int, np.ndarray]], threshold: float) -> Iterator[Verified]:
    """Verify candidate pairs against shingle sets streamed in document order.

    Args:
        pairs: ``(k, 2)`` candidate pairs ``i < j``.
        sets: ``(index, sorted unique shingle hashes)`` for every document in
            ``pairs``, in increasing index order.
        threshold: Exact Jaccard needed to keep a pair.

    Yields:
        The pairs at or above ``threshold``, ordered by ``j`` then ``i``.
    """
    if len(pairs) == 0:
        return
    by_later = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]
    later = by_later[:, 1]
    # How many pairs still need each document as the earlier side.
    remaining = dict(zip(*np.unique(pairs[:, 0], return_counts=True)))
    remaining = {int(k): int(v) for k, v in remaining.items()}
    held: dict[int, np.ndarray] = {}
    for index, shingles in sets:
        lo, hi = np.searchsorted(later, [index, index + 1])
        for i in by_later[lo:hi, 0].tolist():
            found = measure(i, index, held[i], shingles)
            remaining[i] -= 1
            if not remaining[i]:
                del held[i]
            if found.jaccard >= threshold:
                yield found
        if remaining.get(index):
            held[index] = shingles
