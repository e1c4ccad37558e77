"""Characters covered by spans, for many documents (or items) at once.

The composition of a document counts each character once, under the
strongest label of the spans over it. For a batch of documents that is a
few array passes: the characters under a label or a stronger one are the
union of those spans, and a union is one sort and one running maximum
(:func:`covered`), whatever the number of documents.
"""

from __future__ import annotations

import numpy as np


def clipped(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans cut to ``[0, limits[key])``, the empty ones left out.

    Args:
        keys: Whose each span is (an index into ``limits``).
        starts: Span starts.
        ends: Span ends.
        limits: Characters of each key's text.

    Returns:
        ``(keys, starts, ends)`` of the spans left, in their order.
    """
    limit = limits[keys]
    starts = np.minimum(np.maximum(starts, 0), limit)
    ends = np.minimum(np.maximum(ends, 0), limit)
    keep = ends > starts
    return keys[keep], starts[keep], ends[keep]


def covered(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Characters inside any span of each key: the length of the union of its spans.

    Args:
        keys: Whose each span is, ``0 <= key < n``.
        starts: Span starts, not negative.
        ends: Span ends, ``ends > starts``.
        n: Number of keys.

    Returns:
        ``(n,)`` int64 array, 0 for a key without spans.

    Examples:
        >>> covered(np.array([0, 0, 1]), np.array([0, 5, 2]), np.array([10, 12, 3]), 3).tolist()
        [12, 1, 0]
    """
    if not len(keys):
        return np.zeros(n, dtype=np.int64)
    keys, lo, hi = in_order(keys, starts, ends)
    return sorted_union_lengths(keys, lo, hi, n)


def in_order(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Spans ordered by key, then start, each key's moved past the previous
    key's (``key * (largest end + 1)`` added to its bounds), so that one running
    maximum serves every key (:func:`sorted_union_lengths`): ``(keys, starts,
    ends, *others)`` in that order. The moved starts are the sort's one key
    (spans of one key and start may come in any order: their union is the same).

    Args:
        keys: Whose each span is, not negative; ``starts``, ``ends``: its bounds.
        others: Columns of the spans taken in the same order.
    """
    offset = keys.astype(np.int64) * (int(ends.max()) + 1)
    lo = starts + offset
    order = np.argsort(lo)
    return (keys[order], lo[order], (ends + offset)[order], *(column[order] for column in others))


def sorted_union_lengths(keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """:func:`covered` of spans :func:`in_order` gave (or any selection of them, kept in order)."""
    if not len(keys):
        return np.zeros(n, dtype=np.int64)
    reach = np.maximum.accumulate(hi)
    before = np.empty_like(reach)
    before[0] = -1
    before[1:] = reach[:-1]
    new = np.maximum(hi - np.maximum(lo, before), 0)
    return np.bincount(keys, weights=new, minlength=n).astype(np.int64)
