"""Passage reuse at corpus scale: candidate pairs from a fingerprint index,
each verified by alignment before it is reported.

Whole-document similarity misses a rewrite that keeps a few sentences and
quotations; a shared passage leaves shared word n-grams, however small a
part of the documents they are. Every document contributes a sample of its
word ``index_ngram``-gram hashes (those whose hash is 0 modulo
``index_sample``, so that two copies of a passage keep the same ones);
n-grams inside boilerplate masks are left out and n-grams found in more
than ``index_max_docs`` documents are dropped as common phrases. Pairs of
documents sharing at least ``min_shared_fingerprints`` sampled n-grams are
candidates; no pair is compared unless it shares some. A candidate is
aligned only when the words around one of its shared n-grams agree in both
documents (``min_anchor_overlap`` within ``anchor_window`` words): a stock
phrase two unrelated texts both use is not a passage. Each candidate left is
then aligned (:mod:`dedup.passages.align`) and labelled (:mod:`dedup.passages.relations`);
only pairs with a label are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span, document_ids, span_mask, take
from dedup.engine import Engine, FaultBarrier, StageFault, engine_or_local
from dedup.near.clusters import UnionFind
from dedup.near.index_spill import IndexSpill
from dedup.passages.align import Alignment, Passage, Prepared, align_prepared, prepare, whole_document_stats
from dedup.passages.index import Anchors, anchors, context_overlap, shared_fingerprints, strongest_partners, word_anchors
from dedup.passages.index import candidate_pairs as index_pairs
from dedup.passages.index import partitioned_candidate_pairs
from dedup.passages.pair_model import label_pair
from dedup.passages.relations import align_symmetric, hard_masks, lift_soft_masks, pair_fields, verbatim_share
from dedup.text.ngrams import by_hash, sampled_ngrams, word_hashes
from dedup.text.normalize import fold_text, normalize_with_offsets


@dataclass
class PassagePair:
    """A verified pair of documents that share passages.

    Attributes:
        i: Index of the first document (``i < j``).
        j: Index of the second document.
        relation: ``near_duplicate``, ``partial_copy`` or ``rewrite``.
        alignment: What they share.
        summary: :meth:`extra`, kept when the alignment was slimmed (its
            sentences left out: see :func:`find_passage_pairs`).
        sides: Per-side figures (:func:`dedup.passages.relations.pair_fields`).
    """

    i: int
    j: int
    relation: str
    alignment: Alignment
    summary: dict[str, Any] | None = field(default=None, repr=False)
    sides: dict[str, Any] = field(default_factory=dict, repr=False)

    def slim(self) -> "PassagePair":
        """This pair without the sentence spans of its alignment (cheap to send
        between processes); :meth:`fields` and :meth:`extra` are unchanged."""
        alignment = replace(self.alignment, sentence_pairs=[], sentences_a=[], sentences_b=[])
        return PassagePair(self.i, self.j, self.relation, alignment, self.extra(), self.sides)

    @property
    def passages(self) -> list[Passage]:
        return self.alignment.passages

    def fields(self) -> dict[str, Any]:
        """The :class:`dedup.results.PairResult` fields this pair fills."""
        al = self.alignment
        return {
            "shared_chars_a": al.shared_chars_a,
            "shared_chars_b": al.shared_chars_b,
            "shared_share_a": round(al.share_a, 4),
            "shared_share_b": round(al.share_b, 4),
            "passages": [p.to_dict() for p in al.passages],
            **self.sides,
        }

    def extra(self) -> dict[str, Any]:
        """Further JSON fields: sentence and passage counts, verbatim share."""
        if self.summary is not None:
            return dict(self.summary)
        al = self.alignment
        return {
            "aligned_sentences": len(al.sentence_pairs),
            "verbatim_passages": al.count("verbatim"),
            "reworded_passages": al.count("reworded"),
            "verbatim_share": verbatim_share(al),
        }


# A pair sharing this many sampled fingerprints is aligned without looking at
# their contexts: a stock phrase or two never leaves that many, and the check
# would cost more than it saves.
ANCHORS_ENOUGH = 10

# Characters per batch of texts hashed together: bounds the temporaries and
# the tables of hash powers, which grow to the longest batch (in every worker).
_BATCH_CHARS = 1 << 16


def _index_text(doc: Document, spans: Sequence[Span] | None) -> str:
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
        batch.append(_index_text(doc, masks.get(doc.id)))
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
    pairs, counts, _ = _candidates_and_shares(docs, settings, masks, index, engine, faults)
    return pairs, counts


def _candidates_and_shares(
    docs, settings: Settings, masks=None, index=None, engine: Engine | None = None, faults=None, shares: bool = False
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`_candidates`, and with ``shares`` each document's held and
    shared fingerprints (:func:`dedup.passages.index.shared_fingerprints`).

    ``index``: as for :func:`_candidates`, or spilled in partitions by
    hash (:class:`~dedup.near.index_spill.IndexSpill`), then read one
    partition at a time.
    """
    ps = settings.passages
    if isinstance(index, IndexSpill):
        return _spilled_candidates(index, docs, settings, masks or {}, engine, faults, shares)
    hashes, owners = _index(docs, settings, masks, index, engine, faults)
    pairs, counts = index_pairs(hashes, owners, len(docs), ps.index_max_docs, ps.min_shared_fingerprints)
    return pairs, counts, (shared_fingerprints(hashes, owners, len(docs), ps.index_max_docs) if shares else None)


