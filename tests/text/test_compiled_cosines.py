"""The compiled sentence vectors and cosines (dedup/text/_cosines.c) give
the arrays and, to the bit, the floats of the numpy and SciPy code."""

from __future__ import annotations

import random

import numpy as np
import pytest

import dedup.text.vectors as vectors
from dedup.passages.scores import ScoreEntries, best_entries, best_stored
from dedup.text.vectors import SentenceVectors, cosine_entries, cosine_pairs, document_vectors, sentence_counts, sentence_vectors

_VOCAB = ["an", "a", "ministry", "said", "über", "город", "0.5", "x", "report", "told", "the", "naïve", "東京", "I", "🙂", "—"]


def _compiled() -> None:
    assert vectors._compiled_vectors is not None and vectors._compiled_cosines is not None, (
        "dedup/text/_cosines.c was not built: run make install again"
    )


def _sentences(rng: random.Random, count: int, vocab: list[str]) -> list[str]:
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 30))) for _ in range(count)]


def _documents() -> list[list[str]]:
    """Sentence lists: empty sentences, one-letter words, other scripts,
    doubled spaces, a single sentence, and more text than one count chunk."""
    rng = random.Random(8)
    docs = [_sentences(rng, rng.randint(1, 60), _VOCAB[: rng.randint(2, len(_VOCAB))]) for _ in range(25)]
    docs += [[""], ["a"], ["  two  spaces  "], ["ab", "", "abc de"], ["x"] * 3]
    long_words = [f"word{k}" for k in range(3000)]
    docs.append([" ".join(rng.choice(long_words) for _ in range(40)) for _ in range(1200)])  # past COUNT_CHUNK_CHARS
    return docs


def _equal(a: SentenceVectors, b: SentenceVectors) -> bool:
    return all(
        getattr(a, name).dtype == getattr(b, name).dtype and np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("indptr", "features", "df", "entry_feature", "log_tf")
    )


def test_compiled_document_vectors_equal_the_numpy_ones() -> None:
    _compiled()
    for sentences in _documents():
        want = sentence_vectors(sentence_counts(sentences))
        assert _equal(document_vectors(sentences), want)
        assert _equal(document_vectors(sentences, compiled=False), want)


@pytest.mark.parametrize("floor", [1e-6, 0.05, 0.3, 0.9])
def test_compiled_cosines_equal_scipys_to_the_bit(floor: float) -> None:
    _compiled()
    docs = [document_vectors(sentences) for sentences in _documents()[:-1]]
    rng = random.Random(int(floor * 100))
    met = 0
    for _ in range(120):
        a, b = rng.choice(docs), rng.choice(docs)
        want = cosine_pairs(a, b, floor, compiled=False)
        want.sum_duplicates()
        got = cosine_pairs(a, b, floor)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        assert np.array_equal(got.data, want.data)  # bit for bit, not approximately
        keys, values = cosine_entries(a, b, floor)
        rows = np.repeat(np.arange(want.shape[0]), np.diff(want.indptr))
        assert np.array_equal(keys, rows * max(1, b.n_rows) + want.indices) and np.array_equal(values, want.data)
        met += want.nnz > 0
    assert met > 30


def test_compiled_cosines_of_long_documents_equal_scipys_to_the_bit() -> None:
    """Past DENSE_CELLS sentence pairs the compiled loop sums row by row, not
    into a matrix of every pair: the same floats either way."""
    _compiled()
    rng = random.Random(5)
    words = _VOCAB + [f"w{k}" for k in range(400)]
    long_a, long_b = (document_vectors(_sentences(rng, n, words)) for n in (300, 260))  # 78,000 pairs
    short = document_vectors(_sentences(rng, 40, words))
    for a, b in ((long_a, long_b), (long_b, long_a), (long_a, long_a), (short, long_a), (long_a, short)):
        for floor in (1e-6, 0.3):
            want = cosine_pairs(a, b, floor, compiled=False)
            want.sum_duplicates()
            rows = np.repeat(np.arange(want.shape[0]), np.diff(want.indptr))
            keys, values = cosine_entries(a, b, floor)
            assert np.array_equal(keys, rows * b.n_rows + want.indices) and np.array_equal(values, want.data)
            assert want.nnz > 0


