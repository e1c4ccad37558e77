"""The candidate pass over the passage index: pairs, counts and holders
depend only on which (hash, owner) fingerprints there are, checked against
a plain Python count; a partition sorted once and cut in pieces finds what
the pieces gathered one by one find."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import numpy as np
import pytest

from dedup.near.index_spill import IndexSpill, pieces, sorted_pieces
from dedup.passages.groups import GroupCollector
from dedup.passages.index import candidates_and_holders, counted_codes, narrowest, part_findings, run_pair_codes


def reference_candidates(hashes, owners, n_docs: int, max_docs: int, min_shared: int):
    """Pairs sharing ``min_shared`` distinct hashes held by at most ``max_docs``
    documents, their counts, and each document's held and shared hashes."""
    holders: dict[int, set[int]] = defaultdict(set)
    for h, o in zip(hashes.tolist(), owners.tolist()):
        holders[h].add(o)
    shared_by: Counter = Counter()
    held, shared = np.zeros(n_docs, dtype=np.int64), np.zeros(n_docs, dtype=np.int64)
    for docs in holders.values():
        for d in docs:
            held[d] += 1
            shared[d] += 1 < len(docs) <= max_docs
        if 1 < len(docs) <= max_docs:
            shared_by.update(combinations(sorted(docs), 2))
    chosen = sorted(pair for pair, count in shared_by.items() if count >= min_shared)
    pairs = np.array(chosen, dtype=np.int64).reshape(-1, 2)
    return pairs, np.array([shared_by[p] for p in chosen], dtype=np.int64), held, shared


