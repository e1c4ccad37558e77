"""Sentence-pair scores kept as arrays give what the SciPy matrices gave."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dedup.passages.align import select_sentence_pairs
from dedup.passages.scores import ScoreEntries


def _random_csr(rng: np.random.Generator, shape: tuple[int, int]) -> sp.csr_matrix:
    dense = rng.random(shape).astype(np.float32)
    dense[rng.random(shape) < 0.7] = 0  # most sentence pairs share nothing
    return sp.csr_matrix(dense)


@pytest.mark.parametrize("seed", range(20))
def test_maximum_lookups_and_selection_equal_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 30)), int(rng.integers(1, 30)))
    raw, cover = _random_csr(rng, shape), _random_csr(rng, shape)
    expected = raw.maximum(cover).tocsr()
    got = ScoreEntries.of_csr(raw.copy()).maximum(ScoreEntries.of_csr(cover.copy()))
    rows, cols = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
    assert np.array_equal(got.at(rows, cols), expected.toarray().reshape(-1))
    assert select_sentence_pairs(got, 0.5, 0.3) == select_sentence_pairs(expected, 0.5, 0.3)


def test_a_position_given_twice_keeps_its_largest_value() -> None:
    entries = ScoreEntries.of(np.array([0, 1, 0]), np.array([2, 0, 2]), np.array([0.4, 0.9, 0.7], dtype=np.float32), (2, 3))
    assert entries.at(np.array([0, 1, 1]), np.array([2, 0, 1])).tolist() == pytest.approx([0.7, 0.9, 0.0])


@pytest.mark.parametrize("seed", range(5))
def test_maximum_with_nothing_stored_on_either_side_keeps_the_other(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 30)), int(rng.integers(1, 30)))
    entries = ScoreEntries.of_csr(_random_csr(rng, shape))
    empty = ScoreEntries(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), shape)
    for got in (entries.maximum(empty), empty.maximum(entries)):
        assert np.array_equal(got.keys, entries.keys) and got.values.dtype == np.float32
        assert np.array_equal(got.values, entries.values)
    # a float64 side is still made float32
    wide = ScoreEntries(entries.keys, entries.values.astype(np.float64), shape).maximum(empty)
    assert wide.values.dtype == np.float32 and np.array_equal(wide.values, entries.values)
