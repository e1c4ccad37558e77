"""Direction and extent for reported pairs, and the composition of every
document of a scan.

:func:`direct_pair` answers for one pair (``dedup diff``);
:func:`annotate` fills the direction fields of a scan's pairs and the
composition of its documents, reading each document's signals once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, document_ids, document_sources, take
from dedup.engine import Engine
from dedup.io.row_spill import updated_rows
from dedup.passages.relations import PARTIALLY, WHOLLY
from dedup.provenance.composition import compositions
from dedup.provenance.direction import Direction, PairSide, decide, undirected, weighs
from dedup.provenance.positions import NameHashes, positions
from dedup.provenance.signals import DocumentSignals, document_signals
from dedup.results import PairResult, collection_paused
from dedup.text.distinct import distinct


Spans = Sequence[tuple[int, int, int, int]]  # (a_start, a_end, b_start, b_end) per shared passage


def _side(doc: Document, signals: DocumentSignals, coverage: float, shared: list[tuple[int, int]] | None) -> PairSide:
    return PairSide(doc.id, doc.text, signals, coverage, doc.source, tuple(shared) if shared is not None else None)


def direct_pair(
    a: Document, b: Document, coverage: tuple[float, float], quoted: Spans = (),
    signals: tuple[DocumentSignals, DocumentSignals] | None = None, shared: Spans | None = None,
) -> Direction:
    """The direction of one related pair.

    Args:
        a: One document.
        b: The other.
        coverage: Share of each inside passages shared with the other.
        quoted: Shared quotations, ``(a_start, a_end, b_start, b_end)``.
        signals: Each document's signals, if already read.
        shared: Every shared passage, as ``quoted``; ``None`` (or none at
            all: a pair found on whole documents) when the whole documents
            are shared.

    Returns:
        A :class:`~dedup.provenance.direction.Direction`.
    """
    sa, sb = signals or (document_signals(a.text, a.date), document_signals(b.text, b.date))
    spans_a = [(s[0], s[1]) for s in shared] if shared else None
    spans_b = [(s[2], s[3]) for s in shared] if shared else None
    return decide(_side(a, sa, coverage[0], spans_a), _side(b, sb, coverage[1], spans_b), quoted)


def annotate(docs: Sequence[Document], pairs: Sequence[PairResult], settings: Settings,
             boilerplate: Mapping[str, Sequence[tuple[int, int]]]) -> list[dict[str, Any]]:
    """Fill each pair's direction and extent, and compute every document's composition.

    Args:
        docs: The scan's documents.
        pairs: Its reported pairs (changed in place).
        settings: ``passages.wholly_share``.
        boilerplate: Boilerplate ``(start, end)`` spans per document id.

    Returns:
        The composition of each document, in the order of ``docs``.
    """
    direct_pairs(docs, pairs, settings)
    return compositions([(doc.id, len(doc.text)) for doc in docs], pairs, boilerplate)


# The pairs' fields are made here and live on to the report, none of them cyclic
# garbage: full collections would walk every one of them again (see composed_rows).
@collection_paused()
def direct_pairs(docs: Sequence[Document], pairs: Sequence[PairResult], settings: Settings, engine: Engine | None = None) -> Sequence[PairResult]:
    """Fill each pair's direction and extent.

    Each document in a pair is read once, in corpus order, for its signals
    (on ``engine``'s workers, in batches, when given); a text is read again
    only for a pair with shared quotations, the one piece of evidence that
    looks at the text itself. What is held meanwhile is a few numbers a
    pair (its documents' positions, their signals' numbers in a table of
    the distinct signals), no object per paired document.

    Returns:
        The pairs, as :func:`dedup.io.row_spill.updated_rows` gives them: a
        list changed in place, pairs kept in a file rewritten a pair at a time.
    """
    ids, sources = document_ids(docs), document_sources(docs)
    hashes = NameHashes()
    for pair in pairs:
        hashes.add(pair.a)
        hashes.add(pair.b)
    at = positions(hashes, ids, lambda: (doc_id for pair in pairs for doc_id in (pair.a, pair.b)))
    del hashes
    needed = distinct(at)
    # Most documents' signals are alike (no credit, no date): each distinct value once, a number for each document.
    signal_number: dict[DocumentSignals, int] = {}
    codes = np.fromiter((signal_number.setdefault(found, len(signal_number)) for found in _signals_of(docs, needed, engine)), dtype=np.int32, count=len(needed))
    table = list(signal_number)
    del signal_number
    # per pair: its documents' positions and their signals' numbers
    sides = np.concatenate([at.reshape(-1, 2), codes[np.searchsorted(needed, at)].reshape(-1, 2)], axis=1)
    del at, needed, codes
    # pairs come in order of their first document, so a few texts are kept at hand
    text_of = lru_cache(maxsize=256)(lambda k: docs[k].text)
    of_pairs = _rows_of(sides)

    wholly = settings.passages.wholly_share

    def direct(_: int, pair: PairResult) -> None:
        at_a, at_b, code_a, code_b = next(of_pairs)
        if ids[at_a] != pair.a or ids[at_b] != pair.b:  # a name not among the ids, with the hash of one
            raise KeyError(pair.a if ids[at_a] != pair.a else pair.b)
        passages = pair.passages
        if passages:
            quoted = [(p["a_start"], p["a_end"], p["b_start"], p["b_end"]) for p in passages if p["quoted"]]
            coverage_a, coverage_b = pair.shared_share_a, pair.shared_share_b
        else:  # found on whole documents, or from the index: the extents are the containments'
            coverage_a, coverage_b = pair.containment_a, pair.containment_b
            pair.extent_a = WHOLLY if coverage_a >= wholly else PARTIALLY
            pair.extent_b = WHOLLY if coverage_b >= wholly else PARTIALLY
            quoted = []
        signals_a, signals_b = table[code_a], table[code_b]
        if quoted or weighs(signals_a, signals_b):
            # only here are the passages' spans read, and only shared quotations make the evidence read the texts
            shared_a, shared_b = (tuple((p["a_start"], p["a_end"]) for p in passages), tuple((p["b_start"], p["b_end"]) for p in passages)) if passages else (None, None)
            a = PairSide(pair.a, text_of(at_a) if quoted else "", signals_a, coverage_a, sources[at_a], shared_a)
            b = PairSide(pair.b, text_of(at_b) if quoted else "", signals_b, coverage_b, sources[at_b], shared_b)
            found = decide(a, b, quoted)
        else:  # most pairs of a corpus without dates: nothing to weigh
            found = undirected(PairSide(pair.a, "", signals_a, coverage_a), PairSide(pair.b, "", signals_b, coverage_b))
        pair.source, pair.derived = found.source, found.derived
        pair.direction_confidence, pair.direction_evidence = found.confidence, found.evidence
        pair.extent = derived_extent(pair.extent_a, pair.extent_b, pair.a, pair.b, found.derived)

    return updated_rows(pairs, direct)


# Rows of an array made Python ints at a time.
_ROWS_AT_ONCE = 4096


def _rows_of(table: np.ndarray) -> Iterator[list[int]]:
    """The rows of a 2-D array as lists of ints, made a block at a time
    (not an int object per cell of the whole array at once)."""
    for start in range(0, len(table), _ROWS_AT_ONCE):
        yield from table[start : start + _ROWS_AT_ONCE].tolist()


# Documents whose signals are read in one batch on a worker.
_SIGNALS_BATCH = 2000


def _batch_signals(batch: Sequence[Document]) -> list[DocumentSignals]:
    return [document_signals(doc.text, doc.date) for doc in batch]


def _signals_of(docs: Sequence[Document], chosen: np.ndarray, engine: Engine | None) -> Iterator[DocumentSignals]:
    """:func:`document_signals` of the documents at ``chosen``, in that order,
    a batch at a time (each batch made as it is sent)."""
    batches = (take(docs, chosen[lo : lo + _SIGNALS_BATCH]) for lo in range(0, len(chosen), _SIGNALS_BATCH))
    several = len(chosen) > _SIGNALS_BATCH
    parts = engine.map(_batch_signals, batches) if engine is not None and several else map(_batch_signals, batches)
    return (found for part in parts for found in part)


def derived_extent(extent_a: str, extent_b: str, a: str, b: str, derived: str | None) -> str | None:
    """The extent of the derived side; with the direction undetermined, the
    extent both sides share (an exact duplicate is ``wholly`` derived
    whichever is the copy), else ``None``."""
    if derived is None:
        return extent_a if extent_a == extent_b and extent_a else None
    return {a: extent_a, b: extent_b}.get(derived)
