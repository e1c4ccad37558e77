"""The pairs the passage stage hands on: its own, made into result rows,
merged in order with the pairs found before it.

Provenance, composition and the report read the pairs in one pass each, in
order of their documents. A scan that keeps its document rows in a file
(:class:`~dedup.io.row_spill.SpilledRows`, a distributed engine's) keeps
its pairs there too, each written as it is made: the process holds a
passage pair's row only while it is written, not a row of every pair (about
1 KB each with its passages).
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Iterable, Iterator, Sequence

import numpy as np

from dedup.io.row_spill import SpilledRows, pair_from_dict
from dedup.passages.estimates import IndexPair
from dedup.passages.verify import PassagePair, pair_documents
from dedup.results import PairResult, collection_paused

Placed = tuple[int, int, PairResult]  # a row and the positions of its two documents


def merged_pairs(
    earlier: Sequence[PairResult], earlier_at: np.ndarray, found: Iterable[PassagePair], ids: Sequence[str],
    relations: Counter[str] | None = None, spill: bool = False,
) -> Sequence[PairResult]:
    """``earlier`` and the rows of ``found``, ordered by the positions of
    their documents (on a tie, ``earlier`` first, then ``found`` in its
    order: a stable sort of the two lists joined).

    Args:
        earlier: Pairs found before the passage stage, ordered by the
            positions of their documents.
        earlier_at: The positions of the two documents of each of
            ``earlier``, in its order (:func:`pair_positions`).
        found: The passage stage's pairs; a list is emptied as their rows
            are made (each row holds what the report needs of its pair),
            any other iterable is read once, in order already.
        ids: Every document's id, by position.
        relations: Receives the number of pairs of each relation.
        spill: Write the rows to a file (:class:`SpilledRows`) instead of a list.

    Returns:
        The rows, in a list or a :class:`SpilledRows`.
    """
    if isinstance(found, list):
        found.sort(key=pair_documents)  # stable; in order already as the stage returns them
    placed = ((a, b, p) for (a, b), p in zip(PairTuples(earlier_at), earlier))
    rows = (row for _, _, row in heapq.merge(placed, _passage_rows(found, ids), key=lambda item: (item[0], item[1])))
    counted = _counted(rows, relations if relations is not None else Counter())
    with collection_paused():  # a row per pair, none of them cyclic garbage
        if not spill:
            return list(counted)
        out = SpilledRows(pair_from_dict)
        out.extend(counted)
    return out


def pair_positions(pairs: Iterable[PairResult], ids: Sequence[str]) -> np.ndarray:
    """The positions in ``ids`` of the two documents of each of ``pairs``,
    in their order, as an ``(n, 2)`` array: held through the passage stage,
    16 bytes a pair, where a dict of the paired ids' positions and a set of
    tuples took about 200."""
    pairs = pairs if isinstance(pairs, Sequence) else list(pairs)
    paired = {doc_id for p in pairs for doc_id in (p.a, p.b)}  # a position for these only, not for every document
    position = {doc_id: k for k, doc_id in enumerate(ids) if doc_id in paired}
    del paired
    at = np.fromiter((position[doc_id] for p in pairs for doc_id in (p.a, p.b)), dtype=np.int64, count=2 * len(pairs))
    return at.reshape(-1, 2)


class PairTuples(Sequence[tuple[int, int]]):
    """The rows of an ``(n, 2)`` array of document positions as tuples of
    ints, made as they are read (a block at a time): whoever holds it holds
    16 bytes a pair, not a tuple and two ints (about 130 bytes)."""

    _BLOCK = 4096

    def __init__(self, at: np.ndarray) -> None:
        self.at = at

    def __len__(self) -> int:
        return len(self.at)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(map(tuple, self.at[index].tolist()))
        return tuple(self.at[index].tolist())

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for start in range(0, len(self.at), self._BLOCK):
            yield from map(tuple, self.at[start : start + self._BLOCK].tolist())


def passage_row(pp: PassagePair | IndexPair, ids: Sequence[str]) -> PairResult:
    """The result row of one passage pair, aligned or reported from the index."""
    if type(pp) is IndexPair:
        return pp.row(ids)
    pair = PairResult(a=ids[pp.i], b=ids[pp.j], relation=pp.relation, **pp.document_figures(), **pp.fields(), found_by="passages")
    pair.extra.update(pp.extra())
    return pair



def _passage_rows(found: Iterable[PassagePair], ids: Sequence[str]) -> Iterator[Placed]:
    held = found if isinstance(found, list) else None
    for k, pp in enumerate(found):
        if held is not None:
            held[k] = None  # type: ignore[call-overload]  # its row replaces it
        yield pp.i, pp.j, passage_row(pp, ids)


def _counted(rows: Iterable[PairResult], relations: Counter[str]) -> Iterator[PairResult]:
    for row in rows:
        relations[row.relation] += 1
        yield row