def _index(seed: int, size: int, n_docs: int, vocabulary: int):
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**64, size=vocabulary, dtype=np.uint64)
    # a few common hashes (held by more than max_docs) among many rare ones
    picks = np.concatenate((rng.integers(0, vocabulary, size=size), rng.integers(0, 3, size=size // 10)))
    return words[picks], rng.integers(0, n_docs, size=picks.size)


@pytest.mark.parametrize("min_shared", [1, 2, 3])
def test_candidates_and_holders_count_as_a_plain_count_does_in_any_order(min_shared) -> None:
    hashes, owners = _index(3, 6000, 200, 1500)
    expected_pairs, expected_counts, held, shared = reference_candidates(hashes, owners, 200, 30, min_shared)
    assert len(expected_pairs) > 100 and held.sum() > shared.sum() > 0
    rng = np.random.default_rng(4)
    order = np.argsort(hashes, kind="stable")
    shuffled = rng.permutation(hashes.size)
    for h, o in ((hashes, owners), (hashes[order], owners[order]), (hashes[shuffled], owners[shuffled].astype(np.int32))):
        pairs, counts, (got_held, got_shared) = candidates_and_holders(h, o, 200, 30, min_shared)
        assert np.array_equal(pairs, expected_pairs) and np.array_equal(counts, expected_counts)
        assert pairs.dtype == counts.dtype == np.int64
        assert np.array_equal(got_held, held) and np.array_equal(got_shared, shared)


def test_candidates_of_an_index_without_a_repeated_hash() -> None:
    hashes = np.arange(10, dtype=np.uint64)[::-1].copy()
    pairs, counts, (held, shared) = candidates_and_holders(hashes, np.arange(10) % 4, 4, 30, 1)
    assert pairs.shape == (0, 2) and counts.size == 0
    assert held.tolist() == [3, 3, 2, 2] and shared.tolist() == [0, 0, 0, 0]


def test_run_pair_codes_are_every_pair_inside_each_run() -> None:
    owners = np.array([1, 4, 0, 2, 3, 5, 7, 8, 9, 2, 6], dtype=np.int64)
    starts, lengths = np.array([0, 2, 5, 9]), np.array([2, 3, 4, 2])
    collector = GroupCollector(10, 3, 30)
    codes = run_pair_codes(owners, starts, lengths, 10, collector)
    expected = [a * 10 + b for s, n in zip(starts, lengths) for a, b in combinations(owners[s : s + n].tolist(), 2)]
    assert sorted(codes.tolist()) == sorted(expected)
    # the runs of fewer than min_docs documents give their pairs as the pairs' own
    assert sorted(collector.own_counts(np.array([[1, 4], [2, 6], [0, 2]])).tolist()) == [0, 1, 1]
    assert run_pair_codes(owners, starts[:0], lengths[:0], 10).size == 0


def test_counted_codes_are_np_unique_with_counts() -> None:
    codes = np.random.default_rng(8).integers(0, 500, size=3000)
    for least in (1, 5, 8):
        distinct, counts = np.unique(codes, return_counts=True)
        got = counted_codes(codes, least)
        assert np.array_equal(got[0], distinct[counts >= least]) and np.array_equal(got[1], counts[counts >= least])
    assert [a.size for a in counted_codes(np.zeros(0, dtype=np.int64))] == [0, 0]


def test_a_partition_sorted_once_is_cut_into_the_pieces_of_pieces(tmp_path) -> None:
    hashes, owners = _index(5, 30_000, 300, 4000)
    spill = IndexSpill(tmp_path)
    for lo in range(0, hashes.size, 5000):  # in batches, each sorted by hash, as stage 1 sends them
        order = np.argsort(hashes[lo : lo + 5000], kind="stable")
        spill.add(hashes[lo : lo + 5000][order], owners[lo : lo + 5000][order])
    for part in range(IndexSpill.partitions):
        h, o = spill.read(part)
        cut, expected = list(sorted_pieces(h.copy(), o.copy(), most=40)), list(pieces(h, o, most=40))
        assert len(cut) == len(expected) > 1
        for (ch, co), (eh, eo) in zip(cut, expected):
            assert np.all(ch[1:] >= ch[:-1])
            assert sorted(zip(ch.tolist(), co.tolist())) == sorted(zip(eh.tolist(), eo.tolist()))
    # hashes of several partitions: the pieces of pieces, each sorted
    cut = list(sorted_pieces(hashes, owners, most=500))
    expected = list(pieces(hashes, owners, most=500))
    assert [sorted(zip(h.tolist(), o.tolist())) for h, o in cut] == [sorted(zip(h.tolist(), o.tolist())) for h, o in expected]


def test_part_findings_of_sorted_pieces_are_those_of_the_pieces(tmp_path) -> None:
    rng = np.random.default_rng(6)
    h = rng.integers(0, 2**58, size=3000, dtype=np.uint64)[rng.integers(0, 3000, size=9000)]  # all of partition 0
    o = rng.integers(0, 400, size=h.size)
    found = part_findings(sorted_pieces(h.copy(), o.copy(), most=2000), 400, 30, holders=True, min_docs=3)
    expected = part_findings(pieces(h, o, most=2000), 400, 30, holders=True, min_docs=3)
    pairs, counts, (held, shared) = candidates_and_holders(h, o, 400, 30, 1)
    assert len(pairs) > 100
    assert np.array_equal(found.codes, pairs[:, 0] * 400 + pairs[:, 1]) and np.array_equal(found.counts, counts)
    assert np.array_equal(found.held, held) and np.array_equal(found.shared, shared)
    # sent from worker to driver in a byte each, where they fit
    assert found.counts.dtype == found.held.dtype == found.shared.dtype == np.uint8
    for a, b in ((found, expected),):
        assert np.array_equal(a.codes, b.codes) and np.array_equal(a.counts, b.counts)
        assert np.array_equal(a.held, b.held) and np.array_equal(a.shared, b.shared)
        ga, gb = a.groups.groups(1), b.groups.groups(1)
        assert len(ga) > 0 and [m.tolist() for m in ga.members] == [m.tolist() for m in gb.members]
        assert all(np.array_equal(getattr(ga, f), getattr(gb, f)) for f in ("hashes", "group_of", "fingerprints"))
        assert np.array_equal(a.groups.own_counts(pairs), b.groups.own_counts(pairs)) and a.groups.own_counts(pairs).sum() > 0


def test_narrowest_keeps_the_values_in_the_fewest_bytes() -> None:
    assert narrowest(np.array([0, 3, 255])).dtype == np.uint8
    assert narrowest(np.array([1, 256])).dtype == np.uint16 and narrowest(np.array([1, 256])).tolist() == [1, 256]
    assert narrowest(np.array([2**40])).tolist() == [2**40]
    assert narrowest(np.zeros(0, dtype=np.int64)).size == 0
