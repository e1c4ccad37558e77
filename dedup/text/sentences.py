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
(``。``, ``！``, ``？``, ``।``, ``؟``) end a sentence without white space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from dedup.document import Span, span_mask
from dedup.text.normalize import NormalizedText, normalize_with_offsets
from dedup.text.shingles import token_hash_spans

# A "sentence" longer than this many tokens (a list, a table, text without
# punctuation) is cut into near-equal pieces so that it can still be matched.
MAX_SENTENCE_TOKENS = 60

_CLOSERS = "\"'\u2019\u201d\u00bb)\\]"
# A boundary's group, where it has one, is the part that stays with the
# sentence before it (the stops and closers); the rest is white space.
_BOUNDARY = re.compile(
    rf"([.!?\u2026]+[{_CLOSERS}]*)\s+(?=[^\s\u0061-\u007a])"  # full stop, space, not lower case
    r"|\n[ \t]*\n\s*"  # blank line
    rf"|(?<=[.!?:;\u2026{_CLOSERS}])[ \t]*\n\s*"  # line break after punctuation
    r"|[ \t]*\n\s*(?=[A-Z0-9\"'\u2018\u201c\u00ab\u2013\u2014-])"  # line break before a capital
    r"|([\u3002\uff01\uff1f\u0964\u061f]+[\u300d\u300f\uff09]*)\s*"  # CJK, Devanagari, Arabic stops
)
# The characters a boundary holds one of: where to try it.
_BOUNDARY_START = re.compile("[.!?\u2026\n\u3002\uff01\uff1f\u0964\u061f]")


def sentence_spans(text: str) -> list[Span]:
    """Split ``text`` into sentences.

    Args:
        text: Original text.

    Returns:
        Spans of the sentences in ``text`` order, trimmed of surrounding white
        space; empty stretches are left out.
    """
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


def _boundaries(text: str) -> Iterator[re.Match]:
    """The matches of ``_BOUNDARY.finditer(text)``, trying the pattern only
    where a boundary can begin: at a stop, at a line break, or at the spaces
    and tabs just before a line break. (Each boundary ends before a
    character that is not white space, so the next one never begins inside
    a run of white space.)"""
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
        normalized: Normalised text with offsets back to ``text``.
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
    normalized: NormalizedText
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


def prepare_text(text: str, masks: list[Span] | tuple[Span, ...] | None = None) -> PreparedText:
    """Normalise, tokenise and segment ``text`` for alignment.

    Args:
        text: Original text.
        masks: Original spans to leave out of any match (boilerplate).

    Returns:
        A :class:`PreparedText`.
    """
    normalized = normalize_with_offsets(text)
    norm = normalized.text
    hashes, norm_starts, norm_ends = token_hash_spans(norm)
    starts = normalized.starts[norm_starts]
    ends = normalized.ends[norm_ends - 1]
    masked_chars = span_mask(len(text), masks)
    masked = masked_chars[starts]
    sentences = sentence_spans(text)
    first = np.searchsorted(starts, [s.start for s in sentences], side="left")
    last = np.searchsorted(starts, [s.end for s in sentences], side="left")
    keep = last > first
    sentences, sentence_tokens = _cut_long(
        [s for s, k in zip(sentences, keep) if k], first[keep], last[keep], starts, ends
    )
    texts = _sentence_texts(norm, norm_starts, norm_ends, sentence_tokens, masked)
    return PreparedText(text, normalized, starts, ends, hashes, masked, masked_chars, sentences, sentence_tokens, texts)


def _cut_long(sentences, first, last, starts, ends) -> tuple[list[Span], np.ndarray]:
    """Split sentences longer than MAX_SENTENCE_TOKENS into near-equal pieces.

    Returns:
        The sentence spans and their ``(first, last+1)`` token ranges.
    """
    spans: list[Span] = []
    ranges: list[tuple[int, int]] = []
    for sentence, a, b in zip(sentences, first.tolist(), last.tolist()):
        if b - a <= MAX_SENTENCE_TOKENS:
            spans.append(sentence)
            ranges.append((a, b))
            continue
        cuts = np.linspace(a, b, -(-(b - a) // MAX_SENTENCE_TOKENS) + 1).round().astype(np.int64).tolist()
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            start = sentence.start if lo == a else int(starts[lo])
            end = sentence.end if hi == b else int(ends[hi - 1])
            spans.append(Span(start, end))
            ranges.append((lo, hi))
    return spans, np.array(ranges, dtype=np.int64).reshape(-1, 2)


def _sentence_texts(norm: str, starts: np.ndarray, ends: np.ndarray, ranges: np.ndarray, masked: np.ndarray) -> list[str]:
    """Normalised text of each sentence (``starts`` and ``ends``: normalised
    offsets of the tokens); empty when mostly masked."""
    if ranges.size == 0:
        return []
    sums = np.concatenate(([0], np.cumsum(masked, dtype=np.int64)))
    first, last = ranges[:, 0], ranges[:, 1]
    mostly = (sums[last] - sums[first]) * 2 > (last - first)
    lo = starts[first].tolist()
    hi = ends[last - 1].tolist()
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
