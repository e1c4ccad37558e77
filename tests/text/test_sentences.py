"""Sentence spans: the fast scan gives what the boundary pattern defines."""

from __future__ import annotations

import random

import pytest

from dedup.document import Span
from dedup.text.sentences import _BOUNDARY, sentence_spans


def reference_spans(text: str) -> list[Span]:
    """Every match of the boundary pattern, left to right; the text between
    them, trimmed, is a sentence."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + len(match.group(0).rstrip())
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append(Span(start + lead, start + lead + len(piece.strip())))
        start = match.end()
    piece = text[start:]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        spans.append(Span(start + lead, start + lead + len(piece.strip())))
    return spans


@pytest.mark.parametrize("seed", range(3))
def test_sentence_spans_match_the_boundary_pattern(seed):
    rng = random.Random(seed)
    # Stops, closers, every kind of white space around line breaks, lower
    # and upper case, CJK stops.
    alphabet = list("aA .!?\u2026\n\n  \t\r'\")\u00bb\u3002\u300d\u0964\u00a0Z1:;-\u201c")
    for _ in range(8000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert sentence_spans(text) == reference_spans(text), repr(text)


def test_sentence_spans_of_a_paragraph():
    text = "  First one. Second one!\u201d And a third\nline \t\nNew line?  \n\nLast\u3002"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "First one.",
        "Second one!\u201d",
        "And a third\nline",
        "New line?",
        "Last\u3002",
    ]
