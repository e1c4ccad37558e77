"""Verification of candidate pairs: each aligned
(:mod:`dedup.passages.align`) and labelled (:mod:`dedup.passages.relations`,
:mod:`dedup.passages.pair_model`), in this process or in chunks on an
engine's workers.

A candidate is aligned only when the words around one of its shared n-grams
agree in both documents (``min_anchor_overlap`` within ``anchor_window``
words): a stock phrase two unrelated texts both use is not a passage. Only
pairs with a label are returned.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span, document_ids, take
from dedup.engine import Engine, FaultBarrier, StageFault
from dedup.io.row_spill import EncodedRun, SortedRuns, encoded_run
from dedup.near.clusters import component_labels
from dedup.passages.align import VERBATIM, Alignment, Passage, Prepared, align_prepared, prepare, whole_document_stats
from dedup.passages.candidates import index_text, run_all
from dedup.passages.index import Anchors, batch_anchors, context_overlap
from dedup.passages.pair_model import label_pair
from dedup.passages.relations import SideMeasure, align_symmetric, hard_masks, lift_soft_masks, measure_sides, pair_fields, verbatim_share
from dedup.text.distinct import distinct
from dedup.text.ngrams import word_hashes
from dedup.text.shingles import HASH_CHUNK_CHARS, code_tokens, compiled_loop


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

    def slim(self, measures: tuple[SideMeasure, SideMeasure] | None = None) -> "PassagePair":
        """This pair without the sentence spans of its alignment (cheap to send
        between processes); :meth:`fields` and :meth:`extra` are unchanged.

        Args:
            measures: As for :meth:`extra`.
        """
        al = self.alignment
        alignment = Alignment(al.passages, [], al.shared_chars_a, al.shared_chars_b, al.share_a, al.share_b, al.stats, capped=al.capped)
        return PassagePair(self.i, self.j, self.relation, alignment, self.extra(measures), self.sides)

    @property
    def passages(self) -> list[Passage]:
        return self.alignment.passages

    def document_figures(self) -> dict[str, float]:
        """``jaccard`` and the containments of the whole documents."""
        return {k: self.alignment.stats[k] for k in ("jaccard", "containment_a", "containment_b")}

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

    def extra(self, measures: tuple[SideMeasure, SideMeasure] | None = None) -> dict[str, Any]:
        """Further JSON fields: sentence and passage counts, verbatim share,
        and ``matches_capped`` when the alignment was capped.

        Args:
            measures: The sides measured as :func:`dedup.passages.relations.verbatim_share`
                measures them, when taken.
        """
        if self.summary is not None:
            return dict(self.summary)
        al = self.alignment
        out = {
            "aligned_sentences": len(al.sentence_pairs),
            "verbatim_passages": al.count("verbatim"),
            "reworded_passages": al.count("reworded"),
            "verbatim_share": verbatim_share(al, measures),
        }
        if al.capped:  # only then, so that the fields of every other pair stay as they were
            out["matches_capped"] = True
        return out

    @property
    def capped(self) -> bool:
        """Exact runs or sentence pairs of its alignment were left out (``passages.max_pair_matches``)."""
        return self.alignment.capped


# A pair sharing this many sampled fingerprints is aligned without looking at
# their contexts: a stock phrase or two never leaves that many, and the check
# would cost more than it saves.
ANCHORS_ENOUGH = 10


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
    ids = document_ids(docs)  # a store reads ids from a column, not each document from disk
    checked = [ps.min_anchor_overlap > 0 and (shared is None or shared[n] < ANCHORS_ENOUGH) for n in range(len(pairs))]
    overlaps = iter(context_overlaps(docs, ids, [pair for n, pair in enumerate(pairs) if checked[n]], masks, ps))
    prepared = _PreparedCache(docs, pairs, masks, 2 * settings.max_chars)
    found: list[PassagePair] = []
    for n, (i, j) in enumerate(pairs):
        if checked[n] and next(overlaps) < ps.min_anchor_overlap:
            continue
        pa, pb = prepared.pair(n, i, j)
        alignment = align_symmetric(pa, pb, settings, align_prepared)
        texts = (pa.text.text, pb.text.text)
        alignment = lift_soft_masks(alignment, texts, (masks.get(ids[i]), masks.get(ids[j])))
        if alignment.passages:  # the pair classifier reads the exact figures
            alignment.stats = whole_document_stats(pa, pb, settings.ngram)
        measures = measure_sides(alignment, settings.passages, texts)  # once, for the label and the fields
        relation, probability = label_pair(alignment, settings.passages, texts, sides=measures)
        if relation is not None:
            sides = {**pair_fields(alignment, relation, settings.passages, texts=texts, sides=measures), "relation_probability": probability}
            pair = PassagePair(i, j, relation, alignment, sides=sides)
            found.append(pair if sentences else pair.slim(_plain_sides(alignment, settings.passages, measures)))
    return found


def _plain_sides(alignment: Alignment, ps, measures: tuple[SideMeasure, SideMeasure]) -> tuple[SideMeasure, SideMeasure] | None:
    """``measures`` (taken with ``ps`` and the texts) when they are what
    :func:`verbatim_share` measures, which counts every verbatim passage as
    verbatim: so they are unless a passage falls below ``dense_verbatim_score``."""
    if all(p.score >= ps.dense_verbatim_score for p in alignment.passages if p.kind == VERBATIM):
        return measures
    return None


# Characters of the texts whose anchors are taken in one pass: enough to
# spread the per-call cost, few enough to bound the temporaries.
_ANCHOR_BATCH_CHARS = 1 << 20
# The compiled anchor check (dedup/text/_loops.c), or None where not built.
_anchor_overlaps = compiled_loop("anchor_overlaps")


def context_overlaps(docs: Sequence[Document], ids: Sequence[str], pairs: Sequence[tuple[int, int]], masks, ps,
                     compiled: bool = True) -> list[float]:
    """:func:`~dedup.passages.index.context_overlap` of each pair's texts
    (:func:`index_text`, hard masks blanked out), stopping at
    ``ps.min_anchor_overlap``: at or above it, a pair's figure may be
    another share at or above it than the reference's (the shared
    fingerprints are visited in another order); below it, the same.

    The compiled loop, where built (and ``compiled`` is true), takes every
    text's fingerprints from its word hashes once and looks each pair's up
    in a hash table, instead of sorting every text's fingerprints by hash;
    otherwise each text's :class:`Anchors` are taken (:func:`_anchors_of`).
    """
    if not pairs:
        return []
    if not (compiled and _anchor_overlaps is not None):
        anchored = _anchors_of(docs, ids, [k for pair in pairs for k in pair], masks, ps)
        return [context_overlap(anchored[i], anchored[j], ps.anchor_window, ps.min_anchor_overlap) for i, j in pairs]
    wanted = list(dict.fromkeys(k for pair in pairs for k in pair))  # distinct, in order of first need
    words, counts = [], []
    batch: list[str] = []
    chars = 0
    for k in wanted:
        text = index_text(docs[k], hard_masks(masks.get(ids[k])))
        if batch and chars + len(text) + 1 > HASH_CHUNK_CHARS:
            _add_words(batch, words, counts)
            batch, chars = [], 0
        batch.append(text)
        chars += len(text) + 1
    _add_words(batch, words, counts)
    all_words = np.concatenate(words)
    bounds = np.concatenate(([0], np.cumsum(np.concatenate(counts)))).astype(np.int64)
    local = {k: n for n, k in enumerate(wanted)}
    text_pairs = np.array([(local[i], local[j]) for i, j in pairs], dtype=np.int64)
    out = np.zeros(len(pairs), dtype=np.float64)
    _anchor_overlaps(all_words, bounds, text_pairs, out, ps.index_ngram, ps.index_sample, ps.anchor_window, float(ps.min_anchor_overlap))
    return out.tolist()


def _add_words(texts: list[str], words: list[np.ndarray], counts: list[np.ndarray]) -> None:
    """Append the word hashes of ``texts`` (as :func:`word_hashes` takes
    them) to ``words`` and each text's number of words to ``counts``: ASCII
    texts that fit one pass by the compiled loop that writes the hashes
    alone (half the time of one that also writes every word's offsets)."""
    joined = " ".join(texts) + " "
    if len(joined) <= HASH_CHUNK_CHARS and joined.isascii():
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        hashes, first = code_tokens(np.frombuffer(joined.encode("ascii"), dtype=np.uint8), lengths)
        words.append(hashes)
        counts.append(np.diff(first))
        return
    hashes, owners = word_hashes(texts)
    words.append(hashes)
    counts.append(np.bincount(owners, minlength=len(texts)))


def _anchors_of(docs: Sequence[Document], ids: Sequence[str], wanted: Sequence[int], masks, ps) -> dict[int, Anchors]:
    """The :class:`Anchors` of each document in ``wanted`` (hard masks
    blanked out), hashed in batches of about :data:`_ANCHOR_BATCH_CHARS`."""
    out: dict[int, Anchors] = {}
    batch: list[int] = []
    texts: list[str] = []
    chars = 0
    for k in dict.fromkeys(wanted):  # distinct, in order of first need
        texts.append(index_text(docs[k], hard_masks(masks.get(ids[k]))))
        batch.append(k)
        chars += len(texts[-1])
        if chars >= _ANCHOR_BATCH_CHARS:
            out.update(zip(batch, batch_anchors(texts, ps.index_ngram, ps.index_sample)))
            batch, texts, chars = [], [], 0
    out.update(zip(batch, batch_anchors(texts, ps.index_ngram, ps.index_sample)))
    return out


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
        self.held = 0  # characters of the documents held: a running total, not a sum per look-up

    def pair(self, n: int, i: int, j: int) -> tuple[Prepared, Prepared]:
        """The prepared documents of pair number ``n``, ``(i, j)``."""
        for k in (i, j):
            if k in self:
                self[k] = self.pop(k)  # most recently used last
                continue
            doc = self.docs[k]
            while self.held + len(doc.text) > self.budget:
                old = next((key for key in self if key not in (i, j)), None)  # least recently used first
                if old is None:
                    break
                self._drop(old)
            self[k] = prepare(doc.text, hard_masks(self.masks.get(doc.id)))
            self.held += len(doc.text)
        out = self[i], self[j]
        for k in (i, j):
            if self.last_use.get(k) == n:
                self._drop(k)
        return out

    def _drop(self, k: int) -> None:
        self.held -= len(self.pop(k).text.text)


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
    spill: bool = False,
) -> Sequence[PassagePair]:
    """:func:`verify_pairs` over chunks of the pairs on the engine's workers,
    in this process when there are too few pairs for a pool to pay.

    Args:
        docs, pairs, settings, masks, shared, sentences: As for :func:`verify_pairs`.
        engine: What runs the chunks; by default a local engine for this call.
        pairs_per_worker: Fewest pairs per worker worth a pool (default
            :data:`_PAIRS_PER_WORKER`).
        progress, faults: As for :func:`find_passage_pairs`.
        spill: Write each chunk's pairs to a file as they come
            (:class:`~dedup.io.row_spill.SortedRuns`) instead of holding them all.

    Returns:
        The verified pairs, ordered by ``(i, j)``: a list, or with ``spill``
        (on a pool) a :class:`~dedup.io.row_spill.SortedRuns` to read once.
    """
    workers = min(settings.workers, len(pairs) // (pairs_per_worker or _PAIRS_PER_WORKER))
    if workers < 2 and progress is None and faults is None:
        return verify_pairs(docs, pairs, settings, masks, shared, sentences)
    return _verify_in_pool(docs, list(pairs), settings, masks or {}, workers, shared, sentences, engine, progress, faults, spill)


# Below this many candidates per worker, a pool costs more than it saves.
_PAIRS_PER_WORKER = 200
# Chunks of candidates per worker, so that the uneven ones even out; no
# more, since a document whose partners fall in several chunks is prepared
# in each of them (on a corpus of widely shared sentences, 4 chunks a
# worker cost 10 % more CPU than 2).
_CHUNKS_PER_WORKER = 2
# Documents a chunk carries, about, at most: a worker holds the anchors of
# every document of its chunk at once, so more chunks on a larger corpus
# bound the worker (at 1,000,000 documents two chunks a worker would carry
# some 60,000 documents each); up to 40,000 documents in pairs, a scan on two
# workers keeps its four chunks.
_DOCS_PER_CHUNK = 10_000


def _verify_chunk(args) -> list[PassagePair]:
    local_docs, local_pairs, settings, masks, ids, shared, sentences = args
    found = verify_pairs(local_docs, local_pairs, settings, masks, shared, sentences)
    return [PassagePair(ids[p.i], ids[p.j], p.relation, p.alignment, p.summary, p.sides) for p in found]


def _verify_chunk_run(args) -> EncodedRun:
    """:func:`_verify_chunk`'s pairs as one sorted run, pickled where they
    are found: the process that spills them writes it as it comes, without
    an object per pair, passage and span."""
    return encoded_run(_verify_chunk(args), pair_documents)


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
    docs, candidates, settings, masks, workers, shared=None, sentences=True, engine=None, progress=None, faults: list[StageFault] | None = None,
    spill: bool = False,
) -> Sequence[PassagePair]:
    """:func:`verify_pairs` over chunks of candidates on the engine's workers
    (in this process, in chunks, below two workers).

    Candidates that share documents go to one chunk (whole connected
    components, largest first, each to the lightest chunk), so that each
    document is prepared in one process only; each chunk carries only the
    documents its pairs use, and chunks are more numerous on larger corpora
    (:func:`chunk_count`) so that a worker's memory does not grow with the
    corpus. Results are ordered by ``(i, j)``.
    """
    count = dict(zip(candidates, shared)) if shared is not None else None
    if workers < 2:
        workers, engine, chunks = 1, None, max(1, -(-len(candidates) // _PAIRS_PER_CHUNK))
    else:
        chunks = chunk_count(candidates, workers)
    sizes: list[int] = []  # pairs of each chunk made so far, in order
    total = len(candidates)

    def jobs() -> Iterator[tuple]:
        nonlocal candidates, count
        # made as the engine takes them: a chunk's documents, pairs and masks live here only until it is sent
        pending = _balanced_chunks(candidates, chunks)
        pending.reverse()
        pending_shared = [[count[pair] for pair in chunk] for chunk in pending] if count is not None else None
        candidates = count = None  # the chunks hold what is left to send, and only until it is sent
        while pending:
            chunk = pending.pop()
            ids = sorted({k for pair in chunk for k in pair})
            local = {k: n for n, k in enumerate(ids)}
            local_docs = take(docs, ids)
            local_masks = {doc_id: masks[doc_id] for doc_id in document_ids(local_docs) if doc_id in masks}
            local_shared = pending_shared.pop() if pending_shared is not None else None
            sizes.append(len(chunk))
            yield local_docs, [(local[i], local[j]) for i, j in chunk], settings, local_masks, ids, local_shared, sentences
            del chunk, ids, local, local_docs, local_masks, local_shared

    verify = _verify_chunk_run if spill else _verify_chunk
    func = FaultBarrier(verify, _chunk_size, _chunk_without, _chunk_pair_ids) if faults is not None else verify
    found = SortedRuns(pair_documents) if spill else None
    held: list[PassagePair] = []
    done = 0
    if progress:
        progress("passages", 0, total)
    for n, part in enumerate(run_all(engine, workers, func, jobs(), in_flight=_CHUNKS_PER_WORKER)):  # every chunk in flight
        if faults is not None:
            faults.extend(StageFault.of("passages", fault) for fault in part.faults)
            part = part.result
        if found is not None:
            found.add_encoded(part)
        else:
            held.extend(part)
        del part  # written or held: not kept while the next chunk's pairs arrive
        done += sizes[n]
        if progress:
            progress("passages", done, total)
    return found if found is not None else sorted(held, key=pair_documents)


def pair_documents(pair: Any) -> tuple[int, int]:
    """A pair's documents, the key by which pairs of the passage stage are ordered."""
    return pair.i, pair.j


def chunk_count(candidates: Sequence[tuple[int, int]], workers: int) -> int:
    """Chunks to cut ``candidates`` into for ``workers`` workers:
    :data:`_CHUNKS_PER_WORKER` each, or more so that a chunk carries about
    :data:`_DOCS_PER_CHUNK` documents at most."""
    documents = distinct(np.asarray(candidates, dtype=np.int64)).size  # not a set of every document (2 MB at 30,000)
    return max(workers * _CHUNKS_PER_WORKER, -(-documents // _DOCS_PER_CHUNK))


def _balanced_chunks(pairs: list[tuple[int, int]], n_chunks: int) -> list[list[tuple[int, int]]]:
    """Split ``pairs`` into at most ``n_chunks`` chunks of whole connected components.

    Deterministic: components are taken largest first (ties by first pair),
    each to the chunk with fewest pairs so far (ties by chunk number). A
    component larger than a chunk's share is cut (:func:`_cut_component`).
    """
    if not all(type(i) is int and type(j) is int for i, j in pairs):  # numpy's integers; Python's are kept, not copied
        pairs = [(int(i), int(j)) for i, j in pairs]
    n = max((max(pair) for pair in pairs), default=-1) + 1
    group = component_labels(n, np.array(pairs, dtype=np.int64).reshape(-1, 2))  # only which pairs share a component counts
    components: dict[int, list[tuple[int, int]]] = {}
    for pair in pairs:
        components.setdefault(group[pair[0]], []).append(pair)
    size = max(1, -(-len(pairs) // n_chunks))
    chunks: list[list[tuple[int, int]]] = [[] for _ in range(n_chunks)]
    held: list[set[int]] = [set() for _ in range(n_chunks)]
    lightest = [(0, k) for k in range(n_chunks)]  # (pairs, chunk number) of every chunk: a heap
    for component in sorted(components.values(), key=lambda c: (-len(c), c[0])):
        if len(component) > size:
            _cut_component(component, chunks, held, size)
            lightest = [(len(chunk), k) for k, chunk in enumerate(chunks)]
            heapq.heapify(lightest)
            continue
        _, k = lightest[0]
        chunks[k].extend(component)
        held[k].update(doc for pair in component for doc in pair)
        heapq.heapreplace(lightest, (len(chunks[k]), k))
    return [sorted(c) for c in chunks if c]


def _cut_component(component: list[tuple[int, int]], chunks: list[list[tuple[int, int]]], held: list[set[int]], size: int) -> None:
    """Spread a component too large for one chunk over chunks of at most
    ``size`` pairs, each pair to a chunk already holding both its documents,
    else one of them, else to the one with fewest pairs (ties by chunk
    number): a document is prepared in every chunk holding one of its pairs,
    so on text shared by many documents this prepares each in fewer chunks
    than cutting the component into runs of pairs."""
    for pair in component:
        open_chunks = [k for k in range(len(chunks)) if len(chunks[k]) < size] or range(len(chunks))
        k = min(open_chunks, key=lambda k: (-((pair[0] in held[k]) + (pair[1] in held[k])), len(chunks[k]), k))
        chunks[k].append(pair)
        held[k].update(pair)
