"""What each document is made of: its own text, text it shares (as the
source or as the copy), and boilerplate.

Computed from the pairs a scan reports (each with its passages and its
direction) and the boilerplate spans of each document, in one pass over the
pairs and array passes over batches of documents: linear in the corpus,
never over all pairs of documents. A character in several shared passages
counts once, under the strongest role: shared as the copy, then
undetermined, then as the source. Boilerplate is counted apart, before any
shared role. A pair reported without an alignment (``aligned: false``)
places no character, since its passages are unknown: it is listed in
``shared_with`` with its estimated characters and ``aligned: false``. A
shared-passage group (text several documents hold,
:class:`dedup.results.GroupResult`) places its spans in each of its
documents, as the source where it is the group's source, as the copy in
the others, undetermined without one; it is listed in ``shared_with`` by
its id (its documents are listed once, in the group's row).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from dedup.io.row_spill import updated_batches
from dedup.provenance.coverage import clipped, covered
from dedup.results import SHARED_PASSAGE, collection_paused

ORIGINAL, AS_SOURCE, UNDETERMINED, AS_COPY, BOILERPLATE = 0, 1, 2, 3, 4
PARTS = ("original", "shared_as_source", "shared_undetermined", "shared_as_copy", "boilerplate")
SOURCE, COPY, UNKNOWN = "source", "copy", "undetermined"
_ROLE_LABEL = {SOURCE: AS_SOURCE, UNKNOWN: UNDETERMINED, COPY: AS_COPY}
_LABEL_ROLE = {label: role for role, label in _ROLE_LABEL.items()}
# The end of a span over a whole document, cut to its length.
_WHOLE_END = 2**62
# Documents composed in one array pass.
BATCH = 4096


class SharedSpans(NamedTuple):
    """The part of one document shared with another.

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


