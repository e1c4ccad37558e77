"""The shared-passage groups a scan reports, as result rows.

A group is reported when it holds a pair of documents that is reported
through it only (:mod:`dedup.passages.groups`), and its text is
``passages.min_shared_chars`` long in the median document, as the index
places it or by the index's estimate (the floor of a pair from the index). Its
likely source is the document dated before all the others; without dates,
or with the earliest date shared, the direction is undetermined.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Callable, Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings
from dedup.document import Document, Span, document_ids, parse_date
from dedup.engine import Engine
from dedup.passages.group_spans import GroupSpans, group_spans
from dedup.passages.groups import GroupCollector, Groups, left_out_pairs_in_groups, marked_numbers, pairs_within, run_positions
from dedup.results import GroupResult

EARLIEST_DATE, UNDETERMINED = "earliest date", "undetermined"
_TEXT_CHARS = 300  # of the shared text shown with a group


def shared_passage_groups(
    docs: Sequence[Document], collector: GroupCollector, left_out: np.ndarray, n_docs: int,
    settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None, engine: Engine | None = None, workers: int = 1,
) -> tuple[Callable[[], list[GroupResult]], np.ndarray]:
    """The groups to report, numbered ``g1``, ``g2``, ... in order of their
    documents, as a call that makes their rows: what the pairs still to
    align wait for (the pairs the groups hold) is known first, and the rows
    can be made while the workers align them.

    Args:
        docs: The documents.
        collector: What the candidate sort gathered.
        left_out: ``(m, 2)`` candidate pairs reported through groups only.
        n_docs: Documents in the corpus.
        settings: ``min_shared_fingerprints`` and ``min_shared_chars`` (the
            floors of a group) and the index's n-grams.
        masks: Boilerplate spans per document id.
        engine, workers: What finds the groups' spans in their documents
            (:func:`~dedup.passages.group_spans.group_spans`).

    Returns:
        A call giving the groups' rows, each with its documents' spans, and
        which of the ``left_out`` pairs one of them holds (both documents
        among its members): the others are not reported through groups.
    """
    groups = collector.groups(settings.min_shared_fingerprints)
    codes = left_out[:, 0] * np.int64(n_docs) + left_out[:, 1] if len(left_out) else np.zeros(0, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    left_at, left_group = left_out_pairs_in_groups(groups, n_docs, codes[order])
    # the groups holding one (a pair lies in several groups: millions of entries)
    chosen, left_group = marked_numbers(left_group, len(groups))
    groups = groups.taking(chosen)
    found = group_spans(docs, groups, settings, masks, _TEXT_CHARS + 1, engine, workers)
    bounds = found.group_bounds(len(groups))
    found_in = np.diff(bounds)
    chars = group_medians(found.chars, found.group, bounds)
    # the spans stop at sampled fingerprints, short of the text shared: the floor also takes the index's
    # estimate, as it does for a pair reported from the index, so that what would be a pair is never lost
    estimated = group_medians(found.estimates, found.group, bounds)
    reported = reported_entries(bounds, (found_in >= settings.group_min_docs) & (np.maximum(chars, estimated) >= settings.min_shared_chars))
    within = _held_pairs(groups, *reported, found, bounds, n_docs, left_out, order[left_at], left_group)
    return partial(_group_rows, docs, found, groups, *reported, chars), within


def reported_entries(bounds: np.ndarray, reported: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The groups ``reported`` marks, the entries of each (``bounds``: where
    each group's entries begin, and the last ends) and those entries' positions,
    group after group: what the rows and the held pairs both read."""
    chosen = np.flatnonzero(reported)
    found_in = (bounds[1:] - bounds[:-1])[chosen]
    return chosen, found_in, run_positions(bounds[chosen], found_in)


def _held_pairs(
    groups: Groups, chosen: np.ndarray, found_in: np.ndarray, held_at: np.ndarray, found: GroupSpans, bounds: np.ndarray, n_docs: int,
    left_out: np.ndarray, left_at: np.ndarray, left_group: np.ndarray,
) -> np.ndarray:
    """Which ``left_out`` pairs a reported group holds (both documents among
    the documents its spans were ``found`` in). ``chosen``: the reported
    groups; ``found_in``: the entries of each; ``held_at``: those entries,
    group after group; ``bounds``: where each group's entries begin in
    ``found``. ``left_at``, ``left_group``: each pair of a group's
    members that is in ``left_out`` (its row there) and the group. A group
    found in each of its members holds exactly those pairs; the pairs of one
    found in fewer are taken again from the documents it was found in."""
    within = np.zeros(len(left_out), dtype=bool)
    same = found_in == groups.members.sizes[chosen]  # then compared document by document, all groups at once
    if same.any():
        flat_held = found.document[held_at[np.repeat(same, found_in)]]
        flat_members = groups.members.taking(chosen[same]).flat
        differs = np.repeat(np.arange(int(same.sum())), found_in[same])[flat_held != flat_members]
        same[np.flatnonzero(same)[differs]] = False
    whole = np.zeros(len(groups), dtype=bool)
    whole[chosen[same]] = True
    within[left_at[whole[left_group]]] = True
    if not same.all():
        partial = chosen[~same].tolist()
        within |= pairs_within([found.document[bounds[g] : bounds[g + 1]] for g in partial], n_docs, left_out)
    return within


