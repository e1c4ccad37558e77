"""Documents and spans: the values every stage passes along.

A :class:`Document` is what the corpus reader yields; a :class:`Span` is a
half-open range of character offsets into a document's *original* text, so
that anything reported can be shown exactly as it stands in the input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Iterable, Sequence

import numpy as np


@dataclass(frozen=True)
class Document:
    """One text in a corpus.

    Attributes:
        id: Unique id: the path relative to the folder it was read from, or
            the ``id`` field of a JSONL record.
        text: The original text, unchanged.
        date: ISO date (``YYYY-MM-DD`` or a full timestamp) when known.
        source: The outlet or site the text comes from, when known.
        url: Where the text was published, when known.
        title: Headline, when known.
        origin: Where it was read from (``file`` or ``file:line``), for messages.
        blocks: For HTML input, the (start, end) offsets of each block in
            ``text``, its link density and its DOM flags (see
            :data:`dedup.io.html.DOM_FLAGS`); empty for plain text.
    """

    id: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    origin: str = ""
    blocks: tuple[tuple[int, int, float, int], ...] = field(default=(), repr=False)

    def summary(self) -> dict[str, Any]:
        """The document's metadata as JSON-ready fields (no text)."""
        out: dict[str, Any] = {"id": self.id, "chars": len(self.text)}
        for key in ("date", "source", "url", "title"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def split_document(doc: Document, max_chars: int) -> list[Document]:
    """``doc`` in parts of at most ``max_chars`` characters (itself when short enough).

    Each part ends at the last paragraph break, else line break, else space
    in the second half of its window (a hard cut where there is none); parts
    are named ``<id>#1``, ``<id>#2``, ... and keep the metadata; HTML blocks
    go to the part holding them, clipped to it.

    Args:
        doc: The document.
        max_chars: Longest part, in characters (at least 2).

    Returns:
        The parts, in text order.
    """
    text = doc.text
    if len(text) <= max_chars:
        return [doc]
    bounds, lo = [], 0
    while len(text) - lo > max_chars:
        hi = lo + max_chars
        half = lo + max_chars // 2
        cut = next((at + len(sep) for sep in ("\n\n", "\n", " ") if (at := text.rfind(sep, half, hi - len(sep) + 1)) >= 0), hi)
        bounds.append((lo, cut))
        lo = cut
    bounds.append((lo, len(text)))
    parts = []
    for number, (a, b) in enumerate(bounds, start=1):
        blocks = tuple((max(s, a) - a, min(e, b) - a, *rest) for s, e, *rest in doc.blocks if s < b and e > a)
        parts.append(replace(doc, id=f"{doc.id}#{number}", text=text[a:b], blocks=blocks))
    return parts


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of original-text character offsets."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def text(self, document_text: str) -> str:
        """The characters this span covers in ``document_text``."""
        return document_text[self.start : self.end]

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def span_mask(length: int, spans) -> np.ndarray:
    """A boolean per character of a text of ``length``: inside one of ``spans``.

    Args:
        length: Characters of the text.
        spans: Objects with ``start`` and ``end`` (:class:`Span`, boilerplate
            spans, …) or ``(start, end)`` pairs; ``None`` for none.
    """
    out = np.zeros(length, dtype=bool)
    for span in spans or ():
        start, end = (span.start, span.end) if hasattr(span, "start") else span
        out[max(0, start) : min(length, end)] = True
    return out


def covered_chars(length: int, spans) -> int:
    """Characters of a text of ``length`` inside any of ``spans``: the sum of
    :func:`span_mask`, without a mask as long as the text.

    Args:
        length: Characters of the text.
        spans: Objects with ``start`` and ``end`` or ``(start, end)`` pairs
            (offsets are not negative).
    """
    return union_length(length, [(s.start, s.end) if hasattr(s, "start") else s for s in spans])


def union_length(length: int, bounds: Sequence[tuple[int, int]]) -> int:
    """:func:`covered_chars` of ``(start, end)`` pairs, without its look at
    each span's type (an alignment's few passages, often one)."""
    if len(bounds) == 1:
        start, end = bounds[0]
        return max(0, min(length, end) - max(0, start))
    covered = reach = 0
    for start, end in sorted(bounds):
        if end > length:
            end = length
        if start < reach:  # reach starts at 0: a negative start counts from 0
            start = reach
        if end > start:
            covered += end - start
            reach = end
    return covered


# A corpus too large to hold in memory is a sequence of documents read from
# disk when used (dedup.io.store.DocumentStore); it keeps its ids, lengths
# and sources as columns. These read them without reading any text, from a
# store or from a plain list alike.


def document_ids(docs: Sequence[Document]) -> Sequence[str]:
    """The id of each of ``docs``."""
    ids = getattr(docs, "ids", None)
    return ids if ids is not None else [doc.id for doc in docs]


def document_lengths(docs: Sequence[Document]) -> Sequence[int]:
    """The length in characters of each of ``docs``' texts."""
    chars = getattr(docs, "chars", None)
    return chars if chars is not None else [len(doc.text) for doc in docs]


def document_sources(docs: Sequence[Document]) -> Sequence[str | None]:
    """The source of each of ``docs``."""
    sources = getattr(docs, "sources", None)
    return sources if sources is not None else [doc.source for doc in docs]


def take(docs: Sequence[Document], indices: Iterable[int]) -> Sequence[Document]:
    """``[docs[k] for k in indices]``; from a store, a view that reads them
    when used and crosses to another process as offsets, not texts."""
    picker = getattr(docs, "take", None)
    return picker(indices) if picker is not None else [docs[k] for k in indices]


def parse_date(value: str | None) -> date | None:
    """An ISO date or date-time (``2026-01-25``, ``2026-01-25T10:00:00Z``),
    or ``25.01.2026``, ``25.01.26``, ``2026/01/25``; ``None`` otherwise."""
    if not value:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y", "%d.%m.%y", "%Y/%m/%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None
