"""Clusters of duplicate documents, by union-find, with a representative."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from dedup.text.distinct import distinct


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if self.size[rx] < self.size[ry]:
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.size[rx] += self.size[ry]

    def roots(self) -> list[int]:
        """The root of every element: equal roots, same set."""
        return [self.find(x) for x in range(len(self.parent))]

    def groups(self) -> list[list[int]]:
        """Sets with more than one member, each sorted, ordered by first member."""
        by_root: dict[int, list[int]] = {}
        for x in range(len(self.parent)):
            by_root.setdefault(self.find(x), []).append(x)
        return sorted((g for g in by_root.values() if len(g) > 1), key=lambda g: g[0])


def representative_key(doc_id: str, date: str | None, chars: int) -> tuple:
    """Sort key of the document to keep: earliest date, else longest, else smallest id."""
    return (date is None, date or "", -chars, doc_id)


def cluster_documents(n: int, edges: Iterable[tuple[int, int]], key: Callable[[int], tuple]) -> list[tuple[list[int], int]]:
    """Connected components of the duplicate graph.

    Args:
        n: Number of documents.
        edges: Pairs of document indices found to be duplicates.
        key: Sort key of document ``i`` as a representative (the smallest is
            kept), e.g. from :func:`representative_key`.

    Returns:
        ``(members, representative)`` per cluster of two or more, members in
        input order, clusters ordered by their first member.
    """
    sets = UnionFind(n)
    for a, b in edges:
        sets.union(a, b)
    return [(members, min(members, key=key)) for members in sets.groups()]


def component_labels(n: int, pairs: np.ndarray) -> np.ndarray:
    """A component label per element of ``0..n-1``: the connected components
    of ``pairs`` (an ``(m, 2)`` array), each labelled by its smallest
    element. The partition of :meth:`UnionFind.roots`, made on arrays: the
    union-find holds two Python ints per element while it runs (and SciPy's
    graph module, imported, costs every process some 11 MB).

    Each round hooks the larger label of every pair whose labels differ
    onto the smaller one, then points every element at its root; labels only
    decrease, and trees that share a pair merge each round."""
    labels = np.arange(n, dtype=np.int64)
    a, b = pairs[:, 0].astype(np.int64, copy=False), pairs[:, 1].astype(np.int64, copy=False)
    while True:
        la, lb = labels[a], labels[b]
        apart = la != lb
        if not apart.any():
            return labels
        la, lb = la[apart], lb[apart]
        np.minimum.at(labels, np.maximum(la, lb), np.minimum(la, lb))
        while True:  # every element to its root
            up = labels[labels]
            if np.array_equal(up, labels):
                break
            labels = up


@dataclass(frozen=True)
class Clusters:
    """The clusters of :func:`cluster_documents`, held as arrays: no Python
    int per member while they wait to be made into rows.

    Attributes:
        nodes: The position of every clustered document, ascending.
        cluster: The cluster of each of ``nodes``.
        members: ``nodes`` grouped by cluster, each cluster's in input
            order, the clusters ordered by their first member.
        bounds: Where each cluster's members start in ``members``, and
            their end (one more than the clusters).
        representatives: The position of each cluster's document to keep.

    Iterated, each cluster is ``(members, representative)`` as
    :func:`cluster_documents` gives it, made as it is read.
    """

    nodes: np.ndarray
    cluster: np.ndarray
    members: np.ndarray
    bounds: np.ndarray
    representatives: np.ndarray

    def __len__(self) -> int:
        return len(self.representatives)

    def __iter__(self) -> Iterator[tuple[list[int], int]]:
        members, bounds, representatives = self.members, self.bounds, self.representatives
        for c in range(len(representatives)):
            yield members[bounds[c] : bounds[c + 1]].tolist(), int(representatives[c])

    @property
    def removable(self) -> int:
        """Documents a cluster has besides its representative."""
        return len(self.nodes) - len(self.representatives)


def duplicate_clusters(ends: np.ndarray, key: Callable[[int, int], Any]) -> Clusters:
    """The clusters of :func:`cluster_documents` over the documents of
    ``ends`` only (an ``(m, 2)`` array of positions), the components found
    on arrays (:func:`component_labels`).

    Args:
        ends: The two documents of each duplicate pair.
        key: ``key(position, node)``, the sort key of a member as its
            cluster's representative (the smallest is kept), e.g. from
            :func:`representative_key`; ``node`` is its index in
            ``np.unique(ends)``, for keys read from arrays of the clustered
            documents only.
    """
    ends = np.asarray(ends, dtype=np.int64).reshape(-1, 2)
    nodes = distinct(ends)
    # Each component labelled by its smallest node: ordered by label, the
    # clusters come by first member, each one's members in order.
    labels = component_labels(len(nodes), np.searchsorted(nodes, ends))
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(np.diff(labels[order], prepend=-1))
    bounds = np.append(starts, len(nodes))
    cluster = np.empty(len(nodes), dtype=np.int64)
    cluster[order] = np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(bounds))
    members = nodes[order]
    representatives = np.empty(len(starts), dtype=np.int64)
    for c, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
        group = members[lo:hi].tolist()
        keys = [key(m, t) for m, t in zip(group, order[lo:hi].tolist())]
        representatives[c] = group[keys.index(min(keys))]
    return Clusters(nodes, cluster, members, bounds, representatives)
