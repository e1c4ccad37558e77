"""The boilerplate stage's passes over the corpus.

Marking a document's blocks needs the corpus-level repeat index, and the
index needs every document's blocks keyed: two passes. Each reads its
documents (from a store: one ``pread`` each), cuts their blocks and
normalises them, so the second pass used to repeat the first one's work
for every document. Here the first pass also marks each document as if the
corpus marked none of its blocks; once the index is built, only the
documents it does mark (and any the first pass could not finish) go
through the second pass. The result is the same, since a document with no
corpus mark is marked exactly so. A document sharing a block with another
of its batch (a site's template, which the index will likely mark) is left
to the second pass at once, so that a corpus of templated pages costs about
what two plain passes did, and one of mostly unique text one pass.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator, Sequence

import numpy as np

from dedup.boilerplate.ascii_pass import BatchFigures, batch_figures, batch_fingerprints, cut_blocks
from dedup.boilerplate.batches import BATCH_CHARS, Batch, batch_document_id, batch_size, document_batches, without_documents
from dedup.boilerplate.blocks import Block
from dedup.boilerplate.detect import document_boilerplate, preload_models, score_blocks
from dedup.boilerplate.found import FoundSpans
from dedup.boilerplate.repeat_shuffle import KeptFingerprints, shuffled_index
from dedup.boilerplate.repeats import (
    BlockFingerprints,
    FingerprintJob,
    RepeatedBlock,
    fingerprints_index,
    joined_fingerprints,
    keyed_runs,
    near_word_range,
)
from dedup.boilerplate.spans import BoilerplateSpan
from dedup.boilerplate.unmarked import surely_unmarked
from dedup.config import BoilerplateSettings
from dedup.document import Document, document_ids, document_lengths, take
from dedup.engine import Engine, FaultBarrier, StageFault, runs_by_size
from dedup.near.ranges import RowPass

Spans = dict[str, list[BoilerplateSpan]]
Progress = Callable[[str, int, int], None]


def boilerplate_passes(
    docs: Sequence[Document],
    settings: BoilerplateSettings,
    engine: Engine,
    batch_documents: int,
    timings: dict[str, float] | None = None,
    progress: Progress | None = None,
    faults: list[StageFault] | None = None,
) -> tuple[Spans, list[RepeatedBlock]]:
    """The stage's spans and repeated blocks (see
    :func:`dedup.boilerplate.detect.boilerplate_report`, whose arguments these are).

    Args:
        docs: The documents (ids unique).
        settings: Boilerplate settings (enabled).
        engine: What runs the batches.
        batch_documents: Most documents in a batch.
        timings: Receives the seconds of the first pass (the corpus-level
            repeat index and the marks of every document it then leaves
            unmarked) as ``corpus_repeats``.
        progress: Called as ``progress("boilerplate", documents done, documents)``.
        faults: Receives a fault per document the stage fails on; ``None``: errors are raised.
    """
    ids = document_ids(docs)
    marks: dict[int, dict[int, str]] = {}
    repeats: list[RepeatedBlock] = []
    found = FoundSpans(ids)
    unsplit: frozenset[int] = frozenset()
    split_faults: list[StageFault] | None = [] if faults is not None and not settings.corpus_repeats else None
    batch_faults: list[StageFault] = []
    if progress:
        progress("boilerplate", 0, len(docs))
    if settings.corpus_repeats:
        started = time.perf_counter()
        if getattr(engine, "distributed", False):
            # The fingerprints stay with the workers; shuffles find the index.
            kept = KeptFingerprints(engine)
            fp = _first_pass(docs, settings, kept, batch_documents, progress, faults, found)
            index = shuffled_index(docs, frozenset(d for d, _ in fp.unsplit), kept.handles, settings, engine)
            del kept
        else:
            index = fingerprints_index(docs, _read_or_first_pass(docs, settings, engine, batch_documents, progress, faults, found), settings)
        repeats, unsplit = index.groups, index.unsplit
        for (d, b), g in index.members.items():
            marks.setdefault(d, {})[b] = index.groups[g].reason
            found.reopen(d)
        if timings is not None:
            timings["corpus_repeats"] = round(time.perf_counter() - started, 3)
    left = found.left()
    func = partial(batch_boilerplate, settings=settings, report_faults=split_faults is not None)
    if faults is not None:
        func = FaultBarrier(func, batch_size, without_documents, batch_document_id)
    done = len(docs) - len(left)
    for part in engine.map(func, document_batches(docs, marks, unsplit, batch_documents, left)):
        if faults is not None:
            batch_faults.extend(StageFault.of("boilerplate", fault) for fault in part.faults)
            done += len(part.faults)
            part = part.result
        spans, cut_faults = part
        if split_faults is not None:
            split_faults.extend(cut_faults)
        found.add(spans)
        done += len(spans)
        if progress:
            progress("boilerplate", done, len(docs))
    if faults is not None:
        # Blocks are cut before anything else is done with them: their faults come first.
        faults.extend((split_faults or []) + batch_faults)
    # A distributed engine's driver keeps only the documents with spans (the rows' file holds the rest).
    return (found if getattr(engine, "distributed", False) else found.as_dict()), repeats


@dataclass
class ReadFirstPass:
    """The first pass over documents done where they were read (before the
    stage), as :func:`_first_pass` would give it.

    Attributes:
        fingerprints: The documents' block fingerprints (``doc_idx``: each key's document).
        marked: The documents whose spans the pass found (int64, increasing).
        spans: Their spans, in that order.
        settings: The settings of the pass: another stage's are not these.
    """

    fingerprints: BlockFingerprints
    marked: np.ndarray
    spans: list[list[BoilerplateSpan]]
    settings: BoilerplateSettings | None = None


def read_first_pass(docs: Sequence[Document], settings: BoilerplateSettings, batch_documents: int) -> ReadFirstPass | None:
    """The first pass over documents just read (numbered from 0), in the
    stage's runs; ``None`` where a document's blocks cannot be cut or the
    pass raises, for the stage to run its own and report the faults.

    Which documents share a run changes only which ones the pass leaves to
    the second, not their spans nor their fingerprints, so that runs of
    part of the corpus make the pass over all of it.
    """
    near_words, near_max_words = near_word_range(settings)
    fingerprints, marked, spans = [], [], []
    try:
        for first, run in runs_by_size(range(len(docs)), document_lengths(docs).__getitem__, BATCH_CHARS, batch_documents):
            job = (first, [docs[k] for k in run], None, frozenset())
            part, places, found = _first_pass_run(job, settings, near_words, near_max_words, report_faults=True)
            if part.unsplit:
                return None
            fingerprints.append(part)
            marked += places
            spans += found
    except Exception:  # noqa: BLE001 - the stage's own pass reports it
        return None
    return ReadFirstPass(joined_fingerprints(fingerprints), np.array(marked, dtype=np.int64), spans, settings)


def first_pass_in_workers(settings: BoilerplateSettings, batch_documents: int) -> RowPass | None:
    """The first pass as the workers that read the inputs make it
    (:func:`read_first_pass`), where the settings take one."""
    if not settings.enabled or not settings.corpus_repeats:
        return None
    preload_models(settings)
    return RowPass("boilerplate", partial(read_first_pass, settings=settings, batch_documents=batch_documents), kept_first_pass, partial(joined_first_pass, settings=settings))


def kept_first_pass(part: ReadFirstPass, keep: np.ndarray | None, first: int) -> ReadFirstPass:
    """``part`` of the documents ``keep`` keeps (``None``: all), numbered from ``first`` on."""
    fp = part.fingerprints
    if keep is None:
        fp.doc_idx = fp.doc_idx + first
        return ReadFirstPass(fp, part.marked + first, part.spans, part.settings)
    numbers = np.cumsum(keep) - 1 + first
    rows = keep[fp.doc_idx]
    # Each kept long row's place among the kept rows.
    long_rows = np.flatnonzero(rows[fp.long_rows])
    kept_rows = np.cumsum(rows) - 1
    fingerprints = BlockFingerprints(
        numbers[fp.doc_idx[rows]], fp.block_idx[rows], fp.starts[rows], fp.ends[rows], fp.hashes[rows],
        kept_rows[fp.long_rows[long_rows]], fp.signatures[long_rows], [],
    )
    held = keep[part.marked]
    return ReadFirstPass(fingerprints, numbers[part.marked[held]], [found for found, k in zip(part.spans, held.tolist()) if k], part.settings)


def joined_first_pass(parts: Sequence[ReadFirstPass], settings: BoilerplateSettings) -> ReadFirstPass:
    """The first pass over consecutive runs of documents (each numbered as in the whole), as one."""
    return ReadFirstPass(
        joined_fingerprints([p.fingerprints for p in parts]),
        np.concatenate([p.marked for p in parts] or [np.zeros(0, dtype=np.int64)]),
        [found for p in parts for found in p.spans],
        settings,
    )


def _read_or_first_pass(docs, settings: BoilerplateSettings, engine: Engine, batch_documents: int, progress: Progress | None, faults, found: FoundSpans) -> BlockFingerprints:
    """:func:`_first_pass`, or the one made where the documents were read
    (a store's ``read_passes``: :func:`first_pass_in_workers`)."""
    read = getattr(docs, "read_passes", {}).pop("boilerplate", None)
    if read is None or read.settings != settings:
        return _first_pass(docs, settings, engine, batch_documents, progress, faults, found)
    found.add_marked(read.marked, read.spans)
    if progress:
        progress("boilerplate", int(found.done.sum()), len(docs))
    return read.fingerprints


def _first_pass(docs, settings: BoilerplateSettings, engine: Engine, batch_documents: int, progress: Progress | None, faults, found: FoundSpans) -> BlockFingerprints:
    """Every document's block fingerprints; ``found`` receives the spans of
    each document the pass could mark as if the corpus marked none of its blocks."""
    near_words, near_max_words = near_word_range(settings)
    func = partial(first_pass_batch, settings=settings, near_words=near_words, near_max_words=near_max_words, report_faults=faults is not None)
    lengths = document_lengths(docs)
    runs: deque[tuple[int, int]] = deque()

    def jobs() -> Iterator[FingerprintJob]:
        for first, run in runs_by_size(range(len(docs)), lengths.__getitem__, BATCH_CHARS, batch_documents):
            runs.append((first, len(run)))
            yield first, take(docs, run), None, frozenset()

    done = 0

    def received(part: tuple[BlockFingerprints, Spans]) -> None:
        nonlocal done
        found.add_run(*runs.popleft(), part[1])
        done += len(part[1])
        part[1].clear()  # kept in ``found``; the run's fingerprints wait in ``parts``
        if progress:
            progress("boilerplate", done, len(docs))

    parts = keyed_runs(docs, jobs(), func, engine, faults, lambda part: part[0], received)
    return joined_fingerprints([fp for fp, _ in parts])


def first_pass_batch(
    job: FingerprintJob, settings: BoilerplateSettings, near_words: int | None, near_max_words: int | None, report_faults: bool = False
) -> tuple[BlockFingerprints, Spans]:
    """The block fingerprints of a run of documents, and the spans of each
    as if the corpus marked none of its blocks.

    Args:
        job: ``(index of its first document, documents, None, positions to
            leave without blocks)`` (:data:`dedup.boilerplate.repeats.FingerprintJob`).
        settings: Boilerplate settings.
        near_words: Words a key needs for near matching (``None``: none).
        near_max_words: Words above which a key is matched only exactly.
        report_faults: Give a document whose blocks cannot be cut no blocks
            and a fault, instead of raising its error.

    Returns:
        ``(fingerprints, {document id: spans})``: no spans for a document
        left without blocks or sharing a block with another document of the
        run, nor for any document of the run when marking them raised (the
        second pass marks those, and reports the error).
    """
    docs = list(job[1])  # read once, when the run comes from a store
    fingerprints, places, spans = _first_pass_run((job[0], docs, None, job[3]), settings, near_words, near_max_words, report_faults)
    return fingerprints, {docs[place - job[0]].id: found for place, found in zip(places, spans)}


def _first_pass_run(
    job: FingerprintJob, settings: BoilerplateSettings, near_words: int | None, near_max_words: int | None, report_faults: bool
) -> tuple[BlockFingerprints, list[int], list[list[BoilerplateSpan]]]:
    """:func:`first_pass_batch` with the spans by place: ``(fingerprints,
    the index of each document marked, its spans)`` (documents need not
    have unique ids here)."""
    first, docs, _, skipped = job
    docs = [doc for k, doc in enumerate(docs) if k not in skipped]
    places = [first + k for k in range(len(docs) + len(skipped)) if k not in skipped]
    cut_faults: list[StageFault] = []
    cut, lines = cut_blocks(docs, cut_faults if report_faults else None)
    in_order = iter(cut_faults)
    unsplit = [(place, next(in_order)) for place, doc_blocks in zip(places, cut) if doc_blocks is None]
    kept = [k for k, doc_blocks in enumerate(cut) if doc_blocks is not None]
    if len(kept) < len(cut):
        docs, blocks, places, lines = [docs[k] for k in kept], [cut[k] for k in kept], [places[k] for k in kept], None
    else:
        blocks = cut
    figures = batch_figures(docs, blocks, settings.sentence_min_words, lines)
    edges = lines.edges if lines is not None and len(lines.positions) == len(docs) else None
    fingerprints = batch_fingerprints(places, blocks, figures.bare, figures.bare_words, unsplit, near_words, near_max_words, edges)
    # A document sharing a block with another of its run likely carries a
    # site's template, which the index would mark: the second pass marks it.
    alone = _alone(fingerprints, places)
    try:
        spans = marked_spans([docs[k] for k in alone], [blocks[k] for k in alone], [None] * len(alone), settings, figures.marking(alone))
    except Exception:  # noqa: BLE001 - the second pass marks these documents and reports the error
        return fingerprints, [], []
    return fingerprints, [places[k] for k in alone], spans


def _alone(fingerprints: BlockFingerprints, places: Sequence[int]) -> list[int]:
    """The positions of the documents (``places``: each one's index) that
    share no block key with another document of their run."""
    order = np.argsort(fingerprints.hashes)
    hashes, holders = fingerprints.hashes[order], fingerprints.doc_idx[order]
    # A key two documents hold has two of its copies next to each other
    # held by different documents (sorted by key alone).
    shared_keys = hashes[1:][(hashes[1:] == hashes[:-1]) & (holders[1:] != holders[:-1])]
    shared = fingerprints.doc_idx[np.isin(fingerprints.hashes, shared_keys)]
    return np.flatnonzero(~np.isin(np.asarray(places, dtype=np.int64), shared)).tolist()


def batch_boilerplate(batch: Batch, settings: BoilerplateSettings, report_faults: bool = False) -> tuple[Spans, list[StageFault]]:
    """The boilerplate of a batch (documents, their corpus marks, whether
    their blocks are known not to cut), the blocks cut here and the
    classifier applied to the whole batch at once.

    Returns:
        ``({document id: spans}, faults)``: with ``report_faults``, a
        document whose blocks cannot be cut has no spans and a fault
        (without, its error is raised).
    """
    docs, corpus_marks, unsplit = batch
    docs = list(docs)  # read once, when the batch comes from a store
    cut_faults: list[StageFault] = []
    cut, lines = cut_blocks([doc for doc, skip in zip(docs, unsplit) if not skip], cut_faults if report_faults else None)
    left = iter(cut)
    blocks = [[] if skip else next(left) or [] for skip in unsplit]
    # (Where a document was skipped, the cut documents' places are not the batch's.)
    figures = batch_figures(docs, blocks, settings.sentence_min_words, None if any(unsplit) else lines)
    return marked_batch(docs, blocks, corpus_marks, settings, figures), cut_faults


def marked_batch(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]],
    corpus_marks: Sequence[dict | None],
    settings: BoilerplateSettings,
    figures: BatchFigures | None = None,
) -> Spans:
    """The spans of each document of a batch whose blocks are cut, the
    classifier applied to the whole batch at once.

    Args:
        docs: The documents.
        blocks: Each one's blocks.
        corpus_marks: Each one's ``block index -> reason`` of corpus repeats (or ``None``).
        settings: Boilerplate settings.
        figures: What was read of the blocks
            (:func:`dedup.boilerplate.ascii_pass.batch_figures`); by default read here.
    """
    return {doc.id: found for doc, found in zip(docs, marked_spans(docs, blocks, corpus_marks, settings, figures))}


def marked_spans(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]],
    corpus_marks: Sequence[dict | None],
    settings: BoilerplateSettings,
    figures: BatchFigures | None = None,
) -> list[list[BoilerplateSpan]]:
    """:func:`marked_batch`'s spans, each document's in the documents' order."""
    if figures is None:
        figures = batch_figures(docs, blocks, settings.sentence_min_words)
    keys, words, repeats = figures.keys, figures.words, figures.repeats
    scored = score_blocks(docs, blocks, keys=keys, figures=figures.counts) if settings.classifier else [None] * len(docs)
    # The rules run only where they may mark something (the same spans).
    unmarked = surely_unmarked(docs, blocks, keys, words, scored, repeats, corpus_marks, settings, figures.counts)
    return [
        []
        if unmarked[i]
        else document_boilerplate(doc, settings, blocks[i], corpus_marks[i], scored=scored[i], keys=keys[i], sentence_repeats=repeats[i], words=words[i])
        for i, doc in enumerate(docs)
    ]