class SharedItems:
    """What every document shares, in columns: one item per document and
    pair or group, its spans in one flat list. Items are added in the order
    ``shared_with`` lists them (the pairs, then the groups); a batch of
    documents is then composed in array passes (:meth:`compositions`).
    """

    def __init__(self) -> None:
        self._slot: dict[str, int] = {}  # document id -> its number here, in order of first item
        self._item_slot: list[int] = []
        self.other: list[str] = []
        self.label: list[int] = []
        self.relation: list[str] = []
        self.estimate: list[int | None] = []
        self._span_counts: list[int] = []
        self._bounds: list[int] = []  # start, end, start, end, ...

    def add(self, doc_id: str, item: SharedSpans) -> None:
        """Add what ``doc_id`` shares with one other document or group."""
        spans = ((0, _WHOLE_END),) if item.spans is None else item.spans
        self._add(doc_id, item.other, _ROLE_LABEL[item.role], item.relation, spans, item.estimated_chars)

    def _add(self, doc_id, other, label, relation, spans, estimate) -> None:
        self._item_slot.append(self._slot.setdefault(doc_id, len(self._slot)))
        self.other.append(other)
        self.label.append(label)
        self.relation.append(relation)
        self.estimate.append(estimate)
        self._span_counts.append(len(spans))
        self._bounds.extend(chain.from_iterable(spans))

    def add_pairs(self, pairs: Iterable[Any]) -> None:
        """Add both sides of each reported pair (:class:`dedup.results.PairResult`)."""
        for pair in pairs:
            a, b, source, derived, relation = pair.a, pair.b, pair.source, pair.derived, pair.relation
            label_a = AS_SOURCE if source == a else AS_COPY if derived == a else UNDETERMINED
            label_b = AS_SOURCE if source == b else AS_COPY if derived == b else UNDETERMINED
            if not pair.aligned:  # its passages unknown: no characters placed, its estimate named
                self._add(a, b, label_a, relation, (), pair.shared_chars_a)
                self._add(b, a, label_b, relation, (), pair.shared_chars_b)
            elif pair.passages:
                self._add(a, b, label_a, relation, [(p["a_start"], p["a_end"]) for p in pair.passages], None)
                self._add(b, a, label_b, relation, [(p["b_start"], p["b_end"]) for p in pair.passages], None)
            else:  # found on whole documents: the whole of each is shared
                self._add(a, b, label_a, relation, ((0, _WHOLE_END),), None)
                self._add(b, a, label_b, relation, ((0, _WHOLE_END),), None)

    def add_groups(self, groups: Iterable[Any]) -> None:
        """Add each member of each shared-passage group (:class:`dedup.results.GroupResult`),
        a group's members in one step each column."""
        slot = self._slot
        for group in groups:
            members = group.documents
            ids = [member["id"] for member in members]
            spans = [member["spans"] for member in members]
            source = group.source
            labels = [AS_SOURCE if this == source else AS_COPY for this in ids] if source else [UNDETERMINED] * len(ids)
            self._item_slot.extend([slot.setdefault(this, len(slot)) for this in ids])
            self.other.extend([group.id] * len(ids))
            self.label.extend(labels)
            self.relation.extend([SHARED_PASSAGE] * len(ids))
            self.estimate.extend([None] * len(ids))
            self._span_counts.extend(map(len, spans))
            self._bounds.extend(chain.from_iterable(chain.from_iterable(spans)))

    def _columns(self) -> None:
        """The lists as arrays, the items in order of their document (then of addition)."""
        slots = np.array(self._item_slot, dtype=np.int64)
        self._order = np.argsort(slots, kind="stable")
        self._first_item = np.concatenate(([0], np.cumsum(np.bincount(slots, minlength=len(self._slot)))))
        self._label = np.array(self.label, dtype=np.int64)
        counts = np.array(self._span_counts, dtype=np.int64)
        self._span_count = counts
        self._first_span = np.cumsum(counts) - counts
        bounds = np.array(self._bounds, dtype=np.int64).reshape(-1, 2)
        self._starts, self._ends = bounds[:, 0], bounds[:, 1]

    def compositions(self, ids: Sequence[str], chars: Sequence[int], boilerplate: Sequence[Sequence[tuple[int, int]]]) -> list[dict[str, Any]]:
        """The :func:`composition` of each of a batch of documents.

        Args:
            ids: The documents' ids.
            chars: Their lengths.
            boilerplate: Their boilerplate ``(start, end)`` spans.

        Returns:
            One composition per document, in order.
        """
        if not hasattr(self, "_order"):
            self._columns()
        n = len(ids)
        lengths = np.array(chars, dtype=np.int64)
        slots = np.array([self._slot.get(doc_id, -1) for doc_id in ids], dtype=np.int64)
        known = slots >= 0
        first = np.where(known, self._first_item[slots], 0)
        count = np.where(known, self._first_item[slots + 1] - first, 0)
        items = self._order[_ranges(first, count)]
        item_row = np.repeat(np.arange(n), count)
        span_item = np.repeat(np.arange(len(items)), self._span_count[items])
        at = _ranges(self._first_span[items], self._span_count[items])
        span_item, starts, ends = clipped(span_item, self._starts[at], self._ends[at], lengths[item_row])
        item_chars = covered(span_item, starts, ends, len(items))
        rows = [item_row[span_item]]
        labels = [self._label[items][span_item]]
        starts_of, ends_of = [starts], [ends]
        marked = [(k, start, end) for k, spans in enumerate(boilerplate) for start, end in spans]
        if marked:
            row, start, end = clipped(*np.array(marked, dtype=np.int64).T, lengths)
            rows.append(row), labels.append(np.full(len(row), BOILERPLATE)), starts_of.append(start), ends_of.append(end)
        parts = _part_chars(lengths, np.concatenate(rows), np.concatenate(starts_of), np.concatenate(ends_of), np.concatenate(labels))
        return self._assembled(chars, count.tolist(), items.tolist(), item_chars.tolist(), parts.tolist(), boilerplate)

    def _assembled(self, chars, count, items, item_chars, parts, boilerplate) -> list[dict[str, Any]]:
        entries = self._entries(items, item_chars)
        out, at = [], 0
        for k, length in enumerate(chars):
            ends = at + count[k]
            if not length:
                out.append({**{name: 0.0 for name in PARTS}, "original_of_text": 0.0, "shared_with": []})
            elif not count[k] and not boilerplate[k]:
                out.append({**{name: 0.0 for name in PARTS}, "original": 1.0, "original_of_text": 1.0, "shared_with": []})
            else:
                counts = parts[k]
                found: dict[str, Any] = {name: round(float(counts[p]) / length, 4) for p, name in enumerate(PARTS)}
                text_chars = length - counts[BOILERPLATE]
                found["original_of_text"] = round(float(counts[ORIGINAL]) / text_chars, 4) if text_chars else 0.0
                found["shared_with"] = entries[at:ends]
                out.append(found)
            at = ends
        return out

    def _entries(self, items: list[int], item_chars: list[int]) -> list[dict[str, Any]]:
        """The ``shared_with`` entry of each item: a pair without an alignment
        names its estimate (``aligned: false``)."""
        other, label, relation, estimate = self.other, self.label, self.relation, self.estimate
        return [
            {"id": other[item], "role": _LABEL_ROLE[label[item]], "relation": relation[item], "chars": covered}
            if estimate[item] is None
            else {"id": other[item], "role": _LABEL_ROLE[label[item]], "relation": relation[item], "chars": estimate[item], "aligned": False}
            for item, covered in zip(items, item_chars)
        ]


