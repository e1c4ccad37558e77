"""The passage candidates of a spilled index equal those of the index held
in memory when most documents have boilerplate masks, whose fingerprints
are taken again and spilled a few thousand documents at a time."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dedup.config import Settings
from dedup.document import Document, Span
from dedup.engine import LocalEngine
from dedup.near.index_spill import IndexSpill
from dedup.passages.candidates import candidates_and_shares, fingerprints
from dedup.passages.groups import GroupCollector


def corpus(size: int, seed: int = 7) -> tuple[list[Document], dict[str, list[Span]]]:
    """News-like documents that share sentences with others, and a masked
    first sentence (a byline) for nine in ten of them."""
    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(3000)]
    pool = [" ".join(rng.choice(words, 14)) + "." for _ in range(size // 2)]
    docs, masks = [], {}
    for k in range(size):
        byline = f"By staff writer {k % 40} for the daily wire."
        text = " ".join([byline, *(pool[int(p)] for p in rng.integers(0, len(pool), 6))])
        docs.append(Document(f"d{k}", text))
        if k % 10:
            masks[f"d{k}"] = [Span(0, len(byline))]
    return docs, masks


def test_masked_documents_spilled_in_chunks_give_the_candidates_of_the_index_in_memory(tmp_path) -> None:
    # More masked documents than one chunk (2,000 a worker), so that the
    # partitions of the masked fingerprints are written by several chunks.
    docs, masks = corpus(4500)
    settings = Settings(jobs=1)
    hashes, owners = fingerprints(docs, settings)
    spill = IndexSpill(tmp_path)
    for lo in range(0, len(docs), 1000):
        mine = (owners >= lo) & (owners < lo + 1000)
        spill.add(hashes[mine], owners[mine])
    in_memory = candidates_and_shares(docs, settings, masks, (hashes, owners), shares=True)
    spilled = candidates_and_shares(docs, settings, masks, spill, shares=True)
    assert len(in_memory[0]) > 1000
    assert np.array_equal(spilled[0], in_memory[0]) and np.array_equal(spilled[1], in_memory[1])
    assert all(np.array_equal(a, b) for a, b in zip(spilled[2], in_memory[2]))
    masked_parts = os.listdir(tmp_path / "masked")
    assert masked_parts and all(name.startswith("index-") for name in masked_parts)


def _spilled(docs, folder, hashes, owners) -> IndexSpill:
    folder.mkdir()
    spill = IndexSpill(folder)
    for lo in range(0, len(docs), 1000):
        mine = (owners >= lo) & (owners < lo + 1000)
        spill.add(hashes[mine], owners[mine])
    return spill


@pytest.mark.parametrize("workers, distributed", [(2, False), (2, True)])
def test_a_spilled_index_searched_on_workers_gives_what_one_process_finds(tmp_path, workers: int, distributed: bool) -> None:
    """The partitions are searched on the engine's workers (which read them
    from disk, or, for a cluster's, are sent them) and summed in partition
    order: the candidates, shares and groups are those of the index in memory."""
    docs, masks = corpus(2500, seed=3)
    settings = Settings(jobs=workers)
    ps = settings.passages
    hashes, owners = fingerprints(docs, settings)
    found = []
    for run, engine in (("memory", None), ("one process", None), ("workers", LocalEngine(workers, distributed=distributed))):
        collector = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
        index = (hashes, owners) if run == "memory" else _spilled(docs, tmp_path / run.replace(" ", "-"), hashes, owners)
        with engine or LocalEngine(1) as running:
            pairs, counts, (held, shared) = candidates_and_shares(docs, settings if engine else Settings(jobs=1), masks, index, running, shares=True, collector=collector)
        groups = collector.groups(ps.min_shared_fingerprints)
        found.append((pairs, counts, held, shared, collector.own_counts(pairs), groups.hashes, groups.group_of, groups.fingerprints, groups.members))
    assert len(found[0][0]) > 500 and len(found[0][-1]) > 20 and found[0][4].any()
    for other in found[1:]:
        for a, b in zip(found[0][:-1], other[:-1]):
            assert np.array_equal(a, b)
        assert [m.tolist() for m in found[0][-1]] == [m.tolist() for m in other[-1]]
