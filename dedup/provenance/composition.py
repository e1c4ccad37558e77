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

from array import array
from itertools import chain
from operator import itemgetter
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from dedup.io.row_spill import updated_batches
from dedup.provenance.coverage import clipped, covered, in_order, sorted_union_lengths
from dedup.provenance.positions import NameHashes, positions
from dedup.results import SHARED_PASSAGE, collection_paused, composition_keys

ORIGINAL, AS_SOURCE, UNDETERMINED, AS_COPY, BOILERPLATE = 0, 1, 2, 3, 4
PARTS = ("original", "shared_as_source", "shared_undetermined", "shared_as_copy", "boilerplate")
SOURCE, COPY, UNKNOWN = "source", "copy", "undetermined"
_ROLE_LABEL = {SOURCE: AS_SOURCE, UNKNOWN: UNDETERMINED, COPY: AS_COPY}
_LABEL_ROLE = {label: role for role, label in _ROLE_LABEL.items()}
# The end of a span over a whole document, cut to its length.
_WHOLE_END = 2**62
# The count of spans that stands for one span over the whole document.
_WHOLE = -1
# A document's position (or a named other's number, negative): 4 bytes, and its array's type code.
_POSITION, _POSITION_CODE = np.int32, "i"
# The fields of a composition, in order (PARTS, then these two).
FIELDS = (*PARTS, "original_of_text", "shared_with")
# Documents composed in one array pass: where the rows are rewritten from a file,
# their objects are held a batch at a time (4,096 rows held 7 MB).
BATCH = 1024


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
    pair or group, its spans in one flat array. A document is its position
    among ``ids``, and so is the other side of a pair (its id is read from
    ``ids`` when its entry is made); a group, or another name given to
    :meth:`add`, is numbered in a list of names. No object is held per
    item or per document: about 60 bytes an item, 16 a span. Items are
    added in the order ``shared_with`` lists them (the pairs, then the
    groups); runs of documents are then composed in array passes
    (:meth:`compositions`), after which no item is added.

    Args:
        ids: The documents' ids, in order.
    """

    def __init__(self, ids: Sequence[str]) -> None:
        if len(ids) >= 2**31:
            raise ValueError(f"{len(ids):,} documents: positions are kept in 32 bits")
        self.ids = ids
        self._names: list[str] = []  # the others that are not documents
        self._relations: dict[str, int] = {}
        # per item: its document's position, the other (a position, or -1 - its number among the names),
        # its label, relation's number, estimated characters (-1: none) and spans' count; the spans' bounds
        self._doc, self._other, self._estimate = array(_POSITION_CODE), array(_POSITION_CODE), array("q")
        self._label, self._relation = array("b"), array("h")
        self._span_count, self._bounds = array("i"), array("q")  # a whole document's one span is a count of -1, no bounds
        self._order: np.ndarray | None = None  # the items in order of their document, once all are added

    def add(self, doc: int, item: SharedSpans) -> None:
        """Add what the document at position ``doc`` shares with one other document or group."""
        self._names.append(item.other)
        self._doc.append(doc)
        self._other.append(-len(self._names))
        self._label.append(_ROLE_LABEL[item.role])
        self._relation.append(self._relation_number(item.relation))
        self._estimate.append(-1 if item.estimated_chars is None else item.estimated_chars)
        self._span_count.append(_WHOLE if item.spans is None else len(item.spans))
        self._bounds.extend(chain.from_iterable(item.spans or ()))

    def _relation_number(self, relation: str) -> int:
        return self._relations.setdefault(relation, len(self._relations))

    def add_pairs(self, pairs: Sequence[Any]) -> None:
        """Add both sides of each reported pair (:class:`dedup.results.PairResult`),
        read once, and once more only if two ids share a hash (:func:`positions`).

        Raises:
            KeyError: A pair names a document not among the ids.
        """
        hashes = NameHashes()
        labels, relations, estimates, span_counts, bounds = self._label, self._relation, self._estimate, self._span_count, self._bounds
        number = self._relation_number
        for pair in pairs:
            a, b, source, derived = pair.a, pair.b, pair.source, pair.derived
            hashes.add(a)
            hashes.add(b)
            labels.extend((
                AS_SOURCE if source == a else AS_COPY if derived == a else UNDETERMINED,
                AS_SOURCE if source == b else AS_COPY if derived == b else UNDETERMINED,
            ))
            relation = number(pair.relation)
            relations.extend((relation, relation))
            if not pair.aligned:  # its passages unknown: no characters placed, its estimate named
                estimates.extend((pair.shared_chars_a, pair.shared_chars_b))
                span_counts.extend((0, 0))
            elif pair.passages:
                passages = pair.passages
                estimates.extend((-1, -1))
                span_counts.extend((len(passages), len(passages)))
                for p in passages:
                    bounds.extend((p["a_start"], p["a_end"]))
                for p in passages:
                    bounds.extend((p["b_start"], p["b_end"]))
            else:  # found on whole documents: the whole of each is shared
                estimates.extend((-1, -1))
                span_counts.extend((_WHOLE, _WHOLE))
        at = positions(hashes, self.ids, lambda: (doc_id for pair in pairs for doc_id in (pair.a, pair.b)))
        self._doc.frombytes(at.astype(_POSITION).tobytes())
        self._other.frombytes(at.reshape(-1, 2)[:, ::-1].astype(_POSITION).tobytes())

    def add_groups(self, groups: Iterable[Any]) -> None:
        """Add each member of each shared-passage group (:class:`dedup.results.GroupResult`),
        every column in one step for all the groups."""
        groups = list(groups)
        sizes = [len(group.documents) for group in groups]
        members = list(chain.from_iterable(group.documents for group in groups))
        ids = list(map(itemgetter("id"), members))
        hashes = NameHashes()
        hashes.extend(ids)
        self._doc.frombytes(positions(hashes, self.ids, lambda: ids).astype(_POSITION).tobytes())
        named = len(self._names)
        self._names.extend(group.id for group in groups)
        self._other.frombytes(np.repeat(-1 - np.arange(named, named + len(groups), dtype=_POSITION), sizes).tobytes())
        labels = [UNDETERMINED] * len(ids)
        at = 0
        for group, size in zip(groups, sizes):
            source = group.source
            if source is not None:  # without one, all undetermined
                others = AS_COPY if source else UNDETERMINED
                labels[at : at + size] = [AS_SOURCE if this == source else others for this in ids[at : at + size]]
            at += size
        self._label.extend(labels)
        self._relation.frombytes(np.full(len(ids), self._relation_number(SHARED_PASSAGE), dtype=np.int16).tobytes())
        self._estimate.frombytes(np.full(len(ids), -1, dtype=np.int64).tobytes())
        # the bounds straight into an array: each of a million integers read once (they lie all over memory)
        spans = list(map(itemgetter("spans"), members))
        span_counts = np.fromiter(map(len, spans), dtype=np.int32, count=len(spans))
        self._span_count.frombytes(span_counts.tobytes())
        self._bounds.frombytes(np.fromiter(chain.from_iterable(chain.from_iterable(spans)), dtype=np.int64, count=2 * int(span_counts.sum())).tobytes())

    def close(self) -> None:
        """Take no more items: the columns as arrays, the items in order of
        their document (then of addition). Done by the first :meth:`compositions`
        if not before."""
        if self._order is None:
            self._columns()

    def _columns(self) -> None:
        doc = _column(self._doc, _POSITION)
        self._order = np.argsort(doc, kind="stable").astype(_POSITION)
        self._doc_of_order = doc[self._order]
        self._doc = doc = None
        self._label_of = _column(self._label, np.int8)
        self._span_count_of = _column(self._span_count, np.int32)
        self._first_span = np.cumsum(np.maximum(self._span_count_of, 0), dtype=np.int64)
        self._first_span -= np.maximum(self._span_count_of, 0)
        bounds = _column(self._bounds, np.int64).reshape(-1, 2)
        self._starts, self._ends = bounds[:, 0], bounds[:, 1]
        self._relation_names = list(self._relations)

    def compositions(self, first: int, chars: Sequence[int], boilerplate: Sequence[Sequence[tuple[int, int]]]) -> list[tuple]:
        """The :func:`composition` of each of a run of documents, as the values of its :data:`FIELDS`.

        Args:
            first: The position of the first of them.
            chars: Their lengths.
            boilerplate: Their boilerplate ``(start, end)`` spans.

        Returns:
            One tuple per document, in order.
        """
        self.close()
        n = len(chars)
        lengths = np.array(chars, dtype=np.int64)
        # the items of these documents lie together in their order
        cuts = np.searchsorted(self._doc_of_order, np.arange(first, first + n + 1, dtype=np.int64))
        count = np.diff(cuts)
        items = self._order[cuts[0] : cuts[-1]]
        item_row = np.repeat(np.arange(n), count)
        span_count = self._span_count_of[items]
        stored = np.maximum(span_count, 0)
        at = _ranges(self._first_span[items], stored)
        span_item, starts, ends = np.repeat(np.arange(len(items)), stored), self._starts[at], self._ends[at]
        whole = np.flatnonzero(span_count == _WHOLE)
        if len(whole):  # one span over the whole document each (the order of an item's spans is free)
            span_item = np.concatenate([span_item, whole])
            starts = np.concatenate([starts, np.zeros(len(whole), dtype=np.int64)])
            ends = np.concatenate([ends, np.full(len(whole), _WHOLE_END, dtype=np.int64)])
        span_item, starts, ends = clipped(span_item, starts, ends, lengths[item_row])
        item_chars = covered(span_item, starts, ends, len(items))
        rows = [item_row[span_item]]
        labels = [self._label_of[items][span_item]]
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
        at = np.array(items, dtype=np.int64)
        others = _column(self._other, _POSITION)[at]
        ids, names = self.ids, self._names
        # each other document's id read once a batch
        found, back = np.unique(others, return_inverse=True)
        found_names = [ids[other] if other >= 0 else names[-1 - other] for other in found.tolist()]
        other_names = [found_names[k] for k in back.tolist()]
        roles = [_LABEL_ROLE[label] for label in self._label_of[at].tolist()]
        relations = [self._relation_names[number] for number in _column(self._relation, np.int16)[at].tolist()]
        estimates = _column(self._estimate, np.int64)[at].tolist()
        return [
            {"id": other, "role": role, "relation": relation, "chars": covered}
            if estimate < 0
            else {"id": other, "role": role, "relation": relation, "chars": estimate, "aligned": False}
            for other, role, relation, estimate, covered in zip(other_names, roles, relations, estimates, item_chars)
        ]


def _column(values: array, dtype) -> np.ndarray:
    """An array over ``values`` (not copied)."""
    return np.frombuffer(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)


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
    items = SharedItems([""])
    for item in shared:
        items.add(0, item)
    return dict(zip(FIELDS, items.compositions(0, [chars], [boilerplate])[0]))


def compositions(
    documents: Sequence[tuple[str, int]], pairs: Sequence[Any], boilerplate: Mapping[str, Sequence[tuple[int, int]]]
) -> list[dict[str, Any]]:
    """The composition of every document.

    Args:
        documents: ``(id, chars)`` of each document.
        pairs: The reported pairs, with their direction.
        boilerplate: Boilerplate ``(start, end)`` spans per document id.

    Returns:
        One :func:`composition` per document, in the order of ``documents``.
    """
    items = SharedItems([d for d, _ in documents])
    items.add_pairs(pairs)
    out: list[dict[str, Any]] = []
    for lo in range(0, len(documents), BATCH):
        batch = documents[lo : lo + BATCH]
        found = items.compositions(lo, [c for _, c in batch], [boilerplate.get(d, ()) for d, _ in batch])
        out.extend(dict(zip(FIELDS, values)) for values in found)
    return out


def composed_rows(rows: Sequence[Any], pairs: Sequence[Any], groups: Iterable[Any] = (), ids: Sequence[str] | None = None) -> tuple[Sequence[Any], int]:
    """The composition of every document row, set on it
    (:meth:`dedup.results.DocumentResult.set_composition`) a batch of rows
    at a time, as :func:`dedup.io.row_spill.updated_batches` (spilled rows
    are rewritten, never all held).

    Args:
        rows: Document rows, each with its ``boilerplate`` spans where it has any.
        pairs: The reported pairs, with their direction.
        groups: The shared-passage groups (:class:`dedup.results.GroupResult`).
        ids: The rows' ids, in order (read from the rows if not given).

    Returns:
        The rows, and how many share nothing with another document.
    """
    alone = first = 0

    keys = composition_keys(FIELDS)

    def compose(batch: list[Any]) -> None:
        nonlocal alone, first
        spans = [[(span["start"], span["end"]) for span in row.extra.get("boilerplate", ())] for row in batch]
        for row, values in zip(batch, items.compositions(first, [row.chars for row in batch], spans)):
            row.extra.update(zip(keys, values))  # as set_composition, without a dict a row
            alone += not values[-1]
        first += len(batch)

    # a few objects per document of a batch, none of them garbage: a
    # collection now would walk every row again and again for nothing
    with collection_paused():
        items = SharedItems([row.id for row in rows] if ids is None else ids)
        items.add_pairs(pairs)
        items.add_groups(groups)
        items.close()  # its columns made before any row is held
        return updated_batches(rows, compose, BATCH), alone
