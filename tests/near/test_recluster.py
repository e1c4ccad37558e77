"""Clustering again after the passage stage (:func:`dedup.near.table.recluster`),
on arrays of the paired documents' positions, gives what the lookups of
every pair's ids by dict gave."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedup.io.row_spill import SpilledRows
from dedup.io.store import IdColumn
from dedup.near.clusters import cluster_documents, representative_key
from dedup.near.shard_results import cluster_from_dict, document_from_dict
from dedup.near.table import ClusterPlaces, DocumentTable, cluster_members, recluster
from dedup.passages.pair_rows import pair_positions
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, PARTIAL_COPY, REWRITE, ClusterResult, DocumentResult, PairResult, ScanResult

DUPLICATES = (EXACT_DUPLICATE, NEAR_DUPLICATE)


def _reclustered_by_dicts(result: ScanResult, ids: list[str]) -> tuple[list[dict], list[tuple], dict]:
    """The clusters, each row's ``(cluster, duplicate_of)`` and the counts,
    found by the union-find over dicts of the paired ids (the reference)."""
    paired = {doc_id for p in result.pairs if p.relation in DUPLICATES for doc_id in (p.a, p.b)}
    position = {doc_id: k for k, doc_id in enumerate(ids) if doc_id in paired}
    edges = [(position[p.a], position[p.b]) for p in result.pairs if p.relation in DUPLICATES]
    rows = list(result.documents)
    key = lambda m: representative_key(ids[m], rows[m].metadata.get("date"), rows[m].chars)  # noqa: E731
    clusters = cluster_documents(len(ids), edges, key)
    places = {}
    for index, (group, rep) in enumerate(clusters):
        for m in group:
            places[m] = (index, ids[rep] if m != rep else None)
    found = [{"members": [ids[m] for m in group], "representative": ids[rep]} for group, rep in clusters]
    counts = {"clusters": len(clusters), "duplicates_to_remove": sum(len(group) - 1 for group, _ in clusters)}
    return found, [places.get(k, (None, None)) for k in range(len(ids))], counts


def _scan_result(seed: int, spill: bool) -> tuple[ScanResult, list[str]]:
    rng = random.Random(seed)
    n = rng.randint(2, 300)
    ids = [f"doc-{rng.randint(0, 10**6)}-{k}" for k in range(n)]  # input order is not id order
    dates = ["2021-03-04", "2020-12-31", "2021-03-04T10:00"]
    documents = [
        DocumentResult(doc_id, rng.randint(1, 4), 5, metadata={"date": rng.choice(dates)} if rng.random() < 0.3 else {}) for doc_id in ids
    ]
    # Earlier clusters: those of some of the pairs, as stage 5 left them (set anew by recluster).
    documents[0].cluster, documents[0].duplicate_of = 0, ids[-1]
    pairs = []
    for _ in range(rng.randint(0, n)):
        i, j = sorted(rng.sample(range(n), 2))
        relation = rng.choice((EXACT_DUPLICATE, NEAR_DUPLICATE, NEAR_DUPLICATE, PARTIAL_COPY, REWRITE))
        pairs.append(PairResult(ids[i], ids[j], relation, 0.9, 0.9, 0.9))
    pairs += [PairResult(ids[k], ids[k + 1], NEAR_DUPLICATE, 0.9, 0.9, 0.9) for k in range(0, n - 1, 9)][: rng.randint(0, 20)]  # chains
    clusters = [ClusterResult(members=[ids[0], ids[-1]], representative=ids[-1])]
    result = ScanResult(documents, pairs, clusters, [], {}, {"clusters": 1, "duplicates_to_remove": 1})
    if spill:
        result.documents, result.clusters = SpilledRows(document_from_dict), SpilledRows(cluster_from_dict)
        result.documents.extend(documents)
        result.clusters.extend(clusters)
    return result, ids


def _duplicate_ends(result: ScanResult, ids) -> np.ndarray:
    return pair_positions([p for p in result.pairs if p.relation in DUPLICATES], ids)


@pytest.mark.parametrize("spill", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_recluster_on_arrays_equals_the_union_find_over_dicts(seed: int, spill: bool) -> None:
    result, ids = _scan_result(seed, spill)
    expected_clusters, expected_places, expected_counts = _reclustered_by_dicts(result, ids)
    recluster(result, IdColumn(ids) if spill else ids, _duplicate_ends(result, ids))
    assert isinstance(result.clusters, SpilledRows) == spill and isinstance(result.documents, SpilledRows) == spill
    assert [c.to_dict() for c in result.clusters] == expected_clusters
    assert [(row.cluster, row.duplicate_of) for row in result.documents] == expected_places
    assert [row.id for row in result.documents] == ids
    assert {key: result.stats[key] for key in expected_counts} == expected_counts


def test_the_representative_is_the_earliest_then_the_longest_then_the_smallest_id() -> None:
    ids = ["c", "b", "a", "d", "e"]
    documents = [DocumentResult(doc_id, chars, 1) for doc_id, chars in zip(ids, [5, 9, 9, 1, 2])]
    documents[3].metadata = {"date": "2020-01-01"}
    result = ScanResult(documents, [], [], [], {}, {})
    recluster(result, ids, np.array([[0, 1], [1, 2]]))
    assert [c.to_dict() for c in result.clusters] == [{"members": ["c", "b", "a"], "representative": "a"}]
    recluster(result, ids, np.array([[2, 3], [0, 3], [1, 4]]))
    assert [c.to_dict() for c in result.clusters] == [
        {"members": ["c", "a", "d"], "representative": "d"}, {"members": ["b", "e"], "representative": "b"}
    ]
    assert [(row.cluster, row.duplicate_of) for row in result.documents] == [(0, "d"), (1, None), (0, "d"), (0, None), (1, "b")]
    assert result.stats == {"clusters": 2, "duplicates_to_remove": 3}


@pytest.mark.parametrize("seed", range(4))
def test_rows_placed_in_any_order_are_placed_as_in_input_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    table = DocumentTable(ids=[f"d{k}" for k in range(n)], chars=__import__("array").array("q", rng.integers(1, 5, n).tolist()))
    clusters = cluster_members(table, rng.integers(0, n, size=(60, 2)))
    in_order = [DocumentResult(doc_id, 1, 1) for doc_id in table.ids]
    place = ClusterPlaces(table.ids, clusters)
    for k, row in enumerate(in_order):
        place(k, row)
    shuffled = [DocumentResult(doc_id, 1, 1, cluster=7, duplicate_of="x") for doc_id in table.ids]
    place = ClusterPlaces(table.ids, clusters)
    for k in rng.permutation(n).tolist() + [5, 3, 199, 0]:  # and again, some of them
        place(k, shuffled[k])
    assert [(r.cluster, r.duplicate_of) for r in shuffled] == [(r.cluster, r.duplicate_of) for r in in_order]
    assert sum(r.cluster is not None for r in in_order) == len(clusters.nodes)
    assert sum(r.duplicate_of is not None for r in in_order) == clusters.removable
