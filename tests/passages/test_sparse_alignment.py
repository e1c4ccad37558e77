"""Alignment never holds an all-sentences-by-all-sentences matrix, and gives
what the dense computation gives."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

import dedup.text.vectors as vectors
from dedup.config import Settings
from dedup.document import Document
from dedup.passages.align import align_documents, select_sentence_pairs
from dedup.text.vectors import cosine_pairs, cosine_vectors, sentence_counts, sentence_vectors

WORDS = [f"w{k}" for k in range(300)] + "the of and to in a is that for on with as was by at".split()


def _sentences(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 18))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_sparse_selection_equals_dense(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(30):
        shape = tuple(rng.integers(1, 30, size=2))
        dense = (rng.random(shape) ** 3).astype(np.float32)
        dense[rng.random(shape) < 0.5] = 0
        kept = np.where(dense >= 0.3, dense, 0)
        assert select_sentence_pairs(sp.csr_matrix(kept), 0.5, 0.3) == select_sentence_pairs(dense, 0.5, 0.3)


def test_exact_cosine_pairs_equal_the_dense_cosines() -> None:
    rng = random.Random(3)
    first, second = _sentences(rng, 120), _sentences(rng, 90)
    second[10:20] = first[40:50]
    a, b = sentence_vectors(sentence_counts(first)), sentence_vectors(sentence_counts(second))
    dense = cosine_vectors(a, b)
    got = cosine_pairs(a, b, 0.3).toarray()
    assert np.array_equal(got, np.where(dense >= 0.3, dense, 0))


def test_candidate_pairs_find_copied_and_reworded_sentences(monkeypatch) -> None:
    rng = random.Random(5)
    first, second = _sentences(rng, 400), _sentences(rng, 300)
    second[100:150] = first[200:250]
    second[150] = first[250].replace("w1", "w2")
    a, b = sentence_vectors(sentence_counts(first)), sentence_vectors(sentence_counts(second))
    exact = cosine_pairs(a, b, 0.5).toarray()
    monkeypatch.setattr(vectors, "EXACT_PAIRS", 0)
    monkeypatch.setattr(vectors, "CHUNK_ENTRIES", 5000)  # many chunks
    approx = cosine_pairs(a, b, 0.5)
    # Every pair the candidates score has its exact cosine ...
    rows, cols = approx.nonzero()
    assert np.allclose(approx.toarray()[rows, cols], exact[rows, cols], atol=1e-6)
    # ... and each sentence's best match is among them.
    for i, j in zip(*np.nonzero(exact >= 0.9)):
        assert approx[i, j] == pytest.approx(exact[i, j], abs=1e-6)


def test_long_documents_align_in_bounded_memory(monkeypatch) -> None:
    """Through the candidate path, a shared half is found as by the exact one."""
    rng = random.Random(11)
    shared = ". ".join(s.capitalize() for s in _sentences(rng, 300)) + "."
    a = Document("a", shared + " " + ". ".join(s.capitalize() for s in _sentences(rng, 300)) + ".")
    b = Document("b", ". ".join(s.capitalize() for s in _sentences(rng, 300)) + ". " + shared)
    exact = align_documents(a, b, Settings())
    monkeypatch.setattr(vectors, "EXACT_PAIRS", 0)
    bounded = align_documents(a, b, Settings())
    assert bounded.share_a == pytest.approx(exact.share_a, abs=0.01) and bounded.share_a > 0.45
    assert len(bounded.sentence_pairs) >= 0.95 * len(exact.sentence_pairs)


def test_has_words_finds_a_letter_of_any_script_as_isalpha_does() -> None:
    from dedup.passages.sentence_pairs import has_words

    sentences = ["", " ", "123 456", "— 0.5 %", "a", "12 b", "_", "²³ ½", "ⅫⅣ", "東京", "город 5", "é", "🙂", "x🙂", "٣٤", "ـ", "ǅ", "ʰ"]
    sentences += ["".join(random.Random(seed).choice("09 .,_-é东aZ٣²ʰ") for _ in range(seed % 7)) for seed in range(300)]
    want = [any(ch.isalpha() for ch in s) for s in sentences]
    assert has_words(sentences).tolist() == want
    assert any(want) and not all(want)
