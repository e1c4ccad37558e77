"""What the document-level scan keeps of each document, and the rows it
makes of them: exact and near pairs, clusters with their representative,
one row per document.

The texts stream past stage 1; from then on the scan works on this table
(ids, lengths, metadata, failures), so the rows can be made without any
text.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from dedup.document import Document
from dedup.io.store import IdColumn
from dedup.io.row_spill import SpilledRows, pair_from_dict, updated_rows
from dedup.near.clusters import component_labels, representative_key
from dedup.near.verification import verified_columns
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, ClusterResult, DocumentResult, PairResult, ScanResult

__all__ = ["DocumentTable", "pair_results", "pair_rows_in_order", "cluster_members", "document_results", "spilled_document_results", "spilled_pairs", "empty_documents", "recluster"]


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


def pair_results(table, counts, groups, near) -> tuple[list[PairResult], list[tuple[int, int]]]:
    """Exact and near pairs (a list of :class:`~dedup.near.verification.Verified`)
    as results ordered by ``(a, b)`` input order, and the edges."""
    rows, edges = pair_rows_in_order(table, counts, groups, *verified_columns(near))
    return list(rows), edges


def pair_rows_in_order(table, counts, groups, ends: np.ndarray, figures: np.ndarray) -> tuple[Iterator[PairResult], list[tuple[int, int]]]:
    """Exact and near pairs as results ordered by ``(a, b)`` input order,
    exact ones first where both found a pair, and the edges; the near pairs
    given as arrays (``(k, 2)`` document numbers and ``(k, 3)`` Jaccard and
    containments, :func:`~dedup.near.verification.verified_columns`), the
    rows made one at a time as they are taken (for a file; a row a pair held
    at once grows with the corpus).
    """
    exact = np.array([(group[0], other) for group in groups for other in group[1:]], dtype=np.int64).reshape(-1, 2)
    every = np.concatenate((exact, ends.reshape(-1, 2)))
    order = np.lexsort((every[:, 1], every[:, 0]))  # stable: exact ones first, each list in its order
    edges = [(int(i), int(j)) for i, j in every[order].tolist()]

    def rows() -> Iterator[PairResult]:
        ids, n_exact = table.ids, len(exact)
        for k, (i, j) in zip(order.tolist(), edges):
            if k < n_exact:
                share = 1.0 if counts[i] else 0.0
                yield PairResult(ids[i], ids[j], EXACT_DUPLICATE, 1.0, share, share, found_by="exact")
            else:
                jaccard, containment_i, containment_j = figures[k - n_exact].tolist()
                yield PairResult(ids[i], ids[j], NEAR_DUPLICATE, round(jaccard, 6), round(containment_i, 6), round(containment_j, 6), found_by="minhash")

    return rows(), edges


def cluster_members(table: DocumentTable, edges: list[tuple[int, int]]) -> list[tuple[list[int], int]]:
    """Stage 5 over the documents that have an edge only: the clusters of
    :func:`~dedup.near.clusters.cluster_documents` (members in input order,
    clusters by first member, the representative the smallest
    :func:`~dedup.near.clusters.representative_key`), the components found
    on arrays rather than by a union-find of Python ints."""
    if not edges:
        return []
    ends = np.array(edges, dtype=np.int64).reshape(-1, 2)
    nodes = np.unique(ends)
    # Each component labelled by its smallest node: ordered by label, the
    # clusters come by first member, each one's members in order.
    labels = component_labels(len(nodes), np.searchsorted(nodes, ends))
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    ids, metadata, chars = table.ids, table.metadata, table.chars
    ordered, bounds = nodes[order].tolist(), [0, *cuts.tolist(), len(nodes)]
    clusters = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        members = ordered[lo:hi]
        keys = [representative_key(ids[m], metadata.get(m, {}).get("date"), chars[m]) for m in members]
        clusters.append((members, members[keys.index(min(keys))]))
    return clusters


def document_results(table: DocumentTable, counts: np.ndarray, clusters) -> tuple[list[DocumentResult], list[ClusterResult]]:
    """Each document's row (with its cluster and ``duplicate_of``) and the clusters."""
    rows, cluster_results = _document_rows(table, counts, clusters)
    return list(rows), cluster_results