def _group_rows(
    docs: Sequence[Document], found: GroupSpans, groups: Groups, chosen: np.ndarray, found_in: np.ndarray, taken: np.ndarray, chars: np.ndarray,
) -> list[GroupResult]:
    """The rows of the groups at ``chosen`` (numbered ``g1``, ``g2``, ... in
    that order), from their documents' spans (``found_in``: the entries of
    each; ``taken``: those entries, group after group): every member's row
    made in one pass over the entries, each group's a slice of them."""
    ids = document_ids(docs)
    span_ends = found.span_ends[taken]
    span_counts = np.diff(found.span_ends, prepend=0)[taken]
    flat = found.spans[run_positions(span_ends - span_counts, span_counts)].tolist()
    span_bounds = np.concatenate(([0], np.cumsum(span_counts))).tolist()
    members = found.document[taken]
    # each document's id read once, however many groups hold it (a store decodes an id at every read)
    held, number = marked_numbers(members, len(ids))
    member_ids = np.array([ids[k] for k in held.tolist()], dtype=object)[number].tolist()
    members = members.tolist()
    documents = [
        {"id": doc_id, "spans": flat[a:b], "chars": c}
        for doc_id, a, b, c in zip(member_ids, span_bounds[:-1], span_bounds[1:], found.chars[taken].tolist())
    ]
    days = {k: parse_date(value) for k, value in found.dates.items()}  # each document's date read once, not once per group
    dated = np.zeros(len(ids), dtype=bool)
    dated[[k for k, day in days.items() if day is not None]] = True
    # a source needs every member dated: a group with an undated member has none, without a step of its own
    ends = np.cumsum(found_in)
    undated = np.logical_or.reduceat(~dated[found.document[taken]], ends - found_in) if taken.size else taken
    ends = ends.tolist()
    texts = found.texts
    out: list[GroupResult] = []
    for number, (g, a, b, fingerprints, median, missing) in enumerate(
        zip(chosen.tolist(), [0, *ends[:-1]], ends, groups.fingerprints[chosen].tolist(), chars[chosen].tolist(), undated.tolist()), 1,
    ):
        source = _earliest(ids, days, members[a:b]) if not missing else None
        text = texts.get(g, "")
        out.append(GroupResult(
            f"g{number}", documents[a:b], median, fingerprints, source, EARLIEST_DATE if source else UNDETERMINED,
            text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 1] + "…",
        ))
    return out


def group_medians(values: np.ndarray, group: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """:func:`median_int` of each group's ``values`` (``group``: the group of
    each, ascending; ``bounds``: where each group begins, and the last ends),
    0 for a group without any.

    Returns:
        One int64 per group.
    """
    ordered = _sorted_within(values.astype(np.int64, copy=False), group)
    sizes = bounds[1:] - bounds[:-1]
    out = np.zeros(sizes.size, dtype=np.int64)
    some = np.flatnonzero(sizes)
    middle = bounds[:-1][some] + sizes[some] // 2
    upper = ordered[middle]
    lower = np.where(sizes[some] % 2 == 1, upper, ordered[middle - 1])
    out[some] = (lower + upper) // 2
    return out


def _sorted_within(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``values`` sorted within each run of ``group`` (ascending): one sort
    of the values with their group in the high bits where both fit, a few
    times faster than sorting their positions by two keys."""
    if values.size == 0 or (values.min() >= 0 and values.max() < _LOW and group[-1] < _LOW):
        return np.sort((group.astype(np.int64) << _LOW_BITS) | values) & (_LOW - 1)
    return values[np.lexsort((values, group))]


_LOW_BITS = 32
_LOW = 1 << _LOW_BITS


def median_int(values: Sequence[int]) -> int:
    """``int(np.median(values))`` of non-negative whole numbers, in plain
    Python: ``np.median`` costs about 100 µs a call, and a scan of many
    groups calls it twice a group.

    Args:
        values: Non-empty whole numbers, none negative.

    Returns:
        The middle value, or the two middle ones' mean rounded down.
    """
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) // 2


def _earliest(ids: Sequence[str], days: Mapping[int, date | None], positions: list[int]) -> str | None:
    """The id of the document dated before every other one of ``positions``,
    every one dated (``days``: the date of each, read by
    :func:`dedup.document.parse_date` as the pairs' direction reads them;
    compared by their day), or ``None`` where the earliest day is shared."""
    dated = sorted((days[p], ids[p]) for p in positions)
    return dated[0][1] if len(dated) == 1 or dated[0][0] != dated[1][0] else None
