"""Reworded passages of an alignment: its sentence pairs chained into runs
that follow each other in both texts (and summary chains), each kept where
verbatim passages do not already tell it (see :mod:`dedup.passages.align`).

The passages come back as ``(span of a, span of b, score)``; the aligner
makes them :class:`~dedup.passages.align.Passage` objects.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from dedup.document import Span
from dedup.text.sentences import PreparedText

# A reworded passage with this share of a side inside verbatim passages adds
# nothing there (see :func:`reworded_passages`).
VERBATIM_COVERED = 0.8
# A summary chain (:func:`_summary_chains`) joins this many groups or more,
# and its long side stretches at least (a summary is shorter than what it
# tells) and at most this many times its short side.
SUMMARY_MIN_GROUPS = 3
SUMMARY_MIN_RATIO = 2
SUMMARY_MAX_RATIO = 12
# Two groups make a summary chain too when its short side is a handful of
# sentences, most of them aligned (see :func:`_short_summary`): two runs of
# a longer stretch are two passages, not a summary.
SUMMARY_SHORT_GROUPS = 2
SUMMARY_SHORT_SENTENCES = 6
SUMMARY_SHORT_DENSITY = 0.6
SUMMARY_SHORT_SHARE = 0.5


def _groups(pairs: list[tuple[int, int]], gap: int) -> list[list[tuple[int, int]]]:
    """Chain sentence pairs that follow each other (within ``gap``) in both texts."""
    groups: list[list[tuple[int, int]]] = []
    reach = gap + 1
    for pair in sorted(pairs):
        i, j = pair
        best, nearest = None, 0
        for g in groups[-8:]:
            li, lj = g[-1]
            if 0 <= i - li <= reach and -1 <= j - lj <= reach and (best is None or abs(j - lj) < nearest):
                best, nearest = g, abs(j - lj)  # the group whose last pair is nearest in b (the first of equals)
        if best is None:
            groups.append([pair])
        else:
            best.append(pair)
    return groups


def _summary_chains(groups: list[list[tuple[int, int]]], gap: int, sa: list[Span], sb: list[Span], min_chars: int = 0,
                    scores: dict[tuple[int, int], float] | None = None) -> list[tuple[list[tuple[int, int]], bool]]:
    """Join groups that follow each other closely in one text and in order,
    however far apart, in the other: a summary tells a long text in a few
    sentences, each standing for a stretch of the source (many-to-one).

    A chain is kept only when its stretch of the long side is
    :data:`SUMMARY_MIN_RATIO` to :data:`SUMMARY_MAX_RATIO` times its stretch
    of the short side (a rewrite that moves its sentences about is not a
    summary), and it joins at least :data:`SUMMARY_MIN_GROUPS` groups (a
    stray pair of sentences does not make a summary), or
    :data:`SUMMARY_SHORT_GROUPS` when it is a short summary
    (:func:`_short_summary`) holding :data:`SUMMARY_SHORT_SHARE` or more of
    the pair's aligned sentences (a pair told by a summary has little else
    aligned; two runs among many are two passages).

    Args:
        groups: From :func:`_groups`.
        gap: Sentences that may be skipped between two groups on the close side.
        sa: Sentences of a.
        sb: Sentences of b.
        min_chars: Characters each group of a short summary spans on both sides.
        scores: Cosine of each sentence pair (none: every pair counts as reworded).

    Returns:
        ``(sentence pairs, whether they are a summary chain)`` per passage to make.
    """
    total = sum(len(group) for group in groups)
    chains: list[list[list[tuple[int, int]]]] = []
    for group in sorted(groups):
        if chains:
            last, first = chains[-1][-1][-1], group[0]
            di, dj = first[0] - last[0], first[1] - last[1]
            if (0 < di <= gap + 1 and dj > 0) or (0 < dj <= gap + 1 and di > 0):
                chains[-1].append(group)
                continue
        chains.append([group])
    out = []
    for chain in chains:
        if len(chain) < min(SUMMARY_SHORT_GROUPS, SUMMARY_MIN_GROUPS):  # one group: never a summary, whatever its stretches
            out.append((chain[0], False))
            continue
        pairs = [pair for group in chain for pair in group]
        span_a = sa[max(i for i, _ in pairs)].end - sa[min(i for i, _ in pairs)].start
        span_b = sb[max(j for _, j in pairs)].end - sb[min(j for _, j in pairs)].start
        ratio = max(span_a, span_b) / max(min(span_a, span_b), 1)
        short = (len(pairs) >= SUMMARY_SHORT_SHARE * total
                 and _short_summary(chain, span_a <= span_b, sa, sb, min_chars, scores or {}))
        groups_needed = SUMMARY_SHORT_GROUPS if short else SUMMARY_MIN_GROUPS
        if len(chain) >= groups_needed and SUMMARY_MIN_RATIO <= ratio <= SUMMARY_MAX_RATIO:
            out.append((pairs, True))
        else:
            out.extend((group, False) for group in chain)
    return out


def _short_summary(chain: list[list[tuple[int, int]]], a_is_short: bool, sa: list[Span], sb: list[Span], min_chars: int,
                   scores: dict[tuple[int, int], float]) -> bool:
    """Is a chain a summary told in a handful of sentences?

    Its short side stretches over at most :data:`SUMMARY_SHORT_SENTENCES`
    sentences, :data:`SUMMARY_SHORT_DENSITY` of them aligned (the summary is
    the text there, not a few sentences scattered in other text); each group
    spans ``min_chars`` on both sides (a heading or a one-word line that
    matches is no evidence); and at least one pair is reworded (copied
    sentences from far apart are copies, not a summary).
    """
    pairs = [pair for group in chain for pair in group]
    short = {i for i, _ in pairs} if a_is_short else {j for _, j in pairs}
    stretch = max(short) - min(short) + 1
    return (stretch <= SUMMARY_SHORT_SENTENCES and len(short) >= SUMMARY_SHORT_DENSITY * stretch
            and all(_group_chars(group, sa, sb) >= min_chars for group in chain)
            and any(scores.get(pair, 0.0) < 1.0 for pair in pairs))


def _group_chars(group: list[tuple[int, int]], sa: list[Span], sb: list[Span]) -> int:
    """Characters a group of sentence pairs spans on its shorter side."""
    return min(sa[group[-1][0]].end - sa[group[0][0]].start, sb[max(j for _, j in group)].end - sb[min(j for _, j in group)].start)


def _verbatim_hull(a: Span, b: Span, verbatim: Sequence[Any]) -> tuple[Span, Span]:
    """``a`` and ``b`` cut to the stretch the verbatim passages inside them
    span (unchanged when none lies inside both)."""
    inside = [p for p in verbatim if a.start <= p.a.start and p.a.end <= a.end and b.start <= p.b.start and p.b.end <= b.end]
    if not inside:
        return a, b
    return (Span(min(p.a.start for p in inside), max(p.a.end for p in inside)),
            Span(min(p.b.start for p in inside), max(p.b.end for p in inside)))


def _merged(spans: Sequence[Span]) -> list[tuple[int, int]]:
    """The union of ``spans`` as sorted, disjoint ``(start, end)`` runs."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((s.start, s.end) for s in spans if s.end > s.start):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _covered(runs: list[tuple[int, int]], span: Span) -> float:
    """Share of ``span`` inside ``runs`` (from :func:`_merged`): the mean of a
    mask of the runs over the span, without the mask."""
    if not len(span):
        return 0.0
    inside = sum(min(end, span.end) - max(start, span.start) for start, end in runs if start < span.end and end > span.start)
    return inside / len(span)


