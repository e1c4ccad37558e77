"""What each document is made of: its own text, text it shares (as the
source or as the copy), and boilerplate.

Computed from the pairs a scan reports (each with its passages and its
direction) and the boilerplate spans of each document, in one pass over the
pairs and one over the documents: linear in the corpus, never over all pairs
of documents. A character in several shared passages counts once, under the
strongest role: shared as the copy, then undetermined, then as the source.
Boilerplate is counted apart, before any shared role. A pair reported
without an alignment (``aligned: false``) places no character, since its
passages are unknown: it is listed in ``shared_with`` with its estimated
characters and ``aligned: false``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from dedup.document import covered_chars
from dedup.io.row_spill import updated_rows
from dedup.results import collection_paused

ORIGINAL, AS_SOURCE, UNDETERMINED, AS_COPY, BOILERPLATE = 0, 1, 2, 3, 4
PARTS = ("original", "shared_as_source", "shared_undetermined", "shared_as_copy", "boilerplate")
SOURCE, COPY, UNKNOWN = "source", "copy", "undetermined"
_ROLE_LABEL = {SOURCE: AS_SOURCE, UNKNOWN: UNDETERMINED, COPY: AS_COPY}


class SharedSpans(NamedTuple):
    """The part of one document shared with another (a named tuple: a
    high-reuse corpus makes millions of them, and a tuple is made at a
    fraction of a frozen dataclass's cost).

    Attributes:
        other: The other document's id.
        role: This document's role in the pair: ``source``, ``copy`` or ``undetermined``.
        relation: The pair's relation.
        spans: ``(start, end)`` character spans of this document; ``None``
            for the whole text (exact and document-level near duplicates);
            empty for a pair reported without an alignment (its passages unknown).
        estimated_chars: For a pair reported without an alignment
            (``aligned: false``), its estimated shared characters of this
            document; ``None`` otherwise.
    """

    other: str
    role: str
    relation: str
    spans: tuple[tuple[int, int], ...] | None
    estimated_chars: int | None = None


def shared_spans(pairs: Iterable[Any]) -> dict[str, list[SharedSpans]]:
    """Per document id, what it shares and with whom, from reported pairs.

    Args:
        pairs: :class:`dedup.results.PairResult` rows (``a``, ``b``,
            ``relation``, ``passages``, ``source``, ``derived``).

    Returns:
        Each document's :class:`SharedSpans`, in the order of the pairs.
    """
    out: dict[str, list[SharedSpans]] = {}
    for pair in pairs:
        a, b, source, derived, relation = pair.a, pair.b, pair.source, pair.derived, pair.relation
        role_a = SOURCE if source == a else COPY if derived == a else UNKNOWN
        role_b = SOURCE if source == b else COPY if derived == b else UNKNOWN
        if not pair.aligned:  # its passages unknown: no characters placed, its estimate named
            item_a = SharedSpans(b, role_a, relation, (), pair.shared_chars_a)
            item_b = SharedSpans(a, role_b, relation, (), pair.shared_chars_b)
        elif pair.passages:
            item_a = SharedSpans(b, role_a, relation, tuple((p["a_start"], p["a_end"]) for p in pair.passages))
            item_b = SharedSpans(a, role_b, relation, tuple((p["b_start"], p["b_end"]) for p in pair.passages))
        else:  # found on whole documents: the whole of each is shared
            item_a, item_b = SharedSpans(b, role_a, relation, None), SharedSpans(a, role_b, relation, None)
        out.setdefault(a, []).append(item_a)
        out.setdefault(b, []).append(item_b)
    return out


def _clipped(spans: Iterable[tuple[int, int]], chars: int) -> list[tuple[int, int]]:
    """``spans`` cut to ``[0, chars)``, the empty ones left out."""
    out = [(min(max(start, 0), chars), min(max(end, 0), chars)) for start, end in spans]
    return [(start, end) for start, end in out if end > start]


def _part_chars(chars: int, shared: Sequence[SharedSpans], boilerplate: Sequence[tuple[int, int]]) -> tuple[list[int], list[dict[str, Any]]]:
    """Characters under each label of :data:`PARTS`, and what each shared item covers.

    One sweep over the ends of the spans instead of an array of labels per
    character: a stretch takes the highest label over it (boilerplate, then
    shared as the copy, undetermined, as the source), or ``original``.
    """
    events: list[tuple[int, int, int]] = []
    with_docs = []
    for item in shared:
        # a pair without an alignment (most, on high-reuse corpora) has no spans: nothing to clip or place
        spans = _clipped(item.spans if item.spans is not None else ((0, chars),), chars) if item.spans != () else []
        if spans:
            label = _ROLE_LABEL[item.role]
            events.extend(event for start, end in spans for event in ((start, 1, label), (end, -1, label)))
        if item.estimated_chars is not None:
            with_docs.append({"id": item.other, "role": item.role, "relation": item.relation, "chars": item.estimated_chars, "aligned": False})
            continue
        with_docs.append({"id": item.other, "role": item.role, "relation": item.relation, "chars": covered_chars(chars, spans)})
    events.extend(event for start, end in _clipped(boilerplate, chars) for event in ((start, 1, BOILERPLATE), (end, -1, BOILERPLATE)))
    counts, active = [0] * len(PARTS), [0] * len(PARTS)
    last = 0
    for position, step, label in sorted(events):
        if position > last:
            counts[max((k for k in range(1, len(PARTS)) if active[k]), default=ORIGINAL)] += position - last
            last = position
        active[label] += step
    counts[ORIGINAL] += chars - last
    return counts, with_docs


def composition(chars: int, shared: Sequence[SharedSpans], boilerplate: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """One document's composition.

    Args:
        chars: Length of its original text.
        shared: What it shares (:func:`shared_spans`).
        boilerplate: Its boilerplate spans.

    Returns:
        The share of its characters in each of :data:`PARTS`,
        ``original_of_text`` (original over the non-boilerplate characters)
        and ``shared_with`` (per other document: its id, this document's
        role, the relation and the characters of this document covered).
    """
    if not chars:
        return {**{name: 0.0 for name in PARTS}, "original_of_text": 0.0, "shared_with": []}
    if not shared and not boilerplate:
        return {**{name: 0.0 for name in PARTS}, "original": 1.0, "original_of_text": 1.0, "shared_with": []}
    counts, with_docs = _part_chars(chars, shared, boilerplate)
    out: dict[str, Any] = {name: round(float(counts[k]) / chars, 4) for k, name in enumerate(PARTS)}
    text_chars = chars - int(counts[BOILERPLATE])
    out["original_of_text"] = round(float(counts[ORIGINAL]) / text_chars, 4) if text_chars else 0.0
    out["shared_with"] = with_docs
    return out


def compositions(
    documents: Sequence[tuple[str, int]], pairs: Iterable[Any], boilerplate: Mapping[str, Sequence[tuple[int, int]]]
) -> list[dict[str, Any]]:
    """The composition of every document.

    Args:
        documents: ``(id, chars)`` of each document.
        pairs: The reported pairs, with their direction.
        boilerplate: Boilerplate ``(start, end)`` spans per document id.

    Returns:
        One :func:`composition` per document, in the order of ``documents``.
    """
    shared = shared_spans(pairs)
    return [composition(chars, shared.get(doc_id, ()), boilerplate.get(doc_id, ())) for doc_id, chars in documents]


def composed_rows(rows: Sequence[Any], pairs: Iterable[Any]) -> tuple[Sequence[Any], int]:
    """The composition of every document row, set on it
    (:meth:`dedup.results.DocumentResult.set_composition`) one row at a
    time, as :func:`dedup.io.row_spill.updated_rows` (spilled rows are
    rewritten, never all held).

    Args:
        rows: Document rows, each with its ``boilerplate`` spans where it has any.
        pairs: The reported pairs, with their direction.

    Returns:
        The rows, and how many share nothing with another document.
    """
    alone = 0

    def compose(_: int, row: Any) -> None:
        nonlocal alone
        spans = [(span["start"], span["end"]) for span in row.extra.get("boilerplate", ())]
        row.set_composition(composition(row.chars, shared.get(row.id, ()), spans))
        alone += not row.extra["shared_with"]

    # a few objects per pair and per document, none of them garbage: a
    # collection now would walk every row again and again for nothing
    with collection_paused():
        shared = shared_spans(pairs)
        return updated_rows(rows, compose), alone
