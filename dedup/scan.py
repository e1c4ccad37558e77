"""The document-level scan: documents in, verified duplicate pairs and clusters out.

Stages, in order (the per-document ones run over batches through an
:class:`~dedup.engine.Engine`, so the output is the same for any ``--jobs``):

1. fingerprint (:func:`dedup.near.fingerprints.fingerprint_job`) — normalise,
   shingle, hash: the exact-text hash, the distinct shingle count, the
   MinHash signature and its LSH band keys. The texts are streamed (read
   once, dropped once fingerprinted); the shingle sets are spilled to a
   temporary folder (:mod:`dedup.near.shingle_store`); the scan keeps per
   document only the id, the length, the exact hash and the band keys
   (about ``8 * bands + 100`` bytes).
2. exact duplicates (:func:`exact_groups`) — documents with the same
   normalised text; the first of each group stands for it from here on.
3. candidates (:func:`dedup.near.candidates.pairs_from_keys` over the exact
   groups' heads) — LSH banding tuned below the threshold, for recall.
4. verification (:func:`verify_candidates`) — chunks of candidate pairs,
   each reading back the shingle sets it needs; only the pairs whose exact
   Jaccard reaches the threshold are kept.
5. clusters (:func:`dedup.near.clusters.cluster_documents`) — union-find, representatives.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack, closing, contextmanager
from functools import partial
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document
from dedup.engine import Engine, FaultBarrier, FaultLog, StageFault, engine_or_local, ships_texts
from dedup.engine.alongside import ended_on_error
from dedup.engine.memory import process_resources
from dedup.io.corpus import CorpusReader, InputProblem
from dedup.io.parts import TOO_LONG, split_long, too_long_problem
from dedup.io.problems import ProblemLog, as_log, problem_records, problem_stats
from dedup.io.records import RecordFields
from dedup.io.row_spill import SpilledRows
from dedup.io.seen_ids import SeenIds
from dedup.io.store import IdColumn, scratch_folder, temporary_store
from dedup.near.candidates import pairs_from_keys
from dedup.near.fingerprints import Fingerprints, blank_texts, fingerprint_job, job_size, join_fingerprints
from dedup.near.index_spill import IndexSpill
from dedup.near.ranges import plan, read_in_workers
from dedup.near.sharded import BandKeySpill, KeptSets, keep_shingles, shard_bytes
from dedup.near.shingle_store import ShingleStore
from dedup.near.table import (
    DocumentTable, cluster_members, document_results, empty_documents, pair_results, pair_rows_in_order, spilled_document_results, spilled_pairs,
)
from dedup.near.verification import Verified, documents_in, verify_job
from dedup.results import ScanResult, collection_paused
from dedup.text.shingles import char_classes
from dedup.text_stages import EarlyBoilerplate, boilerplate_stage, import_text_stages, passage_stage, provenance_stage, start_passages
from dedup.text_stages import text_stages as _text_stages

__all__ = ["boilerplate_stage", "exact_groups", "fingerprint_stream", "passage_stage", "provenance_stage", "scan_corpus", "scan_documents", "verify_candidates"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; ``total`` is 0 while a stream's length is unknown."""

TextsAt = Callable[[int, int], Sequence[str]]  # the texts of documents start to stop, as sent to a worker


def _batches(
    docs: Iterable[Document], table: DocumentTable, size: int, progress: Progress | None, max_chars: int | None = None, texts_at: TextsAt | None = None,
) -> Iterator[tuple[int, Sequence[str]]]:
    """Batches of ``size`` texts, or fewer holding ``max_chars`` characters;
    with ``texts_at``, each batch is what it gives for the batch's documents."""
    batch: list[str] = []
    number = 0
    chars = 0
    taken = 0  # documents in the batch
    for doc in docs:
        table.add(doc)
        # With texts_at the batch is sent as where its texts are: only the first one's texts are held (for _tables_for).
        if texts_at is None or number == 0:
            batch.append(doc.text)
        taken += 1
        chars += len(doc.text)
        if taken >= size or (max_chars is not None and chars >= max_chars):
            chars = 0
            if number == 0:
                _tables_for(batch)
            yield number, batch if texts_at is None else texts_at(len(table) - taken, len(table))
            number += 1
            batch, taken = [], 0
            if progress:
                progress("fingerprint", len(table), 0)
    if taken:
        if number == 0:
            _tables_for(batch)
        yield number, batch if texts_at is None else texts_at(len(table) - taken, len(table))


