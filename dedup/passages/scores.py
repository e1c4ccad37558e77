"""Stored scores of sentence pairs as plain sorted arrays (see :class:`ScoreEntries`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ScoreEntries:
    """Stored entries of a sparse matrix of sentence-pair scores, as plain
    arrays: what alignment reads of them costs a few array calls, where a
    SciPy matrix per step costs more in building it than in the arithmetic.

    Attributes:
        keys: ``row * columns + column`` of each entry, sorted, distinct.
        values: float32 value of each entry.
        shape: ``(rows, columns)``.
    """

    keys: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> "ScoreEntries":
        """Entries at ``(rows, cols)``; a position given twice keeps its largest value."""
        keys = rows.astype(np.int64) * max(1, shape[1]) + cols.astype(np.int64)
        if keys.size < 2 or bool((keys[1:] > keys[:-1]).all()):  # already sorted and distinct (most verbatim covers)
            return cls(keys, values.astype(np.float32), shape)
        order = np.lexsort((-values, keys))
        keys, values = keys[order], values[order]
        first = np.ones(keys.size, dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        return cls(keys[first], values[first].astype(np.float32), shape)

    @classmethod
    def of_csr(cls, m: sp.csr_matrix) -> "ScoreEntries":
        """The stored entries of ``m`` (its repeated entries summed first, in place, as SciPy does)."""
        m.sum_duplicates()
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        return cls.of(rows, m.indices, m.data, m.shape)

    @property
    def rows(self) -> np.ndarray:
        return self.keys // max(1, self.shape[1])

    @property
    def cols(self) -> np.ndarray:
        return self.keys % max(1, self.shape[1])

    def maximum(self, other: "ScoreEntries") -> "ScoreEntries":
        """The larger value at every position either holds (absent: 0; all values are positive)."""
        if self.keys.size == 0 and other.shape == self.shape and other.values.dtype == np.float32:  # made by :meth:`of`: canonical
            return other
        if other.keys.size == 0 and other.shape == self.shape and self.values.dtype == np.float32:  # sorted, distinct: as :meth:`of` makes it
            return self
        keys = np.concatenate((self.keys, other.keys))
        values = np.concatenate((self.values, other.values))
        width = max(1, self.shape[1])
        return ScoreEntries.of(keys // width, keys % width, values, self.shape)

    def at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The values at ``(rows, cols)`` as float32 (0 where nothing is stored)."""
        wanted = rows.astype(np.int64) * max(1, self.shape[1]) + cols.astype(np.int64)
        if self.keys.size == 0:
            return np.zeros(wanted.size, dtype=np.float32)
        at = np.minimum(np.searchsorted(self.keys, wanted), self.keys.size - 1)
        return np.where(self.keys[at] == wanted, self.values[at], np.float32(0)).astype(np.float32)


def best_entries(m: sp.csr_matrix, cap: int) -> tuple[sp.csr_matrix, bool]:
    """At most ``cap`` stored entries of ``m``: those with the largest values.

    Ties at the smallest value kept are broken by position (row, then
    column), so the result depends on the matrix only. ``m`` is put in
    canonical form in place (repeated entries summed, as SciPy does).

    Args:
        m: Sentence-pair scores.
        cap: Entries kept at most (0: all of them).

    Returns:
        ``(matrix, capped)``: ``m`` itself when it holds no more than ``cap``
        entries, otherwise a new matrix of the best ``cap``, and whether
        entries were dropped.
    """
    m.sum_duplicates()
    if cap <= 0 or m.nnz <= cap:
        return m, False
    data = m.data
    keep = _best(data, cap)
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    out = sp.csr_matrix((data[keep], (rows[keep], m.indices[keep])), shape=m.shape, dtype=data.dtype)
    return out, True


def best_stored(entries: ScoreEntries, cap: int) -> tuple[ScoreEntries, bool]:
    """:func:`best_entries` of entries already sorted by position (the same entries kept)."""
    if cap <= 0 or entries.values.size <= cap:
        return entries, False
    keep = _best(entries.values, cap)
    return ScoreEntries(entries.keys[keep], entries.values[keep], entries.shape), True


def _best(data: np.ndarray, cap: int) -> np.ndarray:
    """Which of ``data`` (in order of position) are the ``cap`` largest, ties by position."""
    # the cap-th largest value: entries above it are all kept, entries equal
    # to it fill the rest in order of position
    kth = np.partition(data, data.size - cap)[data.size - cap]
    keep = data > kth
    tied = np.flatnonzero(data == kth)[: cap - int(keep.sum())]
    keep[tied] = True
    return keep
