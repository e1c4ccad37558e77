"""The clusters of the documents with an edge, found on arrays, are those
of the union-find (:func:`dedup.near.clusters.cluster_documents`)."""

from __future__ import annotations

from array import array

import numpy as np
import pytest

from dedup.near.clusters import cluster_documents, representative_key
from dedup.near.table import DocumentTable, cluster_members


def _by_union_find(table: DocumentTable, edges: list[tuple[int, int]]) -> list[tuple[list[int], int]]:
    key = lambda m: representative_key(table.ids[m], table.metadata.get(m, {}).get("date"), table.chars[m])  # noqa: E731
    return cluster_documents(len(table.ids), edges, key)


@pytest.mark.parametrize("seed", range(6))
def test_clusters_on_arrays_are_those_of_the_union_find(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    dates = ["2024-01-02", "2023-05-06", "2024-01-02"]
    table = DocumentTable(
        ids=[f"d{k:04d}" for k in range(n)],
        # few lengths and dates: ties, broken by the next part of the key
        chars=array("q", rng.integers(1, 4, size=n).tolist()),
        metadata={k: {"date": dates[k % 3]} for k in range(n) if rng.random() < 0.4},
    )
    edges = [tuple(sorted(e)) for e in rng.integers(0, n, size=(int(rng.integers(0, n)), 2)).tolist() if e[0] != e[1]]
    edges += [(k, k + 1) for k in range(0, n - 1, 7)][: int(rng.integers(0, 30))]  # chains
    assert list(cluster_members(table, edges)) == _by_union_find(table, edges)


def test_no_edges_no_clusters() -> None:
    assert list(cluster_members(DocumentTable(ids=["a", "b"], chars=array("q", [1, 2])), [])) == []


def test_the_representative_is_the_earliest_then_the_longest_then_the_smallest_id() -> None:
    table = DocumentTable(ids=["c", "b", "a", "d"], chars=array("q", [5, 9, 9, 1]), metadata={3: {"date": "2020-01-01"}})
    assert list(cluster_members(table, [(0, 1), (1, 2)])) == [([0, 1, 2], 2)]
    assert list(cluster_members(table, [(2, 3), (0, 3)])) == [([0, 2, 3], 3)]