def _tables_for(texts: list[str]) -> None:
    """Build the character class table before the workers fork (so they share
    it) when the first batch has non-ASCII text. ASCII text never needs it
    (0.2 s saved); a worker that meets non-ASCII text later builds its own."""
    if not all(text.isascii() for text in texts):
        char_classes()


def fingerprint_stream(
    docs: Iterable[Document], settings: Settings, engine: Engine, folder: str, progress: Progress | None = None, faults: list[StageFault] | None = None,
    index: IndexSpill | None = None, texts_at: TextsAt | None = None, table: DocumentTable | None = None,
) -> tuple[DocumentTable, Fingerprints, ShingleStore | KeptSets]:
    """Stage 1 over a stream of documents: the table, their fingerprints and
    the shingle sets (spilled to ``folder``, or kept by a distributed engine).

    A document whose fingerprinting raises is fingerprinted as an empty
    text, listed in the table's ``failed`` and appended to ``faults``. With
    ``index``, the passage index's fingerprints go there, not into the result.
    ``texts_at(start, stop)``: what is sent for the texts of those documents
    (e.g. where they are in a document store), instead of the texts. Band keys wait in ``folder`` (:class:`BandKeySpill`), or with the shingle sets on a distributed engine.
    ``table``: an empty table to fill (e.g. one keeping its ids in an :class:`~dedup.io.store.IdColumn`).
    """
    table = DocumentTable() if table is None else table
    kept = getattr(engine, "distributed", False)
    store = KeptSets() if kept else ShingleStore(folder)
    barrier = FaultBarrier(partial(fingerprint_job, settings=settings, folder=None if kept else folder), job_size, blank_texts)
    batches = _batches(docs, table, settings.batch_size, progress, settings.max_chars, texts_at)
    done = engine.map_keep(partial(keep_shingles, barrier), batches) if kept else ((guarded, None) for guarded in engine.map(barrier, batches))
    parts, keys = [], BandKeySpill(folder)
    first = 0
    for guarded, handle in done:
        part = guarded.result
        for fault in guarded.faults:
            table.failed.append(first + fault.position)
            if faults is not None:
                faults.append(StageFault.of("fingerprint", fault, [table.ids[first + fault.position]]))
        if index is not None:
            index.take(part, first)
        if kept:
            store.parts.append((handle, len(part.counts), first))
        else:
            store.add(part.spilled, part.counts)
            keys.take(part)
        first += len(part.counts)
        parts.append(part)
    return table, keys.joined(join_fingerprints(parts, settings.num_perm)), store


