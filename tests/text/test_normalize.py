"""Normalisation: cases from tests/data/normalize, and offsets back to the original."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from dedup.text.normalize import _normalize_any, normalize_text, normalize_with_offsets, token_spans, tokenize

CASES = sorted((Path(__file__).parents[1] / "data" / "normalize").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_normalize_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    assert normalize_text(case["input"]) == case["normalized"]
    assert tokenize(case["normalized"]) == case["tokens"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_offsets_agree_with_fast_path_and_map_back(path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))["input"]
    norm = normalize_with_offsets(original)
    assert norm.text == normalize_text(original)
    for start, end in token_spans(norm.text):
        a, b = norm.to_original(start, end)
        # The original characters normalise back to exactly the token.
        assert normalize_text(original[a:b]) == norm.text[start:end]


def test_curly_quote_span_maps_to_exact_original_characters() -> None:
    original = "He said \u201cWe are very close\u201d to a deal."
    norm = normalize_with_offsets(original)
    start = norm.text.index('"we')
    end = norm.text.index('close"') + len('close"')
    a, b = norm.to_original(start, end)
    assert original[a:b] == "\u201cWe are very close\u201d"


def test_expansion_and_composition_map_to_whole_source_characters() -> None:
    original = "x \ufb01ne Cafe\u0301 y"
    norm = normalize_with_offsets(original)
    assert norm.text == "x fine caf\u00e9 y"
    i = norm.text.index("fi")
    assert norm.to_original(i, i + 1) == norm.to_original(i, i + 2) == (2, 3)
    j = norm.text.index("\u00e9")
    assert original[slice(*norm.to_original(j, j + 1))] == "e\u0301"


def test_sample_corpus_offsets_round_trip(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.glob("*.txt")):
        original = path.read_text(encoding="utf-8")
        norm = normalize_with_offsets(original)
        assert norm.text == normalize_text(original)
        assert len(norm.starts) == len(norm.ends) == len(norm.text)
        assert (norm.starts[1:] >= norm.starts[:-1]).all()


def test_empty_and_blank_text() -> None:
    for text in ("", "   \n\t "):
        norm = normalize_with_offsets(text)
        assert norm.text == "" and len(norm.starts) == 0
    with pytest.raises(ValueError):
        normalize_with_offsets("abc").to_original(2, 2)


def _odd_ascii(rng: random.Random) -> str:
    pieces = ["Word", "x", "A1", "don't", "e.g.", "--", '"Q"', "(b)", "3.5%", "\t", "\n", "\r\n", "  ", "\x0b", "\x1f", "\x0c", "\x00", "~"]
    return "".join(rng.choice(pieces) + rng.choice(["", " ", "   ", "\n\n", "\t "]) for _ in range(rng.randint(0, 40)))


def test_ascii_fast_path_equals_the_general_path() -> None:
    rng = random.Random(3)
    texts = ["", " ", "\n\t", "a", " a ", "A  B\tc\n"] + [_odd_ascii(rng) for _ in range(300)]
    for text in texts:
        fast, general = normalize_with_offsets(text), _normalize_any(text)
        assert fast.text == general.text == normalize_text(text)
        assert fast.starts.dtype == general.starts.dtype == np.int64
        assert np.array_equal(fast.starts, general.starts) and np.array_equal(fast.ends, general.ends)


def test_whitespace_table_matches_isspace_beyond_ascii() -> None:
    text = "a\u00a0b\u2003c\u3000d\u200be\u0085f\u2028g \u1680 h\U0001f600i"
    norm = normalize_with_offsets(text)
    assert norm.text == normalize_text(text) == "a b c de f g h\U0001f600i"
    assert len(norm.starts) == len(norm.text)