def spilled_document_results(
    table: DocumentTable, counts: np.ndarray, clusters, make: Callable[[dict], DocumentResult] | None = None
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
    cluster_results.clear()
    return out, spilled


def spilled_pairs(pairs: Iterable[PairResult]) -> SpilledRows:
    """``pairs`` written to a file (a list is emptied), to wait there
    through the text stages of a scan whose rows are in a file."""
    out = SpilledRows(pair_from_dict)
    out.extend(pairs)
    if isinstance(pairs, list):
        pairs.clear()
    return out


def _document_rows(table: DocumentTable, counts: np.ndarray, clusters) -> tuple[Iterator[DocumentResult], list[ClusterResult]]:
    """The rows of :func:`document_results`, made one at a time as they are
    taken, and the clusters."""
    cluster_results, places = cluster_places(table.ids, clusters)
    empty = set(empty_documents(table, counts).tolist())
    meta = table.metadata

    def rows() -> Iterator[DocumentResult]:
        # Positional arguments: about 1.8x faster than keywords, a million times over.
        for k, (doc_id, chars, count) in enumerate(zip(table.ids, table.chars, _ints(counts))):
            row = DocumentResult(doc_id, chars, count, None, None, meta.get(k, {}))
            if k in empty:
                row.extra["empty"] = True
            _place(places, k, row)
            yield row

    return rows(), cluster_results


def _ints(values: np.ndarray, chunk: int = 4096) -> Iterator[int]:
    """``values.tolist()`` a chunk at a time: a Python int per document is
    made only as its row is, not for all of them at once."""
    for start in range(0, len(values), chunk):
        yield from values[start : start + chunk].tolist()


def placed_rows(rows: Sequence[DocumentResult], places: dict[int, tuple[int, str | None]]) -> Sequence[DocumentResult]:
    """``rows`` with each one's ``cluster`` and ``duplicate_of`` set from
    ``places`` (:func:`cluster_places`; ``None`` for a row in no cluster),
    as :func:`dedup.io.row_spill.updated_rows`."""
    return updated_rows(rows, partial(_place, places))


def _place(places: dict[int, tuple[int, str | None]], position: int, row: DocumentResult) -> None:
    row.cluster, row.duplicate_of = places.get(position, (None, None))


def cluster_places(ids: Sequence[str] | Mapping[int, str], clusters) -> tuple[list[ClusterResult], dict[int, tuple[int, str | None]]]:
    """Each cluster as a result, and each member's place: ``(cluster,
    duplicate_of)`` by document number (``duplicate_of`` is ``None`` for
    the representative)."""
    cluster_results, places = [], {}
    for index, (group, rep) in enumerate(clusters):
        members = [ids[m] for m in group]
        representative = members[group.index(rep)]  # one str, also where the ids are read from a buffer
        cluster_results.append(ClusterResult(members=members, representative=representative))
        for m in group:
            places[m] = (index, representative if m != rep else None)
    return cluster_results, places


def empty_documents(table: DocumentTable, counts: np.ndarray) -> np.ndarray:
    """Documents without a word token (not those a stage failed on)."""
    empty = np.flatnonzero(counts == 0)
    return empty[~np.isin(empty, np.array(table.failed, dtype=np.int64))] if table.failed else empty


def recluster(result: ScanResult, ids: Sequence[str]) -> None:
    """Clusters again over every exact and near-duplicate pair of ``result``,
    however found (its clusters, rows and counts set anew); ``ids``: every
    document's id, by position.

    Only the documents of those pairs are looked up (their positions, dates
    and lengths, in one pass over the rows), not a table of every document.
    """
    duplicates = (EXACT_DUPLICATE, NEAR_DUPLICATE)
    paired = {doc_id for p in result.pairs if p.relation in duplicates for doc_id in (p.a, p.b)}
    position = {doc_id: k for k, doc_id in enumerate(ids) if doc_id in paired}
    edges = [(position[p.a], position[p.b]) for p in result.pairs if p.relation in duplicates]
    nodes = set(position.values())
    chars: dict[int, int] = {}
    metadata: dict[int, dict[str, str]] = {}
    for k, row in enumerate(result.documents):
        if k in nodes:
            chars[k] = row.chars
            if row.metadata:
                metadata[k] = row.metadata
    # The ids of the documents in pairs, by position: read once, not again for every member.
    names = {k: doc_id for doc_id, k in position.items()}
    table = DocumentTable(ids=names, chars=chars, metadata=metadata)
    clusters = cluster_members(table, edges)
    result.clusters, places = cluster_places(names, clusters)
    result.documents = placed_rows(result.documents, places)
    result.stats["clusters"] = len(clusters)
    result.stats["duplicates_to_remove"] = sum(len(m) - 1 for m, _ in clusters)
