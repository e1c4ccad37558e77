"""The worker pool's helpers: ordered results, runs of work by size."""

from __future__ import annotations

from dedup.pool import StagePool, runs_by_size


def test_results_come_back_in_input_order_with_any_number_of_workers():
    batches = [list(range(k)) for k in range(12)]
    for workers in (1, 2):
        with StagePool(workers, window=1) as pool:
            assert list(pool.map(sum, batches)) == [sum(b) for b in batches]


def test_runs_close_at_the_size_limit_or_the_item_count():
    assert list(runs_by_size(["aa", "b", "ccc", "d"], len, 3)) == [(0, ["aa", "b"]), (2, ["ccc"]), (3, ["d"])]
    assert list(runs_by_size(range(5), lambda _: 0, 10, most=2)) == [(0, [0, 1]), (2, [2, 3]), (4, [4])]
    assert list(runs_by_size([], len, 3)) == []
