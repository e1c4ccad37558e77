"""The passage index's spill writes batches together: read back, every
partition holds its fingerprints in the order they were added, whenever
they were written."""

from __future__ import annotations

import os
import pickle

import numpy as np
from conftest import synthetic_text

from dedup.config import Settings
from dedup.document import Document
from dedup.engine import LocalEngine
from dedup.io.problems import ProblemLog
from dedup.near.index_spill import IndexSpill, by_partition, write_batch_index
from dedup.scan import _run


def _batches(count: int = 12, size: int = 700):
    rng = np.random.default_rng(9)
    for k in range(count):
        hashes = rng.integers(0, 2**64, size=size, dtype=np.uint64)
        if k % 2:
            hashes.sort()  # as stage 1 sends them; the others in no order
        yield hashes, rng.integers(0, 5000, size=size)


def test_batches_written_together_read_back_as_written_one_by_one(tmp_path) -> None:
    one_by_one, together = IndexSpill(tmp_path / "a", pending=0), IndexSpill(tmp_path / "b", pending=2000)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    for hashes, owners in _batches():
        one_by_one.add(hashes, owners)
        together.add(hashes, owners)
    assert len(together) == len(one_by_one) == 12 * 700
    assert 0 < len(os.listdir(tmp_path / "b"))  # some written before any read
    for (h1, o1), (h2, o2) in zip(one_by_one.parts(), together.parts()):
        assert np.array_equal(h1, h2) and np.array_equal(o1, o2) and o2.dtype == np.int64
        assert np.all(IndexSpill.partition_of(h2) == IndexSpill.partition_of(h2[:1])) if h2.size else True
    everything = np.concatenate([h for h, _ in _batches()])
    assert sorted(np.concatenate([h for h, _ in together.parts()]).tolist()) == sorted(everything.tolist())


def test_a_spill_sent_to_another_process_has_written_what_waited(tmp_path) -> None:
    spill = IndexSpill(tmp_path, pending=10**9)
    added = list(_batches(3))
    for hashes, owners in added:
        spill.add(hashes, owners)
    assert not os.listdir(tmp_path)  # all waiting
    copy = pickle.loads(pickle.dumps(spill))
    assert os.listdir(tmp_path)
    read = [copy.read(part) for part in range(IndexSpill.partitions)]
    assert sum(h.size for h, _ in read) == 3 * 700
    for part, (hashes, owners) in enumerate(read):
        expected = [(h[IndexSpill.partition_of(h) == part], o[IndexSpill.partition_of(h) == part]) for h, o in added]
        assert sorted(zip(hashes.tolist(), owners.tolist())) == sorted(zip(*(np.concatenate(e).tolist() for e in zip(*expected))))


def test_fingerprints_by_partition_keep_their_order_within_one() -> None:
    hashes, owners = next(_batches(1, 5000))
    ordered, holders = by_partition(hashes, owners)
    parts = IndexSpill.partition_of(ordered)
    assert np.all(parts[1:] >= parts[:-1])
    for part in np.unique(parts).tolist():
        taken = IndexSpill.partition_of(hashes) == part
        assert np.array_equal(ordered[parts == part], hashes[taken]) and np.array_equal(holders[parts == part], owners[taken])


def test_stage_one_leaves_none_of_the_index_waiting_in_memory(tmp_path) -> None:
    # The passage stage reads the index only after stages 2-5 and the
    # boilerplate stage: fingerprints still waiting to be written then would
    # be held in memory all along.
    docs = [Document(f"d{k}", synthetic_text(k, words=300)) for k in range(40)]
    with LocalEngine(1) as engine:
        _, spill = _run(docs, Settings(), ProblemLog(), None, engine, [], str(tmp_path))
    assert isinstance(spill, IndexSpill) and 0 < len(spill) < spill.pending
    written = sum(os.path.getsize(tmp_path / name) for name in os.listdir(tmp_path) if name.endswith(".hash"))
    assert written == 8 * len(spill)


def test_batches_written_by_the_workers_read_back_as_if_added(tmp_path) -> None:
    """Adopted batch files (owners numbered from their first document, some
    documents left out), between batches added: every partition as if all
    had been added in that order."""
    added, adopted = IndexSpill(tmp_path / "a", pending=1500), IndexSpill(tmp_path / "b", pending=1500)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    rng = np.random.default_rng(4)
    first = 0
    for k, (hashes, owners) in enumerate(_batches(9)):
        owners = owners % 40
        keep = rng.random(40) < 0.8 if k % 3 == 2 and k % 4 != 1 else None
        if k % 4 == 1:  # taken by the main process
            adopted.add(hashes, owners + first)
        else:
            written = write_batch_index(str(tmp_path / f"batch-{k}.index"), *by_partition(hashes, owners))
            adopted.adopt(written, first, keep)
        held = np.ones(hashes.size, dtype=bool) if keep is None else keep[owners]
        numbers = np.arange(40) if keep is None else np.cumsum(keep) - 1
        added.add(hashes[held], numbers[owners[held]] + first)
        first += 40 if keep is None else int(keep.sum())
    copy = pickle.loads(pickle.dumps(adopted))
    assert len(copy) == len(added)
    for (h1, o1), (h2, o2) in zip(added.parts(), copy.parts()):
        assert np.array_equal(h1, h2) and np.array_equal(o1, o2) and o2.dtype == np.int64


def test_a_written_batch_reads_back_ordered_by_partition(tmp_path) -> None:
    hashes, owners = next(_batches(1, 3000))
    written = write_batch_index(str(tmp_path / "batch.index"), hashes, owners)
    ordered, holders = by_partition(hashes, owners)
    back = written.read()
    assert np.array_equal(back[0], ordered) and np.array_equal(back[1], holders)
    assert list(written.bounds) == [0, *np.cumsum(np.bincount(IndexSpill.partition_of(hashes), minlength=IndexSpill.partitions)).tolist()]


def test_empty_and_wholly_dropped_batches_adopted_leave_the_partitions_as_added(tmp_path) -> None:
    """A range without fingerprints (no documents, or none with text) and a
    range whose documents the id rules all drop, between others: the
    partitions and the owners' numbering are those of the batches added."""
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    added, adopted = IndexSpill(tmp_path / "a", pending=500), IndexSpill(tmp_path / "b", pending=500)
    rng = np.random.default_rng(7)
    first = 0
    shapes = [(600, 30, None), (0, 0, None), (0, 12, None), (300, 20, "none"), (0, 5, "some"), (400, 25, "some"), (200, 10, None)]
    for k, (size, documents, dropped) in enumerate(shapes):
        hashes = rng.integers(0, np.iinfo(np.uint64).max, size, dtype=np.uint64, endpoint=True)
        owners = rng.integers(0, max(documents, 1), size)
        keep = None if dropped is None else np.zeros(documents, dtype=bool) if dropped == "none" else rng.random(documents) < 0.5
        written = write_batch_index(str(tmp_path / f"batch-{k}.index"), *by_partition(hashes, owners))
        adopted.adopt(written, first, keep)
        held = np.ones(size, dtype=bool) if keep is None else keep[owners]
        numbers = np.arange(max(documents, 1)) if keep is None else np.cumsum(keep) - 1
        added.add(hashes[held], numbers[owners[held]] + first)
        first += documents if keep is None else int(keep.sum())
    assert len(adopted) == len(added)
    for (h1, o1), (h2, o2) in zip(added.parts(), adopted.parts()):
        assert np.array_equal(h1, h2) and np.array_equal(o1, o2) and o2.dtype == np.int64
