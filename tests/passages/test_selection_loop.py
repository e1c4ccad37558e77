"""The compiled selection of sentence pairs over score entries
(dedup/text/_loops.c: ``selected_entries``) keeps what the numpy code keeps:
the same pairs, in the same order, with the same values."""

from __future__ import annotations

import random

import numpy as np
import pytest

import dedup.passages.selection as selection
from dedup.passages.scores import ScoreEntries

# Values on and beside the thresholds as float32 rounds them, ties, and the
# verbatim cover's 1.0.
_VALUES = [0.05, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.9, 1.0, 0.49999997, 0.50000006, 0.34999999]


def _entries(rng: random.Random) -> ScoreEntries:
    rows, cols = rng.randint(1, 40), rng.randint(1, 40)
    count = rng.randint(0, min(rows * cols, rng.choice([5, 60, 400])))
    keys = np.array(sorted(rng.sample(range(rows * cols), count)), dtype=np.int64)
    if rng.random() < 0.3 and count:  # runs along a diagonal, as a copied passage makes
        start, length = rng.randrange(min(rows, cols)), rng.randint(1, min(rows, cols))
        diagonal = [(start + k) * cols + start + k for k in range(length) if start + k < min(rows, cols)]
        keys = np.unique(np.concatenate((keys, np.array(diagonal, dtype=np.int64))))
    values = np.array([rng.choice(_VALUES) for _ in range(keys.size)], dtype=np.float32)
    return ScoreEntries(keys, values, (rows, cols))


def test_the_loop_is_built() -> None:
    assert selection._compiled_selection is not None, "dedup/text/_loops.c was not built: run make install again"


@pytest.mark.parametrize("seed", range(4))
def test_compiled_selection_keeps_what_numpy_keeps(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        sims = _entries(rng)
        strong, weak = rng.choice([(0.5, 0.35), (0.6, 0.3), (0.5, 0.5), (1.0, 0.0), (0.45, 0.2), (2, 1)])
        assert selection._plain_entries(sims, strong, weak)
        got = selection.selected_entries(sims, strong, weak)
        want = selection.selected_entries(sims, strong, weak, compiled=False)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and np.array_equal(g, w)
        assert selection.select_sentence_pairs(sims, strong, weak) == list(zip(want[0].tolist(), want[1].tolist()))


def test_other_inputs_take_numpy() -> None:
    sims = ScoreEntries(np.array([0, 3], dtype=np.int64), np.array([0.5, 0.9], dtype=np.float64), (2, 2))
    assert not selection._plain_entries(sims, 0.5, 0.3)  # float64 values compare otherwise
    assert not selection._plain_entries(ScoreEntries(sims.keys, sims.values.astype(np.float32), (2, 2)), np.float64(0.5), 0.3)
    rows, cols, values = selection.selected_entries(sims, 0.5, 0.3)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1] and values.tolist() == [0.5, 0.9]