def exact_groups(exact: np.ndarray) -> list[list[int]]:
    """Indices of documents with identical normalised text, groups of two or more.

    Args:
        exact: ``(n, 2)`` uint64 text hashes.

    Returns:
        Groups in input order of their first member, members in input order.
    """
    if len(exact) < 2:
        return []
    order = np.lexsort(exact.T[::-1])
    ordered = exact[order]
    same = (ordered[1:] == ordered[:-1]).all(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    sizes = np.diff(np.concatenate((starts, [len(exact)])))
    groups = [sorted(order[s : s + k].tolist()) for s, k in zip(starts[sizes > 1], sizes[sizes > 1])]
    return sorted(groups)


def verify_candidates(pairs: np.ndarray, store: ShingleStore, settings: Settings, engine: Engine) -> list[Verified]:
    """Stage 4: the candidates whose exact Jaccard reaches the threshold.

    Args:
        pairs: ``(k, 2)`` candidate document indices ``i < j``.
        store: Where stage 1 spilled the shingle sets.
        settings: ``threshold`` and ``batch_size`` (pairs per job) are used.
        engine: Where the chunks of pairs are verified.
    """
    chunks = (pairs[k : k + settings.batch_size] for k in range(0, len(pairs), settings.batch_size))
    jobs = ((chunk, store.locate(documents_in(chunk))) for chunk in chunks)
    func = partial(verify_job, folder=store.folder, threshold=settings.threshold)
    return [found for part in engine.map(func, jobs) for found in part]


def _run(
    docs: Iterable[Document] | Callable[[str], tuple[DocumentTable, Fingerprints, ShingleStore]],
    settings: Settings,
    problems: Sequence[InputProblem],
    progress: Progress | None,
    engine: Engine,
    faults: list[StageFault],
    index_folder: str | None = None,
    texts_at: TextsAt | None = None,
    rows_of: Callable = document_results,
    table: DocumentTable | None = None,
    after_stage1: Callable[[], None] | None = None,
    before_stage5: Callable[..., None] | None = None,
) -> tuple[ScanResult, tuple[np.ndarray, np.ndarray] | IndexSpill | None]:
    """Stages 1-5, and the passage index's fingerprints when passages are
    enabled (spilled to ``index_folder`` when given, else in memory).

    ``docs``: the documents, or stage 1 itself as a function of the scan's
    temporary folder (and ``index``, where the passage index's fingerprints
    go) that gives the table, the fingerprints and the shingle store (as
    :func:`fingerprint_stream`). ``texts_at``: as for
    :func:`fingerprint_stream`. ``rows_of``: as :func:`~dedup.near.table.document_results`.
    ``table``: as for :func:`fingerprint_stream`. ``after_stage1``: called
    once stage 1 is done, before stage 2 (e.g. to start a later stage's work
    that needs only what stage 1 read). ``before_stage5``: called as
    ``before_stage5(groups, near, index)`` once the pairs are verified (the
    exact groups, the verified pairs, the passage index as returned), before
    the result is assembled.
    """
    started, clock = time.perf_counter(), _StageClock()
    spill = IndexSpill(index_folder) if index_folder is not None and settings.passages.enabled else None
    with scratch_folder("dedup-") as folder, ended_on_error(), _stopped_on_error(engine):
        table, fp, store = docs(folder, index=spill) if callable(docs) else fingerprint_stream(docs, settings, engine, folder, progress, faults, spill, texts_at, table)
        if spill is not None:  # the last batches' fingerprints, else held until the passage stage reads them
            spill.flush()
        if after_stage1 is not None:
            after_stage1()
        # A distributed engine keeps the band keys with the shingle sets and finds the candidates where they are.
        pairs_of = partial(store.candidates, engine) if isinstance(store, KeptSets) else (lambda usable: pairs_from_keys(fp.band_keys, np.flatnonzero(usable)))
        verify_of = partial(store.verify, engine, settings=settings) if isinstance(store, KeptSets) else partial(verify_candidates, store=store, settings=settings, engine=engine)
        clock.lap("fingerprint")
        failed = set(table.failed)
        groups = [g for g in ([m for m in group if m not in failed] for group in exact_groups(fp.exact)) if len(g) > 1]
        is_head = np.ones(len(table), dtype=bool)
        is_head[[m for group in groups for m in group[1:]] + sorted(failed)] = False
        # A document without shingles has the signature of every other such
        # document; it is reported as empty, never paired by Jaccard.
        candidates = pairs_of(is_head & (fp.counts > 0))
        fp.band_keys = pairs_of = None
        clock.lap("candidates")
        if progress:
            progress("candidates", len(candidates), len(candidates))
        near = verify_of(candidates)
        clock.lap("verify")
        index = (fp.index_hashes, fp.index_owners) if fp.index_hashes is not None else spill
        if before_stage5 is not None:  # before the folder goes
            before_stage5(groups, near, index)
    if progress:
        progress("verify", len(table), len(table))
    with collection_paused():
        result = _assemble(table, fp.counts, groups, near, problems, settings, {"candidate_pairs": int(len(candidates))}, started, rows_of)
    clock.lap("assemble")
    result.timing["stage_seconds"] = clock.laps
    return result, index


@contextmanager
def _stopped_on_error(engine: Engine) -> Iterator[None]:
    """Stop ``engine`` when the block is left by an exception (an interrupt,
    a termination signal), before the temporary folder around it goes: no
    worker is left writing into it."""
    try:
        yield
    except BaseException:
        stop = getattr(engine, "stop", None)
        if stop is not None:
            stop()
        raise


class _StageClock:
    """Seconds spent in each stage (reported in the stats)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = round(now - self._last, 3)
        self._last = now


def _assemble(table, counts, groups, near, problems, settings, extra_stats, started, rows_of=document_results) -> ScanResult:
    """Stage 5 and the result: pairs, clusters, per-document rows, stats."""
    # Near pairs as arrays (a distributed engine's) become rows one at a time, into the file the rows wait in.
    pairs, edges = pair_rows_in_order(table, counts, groups, *near) if isinstance(near, tuple) else pair_results(table, counts, groups, near)
    clusters = cluster_members(table, edges)
    results, cluster_results = rows_of(table, counts, clusters)
    if isinstance(results, SpilledRows):  # the pairs wait in a file too
        pairs = spilled_pairs(pairs)
    elif not isinstance(pairs, list):
        pairs = list(pairs)
    stats = {
        "documents": len(table),
        **problem_stats(problems),
        "split_documents": _count_kind(problems, TOO_LONG),
        "exact_duplicate_pairs": sum(len(group) - 1 for group in groups),
        "near_duplicate_pairs": len(near[0]) if isinstance(near, tuple) else len(near),
        "clusters": len(cluster_results),
        "duplicates_to_remove": sum(len(m) - 1 for m, _ in clusters),
        "empty_documents": int(empty_documents(table, counts).size),
        **extra_stats,
    }
    # Measurements change from run to run; they are kept apart from the findings.
    timing = {"seconds": round(time.perf_counter() - started, 3), "workers": settings.workers, **process_resources()}
    return ScanResult(
        documents=results,
        pairs=pairs,
        clusters=cluster_results,
        problems=problem_records(problems),
        settings=settings.to_dict(),
        stats=stats,
        timing=timing,
    )


def scan_documents(
    docs: Sequence[Document],
    settings: Settings,
    problems: Sequence[InputProblem] = (),
    progress: Progress | None = None,
    engine: Engine | None = None,
    faults: FaultLog | None = None,
) -> ScanResult:
    """Find duplicate documents and, when enabled, documents that share passages.

    Args:
        docs: The documents, ids unique.
        settings: What to look for (``settings.passages.enabled`` adds
            :func:`passage_stage`).
        problems: Input problems met while reading, carried into the result.
        progress: Called as ``progress(stage, done, total)``.
        engine: What runs the per-batch work; by default a
            :class:`~dedup.engine.LocalEngine` of ``settings.workers``.
        faults: Where the documents and pairs a stage fails on go as they
            are met (e.g. a log that prints them); a new bounded log by
            default. They are problems of the result, counted in
            ``processing_errors``; the run goes on without them.

    Returns:
        A :class:`ScanResult`; pairs ordered by ``(a, b)`` input order.
    """
    started, faults = time.perf_counter(), faults if faults is not None else FaultLog()
    problems = as_log(problems)
    docs = list(split_long(docs, settings.max_chars, problems))
    with _engine_for(settings, engine) as engine:
        import_text_stages(settings, engine)
        result, index = _run(docs, settings, problems, progress, engine, faults)
        _text_stages(docs, settings, result, engine, index, progress, faults, problems)
    return _finish(result, faults, started)


def _engine_for(settings: Settings, engine: Engine | None):
    """The given engine (left open for its owner), or a local one for this scan."""
    return engine_or_local(engine, settings.workers)


def _finish(result: ScanResult, faults: FaultLog, started: float) -> ScanResult:
    """The stage faults as problems, and the timing of the whole run, taken
    once the workers have ended (their usage counts only then)."""
    result.problems.extend(faults.records())
    result.stats["processing_errors"] = faults.total
    result.timing["seconds"] = round(time.perf_counter() - started, 3)
    result.timing.update(process_resources())
    result.faults = faults
    return result


def scan_corpus(
    paths: Sequence[str | os.PathLike],
    settings: Settings,
    progress: Progress | None = None,
    engine: Engine | None = None,
    *,
    encoding: str | None = None,
    problems: ProblemLog | None = None,
    faults: FaultLog | None = None,
    fields: RecordFields | None = None,
) -> ScanResult:
    """Scan files: streamed at document level, kept on disk for passages or boilerplate.

    The local workers read byte ranges of the inputs (:mod:`dedup.near.ranges`;
    the main process reads stdin and any large file one worker would read
    whole) and each batch of texts is dropped once fingerprinted: at
    document level (passages and boilerplate disabled) memory grows with the
    index. Passage and corpus-level boilerplate search need every text
    again: the workers also write the documents they read, which the scan's
    document store takes in input order (the main process reads no text),
    and those stages run once all are read.

    Args:
        paths: As for :class:`dedup.io.corpus.CorpusReader` (``-`` reads JSONL from stdin).
        settings: What to look for.
        progress: Called as ``progress(stage, done, total)``.
        engine: What runs the per-batch work (as for :func:`scan_documents`).
        encoding: Encoding of plain-text files (as for :class:`~dedup.io.corpus.CorpusReader`).
        problems: Where input problems go as they are met (e.g. a log that
            prints them); a new bounded log by default.
        faults: As for :func:`scan_documents`.
        fields: Where JSONL records and Parquet rows keep the id and text.

    Returns:
        A :class:`ScanResult` with the reader's problems.
    """
    reader = CorpusReader(
        [str(p) for p in paths], encoding=encoding, problems=problems if problems is not None else ProblemLog(), fields=fields or RecordFields()
    )
    keep = settings.passages.enabled or settings.boilerplate.enabled
    # The problem list is complete when the result is assembled, after the last document.
    started, faults = time.perf_counter(), faults if faults is not None else FaultLog()
    bounded = split_long(reader, settings.max_chars, reader.problems, reader.claim_part_names)
    # the workers stop before the store they read goes (an interrupt while they align the passage pairs)
    with _engine_for(settings, engine) as engine, temporary_store(portable=ships_texts(engine)) as docs, ended_on_error(), _stopped_on_error(engine), ExitStack() as stack:
        stage1 = docs.passing(bounded) if keep else bounded
        distributed = getattr(engine, "distributed", False)
        import_text_stages(settings, engine)
        early, early_passages = None, []  # the passage pairs, once started
        if not keep and distributed and "-" not in reader.paths:
            # The workers read the inputs and make the rows: no text, and no row of every document, passes through this process.
            result = _scan_shards(reader, settings, engine, faults, progress)
        elif not distributed and "-" not in reader.paths and (planned := plan(list(reader.paths), getattr(engine, "workers", 1))) is not None:
            # The workers read byte ranges of the inputs (and write the documents into the store's folder when later stages need them,
            # making the boilerplate stage's first pass while they hold the texts).
            row_pass = None
            if keep and settings.boilerplate.enabled:
                from dedup.boilerplate.passes import first_pass_in_workers

                row_pass = first_pass_in_workers(settings.boilerplate, settings.batch_size)
            stage1 = partial(read_in_workers, planned, settings, engine, problems=reader.problems, faults=faults, encoding=reader.encoding, fields=reader.fields,
                             progress=progress, store=docs if keep else None, row_pass=row_pass)
            # The boilerplate report needs only what stage 1 read: it is made while stages 2-5 run; the passage pairs
            # need it and the verified pairs: they are found while stage 5 runs (and the boilerplate stage's rows are made).
            early = EarlyBoilerplate(docs, settings, engine, progress, faults) if keep and settings.boilerplate.enabled else None
            passages_from = partial(start_passages, docs, settings, engine, progress, faults, early, early_passages) if keep and settings.passages.enabled else None
            result, index = _run(stage1, settings, reader.problems, progress, engine, faults, docs.folder if keep else None,
                                 after_stage1=early.start if early is not None else None, before_stage5=passages_from)
        else:
            texts_at = docs.texts if keep and getattr(engine, "shares_files", False) else None
            rows_of = spilled_document_results if keep and getattr(engine, "distributed", False) else document_results
            compact = rows_of is spilled_document_results  # a driver whose memory must not grow with the corpus
            if compact:
                reader.keep_ids_in(stack.enter_context(closing(SeenIds(docs.folder))))
            # A str per id held through stages 1-5, among the reader's short-lived objects, leaves Python's arenas
            # fragmented for the rest of the scan once freed: one buffer instead (the table goes with _run).
            result, index = _run(stage1, settings, reader.problems, progress, engine, faults, docs.folder if keep else None, texts_at, rows_of,
                                 DocumentTable(ids=IdColumn()) if compact else None)
        if keep:
            _text_stages(docs, settings, result, engine, index, progress, faults, reader.problems, early, early_passages[0] if early_passages else None)
    return _finish(result, faults, started)


def _scan_shards(reader: CorpusReader, settings: Settings, engine: Engine, faults, progress: Progress | None) -> ScanResult:
    """Stages 1-5 on shards the workers read and keep (:mod:`dedup.near.shard_scan`); rows come back in a file."""
    # Imported here: SciPy, which they import, costs every other scan a third of a second of start-up.
    from dedup.near.shard_results import sharded_results
    from dedup.near.shard_scan import read_shards
    started, clock = time.perf_counter(), _StageClock()
    too_long = partial(too_long_problem, max_chars=settings.max_chars)
    paths = list(reader.paths)
    corpus = read_shards(paths, settings, engine, reader.problems, shard_bytes(paths, engine.workers), faults, reader.encoding, reader.fields, too_long)
    if progress:
        progress("fingerprint", corpus.documents, corpus.documents)
    clock.lap("fingerprint")
    groups = corpus.exact_groups(engine)
    candidates = corpus.candidates(engine, np.array(sorted(m for group, _ in groups for m in group[1:]), dtype=np.int64))
    clock.lap("candidates")
    near = corpus.verify(engine, candidates, settings)
    clock.lap("verify")
    with collection_paused():
        found = sharded_results(corpus, engine, groups, near)
    problems = reader.problems
    stats = {
        "documents": corpus.documents,
        **problem_stats(problems),
        "split_documents": _count_kind(problems, TOO_LONG),
        "exact_duplicate_pairs": sum(len(group) - 1 for group, _ in groups),
        "near_duplicate_pairs": len(near[0]),
        "clusters": len(found.clusters),
        "duplicates_to_remove": found.removable,
        "empty_documents": found.empty,
        "candidate_pairs": int(len(candidates)),
    }
    clock.lap("assemble")
    timing = {"seconds": round(time.perf_counter() - started, 3), "workers": settings.workers, **process_resources(), "stage_seconds": clock.laps}
    return ScanResult(found.documents, found.pairs, found.clusters, problem_records(problems), settings.to_dict(), stats, timing)


def _count_kind(problems, kind: str) -> int:
    """Problems of ``kind``, those past the log's cap included."""
    log = as_log(problems)
    return sum(p.kind == kind for p in log) + dict(log.omitted()).get(kind, 0)