def _ranges(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``first[i], first[i] + 1, ..., first[i] + count[i] - 1`` for each ``i``, concatenated."""
    total = int(count.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    placed = np.cumsum(count) - count
    return np.repeat(first - placed, count) + np.arange(total)


def _part_chars(chars: np.ndarray, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Characters under each label of :data:`PARTS`, per document: ``(n, 5)``.

    A character takes the highest label over it (boilerplate, then shared as
    the copy, undetermined, as the source), or ``original``: the characters
    under label ``L`` are those under ``L`` or a higher one less those under
    a higher one, and each of those is the union of the spans."""
    n = len(chars)
    at_least = [covered(rows[keep], starts[keep], ends[keep], n) for keep in (labels >= label for label in range(1, len(PARTS)))]
    out = np.empty((n, len(PARTS)), dtype=np.int64)
    out[:, ORIGINAL] = chars - at_least[0]
    for label in range(1, len(PARTS)):
        out[:, label] = at_least[label - 1] - (at_least[label] if label < len(PARTS) - 1 else 0)
    return out


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
        if not pair.aligned:
            item_a = SharedSpans(b, role_a, relation, (), pair.shared_chars_a)
            item_b = SharedSpans(a, role_b, relation, (), pair.shared_chars_b)
        elif pair.passages:
            item_a = SharedSpans(b, role_a, relation, tuple((p["a_start"], p["a_end"]) for p in pair.passages))
            item_b = SharedSpans(a, role_b, relation, tuple((p["b_start"], p["b_end"]) for p in pair.passages))
        else:
            item_a, item_b = SharedSpans(b, role_a, relation, None), SharedSpans(a, role_b, relation, None)
        out.setdefault(a, []).append(item_a)
        out.setdefault(b, []).append(item_b)
    return out


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
    items = SharedItems()
    for item in shared:
        items.add("", item)
    return items.compositions([""], [chars], [boilerplate])[0]


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
    items = SharedItems()
    items.add_pairs(pairs)
    out: list[dict[str, Any]] = []
    for lo in range(0, len(documents), BATCH):
        batch = documents[lo : lo + BATCH]
        out.extend(items.compositions([d for d, _ in batch], [c for _, c in batch], [boilerplate.get(d, ()) for d, _ in batch]))
    return out


def composed_rows(rows: Sequence[Any], pairs: Iterable[Any], groups: Iterable[Any] = ()) -> tuple[Sequence[Any], int]:
    """The composition of every document row, set on it
    (:meth:`dedup.results.DocumentResult.set_composition`) a batch of rows
    at a time, as :func:`dedup.io.row_spill.updated_batches` (spilled rows
    are rewritten, never all held).

    Args:
        rows: Document rows, each with its ``boilerplate`` spans where it has any.
        pairs: The reported pairs, with their direction.
        groups: The shared-passage groups (:class:`dedup.results.GroupResult`).

    Returns:
        The rows, and how many share nothing with another document.
    """
    alone = 0

    def compose(batch: list[Any]) -> None:
        nonlocal alone
        spans = [[(span["start"], span["end"]) for span in row.extra.get("boilerplate", ())] for row in batch]
        for row, found in zip(batch, items.compositions([row.id for row in batch], [row.chars for row in batch], spans)):
            row.set_composition(found)
            alone += not found["shared_with"]

    # a few objects per pair and per document, none of them garbage: a
    # collection now would walk every row again and again for nothing
    with collection_paused():
        items = SharedItems()
        items.add_pairs(pairs)
        items.add_groups(groups)
        return updated_batches(rows, compose, BATCH), alone
