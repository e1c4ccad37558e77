"""Word-level truth inside aligned passages: what stayed, what changed.

An :class:`~dedup.passages.align.Alignment` says *where* two documents share
text; a near-verbatim passage may still hold a few differing words, and a
reworded one holds many. :func:`word_diff` compares the normalised words of
each passage's two sides (as ``git diff --word-diff`` compares lines' words)
and cuts every passage into segments:

* ``verbatim`` — the same words after normalisation (case, Unicode form,
  quote and dash styles never count as a difference);
* ``shared_quotation`` — the same words inside a quotation on both sides
  whose words are the same from its opening mark to its closing one;
* ``altered_quotation`` — the same words inside a quotation on both sides
  whose words differ somewhere (a quotation counts as shared only whole);
* ``changed`` — words of one side that the other does not have at that
  place: deleted from a, inserted in b, or both (a replacement); flagged
  ``number`` or ``name`` when a number or a capitalised word differs.

Each passage is then ``verbatim`` only when it holds no change, ``edited``
when it was found as near-verbatim but some words differ, and ``reworded``
otherwise; a passage whose order differs from its neighbours' in the two
documents is ``moved``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Sequence

import numpy as np

from dedup.document import Span
from dedup.passages.align import REWORDED, VERBATIM, Passage
from dedup.text.normalize import normalize_with_offsets, token_spans
from dedup.text.quotes import quoted_mask

SHARED_QUOTATION = "shared_quotation"
ALTERED_QUOTATION = "altered_quotation"
CHANGED = "changed"
EDITED = "edited"
SEGMENT_KINDS = (VERBATIM, SHARED_QUOTATION, ALTERED_QUOTATION, REWORDED, CHANGED)

# What may stand before a capitalised word that starts a sentence rather
# than naming something.
_SENTENCE_OPENERS = set(".!?\u2026\n\"'\u2018\u201c\u00ab(")


@dataclass(frozen=True)
class Words:
    """The words of one text, with where they stand and which quotation holds them.

    Attributes:
        text: The original text.
        words: Normalised form of each word.
        starts: Original offset where each word begins.
        ends: Original offset just past each word.
        quotation: Per word, the index of the quotation holding it, or -1.
        quotations: Word range ``[first, last+1)`` of each quotation.
    """

    text: str
    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    quotation: np.ndarray
    quotations: list[tuple[int, int]]

    def range_of(self, span: Span) -> tuple[int, int]:
        """Words ``[first, last+1)`` that begin inside ``span``."""
        return int(np.searchsorted(self.starts, span.start, "left")), int(np.searchsorted(self.starts, span.end, "left"))

    def span(self, first: int, last: int) -> Span:
        """Original span from word ``first`` to the end of word ``last - 1``."""
        return Span(int(self.starts[first]), int(self.ends[last - 1]))

    def quotation_words(self, index: int) -> list[str]:
        first, last = self.quotations[index]
        return self.words[first:last]


def words_of(text: str) -> Words:
    """Normalised words of ``text`` with their original offsets and quotations."""
    norm = normalize_with_offsets(text)
    spans = token_spans(norm.text)
    words = [norm.text[s:e] for s, e in spans]
    starts = np.array([norm.starts[s] for s, _ in spans], dtype=np.int64)
    ends = np.array([norm.ends[e - 1] for _, e in spans], dtype=np.int64)
    mask = quoted_mask(text)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    char_ranges = edges.reshape(-1, 2)
    quotation = np.full(len(words), -1, dtype=np.int64)
    quotations: list[tuple[int, int]] = []
    for start, end in char_ranges.tolist():
        first, last = int(np.searchsorted(starts, start, "left")), int(np.searchsorted(starts, end, "left"))
        if last > first:
            quotation[first:last] = len(quotations)
            quotations.append((first, last))
    return Words(text, words, starts, ends, quotation, quotations)


@dataclass(frozen=True)
class Segment:
    """A stretch of one passage: words both sides hold, or a change.

    Attributes:
        kind: One of :data:`SEGMENT_KINDS`.
        passage: Index of the passage in the alignment's list.
        a: Span in the first text (``None`` for words only b has).
        b: Span in the second text (``None`` for words only a has).
        flags: For a change: ``number`` and/or ``name`` when one differs.
    """

    kind: str
    passage: int
    a: Span | None
    b: Span | None
    flags: tuple[str, ...] = ()

    def to_dict(self, a_text: str, b_text: str) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for side, span, text in (("a", self.a, a_text), ("b", self.b, b_text)):
            out[f"{side}_start"] = span.start if span else None
            out[f"{side}_end"] = span.end if span else None
            out[f"{side}_text"] = span.text(text) if span else ""
        if self.kind == CHANGED:
            out["flags"] = list(self.flags)
        return out


@dataclass
class PassageWords:
    """What the word comparison says of one passage.

    Attributes:
        kind: ``verbatim`` (no word differs), ``edited`` (found near-verbatim,
            some words differ) or ``reworded``.
        changed_words: Words of either side inside a change.
        moved: The passage stands elsewhere relative to its neighbours in b.
    """

    kind: str
    changed_words: int = 0
    moved: bool = False


@dataclass
class WordDiff:
    """Every passage cut into word segments (see the module doc)."""

    segments: list[Segment] = field(default_factory=list)
    passages: list[PassageWords] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(p.kind == kind for p in self.passages)


def _flags(words: Words, first: int, last: int) -> set[str]:
    found: set[str] = set()
    text = words.text
    for k in range(first, last):
        word = text[int(words.starts[k]) : int(words.ends[k])]
        if any(ch.isdigit() for ch in word):
            found.add("number")
        elif word[:1].isupper():
            before = text[: int(words.starts[k])].rstrip(" \t")
            if before and before[-1] not in _SENTENCE_OPENERS:
                found.add("name")
    return found


def _equal_kind(wa: Words, wb: Words, i: int, j: int, base: str, same_quotes: dict) -> str:
    """The kind of a word both sides hold at ``i`` in a and ``j`` in b."""
    qa, qb = int(wa.quotation[i]), int(wb.quotation[j])
    if qa < 0 or qb < 0:
        return base
    if (qa, qb) not in same_quotes:
        same_quotes[(qa, qb)] = same_quotation(wa.quotation_words(qa), wb.quotation_words(qb))
    return SHARED_QUOTATION if same_quotes[(qa, qb)] else ALTERED_QUOTATION


def same_quotation(a: list[str], b: list[str]) -> bool:
    """Do two quotations hold the same words?

    One may quote less of the speaker than the other (words missing at its
    start or end only); any word replaced, or missing inside, alters it.
    """
    codes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for k, (tag, *_rest) in enumerate(codes):
        if tag == "equal":
            continue
        if tag == "replace" or 0 < k < len(codes) - 1 or len(codes) == 1:
            return False
    return True


_MIRROR = {"delete": "insert", "insert": "delete"}


def _opcodes(a: list[str], b: list[str], reworded: bool) -> list[tuple[str, int, int, int, int]]:
    """Word opcodes; in a reworded passage a lone common word between two
    changes joins them (a paraphrase's "the" is not shared text)."""
    if a > b:
        # Compared in one order whichever side comes first, so that the
        # result mirrors exactly when a and b swap.
        return [(_MIRROR.get(tag, tag), j1, j2, i1, i2) for tag, i1, i2, j1, j2 in _opcodes(b, a, reworded)]
    codes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if not reworded:
        return codes
    out: list[tuple[str, int, int, int, int]] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(codes):
        lone = tag == "equal" and i2 - i1 == 1 and 0 < k < len(codes) - 1
        if (lone or tag != "equal") and out and out[-1][0] != "equal":
            prev = out.pop()
            out.append(("replace", prev[1], i2, prev[3], j2))
        else:
            out.append(("replace" if lone else tag, i1, i2, j1, j2))
    return out


def _passage_segments(index: int, passage: Passage, wa: Words, wb: Words, same_quotes: dict) -> tuple[list[Segment], int]:
    a0, a1 = wa.range_of(passage.a)
    b0, b1 = wb.range_of(passage.b)
    base = REWORDED if passage.kind == REWORDED else VERBATIM
    segments: list[Segment] = []
    changed = 0
    for tag, i1, i2, j1, j2 in _opcodes(wa.words[a0:a1], wb.words[b0:b1], base == REWORDED):
        i1, i2, j1, j2 = i1 + a0, i2 + a0, j1 + b0, j2 + b0
        if tag != "equal":
            flags = _flags(wa, i1, i2) | _flags(wb, j1, j2)
            segments.append(Segment(
                CHANGED, index, wa.span(i1, i2) if i2 > i1 else None, wb.span(j1, j2) if j2 > j1 else None,
                tuple(sorted(flags)),
            ))
            changed += (i2 - i1) + (j2 - j1)
            continue
        run_start = 0
        kinds = [_equal_kind(wa, wb, i1 + k, j1 + k, base, same_quotes) for k in range(i2 - i1)]
        for k in range(1, len(kinds) + 1):
            if k == len(kinds) or kinds[k] != kinds[run_start]:
                segments.append(Segment(kinds[run_start], index, wa.span(i1 + run_start, i1 + k), wb.span(j1 + run_start, j1 + k)))
                run_start = k
    return segments, changed


# Past this many passages the order check (quadratic) is skipped.
_MAX_ORDERED = 3000


def _moved(passages: Sequence[Passage]) -> list[bool]:
    """Passages outside the heaviest chain (by characters of both sides) that keeps
    the same order in a and in b: the text that stands elsewhere."""
    n = len(passages)
    if n < 2 or n > _MAX_ORDERED:
        return [False] * n
    order = sorted(range(n), key=lambda k: (passages[k].a.start, passages[k].b.start))
    b_starts = np.array([passages[k].b.start for k in order])
    a_starts = np.array([passages[k].a.start for k in order])
    # Both sides' lengths, and order on both sides: the same chain whichever document comes first.
    weight = np.array([len(passages[k].a) + len(passages[k].b) for k in order], dtype=np.int64)
    best = weight.copy()
    parent = np.full(n, -1)
    for rank in range(1, n):
        before = np.flatnonzero((b_starts[:rank] <= b_starts[rank]) & (a_starts[:rank] <= a_starts[rank]))
        if before.size:
            top = int(before[np.argmax(best[before])])
            best[rank] += best[top]
            parent[rank] = top
    kept = set()
    rank = int(np.argmax(best))
    while rank >= 0:
        kept.add(order[rank])
        rank = int(parent[rank])
    return [k not in kept for k in range(n)]


def word_diff(a_text: str, b_text: str, passages: Sequence[Passage]) -> WordDiff:
    """Compare the words of every passage's two sides.

    Args:
        a_text: The first document's original text.
        b_text: The second document's original text.
        passages: The alignment's passages (spans into the two texts).

    Returns:
        A :class:`WordDiff`: segments in passage order, and per passage its
        word-level kind, changed-word count and ``moved`` flag.
    """
    result = WordDiff()
    if not passages:
        return result
    wa, wb = words_of(a_text), words_of(b_text)
    same_quotes: dict[tuple[int, int], bool] = {}
    for index, (passage, moved) in enumerate(zip(passages, _moved(passages))):
        segments, changed = _passage_segments(index, passage, wa, wb, same_quotes)
        result.segments.extend(segments)
        kind = REWORDED if passage.kind == REWORDED else EDITED if changed else VERBATIM
        result.passages.append(PassageWords(kind, changed, moved))
    return result