def _word_span(p: PreparedText, start: int, end: int) -> Span:
    """``[start, end)`` trimmed to begin at its first word and end with its last
    (no opening quotation mark or final full stop of a sentence left alone)."""
    first = int(np.searchsorted(p.token_starts, start, side="left"))
    last = int(np.searchsorted(p.token_ends, end, side="right")) - 1
    if first > last:
        return Span(start, end)
    return Span(int(p.token_starts[first]), int(p.token_ends[last]))


def reworded_passages(ta: PreparedText, tb: PreparedText, pairs: list[tuple[int, int]], scores: dict[tuple[int, int], float],
                      verbatim: Sequence[Any], ps) -> list[tuple[Span, Span, float]]:
    """The reworded passages of an alignment.

    Args:
        ta: Prepared text of a.
        tb: Prepared text of b.
        pairs: Its aligned sentence pairs ``(i, j)``, sorted.
        scores: The score of each of them.
        verbatim: Its verbatim passages (with spans ``a`` and ``b``).
        ps: The passage settings (``sentence_gap``, ``min_passage_chars``,
            ``sentence_threshold``).

    Returns:
        ``(span of a, span of b, mean score)`` per passage: a group is left out
        when verbatim passages cover :data:`VERBATIM_COVERED` of both its sides;
        covered on one side only, it is cut to the stretch they span
        (:func:`_verbatim_hull`), unless it is a summary chain.
    """
    sa, sb = ta.sentences, tb.sentences
    va, vb = _merged([p.a for p in verbatim]), _merged([p.b for p in verbatim])
    out = []
    for group, chain in _summary_chains(_groups(pairs, ps.sentence_gap), ps.sentence_gap, sa, sb, ps.min_passage_chars, scores):
        a = _word_span(ta, min(sa[i].start for i, _ in group), max(sa[i].end for i, _ in group))
        b = _word_span(tb, min(sb[j].start for _, j in group), max(sb[j].end for _, j in group))
        if min(len(a), len(b)) < ps.min_passage_chars:
            continue
        covered = (_covered(va, a) >= VERBATIM_COVERED, _covered(vb, b) >= VERBATIM_COVERED)
        if any(covered) and not all(covered) and not chain:
            # One side already told by verbatim passages: the other side's
            # text beyond them is its own (a longer sentence around a copied
            # paragraph); a summary tells that side in its own words.
            a, b = _verbatim_hull(a, b, verbatim)
            covered = (_covered(va, a) >= VERBATIM_COVERED, _covered(vb, b) >= VERBATIM_COVERED)
        if all(covered):
            continue
        score = float(np.mean([scores[i, j] for i, j in group]))
        if len(group) == 1 and score < ps.sentence_threshold:
            continue
        out.append((a, b, score))
    return out
