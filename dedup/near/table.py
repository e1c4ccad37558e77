"""What the document-level scan keeps of each document, and the rows it
makes of them: exact and near pairs, clusters with their representative,
one row per document.

The texts stream past stage 1; from then on the scan works on this table
(ids, lengths, metadata, failures), so the rows can be made without any
text.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from dedup.document import Document
from dedup.io.store import IdColumn
from dedup.io.row_spill import SpilledRows, pair_from_dict, updated_rows
from dedup.near.clusters import Clusters, duplicate_clusters, representative_key
from dedup.near.verification import verified_columns
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.text.distinct import distinct

__all__ = [
    "DocumentTable", "ClusterPlaces", "pair_results", "pair_rows_in_order", "cluster_members", "cluster_rows", "document_results", "spilled_document_results",
    "spilled_pairs", "empty_documents", "recluster",
]

_CHUNK = 4096  # rows made from arrays a chunk of Python ints at a time


@dataclass
class DocumentTable:
    """What the scan keeps of each document while the texts stream past.

    Attributes:
        ids: Document ids, in input order (a list, or an :class:`~dedup.io.store.IdColumn`).
        chars: Length of each original text.
        metadata: date, source, url and title, for documents that have any.
        failed: Documents whose fingerprinting raised (kept out of every pair).
    """

    ids: list[str] | IdColumn = field(default_factory=list)
    chars: array = field(default_factory=lambda: array("q"))
    metadata: dict[int, dict[str, str]] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)

    def add(self, doc: Document) -> None:
        if doc.date or doc.source or doc.url or doc.title:
            meta = {key: getattr(doc, key) for key in ("date", "source", "url", "title") if getattr(doc, key)}
            self.metadata[len(self.ids)] = meta
        self.ids.append(doc.id)
        self.chars.append(len(doc.text))

    def __len__(self) -> int:
        return len(self.ids)


def pair_results(table, counts, groups, near) -> tuple[list[PairResult], np.ndarray]:
    """Exact and near pairs (a list of :class:`~dedup.near.verification.Verified`)
    as results ordered by ``(a, b)`` input order, and the edges (an ``(m, 2)`` array)."""
    rows, edges = pair_rows_in_order(table, counts, groups, *verified_columns(near))
    return list(rows), edges


def pair_rows_in_order(table, counts, groups, ends: np.ndarray, figures: np.ndarray) -> tuple[Iterator[PairResult], np.ndarray]:
    """Exact and near pairs as results ordered by ``(a, b)`` input order,
    exact ones first where both found a pair, and the edges (an ``(m, 2)``
    array, in that order); the near pairs given as arrays (``(k, 2)``
    document numbers and ``(k, 3)`` Jaccard and containments,
    :func:`~dedup.near.verification.verified_columns`), the rows made one at
    a time as they are taken (for a file; a row a pair held at once grows
    with the corpus).
    """
    exact = np.array([(group[0], other) for group in groups for other in group[1:]], dtype=np.int64).reshape(-1, 2)
    every = np.concatenate((exact, ends.reshape(-1, 2).astype(np.int64, copy=False)))
    order = np.lexsort((every[:, 1], every[:, 0]))  # stable: exact ones first, each list in its order
    edges = every[order]

    def rows() -> Iterator[PairResult]:
        ids, n_exact = table.ids, len(exact)
        for start in range(0, len(order), _CHUNK):  # Python ints a chunk at a time, not a tuple a pair
            for k, (i, j) in zip(order[start : start + _CHUNK].tolist(), edges[start : start + _CHUNK].tolist()):
                if k < n_exact:
                    share = 1.0 if counts[i] else 0.0
                    yield PairResult(ids[i], ids[j], EXACT_DUPLICATE, 1.0, share, share, found_by="exact")
                else:
                    jaccard, containment_i, containment_j = figures[k - n_exact].tolist()
                    yield PairResult(ids[i], ids[j], NEAR_DUPLICATE, round(jaccard, 6), round(containment_i, 6), round(containment_j, 6), found_by="minhash")

    return rows(), edges


def cluster_members(table: DocumentTable, edges: np.ndarray | Sequence[tuple[int, int]]) -> Clusters:
    """Stage 5 over the documents that have an edge only: the clusters of
    :func:`~dedup.near.clusters.cluster_documents` (members in input order,
    clusters by first member, the representative the smallest
    :func:`~dedup.near.clusters.representative_key`), found and held on
    arrays (:func:`~dedup.near.clusters.duplicate_clusters`)."""
    ids, metadata, chars = table.ids, table.metadata, table.chars
    return duplicate_clusters(edges, lambda m, _: representative_key(ids[m], metadata.get(m, {}).get("date"), chars[m]))


def document_results(table: DocumentTable, counts: np.ndarray, clusters: Clusters) -> tuple[list[DocumentResult], list[ClusterResult]]:
    """Each document's row (with its cluster and ``duplicate_of``) and the
    clusters (:func:`cluster_members`)."""
    rows, cluster_results = _document_rows(table, counts, clusters)
    return list(rows), list(cluster_results)


def spilled_document_results(
    table: DocumentTable, counts: np.ndarray, clusters: Clusters, make: Callable[[dict], DocumentResult] | None = None
) -> tuple[SpilledRows, list[ClusterResult]]:
    """:func:`document_results` with the rows written to a file as they are
    made (a few thousand at a time in memory, never all of them).

    Args:
        table: As for :func:`document_results`.
        counts: Distinct shingles of each document.
        clusters: As for :func:`document_results`.
        make: Builds a row from its dict when the file is read back
            (default: :func:`dedup.near.shard_results.document_from_dict`).

    Returns:
        The rows and the clusters, each in a :class:`~dedup.io.row_spill.SpilledRows`.
    """
    # Imported here: the module imports SciPy, a third of a second of every other scan's start.
    from dedup.near.shard_results import cluster_from_dict, document_from_dict

    rows, cluster_results = _document_rows(table, counts, clusters)
    out = SpilledRows(make or document_from_dict)
    out.extend(rows)
    # The clusters' members (a str each) held through the text stages would pin Python's arenas that stages 1-5 freed around them.
    spilled = SpilledRows(cluster_from_dict)
    spilled.extend(cluster_results)
    return out, spilled


def spilled_pairs(pairs: Iterable[PairResult]) -> SpilledRows:
    """``pairs`` written to a file (a list is emptied), to wait there
    through the text stages of a scan whose rows are in a file."""
    out = SpilledRows(pair_from_dict)
    out.extend(pairs)
    if isinstance(pairs, list):
        pairs.clear()
    return out


def _document_rows(table: DocumentTable, counts: np.ndarray, clusters: Clusters) -> tuple[Iterator[DocumentResult], Iterator[ClusterResult]]:
    """The rows of :func:`document_results` and the clusters' rows, each
    made one at a time as it is taken."""
    place = ClusterPlaces(table.ids, clusters)
    empty = set(empty_documents(table, counts).tolist())
    meta = table.metadata

    def rows() -> Iterator[DocumentResult]:
        # Positional arguments: about 1.8x faster than keywords, a million times over.
        for k, (doc_id, chars, count) in enumerate(zip(table.ids, table.chars, _ints(counts))):
            row = DocumentResult(doc_id, chars, count, None, None, meta.get(k, {}))
            if k in empty:
                row.extra["empty"] = True
            place(k, row)
            yield row

    return rows(), cluster_rows(table.ids, clusters)


def _ints(values: np.ndarray, chunk: int = 4096) -> Iterator[int]:
    """``values.tolist()`` a chunk at a time: a Python int per document is
    made only as its row is, not for all of them at once."""
    for start in range(0, len(values), chunk):
        yield from values[start : start + chunk].tolist()


def cluster_rows(ids: Sequence[str], clusters: Clusters) -> Iterator[ClusterResult]:
    """Each cluster as a result, its ids looked up as it is made."""
    for group, rep in clusters:
        members = [ids[m] for m in group]
        yield ClusterResult(members=members, representative=members[group.index(rep)])


class ClusterPlaces:
    """Sets a row's ``cluster`` and ``duplicate_of`` (``None`` for a
    representative, both ``None`` for a row in no cluster) from
    ``clusters``, as ``place(position, row)``: the update of
    :func:`dedup.io.row_spill.updated_rows`.

    Rows given in input order, as they are made or rewritten, take a step
    along the clustered positions each (no dict of them); in any other
    order each one is looked up. A duplicate's representative id is read
    from ``ids`` as its row is placed.
    """

    __slots__ = ("_ids", "_nodes", "_cluster", "_representatives", "_at", "_next", "_last")

    def __init__(self, ids: Sequence[str], clusters: Clusters) -> None:
        self._ids, self._nodes, self._cluster, self._representatives = ids, clusters.nodes, clusters.cluster, clusters.representatives
        self._last = -1
        self._seek(0)

    def _seek(self, at: int) -> None:
        """Next clustered position: the ``at``-th."""
        self._at = at
        self._next = int(self._nodes[at]) if at < len(self._nodes) else sys.maxsize

    def __call__(self, position: int, row: DocumentResult) -> None:
        if position != self._next and (position > self._next or position < self._last):
            self._seek(int(np.searchsorted(self._nodes, position)))
        self._last = position
        if position != self._next:
            row.cluster = row.duplicate_of = None
            return
        cluster = int(self._cluster[self._at])
        representative = int(self._representatives[cluster])
        row.cluster, row.duplicate_of = cluster, (self._ids[representative] if representative != position else None)
        self._seek(self._at + 1)


def empty_documents(table: DocumentTable, counts: np.ndarray) -> np.ndarray:
    """Documents without a word token (not those a stage failed on)."""
    empty = np.flatnonzero(counts == 0)
    return empty[~np.isin(empty, np.array(table.failed, dtype=np.int64))] if table.failed else empty


def recluster(result: ScanResult, ids: Sequence[str], ends: np.ndarray) -> None:
    """Clusters again over every exact and near-duplicate pair of
    ``result``, however found (its clusters, rows and counts set anew).

    Args:
        result: The scan's result; its clusters are written to a file if
            they were in one.
        ids: Every document's id, by position.
        ends: The positions of the two documents of each of those pairs,
            an ``(m, 2)`` array.

    Only the paired documents' lengths and dates are read (in one pass over
    the rows, into arrays), and their ids only as the cluster rows are made.
    """
    chars, dates, known = _lengths_and_dates(result.documents, distinct(ends))

    def key(position: int, node: int) -> tuple:
        return representative_key(ids[position], known[dates[node]] if dates[node] >= 0 else None, int(chars[node]))

    clusters = duplicate_clusters(ends, key)
    rows = cluster_rows(ids, clusters)
    if isinstance(result.clusters, SpilledRows):
        from dedup.near.shard_results import cluster_from_dict  # imports SciPy: only where the rows were spilled, by then imported

        result.clusters.close()
        result.clusters = SpilledRows(cluster_from_dict)
        result.clusters.extend(rows)
    else:
        result.clusters = list(rows)
    result.documents = updated_rows(result.documents, ClusterPlaces(ids, clusters))
    result.stats["clusters"] = len(clusters)
    result.stats["duplicates_to_remove"] = clusters.removable


def _lengths_and_dates(rows: Sequence[DocumentResult], nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The length and date of the rows at ``nodes`` (ascending positions), in
    one pass: lengths, a date code each (-1: no date) and the dates coded."""
    chars = np.zeros(len(nodes), dtype=np.int64)
    dates = np.full(len(nodes), -1, dtype=np.int64)
    codes: dict[str, int] = {}  # distinct dates, few
    if not len(nodes):
        return chars, dates, []
    # Spilled rows read as dicts: no row object made of each.
    fields = ((d["chars"], d.get("date")) for d in rows.dicts()) if isinstance(rows, SpilledRows) else (
        (row.chars, row.metadata.get("date") if row.metadata else None) for row in rows
    )
    at, wanted, last = 0, int(nodes[0]), len(nodes) - 1
    for k, (length, date) in enumerate(fields):
        if k != wanted:
            continue
        chars[at] = length
        if date is not None:
            dates[at] = codes.setdefault(date, len(codes))
        if at == last:
            break
        at += 1
        wanted = int(nodes[at])
    return chars, dates, list(codes)
