"""A group collector that keeps what the candidate search gathers in files
gives the counts and groups of one that holds it all in memory."""

from __future__ import annotations

import os

import numpy as np

from dedup.config import Settings
from dedup.near.index_spill import IndexSpill, pieces
from dedup.passages.candidates import fingerprints
from dedup.passages.group_spill import PAIR_RANGES, SIGNATURE_RANGES
from dedup.passages.groups import GroupCollector
from dedup.passages.index import part_findings
from dedup.document import Document


def corpus(size: int, seed: int) -> list[Document]:
    """Documents made of sentences drawn from a shared pool: many sets of
    documents share the same sentences."""
    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(3000)]
    pool = [" ".join(rng.choice(words, 14)) + "." for _ in range(size // 2)]
    return [Document(f"d{k}", " ".join(pool[int(p)] for p in rng.integers(0, len(pool), 6))) for k in range(size)]


def spilled_index(docs: list[Document], tmp_path) -> IndexSpill:
    """The passage index of ``docs`` spilled to a folder under ``tmp_path``."""
    index = IndexSpill(tmp_path / "index")
    os.makedirs(index.folder)
    index.add(*fingerprints(docs, Settings(jobs=1)))
    return index


def test_a_spilled_collector_gives_the_own_counts_and_groups_of_one_in_memory(tmp_path) -> None:
    docs = corpus(3000, seed=11)
    ps = Settings(jobs=1).passages
    index = spilled_index(docs, tmp_path)
    in_memory = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
    spilled = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
    spilled.spill_to(str(tmp_path / "groups"))
    codes = []
    for part in range(index.partitions):
        found = part_findings(pieces(*index.read(part)), len(docs), ps.index_max_docs, min_docs=ps.group_min_docs)
        in_memory.extend(found.groups)
        spilled.extend(found.groups)
        codes.append(found.codes)
    # nothing of what was gathered stays in memory; it is spread over the ranges of the files
    assert not (spilled._hashes or spilled._signatures or spilled._sets or spilled._own)
    files = os.listdir(tmp_path / "groups")
    assert sum(name.startswith("signature-") for name in files) == SIGNATURE_RANGES
    assert sum(name.startswith("own-") for name in files) > PAIR_RANGES // 2
    pair_codes = np.unique(np.concatenate(codes))
    pairs = np.stack([pair_codes // len(docs), pair_codes % len(docs)], axis=1)
    own = in_memory.own_counts(pairs)
    assert own.any() and (own == 0).any()
    assert np.array_equal(spilled.own_counts(pairs), own)
    assert np.array_equal(spilled.own_counts(pairs[:0]), own[:0])
    for floor in (2, 5):
        want, got = in_memory.groups(floor), spilled.groups(floor)
        assert len(want) > 20
        assert [m.tolist() for m in got.members] == [m.tolist() for m in want.members]
        for a, b in ((got.hashes, want.hashes), (got.group_of, want.group_of), (got.fingerprints, want.fingerprints)):
            assert a.dtype == b.dtype and np.array_equal(a, b)
        # taken groups: only their hashes are read back from the files
        chosen = np.arange(1, len(want), 3)
        want, got = want.taking(chosen), got.taking(chosen)
        assert [m.tolist() for m in got.members] == [m.tolist() for m in want.members]
        for a, b in ((got.hashes, want.hashes), (got.group_of, want.group_of), (got.fingerprints, want.fingerprints)):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_spilled_collector_with_nothing_added_has_no_groups(tmp_path) -> None:
    collector = GroupCollector(10, 3, 50)
    collector.spill_to(str(tmp_path / "groups"))
    assert len(collector.groups(2)) == 0 and collector.groups(2).hashes.size == 0
    assert collector.own_counts(np.array([[0, 1], [2, 3]])).tolist() == [0, 0]


def test_the_spills_files_stay_while_groups_read_from_it_are_held_and_go_after(tmp_path) -> None:
    import gc

    docs = corpus(600, seed=5)
    ps = Settings(jobs=1).passages
    index = spilled_index(docs, tmp_path)
    collector = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
    folder = tmp_path / "groups"
    collector.spill_to(str(folder))
    for part in range(index.partitions):
        collector.extend(part_findings(pieces(*index.read(part)), len(docs), ps.index_max_docs, min_docs=ps.group_min_docs).groups)
    groups = collector.groups(2)
    del collector
    gc.collect()
    # the groups still read their fingerprints' hashes from the files
    taken = groups.taking(np.arange(len(groups)))
    assert len(groups) > 5 and taken.hashes.size
    del groups
    gc.collect()
    assert not folder.exists()


def test_the_files_of_the_groups_over_a_spilled_index_go_once_the_pairs_are_found(tmp_path) -> None:
    from dedup.passages.pairs import find_passage_pairs

    docs = corpus(600, seed=5)
    settings = Settings(jobs=1)
    hashes, owners = fingerprints(docs, settings)
    index = IndexSpill(tmp_path)
    index.add(hashes, owners)
    for _ in range(2):
        groups: list = []
        assert list(find_passage_pairs(docs, settings, index=index, groups=groups)) and groups
        assert not [name for name in os.listdir(tmp_path) if name.startswith("groups-")]


def test_groups_taken_from_kept_hashes_read_in_many_pieces_are_those_read_at_once(tmp_path, monkeypatch) -> None:
    import dedup.passages.group_spill as group_spill

    docs = corpus(1500, seed=5)
    ps = Settings(jobs=1).passages
    index = spilled_index(docs, tmp_path)
    spilled = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
    spilled.spill_to(str(tmp_path / "groups"))
    for part in range(index.partitions):
        spilled.extend(part_findings(pieces(*index.read(part)), len(docs), ps.index_max_docs, min_docs=ps.group_min_docs).groups)
    groups = spilled.groups(2)
    chosen = np.arange(0, len(groups), 2)
    monkeypatch.setattr(group_spill, "KEPT_PER_READ", 1 << 30)
    whole = groups.taking(chosen)
    assert len(whole) > 10 and whole.hashes.size > 100
    for per_read in (1, 7, 100):
        monkeypatch.setattr(group_spill, "KEPT_PER_READ", per_read)
        taken = groups.taking(chosen)
        for a, b in ((taken.hashes, whole.hashes), (taken.group_of, whole.group_of), (taken.fingerprints, whole.fingerprints)):
            assert a.dtype == b.dtype and np.array_equal(a, b)
