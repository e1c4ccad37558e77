"""The passage index's candidate pairs: each document's sampled word
n-gram fingerprints (with boilerplate masks left out), and the pairs of
documents that share enough of them.

Every document contributes a sample of its word ``index_ngram``-gram hashes
(those whose hash is 0 modulo ``index_sample``, so that two copies of a
passage keep the same ones); n-grams inside boilerplate masks are left out
and n-grams found in more than ``index_max_docs`` documents are dropped as
common phrases. Pairs of documents sharing at least
``min_shared_fingerprints`` sampled n-grams are candidates.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from functools import partial
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span, document_ids, span_mask, take
from dedup.engine import Engine, FaultBarrier, StageFault, engine_or_local, ships_texts
from dedup.near.index_spill import IndexSpill, sorted_pieces
from dedup.passages.groups import GroupCollector
from dedup.passages.index import PartFindings, candidates_and_holders, merged_candidates, part_findings
from dedup.text.ngrams import by_hash, sampled_ngrams, word_hashes
from dedup.text.normalize import fold_text, normalize_with_offsets


# Characters per batch of texts hashed together: bounds the temporaries and
# the tables of hash powers, which grow to the longest batch (in every worker).
_BATCH_CHARS = 1 << 16


def index_text(doc: Document, spans: Sequence[Span] | None) -> str:
    """The text folded as :func:`dedup.text.normalize.normalize_text` folds it, with
    masked characters blanked out; spacing is left as it is (the index only
    reads words)."""
    if not spans:
        return fold_text(doc.text)
    normalized = normalize_with_offsets(doc.text)
    codes = np.frombuffer(normalized.text.encode("utf-32-le"), dtype=np.uint32).copy()
    codes[span_mask(len(doc.text), spans)[normalized.starts]] = 32
    return codes.tobytes().decode("utf-32-le")


def fingerprints(
    docs: Sequence[Document], settings: Settings, masks: Mapping[str, Sequence[Span]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sampled word n-gram hashes of every document, and their owners.

    Args:
        docs: The documents.
        settings: ``passages.index_ngram`` and ``passages.index_sample``.
        masks: Boilerplate spans per document id, left out.

    Returns:
        ``(hashes, owners)``: uint64 hashes (0 modulo ``index_sample`` after
        mixing) and the index of the document of each.
    """
    ps = settings.passages
    masks = masks or {}
    out_h: list[np.ndarray] = []
    out_o: list[np.ndarray] = []
    batch: list[str] = []
    first = chars = 0
    for k, doc in enumerate(docs):
        batch.append(index_text(doc, masks.get(doc.id)))
        chars += len(batch[-1])
        if chars >= _BATCH_CHARS or k == len(docs) - 1:
            hashes, owners = sampled_ngrams(*word_hashes(batch), ps.index_ngram, ps.index_sample)
            out_h.append(hashes)
            out_o.append(owners + first)
            first, batch, chars = k + 1, [], 0
    if not out_h:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_h), np.concatenate(out_o)


def candidate_pairs(docs: Sequence[Document], settings: Settings, masks=None) -> np.ndarray:
    """Pairs of documents sharing at least ``min_shared_fingerprints`` sampled n-grams.

    Returns:
        ``(k, 2)`` int64 array of document indices ``i < j``, sorted.
    """
    return _candidates(docs, settings, masks)[0]


