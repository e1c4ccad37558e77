"""Connected components on arrays (:func:`dedup.near.clusters.component_labels`)
against the union-find they stand for: the same partition."""

from __future__ import annotations

import random

import numpy as np

from dedup.near.clusters import UnionFind, component_labels


def _partition(labels) -> set[frozenset[int]]:
    members: dict[int, set[int]] = {}
    for k, label in enumerate(labels):
        members.setdefault(int(label), set()).add(k)
    return {frozenset(m) for m in members.values()}


def test_labels_make_the_partition_of_the_union_find() -> None:
    rng = random.Random(11)
    for n, m in ((1, 0), (5, 0), (40, 25), (300, 120), (300, 900)):
        pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(m)]
        pairs += pairs[: m // 4]  # repeated pairs count once
        sets = UnionFind(n)
        for i, j in pairs:
            sets.union(i, j)
        labels = component_labels(n, np.array(pairs, dtype=np.int64).reshape(-1, 2))
        assert labels.dtype == np.int64 and len(labels) == n
        assert _partition(labels) == _partition(sets.roots())


def test_a_pair_repeated_many_times_still_joins_its_documents() -> None:
    labels = component_labels(4, np.array([[1, 2]] * 300, dtype=np.int64))
    assert labels[1] == labels[2] and len({int(labels[0]), int(labels[1]), int(labels[3])}) == 3


def test_each_component_is_labelled_by_its_smallest_member_even_along_a_long_chain() -> None:
    n = 5000
    chain = np.stack([np.arange(n - 1), np.arange(1, n)], axis=1)[::-1].copy()  # joined from its far end
    assert not component_labels(n, chain).any()
    labels = component_labels(8, np.array([[5, 7], [7, 2], [3, 6]], dtype=np.int64))
    assert labels.tolist() == [0, 1, 2, 3, 4, 2, 3, 2]
