"""``passages.max_pair_matches`` bounds the work of a pair of texts where
every sentence resembles every other, and the scan says so."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import scipy.sparse as sp

from dedup.config import ConfigError, Settings, apply_settings
from dedup.document import Document
from dedup.passages.align import align_prepared, prepare
from dedup.passages.scores import best_entries
from dedup.passages.verbatim import longest_runs
from dedup.report.formats import to_json
from dedup.scan import scan_documents

_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
          "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]


def _few_words_text(chars: int, seed: int = 7) -> str:
    """Sentences of 5 to 15 words drawn from 20: each like all the others."""
    rng = random.Random(seed)
    sentences, total = [], 0
    while total < chars:
        sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 15))).capitalize() + "."
        sentences.append(sentence)
        total += len(sentence) + 1
    return " ".join(sentences)


def _scan(cap: int, chars: int = 80_000) -> dict:
    # one document read as two parts, which align with each other
    settings = apply_settings(Settings(jobs=1), {"max_chars": str(chars // 2), "passages.max_pair_matches": str(cap)})
    docs = [Document("few-words", _few_words_text(chars)), Document("other", "An ordinary short note about the weather.")]
    return json.loads(to_json(scan_documents(docs, settings)))


def test_the_cap_is_applied_and_named_and_the_output_stays_valid() -> None:
    result = _scan(2_000)
    part_pairs = [p for p in result["pairs"] if p["a"].startswith("few-words#") and p["b"].startswith("few-words#")]
    assert part_pairs and all(p["matches_capped"] for p in part_pairs)
    warnings = [p for p in result["problems"] if p["kind"] == "passage-work-capped"]
    assert len(warnings) == len(part_pairs) == result["summary"]["passage_pairs_capped"]
    assert "few-words#" in warnings[0]["origin"] and "max_pair_matches" in warnings[0]["message"]
    lengths = {d["id"]: d["chars"] for d in result["documents"]}
    for pair in part_pairs:
        assert pair["aligned_sentences"] <= 2_000
        for passage in pair["passages"]:
            assert 0 <= passage["a_start"] < passage["a_end"] <= lengths[pair["a"]]
            assert 0 <= passage["b_start"] < passage["b_end"] <= lengths[pair["b"]]


def test_without_the_cap_nothing_is_marked() -> None:
    # a shorter text, so that aligning it in full stays quick; a cap marks it
    assert _scan(100, chars=16_000)["summary"]["passage_pairs_capped"] > 0
    result = _scan(0, chars=16_000)
    assert any(p["a"].startswith("few-words#") and p["b"].startswith("few-words#") for p in result["pairs"])
    assert not any("matches_capped" in p for p in result["pairs"])
    assert not any(p["kind"] == "passage-work-capped" for p in result["problems"])
    assert "passage_pairs_capped" not in result["summary"]


@pytest.mark.parametrize("seed", range(10))
def test_best_entries_keeps_the_largest_and_breaks_ties_by_position(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dense = np.round(rng.random((30, 40)), 1).astype(np.float32)  # many ties
    dense[rng.random(dense.shape) < 0.5] = 0
    cap = int(rng.integers(1, np.count_nonzero(dense)))
    kept, capped = best_entries(sp.csr_matrix(dense), cap)
    assert capped and kept.nnz == cap
    # by value, largest first, then by position: the first ``cap`` are kept
    rows, cols = np.nonzero(dense)
    order = np.lexsort((cols, rows, -dense[rows, cols]))[:cap]
    expected = np.zeros_like(dense)
    expected[rows[order], cols[order]] = dense[rows[order], cols[order]]
    assert np.array_equal(kept.toarray(), expected)


def test_best_entries_under_the_cap_is_the_matrix_itself() -> None:
    m = sp.csr_matrix(np.eye(4, dtype=np.float32))
    kept, capped = best_entries(m, 4)
    assert kept is m and not capped
    kept, capped = best_entries(m, 0)
    assert kept is m and not capped


def test_a_negative_cap_is_refused() -> None:
    with pytest.raises(ConfigError):
        apply_settings(Settings(), {"passages.max_pair_matches": "-1"})


def test_longest_runs_keeps_the_longest_in_their_order() -> None:
    # (a_start, a_end, diagonal), sorted by a_start as exact_runs gives them
    runs = np.array([[0, 4, 3], [2, 10, -1], [5, 9, 0], [7, 11, 2], [12, 20, 5], [30, 34, 1]], dtype=np.int64)
    kept, capped = longest_runs(runs, 3)
    assert capped
    # lengths 4, 8, 4, 4, 8, 4: both of 8, then the first of length 4
    assert kept.tolist() == [[0, 4, 3], [2, 10, -1], [12, 20, 5]]
    assert longest_runs(runs, 6)[1] is False and longest_runs(runs, 0)[0] is runs


def test_a_capped_alignment_still_finds_a_copied_passage() -> None:
    # a long copied stretch among chance matches of a few words: the runs it
    # makes are the longest, so the cap keeps it
    noise_a, noise_b = _few_words_text(30_000, seed=1), _few_words_text(30_000, seed=2)
    copied = " ".join(f"Unusual{k} statement number {k} about harbour dredging." for k in range(40))
    settings = apply_settings(Settings(), {"passages.max_pair_matches": "50"})
    alignment = align_prepared(prepare(noise_a + " " + copied), prepare(copied + " " + noise_b), settings)
    assert alignment.capped
    start = len(noise_a) + 1
    assert any(p.kind == "verbatim" and p.a.start <= start + 5 and p.a.end >= start + len(copied) - 5 for p in alignment.passages)
