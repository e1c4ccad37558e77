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
from typing import Iterable, Iterator, Mapping, Sequence

from dedup.io.row_spill import SpilledRows, pair_from_dict
from dedup.passages.estimates import IndexPair
from dedup.passages.verify import PassagePair, pair_documents
from dedup.results import PairResult, collection_paused

Placed = tuple[int, int, PairResult]  # a row and the positions of its two documents


def merged_pairs(
    earlier: Sequence[PairResult], position: Mapping[str, int], found: Iterable[PassagePair], ids: Sequence[str],
    relations: Counter[str] | None = None, spill: bool = False,
) -> Sequence[PairResult]:
    """``earlier`` and the rows of ``found``, ordered by the positions of
    their documents (on a tie, ``earlier`` first, then ``found`` in its
    order: a stable sort of the two lists joined).

    Args:
        earlier: Pairs found before the passage stage, ordered by the
            positions of their documents.
        position: The position of every document of ``earlier``.
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
    placed = ((position[p.a], position[p.b], p) for p in earlier)
    rows = (row for _, _, row in heapq.merge(placed, _passage_rows(found, ids), key=lambda item: (item[0], item[1])))
    counted = _counted(rows, relations if relations is not None else Counter())
    with collection_paused():  # a row per pair, none of them cyclic garbage
        if not spill:
            return list(counted)
        out = SpilledRows(pair_from_dict)
        out.extend(counted)
    return out


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
