"""Sentence segmentation and token offsets, in original-text coordinates.

A document is prepared once for alignment: its normalised text with the
offset map back to the original (:func:`dedup.text.normalize.normalize_with_offsets`),
its tokens with their original start and end offsets and 64-bit hashes, and
its sentences as original spans together with the range of tokens each one
holds. Everything later stages report is an original offset taken from here.

Sentence boundaries: a run of ``.``, ``!``, ``?`` or ``…`` (with any closing
quotes or brackets) followed by white space and then something that is not a
lower-case letter; a blank line; or a line break after such punctuation or
before a capital, digit or opening quote. Scripts with their own full stops
and question marks end a sentence there without white space: CJK ``。！？｡``,
Devanagari and Bengali ``। ॥``, Arabic-script ``۔ ؟``, Armenian ``։``,
Ethiopic ``። ፧ ፨``, Myanmar ``။``, Tibetan ``། ༎``, Khmer ``។ ៕``. Thai and
Lao mark no sentence end but a space: white space between two of their
letters is a boundary.

Every boundary is found in time linear in the text: the pattern is tried
only where a boundary can begin, and a run of stops that does not end a
sentence is skipped whole (see :func:`_boundaries`).

A "sentence" longer than :data:`MAX_SENTENCE_TOKENS` tokens is cut into
near-equal pieces of at most that many tokens, each cut moved to the
closest clause mark (commas, semicolons, colons of every script:
:data:`CLAUSE_MARKS`) within :data:`SNAP_TOKENS` tokens. (Cutting at the
last clause mark within the cap instead gave pieces of very unequal length
and lowered PAN 2013 plagdet on translated text.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import numpy as np

from dedup.document import Span, span_mask
from dedup.text.distinct import distinct
from dedup.text.normalize import NormalizedText, normalize_with_offsets
from dedup.text.shingles import compiled_loop, token_hash_spans

# The compiled boundaries (dedup/text/_sentences.c), or None where not built.
_compiled_bounds = compiled_loop("sentence_bounds", "_sentences")
_compiled_tokens = compiled_loop("sentence_tokens", "_sentences")
_compiled_spans = compiled_loop("spans", "_sentences")
# The compiled fold of ASCII text with its tokens, or None.
_compiled_ascii_tokens = compiled_loop("ascii_folded_tokens", "_sentences")
_compiled_slices = compiled_loop("sentence_slices", "_sentences")

# A "sentence" longer than this many tokens (a list, a table, text without
# punctuation) is cut into near-equal pieces, at clause punctuation where
# there is some near the cut, so that it can still be matched.
MAX_SENTENCE_TOKENS = 60
# How far (in tokens) a cut of a run-on sentence moves to reach a clause mark.
SNAP_TOKENS = 5

_CLOSERS = "\"'\u2019\u201d\u00bb)\\]"
# Full stops and question marks that end a sentence without white space after
# them: CJK (and half-width), Devanagari/Bengali dandas, Arabic question mark
# and Urdu full stop, Armenian, Ethiopic, Myanmar, Tibetan and Khmer stops.
SCRIPT_STOPS = (
    "\u3002\uff01\uff1f\uff61"
    "\u0964\u0965"
    "\u061f\u06d4"
    "\u0589"
    "\u1362\u1367\u1368"
    "\u104b"
    "\u0f0d\u0f0e"
    "\u17d4\u17d5"
)
# Closing marks that stay with a script stop: CJK corner brackets and
# full-width parenthesis, and the Latin closers.
_SCRIPT_CLOSERS = "\u300d\u300f\uff09" + _CLOSERS
# Text that ends like a sentence, in any script: a full stop, question or
# exclamation mark, then closing quotes or brackets.
ENDS_SENTENCE = re.compile(f"[.!?{SCRIPT_STOPS}][{re.escape(_SCRIPT_CLOSERS)}]*$")
# Letters of scripts that separate sentences (not words) with a space: Thai, Lao.
_SPACED_SCRIPTS = "\u0e01-\u0e5b\u0e81-\u0edf"
# Clause punctuation, where a run-on sentence is cut: Latin, Arabic-script
# comma and semicolon, CJK full-width and ideographic comma, semicolon and
# colon, Armenian comma, Ethiopic comma, semicolon and colons, Myanmar
# little section, Greek ano teleia, dashes.
CLAUSE_MARKS = ",;:\u060c\u061b\uff0c\uff1b\uff1a\u3001\u055d\u1363\u1364\u1365\u1366\u104a\u0387\u2013\u2014"
_CLAUSE = re.compile(f"[{CLAUSE_MARKS}]")
_STOPS = ".!?\u2026"
# A boundary's group, where it has one, is the part that stays with the
# sentence before it (the stops and closers); the rest is white space.
_BOUNDARY = re.compile(
    rf"([{_STOPS}]+[{_CLOSERS}]*)\s+(?=[^\s\u0061-\u007a])"  # full stop, space, not lower case
    r"|\n[ \t]*\n\s*"  # blank line
    rf"|(?<=[{_STOPS}:;{_CLOSERS}])[ \t]*\n\s*"  # line break after punctuation
    r"|[ \t]*\n\s*(?=[A-Z0-9\"'\u2018\u201c\u00ab\u2013\u2014-])"  # line break before a capital
    rf"|([{SCRIPT_STOPS}]+[{_SCRIPT_CLOSERS}]*)\s*"  # a script's own stops
    rf"|(?<=[{_SPACED_SCRIPTS}])\s+(?=[{_SPACED_SCRIPTS}])"  # a space between Thai or Lao letters
)
# Where a boundary can begin: at a stop, at a line break, or at white space
# after a Thai or Lao letter.
_BOUNDARY_START = re.compile(rf"[{_STOPS}\n{SCRIPT_STOPS}]|(?<=[{_SPACED_SCRIPTS}])\s")
_STOP_RUN = re.compile(f"[{_STOPS}]+")


def sentence_spans(text: str, compiled: bool = True) -> list[Span]:
    """Split ``text`` into sentences.

    Args:
        text: Original text.
        compiled: Take the compiled scan where it was built (``False``: the
            Python reference).

    Returns:
        Spans of the sentences in ``text`` order, trimmed of surrounding white
        space; empty stretches are left out.
    """
    if compiled and _compiled_bounds is not None:
        return span_list(sentence_bounds(text))
    spans: list[Span] = []
    start = 0
    for match in _boundaries(text):
        group = match.lastindex
        end = match.end(group) if group else match.start()
        # A boundary swallows the white space after it, so a sentence only
        # needs trimming at its very start or before an odd line break.
        if start < end and (text[start].isspace() or text[end - 1].isspace()):
            _add_trimmed(text, start, end, spans)
        elif start < end:
            spans.append(Span(start, end))
        start = match.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def sentence_bounds(text: str, compiled: bool = True) -> np.ndarray:
    """:func:`sentence_spans` as an ``(n, 2)`` int64 array of starts and
    ends, by one compiled pass over the text's code points where it was
    built (and ``compiled`` is true)."""
    if compiled and _compiled_bounds is not None:
        return np.frombuffer(_compiled_bounds(text), dtype=np.int64).reshape(-1, 2)
    spans = sentence_spans(text, compiled=False)
    return np.array([(s.start, s.end) for s in spans], dtype=np.int64).reshape(-1, 2)


def span_list(bounds: np.ndarray, compiled: bool = True) -> list[Span]:
    """A :class:`Span` for each row of an ``(n, 2)`` int64 array of starts
    and ends (made by the compiled loop where it was built and ``compiled``
    is true: a sixth of the time of a Python loop)."""
    if compiled and _compiled_spans is not None:
        return _compiled_spans(Span, np.ascontiguousarray(bounds, dtype=np.int64))
    return [Span(a, b) for a, b in bounds.tolist()]


def _boundaries(text: str) -> Iterator[re.Match]:
    """The matches of ``_BOUNDARY.finditer(text)``, trying the pattern only
    where a boundary can begin: at a stop, at a line break, at the spaces
    and tabs just before a line break, or at a space after a Thai or Lao
    letter. (Each boundary ends before a character that is not white space,
    so the next one never begins inside a run of white space.)

    A run of Latin stops where no boundary begins is skipped whole: a
    boundary starting later in the run would take the same stops, closers
    and white space after it, so it fails too. Without the skip, each stop
    of a run of n would scan to its end: n² steps.
    """
    pos = 0
    for candidate in _BOUNDARY_START.finditer(text):
        at = candidate.start()
        if at < pos:
            continue
        if text[at] == "\n":
            # A boundary at this line break may begin at the spaces before it.
            first = at
            while first > pos and text[first - 1] in " \t":
                first -= 1
            match = _BOUNDARY.match(text, first) if first < at else None
            if match is None:
                match = _BOUNDARY.match(text, at)
        else:
            match = _BOUNDARY.match(text, at)
        if match is not None:
            yield match
            pos = match.end()
        elif text[at] in _STOPS:
            pos = _STOP_RUN.match(text, at).end()


def _add_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append(Span(start + lead, start + lead + len(stripped)))


@dataclass(frozen=True)
class PreparedText:
    """A text ready for alignment.

    Attributes:
        text: The original text.
        token_starts: Original offset where each token begins.
        token_ends: Original offset just past each token.
        hashes: uint64 hash of each normalised token.
        masked: Boolean per token: inside a masked (boilerplate) span; an
            n-gram holding a masked token never matches.
        masked_chars: Boolean per character of ``text``: inside a masked span.
        sentences: Original span of each sentence.
        sentence_tokens: ``(n_sentences, 2)`` token range ``[first, last+1)``
            of each sentence.
        sentence_texts: Normalised text of each sentence.
    """

    text: str
    token_starts: np.ndarray
    token_ends: np.ndarray
    hashes: np.ndarray
    masked: np.ndarray
    masked_chars: np.ndarray
    sentences: list[Span]
    sentence_tokens: np.ndarray
    sentence_texts: list[str]

    @property
    def n_tokens(self) -> int:
        return int(self.token_starts.size)

    @cached_property
    def normalized(self) -> NormalizedText:
        """Normalised text with offsets back to ``text``, made on first use:
        alignment reads only the tokens and sentences, and the offsets take
        16 bytes a character."""
        return normalize_with_offsets(self.text)


def prepare_text(text: str, masks: list[Span] | tuple[Span, ...] | None = None, compiled: bool = True) -> PreparedText:
    """Normalise, tokenise and segment ``text`` for alignment.

    Args:
        text: Original text.
        masks: Original spans to leave out of any match (boilerplate).
        compiled: Normalise and find the sentences by the compiled passes
            where they were built (``False``: the Python reference; the
            result is the same).

    Returns:
        A :class:`PreparedText`.
    """
    if compiled and _compiled_ascii_tokens is not None and text.isascii():
        norm, hashes, starts, ends, norm_starts, norm_ends = _ascii_tokens(text)
    else:
        normalized = normalize_with_offsets(text, compiled)
        norm = normalized.text
        hashes, norm_starts, norm_ends = token_hash_spans(norm)
        starts = normalized.starts[norm_starts]
        ends = normalized.ends[norm_ends - 1]
    masked_chars = span_mask(len(text), masks)
    masked = masked_chars[starts]
    bounds, ranges = _sentence_tokens(sentence_bounds(text, compiled), starts, compiled)
    sentences, sentence_tokens = _cut_long(text, bounds, ranges, starts, ends, compiled)
    texts = _sentence_texts(norm, norm_starts, norm_ends, sentence_tokens, masked, compiled)
    return PreparedText(text, starts, ends, hashes, masked, masked_chars, sentences, sentence_tokens, texts)


def _ascii_tokens(text: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The normalised ASCII text and its tokens in one compiled pass: what
    :func:`normalize_with_offsets`, then :func:`token_hash_spans` of its
    text and the map back to original offsets give, without a second pass
    over the text nor the offsets of every character.

    Returns:
        ``(normalized, hashes, starts, ends, norm_starts, norm_ends)``: the
        normalised string, and the token hashes, original and normalised ranges.
    """
    folded, hashes, *ranges = _compiled_ascii_tokens(text)
    starts, ends, norm_starts, norm_ends = (np.frombuffer(r, dtype=np.int64) for r in ranges)
    return folded, np.frombuffer(hashes, dtype=np.uint64), starts, ends, norm_starts, norm_ends