def _spilled_candidates(index: IndexSpill, docs, settings: Settings, masks, engine, faults, shares: bool):
    """:func:`_candidates_and_shares` of a spilled index: every figure is a
    sum over hashes, so over partitions."""
    ps = settings.passages
    held, shared = np.zeros(len(docs), dtype=np.int64), np.zeros(len(docs), dtype=np.int64)

    def parts() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for hashes, owners in _spilled_with_masks(index, docs, settings, masks, engine, faults):
            if shares:
                part_held, part_shared = shared_fingerprints(hashes, owners, len(docs), ps.index_max_docs)
                held[:] += part_held
                shared[:] += part_shared
            yield hashes, owners

    pairs, counts = partitioned_candidate_pairs(parts(), len(docs), ps.index_max_docs, ps.min_shared_fingerprints)
    return pairs, counts, ((held, shared) if shares else None)


def _index(docs, settings: Settings, masks=None, index=None, engine: Engine | None = None, faults=None) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints ``(hashes, owners)`` of ``docs`` with their masks left
    out (``index``: those without masks, if already taken)."""
    masks = masks or {}
    if index is None:
        return by_hash(*_pooled_fingerprints(docs, settings, masks, engine, faults))
    return _with_masks(index, docs, settings, masks, engine, faults)


def _spilled_with_masks(index: IndexSpill, docs, settings: Settings, masks, engine: Engine | None = None, faults=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """:func:`_with_masks` of a spilled index, one partition at a time."""
    masked = np.array([k for k, doc_id in enumerate(document_ids(docs)) if masks.get(doc_id)], dtype=np.int64)
    again_h, again_o = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    if masked.size:
        again_h, again_o = _pooled_fingerprints(take(docs, masked.tolist()), settings, masks, engine, faults)
        again_o = masked[again_o]
    again_part = index.partition_of(again_h)
    for part, (hashes, owners) in enumerate(index.parts()):
        keep = ~np.isin(owners, masked)
        mine = again_part == part
        yield np.concatenate((hashes[keep], again_h[mine])), np.concatenate((owners[keep], again_o[mine]))


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
        results = list(_run_all(engine, workers, _fingerprint_part, jobs, in_flight=1))  # one part per worker, all in flight
    else:
        barrier = FaultBarrier(_fingerprint_part, _part_size, _part_without, _part_id)
        guarded = list(_run_all(engine if workers >= 2 else None, max(workers, 1), barrier, jobs, in_flight=1))
        faults.extend(StageFault.of("passages", fault) for part in guarded for fault in part.faults)
        results = [part.result for part in guarded]
    return np.concatenate([h for h, _ in results]), np.concatenate([o for _, o in results])


def verify_pairs(
    docs: Sequence[Document],
    pairs: Sequence[tuple[int, int]],
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    shared: Sequence[int] | None = None,
    sentences: bool = True,
) -> list[PassagePair]:
    """Align candidate pairs and keep those with a relation, with their
    exact whole-document figures in ``alignment.stats``.

    A pair is aligned only when the contexts of one of its shared
    fingerprints agree (``min_anchor_overlap``), unless it shares
    :data:`ANCHORS_ENOUGH` fingerprints or more.

    A pure function of its input, so batches of candidates can be verified
    in separate processes; each document is prepared once per call.

    Args:
        docs: The documents the indices refer to.
        pairs: Candidate index pairs ``(i, j)``.
        settings: What to look for.
        masks: Boilerplate spans per document id.
        shared: Sampled fingerprints each pair shares, from the index (none
            given: every pair is checked).
        sentences: Keep the sentence spans in the alignments (otherwise
            the pairs are :meth:`PassagePair.slim`).

    Returns:
        The verified pairs, in the order of ``pairs``.
    """
    masks = masks or {}
    ps = settings.passages
    anchored: dict[int, Anchors] = {}
    prepared = _PreparedCache(docs, pairs, masks, 2 * settings.max_chars)
    found: list[PassagePair] = []
    for n, (i, j) in enumerate(pairs):
        if ps.min_anchor_overlap > 0 and (shared is None or shared[n] < ANCHORS_ENOUGH):
            for k in (i, j):
                if k in anchored:
                    continue
                hard = hard_masks(masks.get(docs[k].id))
                if k in prepared and not hard:
                    # the index reads the words of the prepared text
                    anchored[k] = word_anchors(prepared[k].text.hashes, ps.index_ngram, ps.index_sample)
                else:
                    anchored[k] = anchors(_index_text(docs[k], hard), ps.index_ngram, ps.index_sample)
            overlap = context_overlap(anchored[i], anchored[j], ps.anchor_window, ps.min_anchor_overlap)
            if overlap < ps.min_anchor_overlap:
                continue
        pa, pb = prepared.pair(n, i, j)
        alignment = align_symmetric(pa, pb, settings, align_prepared)
        texts = (pa.text.text, pb.text.text)
        alignment = lift_soft_masks(alignment, texts, (masks.get(docs[i].id), masks.get(docs[j].id)))
        if alignment.passages:  # the pair classifier reads the exact figures
            alignment.stats = whole_document_stats(pa, pb, settings.ngram)
        relation, probability = label_pair(alignment, settings.passages, texts)
        if relation is not None:
            sides = {**pair_fields(alignment, relation, settings.passages, texts=texts), "relation_probability": probability}
            pair = PassagePair(i, j, relation, alignment, sides=sides)
            found.append(pair if sentences else pair.slim())
    return found


class _PreparedCache(dict):
    """Prepared documents of one :func:`verify_pairs` call, each prepared
    once while it fits: a document is dropped after the last pair that
    needs it, and the least recently used ones go (to be prepared again if
    needed) when more than ``budget`` characters are held. A prepared text
    takes about 50 bytes a character, so memory follows the budget, not the
    number or size of the documents."""

    def __init__(self, docs: Sequence[Document], pairs: Sequence[tuple[int, int]], masks, budget: int) -> None:
        super().__init__()
        self.docs, self.masks, self.budget = docs, masks, budget
        self.last_use = {k: n for n, pair in enumerate(pairs) for k in pair}

    def pair(self, n: int, i: int, j: int) -> tuple[Prepared, Prepared]:
        """The prepared documents of pair number ``n``, ``(i, j)``."""
        for k in (i, j):
            if k in self:
                self[k] = self.pop(k)  # most recently used last
                continue
            need = len(self.docs[k].text)
            for old in [key for key in self if key not in (i, j)]:
                if sum(len(self.docs[key].text) for key in self) + need <= self.budget:
                    break
                del self[old]
            self[k] = prepare(self.docs[k].text, hard_masks(self.masks.get(self.docs[k].id)))
        out = self[i], self[j]
        for k in (i, j):
            if self.last_use.get(k) == n:
                del self[k]
        return out


def find_passage_pairs(
    docs: Sequence[Document],
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    skip: set[tuple[int, int]] | None = None,
    index: tuple[np.ndarray, np.ndarray] | None = None,
    sentences: bool = True,
    engine: Engine | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    faults: list[StageFault] | None = None,
    tally: dict[str, int] | None = None,
    shared_shares: list[float] | None = None,
) -> list[PassagePair]:
    """Documents that share passages, verified and labelled.

    Only each document's ``passages.max_partners`` strongest candidates are
    aligned (:func:`dedup.passages.index.strongest_partners`); the others
    are neither aligned nor reported.

    Args:
        docs: The documents (ids unique).
        settings: What to look for (``settings.passages``).
        masks: Boilerplate spans per document id, left out of matches and shares.
        skip: Index pairs ``(i, j)``, ``i < j``, already reported (exact or
            near duplicates). Documents they connect, directly or through
            others, form one duplicate cluster; no pair inside a cluster is
            aligned again.
        index: ``(hashes, owners)`` of :func:`fingerprints` of ``docs``
            without masks, when already taken (the document-level scan
            takes them from its own tokens).
        sentences: Keep the sentences and aligned sentence pairs in each
            alignment; without them (:meth:`PassagePair.slim`) the results
            come back from worker processes several times faster.
        engine: What runs the batches of documents and of pairs; by
            default a :class:`~dedup.engine.LocalEngine` of ``settings.workers``.
        progress: Called as ``progress("passages", pairs aligned, candidate pairs)``.
        faults: Receives a :class:`~dedup.engine.StageFault` per pair whose
            alignment raises (the pair is left out; the others are as they
            would be without it). Without it, the first such error is raised.
        tally: Receives ``passage_candidates`` (candidate pairs outside
            duplicate clusters) and ``passage_candidates_unaligned`` (those
            beyond every document's strongest partners, left out).
        shared_shares: Receives, per document, the share of its sampled
            fingerprints (outside masks) that another document holds
            (:func:`dedup.passages.index.shared_fingerprints`): an estimate
            from the index, for aligned and unaligned documents alike.

    Returns:
        Pairs with a relation, ordered by ``(i, j)``.
    """
    ps = settings.passages
    group = np.array(_duplicate_groups(len(docs), skip or set()), dtype=np.int64)
    pairs, counts, held_shared = _candidates_and_shares(docs, settings, masks, index, engine, faults, shares=shared_shares is not None)
    if held_shared is not None:
        held, held_elsewhere = held_shared
        shared_shares[:] = np.round(held_elsewhere / np.maximum(held, 1), 4).tolist()
    apart = group[pairs[:, 0]] != group[pairs[:, 1]]
    pairs, counts = pairs[apart], counts[apart]
    chosen = strongest_partners(pairs, counts, ps.max_partners)
    if tally is not None:
        tally["passage_candidates"] = len(pairs)
        tally["passage_candidates_unaligned"] = int(len(pairs) - chosen.sum())
    candidates = list(map(tuple, pairs[chosen].tolist()))
    return verify_pairs_pooled(docs, candidates, settings, masks, counts[chosen].tolist(), sentences, engine, progress=progress, faults=faults)


def verify_pairs_pooled(
    docs: Sequence[Document],
    pairs: Sequence[tuple[int, int]],
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    shared: Sequence[int] | None = None,
    sentences: bool = True,
    engine: Engine | None = None,
    pairs_per_worker: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    faults: list[StageFault] | None = None,
) -> list[PassagePair]:
    """:func:`verify_pairs` over chunks of the pairs on the engine's workers,
    in this process when there are too few pairs for a pool to pay.

    Args:
        docs, pairs, settings, masks, shared, sentences: As for :func:`verify_pairs`.
        engine: What runs the chunks; by default a local engine for this call.
        pairs_per_worker: Fewest pairs per worker worth a pool (default
            :data:`_PAIRS_PER_WORKER`).
        progress, faults: As for :func:`find_passage_pairs`.

    Returns:
        The verified pairs, ordered by ``(i, j)``.
    """
    workers = min(settings.workers, len(pairs) // (pairs_per_worker or _PAIRS_PER_WORKER))
    if workers < 2 and progress is None and faults is None:
        return verify_pairs(docs, pairs, settings, masks, shared, sentences)
    return _verify_in_pool(docs, list(pairs), settings, masks or {}, workers, shared, sentences, engine, progress, faults)


def _duplicate_groups(n: int, pairs: set[tuple[int, int]]) -> list[int]:
    """A component label per document: connected components of ``pairs``."""
    sets = UnionFind(n)
    for i, j in pairs:
        sets.union(i, j)
    return sets.roots()


# Below this many candidates per worker, a pool costs more than it saves.
_PAIRS_PER_WORKER = 200
# Chunks of candidates per worker, so that the uneven ones even out.
_CHUNKS_PER_WORKER = 4


def _verify_chunk(args) -> list[PassagePair]:
    local_docs, local_pairs, settings, masks, ids, shared, sentences = args
    found = verify_pairs(local_docs, local_pairs, settings, masks, shared, sentences)
    return [replace(p, i=ids[p.i], j=ids[p.j]) for p in found]


def _chunk_size(args) -> int:
    return len(args[1])


def _chunk_without(args, positions: set[int]):
    """A chunk of candidates without the pairs at ``positions``."""
    local_docs, local_pairs, settings, masks, ids, shared, sentences = args
    kept = [k for k in range(len(local_pairs)) if k not in positions]
    kept_shared = [shared[k] for k in kept] if shared is not None else None
    return local_docs, [local_pairs[k] for k in kept], settings, masks, ids, kept_shared, sentences


def _chunk_pair_ids(args, position: int) -> tuple[str, ...]:
    local_docs, local_pairs = args[0], args[1]
    i, j = local_pairs[position]
    return local_docs[i].id, local_docs[j].id


# Candidates per chunk when they are aligned in this process: how often the
# progress bar moves.
_PAIRS_PER_CHUNK = 500


def _verify_in_pool(
    docs, candidates, settings, masks, workers, shared=None, sentences=True, engine=None, progress=None, faults: list[StageFault] | None = None
) -> list[PassagePair]:
    """:func:`verify_pairs` over chunks of candidates on the engine's workers
    (in this process, in chunks, below two workers).

    Candidates that share documents go to one chunk (whole connected
    components, largest first, each to the lightest chunk), so that each
    document is prepared in one process only; each chunk carries only the
    documents its pairs use. Results are ordered by ``(i, j)``.
    """
    count = dict(zip(candidates, shared)) if shared is not None else None
    if workers < 2:
        workers, engine, chunks = 1, None, max(1, -(-len(candidates) // _PAIRS_PER_CHUNK))
    else:
        chunks = workers * _CHUNKS_PER_WORKER
    jobs = []
    for chunk in _balanced_chunks(candidates, chunks):
        ids = sorted({k for pair in chunk for k in pair})
        local = {k: n for n, k in enumerate(ids)}
        local_docs = take(docs, ids)
        local_masks = {doc_id: masks[doc_id] for doc_id in document_ids(local_docs) if doc_id in masks}
        local_shared = [count[pair] for pair in chunk] if count is not None else None
        jobs.append((local_docs, [(local[i], local[j]) for i, j in chunk], settings, local_masks, ids, local_shared, sentences))
    func = FaultBarrier(_verify_chunk, _chunk_size, _chunk_without, _chunk_pair_ids) if faults is not None else _verify_chunk
    found: list[PassagePair] = []
    done = 0
    if progress:
        progress("passages", 0, len(candidates))
    for job, part in zip(jobs, _run_all(engine, workers, func, jobs, in_flight=_CHUNKS_PER_WORKER)):  # every chunk in flight
        if faults is not None:
            faults.extend(StageFault.of("passages", fault) for fault in part.faults)
            part = part.result
        found.extend(part)
        done += len(job[1])
        if progress:
            progress("passages", done, len(candidates))
    return sorted(found, key=lambda p: (p.i, p.j))


def _run_all(engine: Engine | None, workers: int, func, jobs: list, in_flight: int) -> Iterator:
    """``func`` over ``jobs`` on ``engine``, or on a local engine of ``workers`` for this call."""
    with engine_or_local(engine, workers) as running:
        yield from running.map(func, jobs, in_flight=in_flight)


def _balanced_chunks(pairs: list[tuple[int, int]], n_chunks: int) -> list[list[tuple[int, int]]]:
    """Split ``pairs`` into at most ``n_chunks`` chunks of whole connected components.

    Deterministic: components are taken largest first (ties by first pair),
    each to the chunk with fewest pairs so far (ties by chunk number).
    """
    pairs = [(int(i), int(j)) for i, j in pairs]
    n = max((max(pair) for pair in pairs), default=-1) + 1
    group = _duplicate_groups(n, set(pairs))
    components: dict[int, list[tuple[int, int]]] = {}
    for pair in pairs:
        components.setdefault(group[pair[0]], []).append(pair)
    # a component larger than a chunk's share is cut, so no chunk is left holding most pairs
    size = max(1, -(-len(pairs) // n_chunks))
    pieces = [c[k : k + size] for c in components.values() for k in range(0, len(c), size)]
    chunks: list[list[tuple[int, int]]] = [[] for _ in range(n_chunks)]
    for piece in sorted(pieces, key=lambda c: (-len(c), c[0])):
        min(chunks, key=len).extend(piece)
    return [sorted(c) for c in chunks if c]
