"""Sentence spans: the fast scan gives what the boundary pattern defines."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dedup.document import Span
from dedup.text.sentences import _BOUNDARY, MAX_SENTENCE_TOKENS, SCRIPT_STOPS, prepare_text, sentence_spans


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
        assert sentence_spans(text) == reference_spans(text) == sentence_spans(text, compiled=False), repr(text)


def test_sentence_spans_of_a_paragraph():
    text = "  First one. Second one!\u201d And a third\nline \t\nNew line?  \n\nLast\u3002"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "First one.",
        "Second one!\u201d",
        "And a third\nline",
        "New line?",
        "Last\u3002",
    ]


CASES = sorted((Path(__file__).parents[1] / "data" / "sentences").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_sentence_case(path: Path) -> None:
    """Each file: a text (``about`` says what it shows) and the sentences
    alignment works on, run-on ones cut at the length cap."""
    case = json.loads(path.read_text(encoding="utf-8"))
    prepared = prepare_text(case["text"])
    assert [case["text"][s.start : s.end] for s in prepared.sentences] == case["sentences"], case["about"]
    assert all(b - a <= MAX_SENTENCE_TOKENS for a, b in prepared.sentence_tokens.tolist())


@pytest.mark.parametrize("seed", range(2))
def test_every_script_stop_matches_the_boundary_pattern(seed):
    rng = random.Random(seed)
    alphabet = list("aA .!?\n \t)\u00bb\u300d" + SCRIPT_STOPS + "\u0e01\u0e02\u0e81\u0e82\u0e01\u00a0")
    for _ in range(6000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert sentence_spans(text) == reference_spans(text) == sentence_spans(text, compiled=False), repr(text)


_LONG_RUN = """
import sys
from dedup.text.sentences import prepare_text, sentence_spans
run = sys.argv[1]
text = "It began" + run * (100_000 // len(run)) + " and ended here. The end."
spans = sentence_spans(text)
prepared = prepare_text(text)
assert text[spans[0].start : spans[0].end].startswith("It began")
assert text[prepared.sentences[-1].start : prepared.sentences[-1].end] == "The end."
"""


@pytest.mark.parametrize("run", [".", "!", "?", "?!.", ".'", "\u2026."])
def test_long_runs_of_stops_are_split_without_hanging(run: str) -> None:
    # Quadratic splitting took minutes on 100,000 stops; linear splitting takes
    # a fraction of a second (bench/bench_sentences.py measures it). The time
    # limit only guards against a hang: it is no speed bound.
    done = subprocess.run([sys.executable, "-c", _LONG_RUN, run], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
