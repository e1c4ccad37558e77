"""Runs of items written to files as they come and read back merged in
order (:class:`dedup.io.row_spill.SortedRuns`): the order of a stable sort."""

from __future__ import annotations

import pickle
import random

import numpy as np

from dedup.io.row_spill import SortedRuns, SpilledRows, encoded_run, with_extra
from dedup.near.shard_results import document_from_dict
from dedup.results import DocumentResult


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


def test_runs_encoded_elsewhere_read_back_as_the_runs_added_here() -> None:
    rng = random.Random(8)
    runs = [[(rng.randrange(30), run, k) for k in range(rng.randrange(0, 40))] for run in range(6)]
    added, encoded = SortedRuns(key=lambda item: item[0]), SortedRuns(key=lambda item: item[0])
    for run in runs:
        added.add(run)
        # as a worker's result comes back: pickled, its buffer out of band
        buffers: list = []
        data = pickle.dumps(encoded_run(run, lambda item: item[0]), protocol=5, buffer_callback=buffers.append)
        encoded.add_encoded(pickle.loads(data, buffers=[bytearray(b.raw()) for b in buffers]))
    assert len(encoded) == len(added) and list(encoded) == list(added)


def test_values_from_an_array_are_set_as_the_python_numbers_of_a_list() -> None:
    values = np.round(np.random.default_rng(3).random(7) / 3, 4)
    rows = [DocumentResult(f"d{k}", 10, 3) for k in range(9)]
    spilled = SpilledRows(document_from_dict)
    spilled.extend(DocumentResult(f"d{k}", 10, 3) for k in range(9))
    from_list = with_extra([DocumentResult(f"d{k}", 10, 3) for k in range(9)], "share", values.tolist())
    for updated in (with_extra(rows, "share", values), with_extra(spilled, "share", values)):
        got = [row.extra.get("share") for row in updated]
        assert got == [row.extra.get("share") for row in from_list] == values.tolist() + [None, None]
        assert all(type(value) is float for value in got[:7])
    assert with_extra(rows, "other", np.zeros(0)) is rows
