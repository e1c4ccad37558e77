"""Clusters of duplicate documents, by union-find, with a representative."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np


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