def _sentence_tokens(bounds: np.ndarray, starts: np.ndarray, compiled: bool) -> tuple[np.ndarray, np.ndarray]:
    """The sentences that hold a token, and the token range of each.

    Args:
        bounds: ``(n, 2)`` original start and end of each sentence.
        starts: Original start of each token.
        compiled: Take the compiled loop where it was built.

    Returns:
        ``(bounds, ranges)``: the rows of ``bounds`` kept and the
        ``[first, last)`` token range of each, ``(k, 2)`` int64 arrays.
    """
    if compiled and _compiled_tokens is not None:
        kept, ranges = _compiled_tokens(bounds, np.ascontiguousarray(starts, dtype=np.int64))
        return np.frombuffer(kept, dtype=np.int64).reshape(-1, 2), np.frombuffer(ranges, dtype=np.int64).reshape(-1, 2)
    first = np.searchsorted(starts, bounds[:, 0], side="left")
    last = np.searchsorted(starts, bounds[:, 1], side="left")
    keep = last > first
    return bounds[keep], np.stack((first[keep], last[keep]), axis=1).astype(np.int64, copy=False).reshape(-1, 2)


def _cut_long(text: str, bounds: np.ndarray, ranges: np.ndarray, starts: np.ndarray, ends: np.ndarray, compiled: bool) -> tuple[list[Span], np.ndarray]:
    """Split sentences longer than MAX_SENTENCE_TOKENS into pieces
    (:func:`_cut_points`).

    Args:
        text: Original text.
        bounds: ``(n, 2)`` original start and end of each sentence.
        ranges: ``(n, 2)`` token range ``[first, last)`` of each sentence.
        starts, ends: Original start and end of each token.
        compiled: Make the spans by the compiled loop where it was built.

    Returns:
        The sentence spans and their ``(first, last+1)`` token ranges.
    """
    if not np.any(ranges[:, 1] - ranges[:, 0] > MAX_SENTENCE_TOKENS):
        return span_list(bounds, compiled), ranges  # no run-on sentence (most texts)
    pieces: list[tuple[int, int]] = []
    cut_ranges: list[tuple[int, int]] = []
    for (start, end), (a, b) in zip(bounds.tolist(), ranges.tolist()):
        if b - a <= MAX_SENTENCE_TOKENS:
            pieces.append((start, end))
            cut_ranges.append((a, b))
            continue
        cuts = _cut_points(text, a, b, starts, ends)
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            pieces.append((start if lo == a else int(starts[lo]), end if hi == b else int(ends[hi - 1])))
            cut_ranges.append((lo, hi))
    spans = span_list(np.array(pieces, dtype=np.int64).reshape(-1, 2), compiled)
    return spans, np.array(cut_ranges, dtype=np.int64).reshape(-1, 2)


