"""Which sentence pairs an alignment keeps: strong pairs, then weak ones
beside them (see :func:`select_sentence_pairs`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from dedup.passages.scores import ScoreEntries
from dedup.text.shingles import compiled_loop

# The compiled selection over score entries (dedup/text/_loops.c), or None.
_compiled_selection = compiled_loop("selected_entries")


def select_sentence_pairs(sims: np.ndarray | sp.spmatrix | ScoreEntries, strong: float, weak: float) -> list[tuple[int, int]]:
    """Sentence pairs to align: strong pairs, then weak ones beside them.

    A pair is kept only if it is the best for its sentence in a or in b.
    ``sims`` is a dense matrix, or a sparse one holding (at least) every
    entry at or above ``weak``: entries below it are never kept, and a
    sentence with none has no best pair worth keeping, so leaving them out
    changes nothing.

    Returns:
        ``(i, j)`` sorted.
    """
    rows, cols, _ = selected_entries(sims, strong, weak)
    return list(zip(rows.tolist(), cols.tolist()))


def selected_entries(sims: np.ndarray | sp.spmatrix | ScoreEntries, strong: float, weak: float,
                     compiled: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`select_sentence_pairs` as arrays, with each pair's value in ``sims``
    (of :class:`ScoreEntries` by the compiled loop when there is one and
    ``compiled`` is true).

    Returns:
        ``(rows, cols, values)`` ordered by row, then column.
    """
    if sims.shape[0] == 0 or sims.shape[1] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=getattr(sims, "dtype", np.float32))
    if compiled and _compiled_selection is not None and _plain_entries(sims, strong, weak):
        keys, width = sims.keys, sims.shape[1]
        at = np.frombuffer(_compiled_selection(keys, sims.values, sims.shape[0], width, strong, weak), dtype=np.int64)
        return keys[at] // width, keys[at] % width, sims.values[at]
    if isinstance(sims, np.ndarray):
        best = (sims >= sims.max(axis=1, keepdims=True)) | (sims >= sims.max(axis=0, keepdims=True))
        i, j = np.nonzero((sims >= weak) & best)
        values = sims[i, j]
    else:
        if isinstance(sims, ScoreEntries):
            i, j, values = sims.rows, sims.cols, sims.values
        else:
            entries = sims.tocoo()
            i, j, values = entries.row.astype(np.int64), entries.col.astype(np.int64), entries.data
        kept = values >= weak
        i, j, values = i[kept], j[kept], values[kept]
        best = (values >= _best_of(i, values, sims.shape[0])) | (values >= _best_of(j, values, sims.shape[1]))
        i, j, values = i[best], j[best], values[best]
    i, j = i.astype(np.int64), j.astype(np.int64)
    taken = _grow(i, j, values >= strong, sims.shape, ordered=not sp.issparse(sims))
    return i[taken], j[taken], values[taken]


def _plain_entries(sims, strong, weak) -> bool:
    """Score entries the compiled loop reads as numpy does: float32 values and
    int64 keys in contiguous arrays, thresholds given as Python numbers (which
    numpy compares with float32 values as float32)."""
    return (isinstance(sims, ScoreEntries) and sims.values.dtype == np.float32 and sims.keys.dtype == np.int64
            and sims.values.flags.c_contiguous and sims.keys.flags.c_contiguous
            and type(strong) in (int, float) and type(weak) in (int, float))


def _best_of(owner: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Per entry, the largest value among the entries of its owner (its row
    or its column), as float64."""
    best = np.full(size, -np.inf)
    np.maximum.at(best, owner, values)
    return best[owner]


def _grow(i: np.ndarray, j: np.ndarray, accepted: np.ndarray, shape: tuple[int, int], ordered: bool = False) -> np.ndarray:
    """Accept weak pairs next to accepted ones (diagonally, or above or below
    in a), up to eight rounds; ``accepted`` starts as the strong ones.
    ``ordered``: the pairs are ordered by row, then column, already.

    Returns:
        The positions of the accepted pairs, ordered by row, then column.
    """
    n_a, n_b = shape
    keys = i * n_b + j
    accepted = accepted.copy()
    for _ in range(8):
        waiting = np.flatnonzero(~accepted)
        if waiting.size == 0:
            break
        taken = np.sort(keys[accepted])
        grow = np.zeros(waiting.size, dtype=bool)
        wi, wj = i[waiting], j[waiting]
        for di, dj in ((-1, -1), (1, 1), (-1, 0), (1, 0)):
            ni, nj = wi + di, wj + dj
            inside = (ni >= 0) & (ni < n_a) & (nj >= 0) & (nj < n_b)
            probe = ni[inside] * n_b + nj[inside]
            at = np.minimum(np.searchsorted(taken, probe), max(taken.size - 1, 0))
            grow[np.flatnonzero(inside)[taken[at] == probe if taken.size else np.zeros(probe.size, dtype=bool)]] = True
        if not grow.any():
            break
        accepted[waiting[grow]] = True
    positions = np.flatnonzero(accepted)
    return positions if ordered else positions[np.argsort(keys[positions], kind="stable")]
