"""The pairs, clusters and document rows of a sharded scan, written to
files a chunk at a time (:class:`~dedup.io.row_spill.SpilledRows`).

The driver keeps the pairs as numbers (two document numbers and three
figures: 40 bytes a pair), finds the clusters as SciPy's connected components
of the documents that have a pair (:func:`_components`), and fetches the ids, dates and lengths it needs for a chunk of
pairs or clusters from the shards (:meth:`ShardedCorpus.fields_of`) when it
writes that chunk. The document rows are made by a task per shard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedup.engine import Engine
from dedup.io.row_spill import SpilledRows, pair_from_dict
from dedup.near.clusters import representative_key
from dedup.io.corpus import METADATA_FIELDS
from dedup.near.shard_scan import ShardedCorpus
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, ClusterResult, DocumentResult, PairResult

# Pairs (or clustered documents) written per chunk: what the driver holds of them at once.
ROWS_PER_CHUNK = 2_000


@dataclass
class ShardedResults:
    """Stages 2 to 5 of a sharded scan, as the result needs them.

    Attributes:
        documents: The document rows, in input order.
        pairs: Exact and near pairs ordered by ``(a, b)`` input order.
        clusters: Each cluster of two or more, ordered by first member.
        removable: Members that are not their cluster's representative.
        empty: Documents without a word token (not those that failed).
    """

    documents: SpilledRows
    pairs: SpilledRows
    clusters: SpilledRows
    removable: int
    empty: int


def sharded_results(corpus: ShardedCorpus, engine: Engine, groups: list[tuple[list[int], bool]], near: tuple[np.ndarray, np.ndarray]) -> ShardedResults:
    """The rows of a sharded scan.

    Args:
        corpus: The shards.
        engine: Holds them.
        groups: Exact groups from :meth:`ShardedCorpus.exact_groups`.
        near: Verified near pairs: ``(k, 2)`` document numbers and ``(k, 3)``
            Jaccard and the two containments.
    """
    exact = [(group[0], other, float(share)) for group, share in groups for other in group[1:]]
    ends = np.concatenate([np.array([(i, j) for i, j, _ in exact], dtype=np.int64).reshape(-1, 2), near[0]])
    shares = np.array([share for *_, share in exact], dtype=np.float64)
    figures = np.concatenate([np.stack([np.ones_like(shares), shares, shares], axis=1), near[1]])
    is_near = np.concatenate([np.zeros(len(exact), dtype=bool), np.ones(len(near[0]), dtype=bool)])
    order = np.lexsort((ends[:, 1], ends[:, 0]))
    ends, figures, is_near = ends[order], figures[order], is_near[order]
    pairs = SpilledRows(pair_from_dict)
    for start in range(0, len(ends), ROWS_PER_CHUNK):
        chunk = slice(start, start + ROWS_PER_CHUNK)
        ids = _ids(corpus, engine, ends[chunk])
        pairs.write("".join(json.dumps(_pair(ids[i], ids[j], near, row).to_dict()) + "\n"
                            for (i, j), near, row in zip(ends[chunk].tolist(), is_near[chunk].tolist(), figures[chunk].tolist())))
    nodes, cluster_of = _components(ends)
    clusters, representatives, removable = _write_clusters(corpus, engine, nodes, cluster_of)
    rows = SpilledRows(document_from_dict)
    empty = corpus.document_rows(engine, nodes, cluster_of, representatives, rows.write)
    return ShardedResults(rows, pairs, clusters, removable, empty)


def _ids(corpus: ShardedCorpus, engine: Engine, numbers: np.ndarray) -> dict[int, str]:
    return {d: doc_id for d, (doc_id, _, _) in corpus.fields_of(engine, np.unique(numbers).tolist()).items()}


def _pair(a: str, b: str, near: bool, figures: list[float]) -> PairResult:
    """A near pair, or an exact one (its containments: whether its text has shingles)."""
    if near:
        return PairResult(a, b, NEAR_DUPLICATE, *(round(x, 6) for x in figures), found_by="minhash")
    return PairResult(a, b, EXACT_DUPLICATE, *figures, found_by="exact")


def _components(ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documents with a pair (ascending) and the cluster of each, clusters
    numbered in order of their first member (the first in input order)."""
    nodes, local = np.unique(ends, return_inverse=True)
    if not nodes.size:
        return nodes, np.zeros(0, dtype=np.int64)
    a, b = local.reshape(-1, 2).T
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(nodes.size, nodes.size))
    _, label = connected_components(graph, directed=False)
    first = np.full(label.max() + 1, nodes.size)
    np.minimum.at(first, label, np.arange(nodes.size))
    return nodes, np.unique(first, return_inverse=True)[1][label]


def _write_clusters(corpus: ShardedCorpus, engine: Engine, nodes: np.ndarray, cluster_of: np.ndarray) -> tuple[SpilledRows, list[str], int]:
    """The cluster rows, the id of each cluster's representative, and how
    many members are not representatives."""
    order = np.lexsort((nodes, cluster_of))
    members, clusters = nodes[order], cluster_of[order]
    starts = np.flatnonzero(np.concatenate(([True], clusters[1:] != clusters[:-1]))) if clusters.size else np.zeros(0, dtype=np.int64)
    bounds = np.concatenate((starts, [members.size])).tolist()
    out, representatives = SpilledRows(cluster_from_dict), []
    k = 0
    while k < len(starts):
        last = k + 1
        while last < len(starts) and bounds[last + 1] - bounds[k] <= ROWS_PER_CHUNK:
            last += 1
        fields = corpus.fields_of(engine, members[bounds[k] : bounds[last]].tolist())
        lines = []
        for c in range(k, last):
            group = members[bounds[c] : bounds[c + 1]].tolist()
            rep = min(group, key=lambda m: representative_key(*fields[m]))
            representatives.append(fields[rep][0])
            lines.append(json.dumps(ClusterResult([fields[m][0] for m in group], fields[rep][0]).to_dict()) + "\n")
        out.write("".join(lines))
        k = last
    return out, representatives, int(members.size - len(starts))


def document_from_dict(row: dict[str, Any]) -> DocumentResult:
    """A document row read back: its fields, metadata and extra fields."""
    row = dict(row)
    plain = [row.pop(name) for name in ("id", "chars", "shingles", "cluster", "duplicate_of")]
    metadata = {key: row.pop(key) for key in METADATA_FIELDS if key in row}
    return DocumentResult(*plain, metadata, row)


def cluster_from_dict(row: dict[str, Any]) -> ClusterResult:
    return ClusterResult(**row)