def test_cosines_of_a_document_with_itself_are_one_on_the_diagonal() -> None:
    _compiled()
    sentences = ["the ministry said the report was late", "a city of eight million", "told the press"]
    v = document_vectors(sentences)
    keys, values = cosine_entries(v, v, 0.99)
    assert keys.tolist() == [0, 4, 8] and np.allclose(values, 1.0)


def test_best_stored_keeps_what_best_entries_keeps() -> None:
    rng = np.random.default_rng(3)
    for cap in (0, 1, 5, 17, 400):
        dense = np.round(rng.random((20, 20)), 1).astype(np.float32) * (rng.random((20, 20)) < 0.4)
        m = vectors.sp.csr_matrix(dense)
        want, want_capped = best_entries(m.copy(), cap)
        rows = np.repeat(np.arange(20), np.diff(m.indptr))
        got, capped = best_stored(ScoreEntries(rows * 20 + m.indices, m.data, (20, 20)), cap)
        assert capped == want_capped
        assert np.array_equal(got.keys, ScoreEntries.of_csr(want).keys) and np.array_equal(got.values, want.data)


def _long_document(rng: random.Random, chars: int) -> list[str]:
    """Sentences of news-like reuse and random words, empty ones among them,
    and one sentence longer than a compiled chunk of sentences."""
    words = [f"w{k}x" for k in range(20_000)] + _VOCAB
    stock = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))) for _ in range(400)]
    out, size = [], 0
    while size < chars:
        pick = rng.random()
        if pick < 0.01:
            out.append("")
        elif pick < 0.6:
            out.append(rng.choice(stock))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))))
        size += len(out[-1]) + 3
    out.insert(len(out) // 2, " ".join(rng.choice(words) for _ in range(60_000)))  # about 400,000 characters
    return out


def test_compiled_document_vectors_of_a_long_document_equal_the_numpy_ones() -> None:
    _compiled()
    rng = random.Random(12)
    long_doc = _long_document(rng, 1_500_000)
    want = sentence_vectors(sentence_counts(long_doc))
    got = document_vectors(long_doc)
    assert _equal(got, want)
    other = _long_document(rng, 200_000)
    # the cosines of the long document's vectors, to the bit
    for floor in (0.05, 0.5):
        keys, values = cosine_entries(got, document_vectors(other), floor)
        m = cosine_pairs(want, sentence_vectors(sentence_counts(other)), floor, compiled=False)
        m.sum_duplicates()
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        assert np.array_equal(keys, rows * len(other) + m.indices)
        assert np.array_equal(values, m.data.astype(np.float32))


_PEAK_SCRIPT = """
import random, resource, sys
sys.path[:0] = {path!r}
from dedup.text.vectors import document_vectors
rng = random.Random(3)
words = ["w%dx" % k for k in range(50_000)]
sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 25))) for _ in range(50_000)]
chars = sum(len(s) + 3 for s in sentences)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
v = document_vectors(sentences)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(chars, (after - before) * 1024, v.entry_feature.size)
"""


def test_compiled_document_vectors_take_memory_in_proportion_to_their_output() -> None:
    """The vectors of a long document cost their own arrays (about 8 bytes an
    entry, 2 to 3 entries a character) and a bounded work space: not the
    n-grams of the whole document at once (some 50 bytes a character more)."""
    _compiled()
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT.format(path=sys.path)], capture_output=True, text=True, check=True).stdout
    chars, grown, entries = map(int, out.split())
    assert chars > 2_000_000
    assert grown < 10 * entries + 8 * chars + (16 << 20), (chars, grown, entries)
