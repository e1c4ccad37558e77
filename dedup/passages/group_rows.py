"""The shared-passage groups a scan reports, as result rows.

A group is reported when it holds a pair of documents that is reported
through it only (:mod:`dedup.passages.groups`), and its text is
``passages.min_shared_chars`` long in the median document, as the index
places it or by the index's estimate (the floor of a pair from the index). Its
likely source is the document dated before all the others; without dates,
or with the earliest date shared, the direction is undetermined.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings
from dedup.document import Document, Span, document_ids, parse_date
from dedup.passages.group_spans import GroupSpans, group_spans
from dedup.passages.groups import GroupCollector, groups_with_pairs_left, pairs_within
from dedup.results import GroupResult

EARLIEST_DATE, UNDETERMINED = "earliest date", "undetermined"
_TEXT_CHARS = 300  # of the shared text shown with a group


def shared_passage_groups(
    docs: Sequence[Document], collector: GroupCollector, left_out: np.ndarray, n_docs: int,
    settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None,
) -> tuple[list[GroupResult], np.ndarray]:
    """The groups to report, numbered ``g1``, ``g2``, ... in order of their documents.

    Args:
        docs: The documents.
        collector: What the candidate sort gathered.
        left_out: ``(m, 2)`` candidate pairs reported through groups only.
        n_docs: Documents in the corpus.
        settings: ``min_shared_fingerprints`` and ``min_shared_chars`` (the
            floors of a group) and the index's n-grams.
        masks: Boilerplate spans per document id.

    Returns:
        The groups, each with its documents' spans, and which of the
        ``left_out`` pairs one of them holds (both documents among its
        members): the others are not reported through groups.
    """
    groups = collector.groups(settings.min_shared_fingerprints)
    codes = np.sort(left_out[:, 0] * np.int64(n_docs) + left_out[:, 1]) if len(left_out) else np.zeros(0, dtype=np.int64)
    groups = groups.taking(groups_with_pairs_left(groups, n_docs, codes))
    found = group_spans(docs, groups, settings, masks, _TEXT_CHARS + 1)
    ids = document_ids(docs)
    out: list[GroupResult] = []
    held: list[np.ndarray] = []
    for group in range(len(groups)):
        members = found.spans.get(group, [])
        row = _group_row(ids, found, group, members, int(groups.fingerprints[group]))
        # the spans stop at sampled fingerprints, short of the text shared: the floor also takes the index's
        # estimate, as it does for a pair reported from the index, so that what would be a pair is never lost
        estimated = median_int(found.estimates[group]) if members else 0
        if len(members) >= settings.group_min_docs and max(row.chars, estimated) >= settings.min_shared_chars:
            out.append(row)
            held.append(np.array(sorted(position for position, _ in members), dtype=np.int64))
    for number, row in enumerate(out, 1):
        row.id = f"g{number}"
    return out, pairs_within(held, n_docs, left_out)


def _group_row(ids: Sequence[str], found: GroupSpans, group: int, members: list[tuple[int, list[list[int]]]], fingerprints: int) -> GroupResult:
    """One group's row (its id set later), from its documents' spans."""
    covered = found.chars.get(group, [])
    documents = [{"id": ids[position], "spans": spans, "chars": c} for (position, spans), c in zip(members, covered)]
    chars = median_int(covered) if documents else 0
    text = found.texts.get(group, "")
    source = _earliest(ids, found.dates, [position for position, _ in members])
    return GroupResult(
        "", documents, chars, fingerprints, source, EARLIEST_DATE if source else UNDETERMINED,
        text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 1] + "…",
    )


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


def _earliest(ids: Sequence[str], dates: Mapping[int, str], positions: list[int]) -> str | None:
    """The id of the document dated before every other one of ``positions``
    (dates read by :func:`dedup.document.parse_date` and compared by their
    day), or ``None`` (a member without a date that parses, or the earliest
    day shared)."""
    days = {p: parse_date(dates[p]) for p in positions if p in dates}  # read as the pairs' direction reads them
    dated = sorted((day, ids[p]) for p, day in days.items() if day is not None)
    if not dated or len(dated) < len(positions) or (len(dated) > 1 and dated[0][0] == dated[1][0]):
        return None
    return dated[0][1]
