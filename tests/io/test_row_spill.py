"""Runs of items written to files as they come and read back merged in
order (:class:`dedup.io.row_spill.SortedRuns`): the order of a stable sort."""

from __future__ import annotations

import random

from dedup.io.row_spill import SortedRuns


def test_runs_read_back_in_the_order_of_a_stable_sort_of_all_their_items() -> None:
    rng = random.Random(5)
    runs = [[(rng.randrange(50), run, k) for k in range(rng.randrange(0, 40))] for run in range(7)]
    merged = SortedRuns(key=lambda item: item[0])
    for run in runs:
        merged.add(run)
    everything = [item for run in runs for item in run]
    assert len(merged) == len(everything)
    # on equal keys, the runs in the order they came and each run in its own order
    assert list(merged) == sorted(everything, key=lambda item: item[0])
