"""``distinct`` gives what ``np.unique`` gives, by one sort."""

import numpy as np
import pytest

from dedup.text.distinct import distinct


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int32, np.uint8])
@pytest.mark.parametrize("size", [0, 1, 2, 7, 1000, 50_000])
def test_distinct_equals_unique(dtype, size):
    rng = np.random.default_rng(size)
    high = np.iinfo(dtype).max
    for values in (rng.integers(0, high, size, dtype=dtype, endpoint=True), rng.integers(0, 5, size).astype(dtype)):
        got, want = distinct(values), np.unique(values)
        assert got.dtype == want.dtype
        assert np.array_equal(got, want)


def test_distinct_flattens_like_unique():
    pairs = np.array([[3, 1], [1, 2], [3, 3]])
    assert np.array_equal(distinct(pairs), np.unique(pairs))
    assert distinct(pairs).ndim == 1


def test_distinct_leaves_its_input_alone():
    values = np.array([9, 2, 9, 1])
    distinct(values)
    assert values.tolist() == [9, 2, 9, 1]