def _candidates(
    docs: Sequence[Document], settings: Settings, masks=None, index=None, engine: Engine | None = None, faults: list[StageFault] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`candidate_pairs` and the sampled n-grams each pair shares.

    ``index``: :func:`fingerprints` of ``docs`` without masks, if already
    taken; those of masked documents are taken again here.
    """
    pairs, counts, _ = candidates_and_shares(docs, settings, masks, index, engine, faults)
    return pairs, counts


def candidates_and_shares(
    docs, settings: Settings, masks=None, index=None, engine: Engine | None = None, faults=None, shares: bool = False,
    collector: GroupCollector | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`_candidates`, and with ``shares`` each document's held and
    shared fingerprints (:func:`dedup.passages.index.shared_fingerprints`);
    ``collector`` receives what the sort finds of grouped text
    (:class:`~dedup.passages.groups.GroupCollector`).

    ``index``: as for :func:`_candidates`, or spilled in partitions by
    hash (:class:`~dedup.near.index_spill.IndexSpill`), then read one
    partition at a time.
    """
    ps = settings.passages
    if isinstance(index, IndexSpill):
        return _spilled_candidates(index, docs, settings, masks or {}, engine, faults, shares, collector)
    hashes, owners = _index(docs, settings, masks, index, engine, faults)
    return candidates_and_holders(hashes, owners, len(docs), ps.index_max_docs, ps.min_shared_fingerprints, shares, collector)


def _spilled_candidates(index: IndexSpill, docs, settings: Settings, masks, engine, faults, shares: bool, collector=None):
    """:func:`candidates_and_shares` of a spilled index: every figure is a
    sum over hashes, so over partitions. Each partition is searched on the
    engine's workers (read there when they can read this process's files)
    and their findings are summed here in the order of the partitions, so
    the result is the same for any engine and any number of workers."""
    ps = settings.passages
    n_docs = len(docs)
    if collector is not None:  # what it gathers grows with the corpus: in files next to the index, gone with them
        collector.spill_to(tempfile.mkdtemp(prefix="groups-", dir=index.folder))
    # per document, held through the stage: int32 (a document's fingerprints number far fewer than 2**31)
    held, shared = np.zeros(n_docs, dtype=np.int32), np.zeros(n_docs, dtype=np.int32)
    masked = np.array([k for k, doc_id in enumerate(document_ids(docs)) if masks.get(doc_id)], dtype=np.int64)
    again = _spilled_fingerprints(docs, masked, settings, masks, os.path.join(index.folder, "masked"), engine, faults)
    reads_files = engine is None or not ships_texts(engine)
    if reads_files:
        np.save(masked_path := os.path.join(index.folder, "masked.npy"), masked)
    parts = [_IndexPart(index, again, masked_path if reads_files else masked, part) for part in range(index.partitions)]
    search = partial(_part_findings, n_docs=n_docs, max_docs=ps.index_max_docs, holders=shares, min_docs=collector.min_docs if collector else 0)
    with engine_or_local(engine, settings.workers) as running:
        sources = parts if reads_files else (part.read() for part in parts)  # a cluster's workers get the arrays
        pairs, counts = merged_candidates(
            running.map(search, sources, in_flight=2), n_docs, ps.min_shared_fingerprints, folder=index.folder,
            holders=(held, shared) if shares else None, collector=collector, run=running.map if reads_files else None,
        )
    return pairs, counts, ((held, shared) if shares else None)


@dataclass(frozen=True)
class _IndexPart:
    """One partition of a spilled index, with the fingerprints of the masked
    documents (``masked``: their indices, or the ``.npy`` file of them) taken
    again (``again``) in place of theirs."""

    index: IndexSpill
    again: IndexSpill
    masked: str | np.ndarray
    part: int

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """The partition's hashes and owners."""
        hashes, owners = self.index.read(self.part)
        masked = np.load(self.masked) if isinstance(self.masked, str) else self.masked
        if masked.size == 0:  # then no fingerprints were taken again
            return hashes, owners
        # a look-up by document, where np.isin sorts or searches the masked ones
        is_masked = np.zeros(max(int(masked.max()), int(owners.max(initial=0))) + 1, dtype=bool)
        is_masked[masked] = True
        keep = ~is_masked[owners]
        again_h, again_o = self.again.read(self.part)
        return np.concatenate((hashes[keep], again_h)), np.concatenate((owners[keep], again_o))


def _part_findings(source: _IndexPart | tuple[np.ndarray, np.ndarray], n_docs: int, max_docs: int, holders: bool, min_docs: int) -> PartFindings:
    """:func:`~dedup.passages.index.part_findings` of one partition, read
    here from its files or given as its arrays, in pieces sorted by hash
    (the partition's arrays held by the pieces alone, let go once sorted)."""
    return part_findings(sorted_pieces(*(source.read() if isinstance(source, _IndexPart) else source)), n_docs, max_docs, holders, min_docs)


def _index(docs, settings: Settings, masks=None, index=None, engine: Engine | None = None, faults=None) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints ``(hashes, owners)`` of ``docs`` with their masks left
    out (``index``: those without masks, if already taken)."""
    masks = masks or {}
    if index is None:
        return by_hash(*_pooled_fingerprints(docs, settings, masks, engine, faults))
    return _with_masks(index, docs, settings, masks, engine, faults)


def _spilled_fingerprints(docs, chosen: np.ndarray, settings: Settings, masks, folder: str, engine: Engine | None = None, faults=None) -> IndexSpill:
    """:func:`_pooled_fingerprints` of the documents at ``chosen``, spilled
    by partition to ``folder`` a few thousand documents at a time.

    Most documents of a news corpus have boilerplate: held at once, their
    fingerprints (about 3 KB a document) and the texts sent to take them
    would grow with the corpus; spilled in chunks, each partition holds
    them in document order, as one call would give them.
    """
    os.makedirs(folder, exist_ok=True)
    spill = IndexSpill(folder)
    step = _DOCS_PER_WORKER * max(1, settings.workers)
    for lo in range(0, len(chosen), step):
        chunk = chosen[lo : lo + step]
        hashes, owners = _pooled_fingerprints(take(docs, chunk.tolist()), settings, masks, engine, faults)
        spill.add(hashes, chunk[owners])
    return spill


def _with_masks(index, docs, settings: Settings, masks, engine: Engine | None = None, faults=None) -> tuple[np.ndarray, np.ndarray]:
    """Unmasked fingerprints ``index``, with those of masked documents taken again.

    The order of the fingerprints differs from :func:`fingerprints`'s; the
    candidate pairs do not depend on it.
    """
    hashes, owners = index
    masked = np.array([k for k, doc_id in enumerate(document_ids(docs)) if masks.get(doc_id)], dtype=np.int64)
    if masked.size == 0:
        return hashes, owners
    keep = ~np.isin(owners, masked)
    again_h, again_o = _pooled_fingerprints(take(docs, masked.tolist()), settings, masks, engine, faults)
    return np.concatenate((hashes[keep], again_h)), np.concatenate((owners[keep], masked[again_o]))


# Below this many documents per worker, fingerprints are taken in this process.
_DOCS_PER_WORKER = 2000


def _fingerprint_part(args) -> tuple[np.ndarray, np.ndarray]:
    part, settings, masks, first = args
    hashes, owners = fingerprints(part, settings, masks)
    return hashes, owners + first


def _part_size(args) -> int:
    return len(args[0])


def _part_without(args, positions: set[int]):
    """A part with the documents at ``positions`` blanked (no fingerprints)."""
    part, settings, masks, first = args
    blanked = [replace(doc, text="", blocks=()) if k in positions else doc for k, doc in enumerate(part)]
    return blanked, settings, {d.id: masks[d.id] for k, d in enumerate(part) if d.id in masks and k not in positions}, first


def _part_id(args, position: int) -> tuple[str, ...]:
    return (args[0][position].id,)


def _pooled_fingerprints(docs, settings: Settings, masks, engine: Engine | None = None, faults: list[StageFault] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fingerprints` over contiguous parts of ``docs`` on the engine's workers.

    Parts are concatenated in order, so the result equals one call's. With
    ``faults``, a document that cannot be fingerprinted has none (it is no
    candidate) and a fault.
    """
    workers = min(settings.workers, len(docs) // _DOCS_PER_WORKER)
    if workers < 2 and faults is None:
        return fingerprints(docs, settings, masks)
    bounds = np.linspace(0, len(docs), max(workers, 1) + 1).round().astype(int).tolist()
    jobs = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        part = take(docs, range(lo, hi))
        jobs.append((part, settings, {doc_id: masks[doc_id] for doc_id in document_ids(part) if doc_id in masks}, lo))
    if faults is None:
        results = list(run_all(engine, workers, _fingerprint_part, jobs, in_flight=1))  # one part per worker, all in flight
    else:
        barrier = FaultBarrier(_fingerprint_part, _part_size, _part_without, _part_id)
        guarded = list(run_all(engine if workers >= 2 else None, max(workers, 1), barrier, jobs, in_flight=1))
        faults.extend(StageFault.of("passages", fault) for part in guarded for fault in part.faults)
        results = [part.result for part in guarded]
    return np.concatenate([h for h, _ in results]), np.concatenate([o for _, o in results])


def run_all(engine: Engine | None, workers: int, func, jobs: Iterable, in_flight: int) -> Iterator:
    """``func`` over ``jobs`` on ``engine``, or on a local engine of ``workers`` for this call."""
    with engine_or_local(engine, workers) as running:
        yield from running.map(func, jobs, in_flight=in_flight)