def _equal_cuts(a: int, b: int) -> list[int]:
    """``[a, ..., b]`` cutting ``[a, b)`` into near-equal pieces of at most MAX_SENTENCE_TOKENS."""
    return np.linspace(a, b, -(-(b - a) // MAX_SENTENCE_TOKENS) + 1).round().astype(np.int64).tolist()


def _clause_cuts(text: str, a: int, b: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Tokens ``k`` in ``(a, b)`` with clause punctuation between token
    ``k - 1`` and token ``k`` (a mark between two digits, as in ``3,000``
    or ``10:30``, is part of a number)."""
    marks = np.array(
        [m.start() for m in _CLAUSE.finditer(text, int(starts[a]), int(ends[b - 1])) if not _in_number(text, m.start())],
        dtype=np.int64,
    )
    if marks.size == 0:
        return marks
    after = np.searchsorted(starts, marks, side="right")
    ok = (after > a) & (after < b)
    ok[ok] &= ends[after[ok] - 1] <= marks[ok]
    return distinct(after[ok])


def _in_number(text: str, at: int) -> bool:
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def _cut_points(text: str, a: int, b: int, starts: np.ndarray, ends: np.ndarray) -> list[int]:
    """Where to cut the run-on sentence of tokens ``[a, b)``: ``[a, ..., b]``.

    The near-equal cuts of :func:`_equal_cuts`, each moved to the closest
    clause mark within :data:`SNAP_TOKENS` tokens of it (keeping every
    piece within MAX_SENTENCE_TOKENS).
    """
    cuts = _equal_cuts(a, b)
    marks = _clause_cuts(text, a, b, starts, ends)
    if marks.size == 0:
        return cuts
    out = [a]
    for k, cut in enumerate(cuts[1:-1], start=1):
        near = marks[(np.abs(marks - cut) <= SNAP_TOKENS) & (marks > out[-1]) & (marks - out[-1] <= MAX_SENTENCE_TOKENS) & (cuts[k + 1] - marks <= MAX_SENTENCE_TOKENS)]
        out.append(int(near[np.argmin(np.abs(near - cut))]) if near.size else cut)
    out.append(b)
    return out


def _sentence_texts(norm: str, starts: np.ndarray, ends: np.ndarray, ranges: np.ndarray, masked: np.ndarray, compiled: bool = True) -> list[str]:
    """Normalised text of each sentence (``starts`` and ``ends``: normalised
    offsets of the tokens); empty when mostly masked. Cut by the compiled
    loop where it was built and ``compiled`` is true, when nothing is masked."""
    if ranges.size == 0:
        return []
    if compiled and _compiled_slices is not None and not masked.any():
        return _compiled_slices(norm, *(np.ascontiguousarray(a, dtype=np.int64) for a in (starts, ends, ranges)))
    lo = starts[ranges[:, 0]].tolist()
    hi = ends[ranges[:, 1] - 1].tolist()
    if not masked.any():  # nothing masked (most texts): every sentence's text
        return [norm[a:b] for a, b in zip(lo, hi)]
    sums = np.concatenate(([0], np.cumsum(masked, dtype=np.int64)))
    first, last = ranges[:, 0], ranges[:, 1]
    mostly = (sums[last] - sums[first]) * 2 > (last - first)
    return ["" if m else norm[a:b] for a, b, m in zip(lo, hi, mostly.tolist())]


def masked_windows(masked: np.ndarray, n: int) -> np.ndarray:
    """Per n-gram start: does the n-gram hold a masked token?

    Returns:
        Boolean array of ``max(len(masked) - n + 1, 0)`` entries.
    """
    count = masked.size - n + 1
    if count <= 0:
        return np.zeros(0, dtype=bool)
    sums = np.concatenate(([0], np.cumsum(masked, dtype=np.int64)))
    return (sums[n : n + count] - sums[:count]) > 0
