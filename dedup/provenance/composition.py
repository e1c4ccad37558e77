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

from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from dedup.io.row_spill import updated_batches
from dedup.provenance.coverage import clipped, covered, in_order, sorted_union_lengths
from dedup.results import SHARED_PASSAGE, collection_paused, composition_keys

ORIGINAL, AS_SOURCE, UNDETERMINED, AS_COPY, BOILERPLATE = 0, 1, 2, 3, 4
PARTS = ("original", "shared_as_source", "shared_undetermined", "shared_as_copy", "boilerplate")
SOURCE, COPY, UNKNOWN = "source", "copy", "undetermined"
_ROLE_LABEL = {SOURCE: AS_SOURCE, UNKNOWN: UNDETERMINED, COPY: AS_COPY}
_LABEL_ROLE = {label: role for role, label in _ROLE_LABEL.items()}
# The end of a span over a whole document, cut to its length.
_WHOLE_END = 2**62
# The fields of a composition, in order (PARTS, then these two).
FIELDS = (*PARTS, "original_of_text", "shared_with")
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
    ``shared_with`` lists them (the pairs, then the groups); batches of
    documents are then composed in array passes (:meth:`compositions`),
    after which no item is added.
    """

    def __init__(self) -> None:
        self._item_doc: list[str] = []  # whose each item is
        self.other: list[str] = []
        self.label: list[int] = []
        self.relation: list[str] = []
        self.estimate: list[int | None] = []
        # per call that added items: their spans' counts, and the spans' bounds (start, end, start, end, ...)
        self._span_counts: list[np.ndarray] = []
        self._bounds: list[np.ndarray] = []
        self._order: np.ndarray | None = None  # the items in order of their document, once all are added

    def add(self, doc_id: str, item: SharedSpans) -> None:
        """Add what ``doc_id`` shares with one other document or group."""
        spans = ((0, _WHOLE_END),) if item.spans is None else item.spans
        self._add(doc_id, item.other, _ROLE_LABEL[item.role], item.relation, spans, item.estimated_chars)

    def _add(self, doc_id, other, label, relation, spans, estimate) -> None:
        self._item_doc.append(doc_id)
        self.other.append(other)
        self.label.append(label)
        self.relation.append(relation)
        self.estimate.append(estimate)
        self._span_counts.append(np.array([len(spans)], dtype=np.int64))
        self._bounds.append(np.fromiter(chain.from_iterable(spans), dtype=np.int64, count=2 * len(spans)))

    def add_pairs(self, pairs: Iterable[Any]) -> None:
        """Add both sides of each reported pair (:class:`dedup.results.PairResult`)."""
        docs, others, labels, relations, estimates = self._item_doc, self.other, self.label, self.relation, self.estimate
        span_counts: list[int] = []
        bounds: list[int] = []
        whole = (0, _WHOLE_END)
        for pair in pairs:
            a, b, source, derived, relation = pair.a, pair.b, pair.source, pair.derived, pair.relation
            docs += (a, b)
            others += (b, a)
            labels += (
                AS_SOURCE if source == a else AS_COPY if derived == a else UNDETERMINED,
                AS_SOURCE if source == b else AS_COPY if derived == b else UNDETERMINED,
            )
            relations += (relation, relation)
            if not pair.aligned:  # its passages unknown: no characters placed, its estimate named
                estimates += (pair.shared_chars_a, pair.shared_chars_b)
                span_counts += (0, 0)
            elif pair.passages:
                passages = pair.passages
                estimates += (None, None)
                span_counts += (len(passages), len(passages))
                for p in passages:
                    bounds += (p["a_start"], p["a_end"])
                for p in passages:
                    bounds += (p["b_start"], p["b_end"])
            else:  # found on whole documents: the whole of each is shared
                estimates += (None, None)
                span_counts += (1, 1)
                bounds += (*whole, *whole)
        self._span_counts.append(np.array(span_counts, dtype=np.int64))
        self._bounds.append(np.array(bounds, dtype=np.int64))

    def add_groups(self, groups: Iterable[Any]) -> None:
        """Add each member of each shared-passage group (:class:`dedup.results.GroupResult`),
        every column in one step for all the groups."""
        groups = list(groups)
        sizes = [len(group.documents) for group in groups]
        members = list(chain.from_iterable(group.documents for group in groups))
        ids = list(map(itemgetter("id"), members))
        self._item_doc.extend(ids)
        self.other.extend(chain.from_iterable(map(repeat, (group.id for group in groups), sizes)))
        labels = [UNDETERMINED] * len(ids)
        at = 0
        for group, size in zip(groups, sizes):
            source = group.source
            if source is not None:  # without one, all undetermined
                others = AS_COPY if source else UNDETERMINED
                labels[at : at + size] = [AS_SOURCE if this == source else others for this in ids[at : at + size]]
            at += size
        self.label.extend(labels)
        self.relation.extend([SHARED_PASSAGE] * len(ids))
        self.estimate.extend([None] * len(ids))
        # the bounds straight into an array: each of a million integers read once (they lie all over memory)
        spans = list(map(itemgetter("spans"), members))
        span_counts = np.fromiter(map(len, spans), dtype=np.int64, count=len(spans))
        self._span_counts.append(span_counts)
        self._bounds.append(np.fromiter(chain.from_iterable(chain.from_iterable(spans)), dtype=np.int64, count=2 * int(span_counts.sum())))

    def _columns(self) -> None:
        """The lists as arrays (the lists of integers let go: an int object
        each, a million spans cost 70 MB), the items in order of their
        document (then of addition)."""
        # each document numbered by its first item (one lookup an item): numbers grow with the first items
        self._slot: dict[str, int] = {}
        n = len(self._item_doc)
        slots = np.fromiter(map(self._slot.setdefault, self._item_doc, range(n)), dtype=np.int64, count=n)
        self._order = np.argsort(slots, kind="stable")
        # the items of the document numbered s: _order[_first_item[s] : _first_item[s + 1]]
        self._first_item = np.concatenate(([0], np.cumsum(np.bincount(slots, minlength=n))))
        self._label = np.array(self.label, dtype=np.int64)
        self._role = list(map(_LABEL_ROLE.__getitem__, self.label))
        self._span_count = np.concatenate([np.zeros(0, dtype=np.int64), *self._span_counts])
        self._first_span = np.cumsum(self._span_count) - self._span_count
        bounds = np.concatenate([np.zeros(0, dtype=np.int64), *self._bounds]).reshape(-1, 2)
        self._starts, self._ends = bounds[:, 0], bounds[:, 1]
        self._item_doc = self.label = self._span_counts = self._bounds = []

    def compositions(self, ids: Sequence[str], chars: Sequence[int], boilerplate: Sequence[Sequence[tuple[int, int]]]) -> list[tuple]:
        """The :func:`composition` of each of a batch of documents, as the values of its :data:`FIELDS`.

        Args:
            ids: The documents' ids.
            chars: Their lengths.
            boilerplate: Their boilerplate ``(start, end)`` spans.

        Returns:
            One tuple per document, in order.
        """
        if self._order is None:
            self._columns()
        n = len(ids)
        lengths = np.array(chars, dtype=np.int64)
        slots = np.fromiter(map(self._slot.get, ids, repeat(-1, n)), dtype=np.int64, count=n)
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

    def _assembled(self, chars, count, items, item_chars, parts, boilerplate) -> list[tuple]:
        """Per document the values of :data:`FIELDS`."""
        entries = self._entries(items, item_chars)
        out, at = [], 0
        for length, n, counts, marked in zip(chars, count, parts, boilerplate):
            if not length:
                out.append((0.0, 0.0, 0.0, 0.0, 0.0, 0.0, []))
            elif not n and not marked:
                out.append((1.0, 0.0, 0.0, 0.0, 0.0, 1.0, []))
            else:
                original, source, undetermined, copy, boiler = counts
                text_chars = length - boiler
                out.append((
                    round(float(original) / length, 4), round(float(source) / length, 4), round(float(undetermined) / length, 4),
                    round(float(copy) / length, 4), round(float(boiler) / length, 4),
                    round(float(original) / text_chars, 4) if text_chars else 0.0, entries[at : at + n],
                ))
            at += n
        return out

    def _entries(self, items: list[int], item_chars: list[int]) -> list[dict[str, Any]]:
        """The ``shared_with`` entry of each item: a pair without an alignment
        names its estimate (``aligned: false``)."""
        other, role, relation, estimate = self.other, self._role, self.relation, self.estimate
        return [
            {"id": other[item], "role": role[item], "relation": relation[item], "chars": covered}
            if estimate[item] is None
            else {"id": other[item], "role": role[item], "relation": relation[item], "chars": estimate[item], "aligned": False}
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
    if len(rows):  # one sort of every span: a selection of sorted spans stays sorted
        rows, starts, ends, labels = in_order(rows, starts, ends, labels)
    at_least = [sorted_union_lengths(rows[keep], starts[keep], ends[keep], n) for keep in (labels >= label for label in range(1, len(PARTS)))]
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
    return dict(zip(FIELDS, items.compositions([""], [chars], [boilerplate])[0]))


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
        found = items.compositions([d for d, _ in batch], [c for _, c in batch], [boilerplate.get(d, ()) for d, _ in batch])
        out.extend(dict(zip(FIELDS, values)) for values in found)
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

    keys = composition_keys(FIELDS)

    def compose(batch: list[Any]) -> None:
        nonlocal alone
        spans = [[(span["start"], span["end"]) for span in row.extra.get("boilerplate", ())] for row in batch]
        for row, values in zip(batch, items.compositions([row.id for row in batch], [row.chars for row in batch], spans)):
            row.extra.update(zip(keys, values))  # as set_composition, without a dict a row
            alone += not values[-1]

    # a few objects per pair and per document, none of them garbage: a
    # collection now would walk every row again and again for nothing
    with collection_paused():
        items = SharedItems()
        items.add_pairs(pairs)
        items.add_groups(groups)
        return updated_batches(rows, compose, BATCH), alone
