"""The compiled preparation of a text (dedup/text/_sentences.c) gives what
the Python reference gives: the same sentence spans, normalised text and
offsets, quotation mask and whole PreparedText, for texts built at random
from the characters the rules look at, and for the labelled cases."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import dedup.text.normalize as normalize
import dedup.text.quotes as quotes
import dedup.text.sentences as sentences
from dedup.document import Span
from dedup.text.normalize import fold_table, fold_text, normalize_with_offsets
from dedup.text.quotes import quoted_mask
from dedup.text.sentences import SCRIPT_STOPS, PreparedText, prepare_text, sentence_bounds, sentence_spans, span_list

# What the boundaries, the fold and the quotations turn on: Latin stops and
# closers, script stops and closers, every kind of white space (line breaks,
# tabs, \x0b\x0c\x1c-\x1f\x85\xa0\u2028\u2029\u3000), Thai and Lao letters,
# CJK, upper and lower case, digits, quotes and brackets, clause marks,
# dashes, combining marks, letters that fold to several (ß, ligatures) or
# to none (soft hyphen), Hangul jamo, full-width forms, and astral
# characters (an emoji, a combining mark past the Basic Multilingual Plane).
_PIECES = (
    list("aAzZbQ019 .!?\u2026.!?....\n\n\n  \t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000")
    + list("'\")]\\[(\u00bb\u00ab\u2018\u2019\u201c\u201d\u201e\u300c\u300d\u300e\u300f\uff09-\u2013\u2014:;,\u060c")
    + list(SCRIPT_STOPS)
    + list("\u0e01\u0e02\u0e81\u0e82\u0e40\u4e00\u4eac\u3042\u0627\u0628\u064e\u0915\u093f\u0301\u0308")
    + list("\u00df\ufb01\ufdfa\u00ad\u200b\u1100\u1161\u11a8\uff21\u2460\u0130\u03a3\U0001f600\U0001d165\U00020000")
    + ["Mr. ", "e.g. ", "...", "?!", ".\u201d ", ".\n", "\n\n", " \n", "\t\n", "\u3002\u300d", "\u0e01 \u0e02"]
)


def _compiled() -> None:
    assert all(
        f is not None
        for f in (
            sentences._compiled_bounds,
            sentences._compiled_tokens,
            sentences._compiled_spans,
            normalize._compiled_folded_offsets,
            quotes._compiled_mask,
        )
    ), "dedup/text/_sentences.c was not built: run make install again"


def _texts(seed: int, count: int, longest: int = 40) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        pieces = rng.sample(_PIECES, rng.randint(2, 14))  # a few characters, often repeated
        out.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, longest))))
    return out


def _same_prepared(got: PreparedText, want: PreparedText) -> None:
    assert got.text == want.text
    assert got.normalized.text == want.normalized.text
    arrays = ("token_starts", "token_ends", "hashes", "masked", "masked_chars", "sentence_tokens")
    pairs = [(getattr(got, name), getattr(want, name)) for name in arrays]
    pairs += [(got.normalized.starts, want.normalized.starts), (got.normalized.ends, want.normalized.ends)]
    for a, b in pairs:
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    assert got.sentences == want.sentences and all(type(s) is Span for s in got.sentences)
    assert got.sentence_texts == want.sentence_texts


@pytest.mark.parametrize("seed", range(4))
def test_compiled_sentence_spans_equal_the_python_scan(seed: int) -> None:
    _compiled()
    for text in _texts(seed, 6000):
        want = sentence_spans(text, compiled=False)
        assert sentence_spans(text) == want, repr(text)
        assert sentence_bounds(text).tolist() == [[s.start, s.end] for s in want], repr(text)


def test_long_runs_of_stops_split_as_the_python_scan_splits_them() -> None:
    _compiled()
    for run in (".", "!", "?", "?!.", ".'", "\u2026.", "\u3002", ". "):
        text = "It began" + run * (20_000 // len(run)) + " and ended here. The end."
        assert sentence_spans(text) == sentence_spans(text, compiled=False)


@pytest.mark.parametrize("seed", range(3))
def test_compiled_normalisation_equals_the_python_fold(seed: int) -> None:
    _compiled()
    for text in _texts(100 + seed, 5000):
        got, want = normalize_with_offsets(text), normalize_with_offsets(text, compiled=False)
        assert got.text == want.text, repr(text)
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), repr(text)
        assert got.starts.dtype == want.starts.dtype == np.int64


def test_the_fold_table_holds_each_code_points_own_fold() -> None:
    """One fold of every code point of the plane joined by NUL gives what
    folding each alone gives (no composition across a NUL)."""
    table = fold_table(0x10000)
    for code in range(0x10000):
        folded = fold_text(chr(code))
        entry = int(table[code])
        if len(folded) == 1:
            assert entry & ~normalize.NON_STARTER == ord(folded), hex(code)
        else:
            assert entry & normalize.FOLDS_OTHERWISE, hex(code)
        starter = unicodedata.combining(chr(code)) == 0 and not 0x1160 <= code <= 0x11FF
        assert bool(entry & normalize.NON_STARTER) != starter, hex(code)


@pytest.mark.parametrize("seed", range(3))
def test_compiled_quotation_mask_equals_the_python_one(seed: int) -> None:
    _compiled()
    for text in _texts(200 + seed, 6000):
        got, want = quoted_mask(text), quoted_mask(text, compiled=False)
        assert got.dtype == want.dtype == bool and np.array_equal(got, want), repr(text)


@pytest.mark.parametrize("seed", range(2))
def test_compiled_prepared_text_equals_the_python_one(seed: int) -> None:
    """Longer texts, so that run-on sentences are cut, with and without masks."""
    _compiled()
    rng = random.Random(seed)
    for text in _texts(300 + seed, 1500, longest=400):
        masks = [Span(*sorted(rng.randrange(len(text) + 1) for _ in range(2)))] if text and rng.random() < 0.5 else None
        _same_prepared(prepare_text(text, masks), prepare_text(text, masks, compiled=False))


_ASCII_PIECES = [piece for piece in _PIECES if piece.isascii()] + ["Word ", "x9 ", "A-b ", "  ", "\n \t", "_", "~`",
                                                                  "Pneumonoultramicroscopicsilicovolcanoconiosis", "AB" * 20]


@pytest.mark.parametrize("seed", range(2))
def test_compiled_ascii_tokens_equal_the_normalised_texts_tokens(seed: int) -> None:
    """ASCII text is folded and tokenised in one compiled pass: the same
    normalised text, offsets, token hashes and ranges as normalising, then
    tokenising, with and without masks."""
    _compiled()
    assert sentences._compiled_ascii_tokens is not None
    rng = random.Random(seed)
    for _ in range(1500):
        pieces = rng.sample(_ASCII_PIECES, rng.randint(2, 14))
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 300)))
        masks = [Span(*sorted(rng.randrange(len(text) + 1) for _ in range(2)))] if text and rng.random() < 0.5 else None
        _same_prepared(prepare_text(text, masks), prepare_text(text, masks, compiled=False))
    with pytest.raises(ValueError):
        sentences._compiled_ascii_tokens("caf\u00e9")


def test_sentence_slices_cut_the_token_ranges_and_refuse_bad_ones() -> None:
    _compiled()
    text = "one two. three four five"
    starts, ends = np.array([0, 4, 9, 15, 20], dtype=np.int64), np.array([3, 7, 14, 19, 24], dtype=np.int64)
    ranges = np.array([[0, 2], [2, 5], [1, 3]], dtype=np.int64)
    got = sentences._compiled_slices(text, starts, ends, ranges)
    assert got == ["one two", "three four five", "two. three"]
    assert got == sentences._sentence_texts(text, starts, ends, ranges, np.zeros(5, dtype=bool), compiled=False)
    for bad in ([[0, 6]], [[2, 2]], [[-1, 1]]):
        with pytest.raises(ValueError):
            sentences._compiled_slices(text, starts, ends, np.array(bad, dtype=np.int64))
    with pytest.raises(ValueError):
        sentences._compiled_slices("one", starts, ends, ranges)


def test_ascii_text_folds_as_any_text_folds() -> None:
    """fold_text lowers ASCII text: what NFKC, the fold table and case folding give."""
    every = "".join(map(chr, range(128)))
    assert fold_text(every) == normalize._fold_any(every) == every.lower()
    for text in _texts(7, 300) + ["It's \"THE\" -- End.\n", "ABC\x00def`~"]:
        ascii_only = text.encode("ascii", "ignore").decode("ascii")
        assert fold_text(ascii_only) == normalize._fold_any(ascii_only), repr(ascii_only)
        assert fold_text(text) == normalize._fold_any(text), repr(text)


_DATA = Path(__file__).parents[1] / "data"
CASES = sorted((_DATA / "sentences").glob("*.json")) + sorted((_DATA / "normalize").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}-{p.stem}" for p in CASES])
def test_labelled_cases_prepare_the_same_either_way(path: Path) -> None:
    _compiled()
    case = json.loads(path.read_text(encoding="utf-8"))
    text = case.get("text", case.get("input"))
    _same_prepared(prepare_text(text), prepare_text(text, compiled=False))
    assert np.array_equal(quoted_mask(text), quoted_mask(text, compiled=False))


def test_spans_are_made_as_the_dataclass_makes_them() -> None:
    _compiled()
    bounds = np.array([[0, 4], [6, 6], [7, 12]], dtype=np.int64)
    made = span_list(bounds)
    assert made == [Span(0, 4), Span(6, 6), Span(7, 12)] == span_list(bounds, compiled=False)
    assert [hash(s) for s in made] == [hash(Span(0, 4)), hash(Span(6, 6)), hash(Span(7, 12))]
    assert sorted(made, reverse=True)[0] == Span(7, 12) and len(made[2]) == 5
    with pytest.raises(ValueError):
        span_list(np.array([[5, 3]], dtype=np.int64))
    with pytest.raises(ValueError):
        span_list(np.array([[-1, 3]], dtype=np.int64))


def test_spans_of_a_type_that_cannot_be_made_are_refused() -> None:
    """A type without a constructor raises TypeError (it was called regardless)."""
    _compiled()
    with pytest.raises(TypeError):
        sentences._compiled_spans(type(iter([])), np.array([[0, 1]], dtype=np.int64))
