"""Sentence vectors against their written-out definitions."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import scipy.sparse as sp

import dedup.text.vectors as vectors

from dedup.text.vectors import N_FEATURES, cosine_pairs, cosine_vectors, sentence_counts, sentence_vectors

_MASK = (1 << 64) - 1


def _feature(gram: str) -> int:
    """The hashed feature of one character n-gram, written out: a polynomial
    in its code points (base 1,000,003, mod 2**64), mixed, top 20 bits."""
    value = 0
    for ch in gram:
        value = (value * 1_000_003 + ord(ch)) & _MASK
    return ((value * 0x9E3779B97F4A7C15) & _MASK) >> 44


def _reference_counts(sentence: str) -> Counter:
    """char_wb 3- to 5-grams: each word padded with one space on either side."""
    counts: Counter = Counter()
    for word in sentence.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            counts.update(_feature(padded[k : k + n]) for k in range(len(padded) - n + 1))
    return counts


def _sentences(rng: random.Random, count: int) -> list[str]:
    vocab = ["an", "a", "ministry", "said", "über", "город", "0.5", "x", "report", "told", "the", "naïve", "東京"]
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 14))) for _ in range(count)]


def test_sentence_counts_equal_the_written_out_ngram_hashes() -> None:
    sentences = _sentences(random.Random(7), 60)
    counts = sentence_counts(sentences)
    assert counts.shape == (len(sentences), N_FEATURES)
    for row, sentence in enumerate(sentences):
        got = counts.getrow(row)
        assert dict(zip(got.indices.tolist(), got.data.astype(int).tolist())) == dict(_reference_counts(sentence))


def test_cosine_pairs_equal_the_dense_cosines_to_the_bit_whatever_the_overlap() -> None:
    """The shared-feature lookup taken once for both documents gives the
    cosines each side's own lookup gives, with no shared feature, some, or all."""
    rng = random.Random(11)
    for first, second in [
        (_sentences(rng, 30), _sentences(rng, 25)),
        (["alpha beta gamma"], ["delta epsilon"]),  # nothing shared
        (["one two three", "four five"], ["one two three", "four five"]),
    ]:
        a, b = sentence_vectors(sentence_counts(first)), sentence_vectors(sentence_counts(second))
        dense = cosine_vectors(a, b)
        assert np.array_equal(cosine_pairs(a, b, 0.05).toarray(), np.where(dense >= 0.05, dense, 0))


def test_idf_tables_kept_or_not_hold_the_smoothed_idf_and_are_read_only() -> None:
    import dedup.text.vectors as vectors

    for n in (0, 1, 7, 80, vectors.KEPT_IDF_SENTENCES, vectors.KEPT_IDF_SENTENCES + 1, 5000):
        table = vectors.idf_table(n)
        want = np.log((1.0 + n) / (1.0 + np.arange(n + 1, dtype=np.int64))) + 1.0
        assert table.dtype == np.float64 and np.array_equal(table, want)
        assert not table.flags.writeable
    assert vectors.idf_table(80) is vectors.idf_table(80)  # kept


def _reference_pair_rows(v, other) -> "sp.csr_matrix":
    """The unit-length TF-IDF rows of ``v`` over the shared features, all
    entries at once (the definition the chunked weighing must equal)."""
    from dedup.text.vectors import _lookup, pair_idf

    pos, found = _lookup(v.features, other.features)
    data = v.log_tf * pair_idf(v, other, (pos, found))[v.entry_feature]
    norms = np.sqrt(np.bincount(v.entry_row, weights=data * data, minlength=v.n_rows))
    norms[norms == 0] = 1.0
    column = np.cumsum(found) - 1
    kept = np.flatnonzero(found[v.entry_feature])
    values = (data[kept] / norms[v.entry_row[kept]]).astype(np.float32)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(v.entry_row[kept], minlength=v.n_rows))))
    return sp.csr_matrix((values, column[v.entry_feature[kept]], indptr), shape=(v.n_rows, int(column[-1] + 1)))


def test_pair_rows_weighed_a_few_rows_at_a_time_equal_their_definition_to_the_bit(monkeypatch) -> None:
    rng = random.Random(5)
    words = [f"w{k}" for k in range(400)] + ["the", "a", "said"]
    docs = [[" ".join(rng.choice(words) for _ in range(rng.randint(0, 40))) for _ in range(n)] for n in (300, 260)]
    a, b = (sentence_vectors(sentence_counts(d)) for d in docs)
    want = _reference_pair_rows(a, b)
    for chunk in (1, 37, 1 << 18):  # a row per chunk (rows longer than a chunk), a few rows, all of them
        monkeypatch.setattr(vectors, "PAIR_ROWS_CHUNK_ENTRIES", chunk)
        got = vectors._pair_rows(a, b)
        assert got.shape == want.shape
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        assert got.data.dtype == np.float32 and np.array_equal(got.data, want.data)
    rare = np.asarray([k % 3 == 0 for k in range(want.shape[1])])
    ra = vectors._binary_columns(want, rare)
    expected = vectors._binary(want[:, np.flatnonzero(rare)])
    assert ra.shape == expected.shape and (ra != expected).nnz == 0 and np.array_equal(ra.indptr, expected.indptr)
    assert np.array_equal(vectors._column_counts(want), np.bincount(want.indices, minlength=want.shape[1]))


def test_candidate_cosines_are_unchanged_by_the_chunk_sizes(monkeypatch) -> None:
    rng = random.Random(6)
    words = [f"w{k}" for k in range(3000)]
    stock = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(50)]
    docs = [[rng.choice(stock) if rng.random() < 0.3 else " ".join(rng.choice(words) for _ in range(12)) for _ in range(n)] for n in (400, 350)]
    a, b = (sentence_vectors(sentence_counts(d)) for d in docs)
    monkeypatch.setattr(vectors, "EXACT_PAIRS", 1000)  # the candidates' path
    want = cosine_pairs(a, b, 0.3, compiled=False)
    monkeypatch.setattr(vectors, "PAIR_ROWS_CHUNK_ENTRIES", 50)
    monkeypatch.setattr(vectors, "CANDIDATE_CHUNK_ENTRIES", 100)
    monkeypatch.setattr(vectors, "CHUNK_ENTRIES", 300)
    got = cosine_pairs(a, b, 0.3, compiled=False)
    assert want.nnz > 20
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices) and np.array_equal(got.data, want.data)
