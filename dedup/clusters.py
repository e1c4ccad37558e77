"""Clusters of duplicate documents, by union-find, with a representative."""

from __future__ import annotations

from typing import Iterable, Sequence

from dedup.document import Document


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

    def groups(self) -> list[list[int]]:
        """Sets with more than one member, each sorted, ordered by first member."""
        by_root: dict[int, list[int]] = {}
        for x in range(len(self.parent)):
            by_root.setdefault(self.find(x), []).append(x)
        return sorted((g for g in by_root.values() if len(g) > 1), key=lambda g: g[0])


def representative_key(doc: Document) -> tuple:
    """Sort key of the document to keep: earliest date, else longest, else smallest id."""
    return (doc.date is None, doc.date or "", -len(doc.text), doc.id)


def cluster_documents(n: int, edges: Iterable[tuple[int, int]], docs: Sequence[Document]) -> list[tuple[list[int], int]]:
    """Connected components of the duplicate graph.

    Args:
        n: Number of documents.
        edges: Pairs of document indices found to be duplicates.
        docs: The documents (to choose representatives).

    Returns:
        ``(members, representative)`` per cluster of two or more, members in
        input order, clusters ordered by their first member.
    """
    sets = UnionFind(n)
    for a, b in edges:
        sets.union(a, b)
    return [(members, min(members, key=lambda i: representative_key(docs[i]))) for members in sets.groups()]
