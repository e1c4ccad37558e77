"""The fingerprint stage over shards read by the workers themselves.

:func:`fingerprint_stream` in :mod:`dedup.scan` reads the corpus in the
calling process and sends the texts to the workers. On a cluster that
process (the driver) would read and pass on every text. Here the driver
lists the shards (:func:`dedup.io.shards.plan_shards`) and sends their
names; each worker reads its shard, cuts long documents into parts and
fingerprints them (:func:`shard_job`), and sends back what the scan keeps
of a document (id, length, metadata, hashes, band keys), never its text.
The driver then applies the corpus-wide id rules in input order
(:func:`join_shards`), so the documents, their numbers and the problems are
those of a single reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import numpy as np

from dedup.config import Settings
from dedup.document import split_document
from dedup.engine import Engine, FaultBarrier, Guarded, ItemFault, StageFault
from dedup.io.corpus import accept_id
from dedup.io.problems import InputProblem, ProblemLog
from dedup.io.records import RecordFields
from dedup.io.shards import SHARD_BYTES, Shard, ShardRecord, count_lines, file_size, input_files, number_lines, plan_shards, read_shard
from dedup.near.candidates import band_columns, band_keys, bucket_pair_codes, lsh_params
from dedup.near.fingerprints import Fingerprints, blank_texts, fingerprint_batch, job_size, join_fingerprints
from dedup.near.verification import Verified, verify_pairs
from dedup.text.shingles import ShingleBatch

# Items (band keys of documents) per reduce task of the shuffle by band key, about.
ITEMS_PER_PARTITION = 2_000_000

# Shards no smaller than this: below it a task costs more than its work.
MIN_SHARD_BYTES = 4 << 10


@dataclass
class ReadRecord:
    """A record of a shard without its text.

    Attributes:
        id: Its id as read.
        origin: Where it was read.
        file: The record file that qualifies its id (``""``: none).
        metadata: date, source, url and title, where present.
        chars: The length of each part it was read as (none: an empty text).
    """

    id: str
    origin: str
    file: str
    metadata: dict[str, str]
    chars: tuple[int, ...]


@dataclass
class ShardPart:
    """What a worker sends back for a shard.

    Attributes:
        events: Problems and records, in the order met.
        unshown: ``kind -> (count, skipped)`` of problems past the examples.
        fingerprints: One row per part of every non-empty record, in order.
        faults: Rows whose fingerprinting failed (fingerprinted as empty texts).
    """

    events: list[InputProblem | ReadRecord]
    unshown: dict[str, tuple[int, int]]
    fingerprints: Fingerprints
    faults: list[ItemFault] = field(default_factory=list)


@dataclass
class ShardDocuments:
    """The documents of every shard, as the scan keeps them.

    Attributes:
        ids: Document ids (the parts of a long document, ``<id>#1``, …), in input order.
        chars: Length of each.
        metadata: Per document number, for those that have any.
        failed: Documents whose fingerprinting failed.
        fingerprints: Their fingerprints, joined (without band keys).
        kept: ``(handle, kept rows, first document)`` of each shard's band
            keys and shingle sets (``(keys, ShingleBatch)``), which stay
            where the engine made them (Ray's object store), one row per
            part of a record; ``kept rows`` marks the rows that are
            documents, numbered from ``first document``.
    """

    ids: list[str] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)
    metadata: dict[int, dict[str, str]] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)
    fingerprints: Fingerprints | None = None
    kept: list[tuple[Any, np.ndarray, int]] = field(default_factory=list)

    def candidates(self, engine: Engine, subset: np.ndarray) -> np.ndarray:
        """Stage 3 as a shuffle by band key on ``engine``: the pairs
        :func:`~dedup.near.candidates.pairs_from_keys` gives for ``subset``.

        Args:
            engine: The engine that holds the band keys.
            subset: Sorted document numbers to pair.

        Returns:
            ``(k, 2)`` int64 document numbers ``i < j``, sorted, unique.
        """
        n = len(self.ids)
        chosen = np.zeros(n, dtype=bool)
        chosen[subset] = True
        sources = []
        for handle, kept, first in self.kept:
            numbers = np.full(kept.size, -1, dtype=np.int64)
            numbers[kept] = np.arange(first, first + int(kept.sum()))
            numbers[kept] = np.where(chosen[numbers[kept]], numbers[kept], -1)
            sources.append((_band_columns_of, handle, numbers))
        partitions = n * 32 // ITEMS_PER_PARTITION + 1
        codes = [c for c in engine.map_partitions(partial(bucket_pair_codes, n=n), sources, partitions) if c.size]
        codes = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
        return np.stack([codes // n, codes % n], axis=1) if n else np.zeros((0, 2), dtype=np.int64)

    def verify(self, engine: Engine, pairs: np.ndarray, settings: Settings) -> list[Verified]:
        """Stage 4 on ``engine``, reading the shingle sets where they are (:meth:`KeptSets.verify`)."""
        return KeptSets(self.kept).verify(engine, pairs, settings)


@dataclass
class KeptSets:
    """Shingle sets that stay where the engine made them, instead of a spill folder.

    Attributes:
        parts: ``(handle, kept rows, first document)`` per batch; the handle
            holds ``(band keys or None, ShingleBatch)``, a row per item of
            the batch; ``kept rows`` marks the rows that are documents,
            numbered from ``first document``.
    """

    parts: list[tuple[Any, np.ndarray, int]] = field(default_factory=list)

    def verify(self, engine: Engine, pairs: np.ndarray, settings: Settings) -> list[Verified]:
        """Stage 4 on ``engine``: each chunk of candidate pairs is verified by a
        task given the shards that hold its documents' shingle sets (no
        shared file system needed).

        Args:
            engine: The engine that holds the shingle sets.
            pairs: ``(k, 2)`` candidate document numbers ``i < j``.
            settings: ``threshold`` and ``batch_size`` (pairs per task) are used.
        """
        firsts = np.array([first for _, _, first in self.parts], dtype=np.int64)
        rows = [np.flatnonzero(kept) for _, kept, _ in self.parts]

        def jobs():
            for k in range(0, len(pairs), settings.batch_size):
                chunk = pairs[k : k + settings.batch_size]
                docs = np.unique(chunk)
                shard_of = np.searchsorted(firsts, docs, side="right") - 1
                needed = np.unique(shard_of).tolist()
                slot = {shard: position for position, shard in enumerate(needed)}
                where = {d: (slot[s], int(rows[s][d - firsts[s]])) for d, s in zip(docs.tolist(), shard_of.tolist())}
                yield (chunk, where), [self.parts[shard][0] for shard in needed]

        func = partial(_verify_kept, threshold=settings.threshold)
        return [found for part in engine.map_using(func, jobs()) for found in part]


def _band_columns_of(kept: tuple[np.ndarray, ShingleBatch], numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return band_columns(kept[0], numbers)


def _verify_kept(job: tuple[np.ndarray, dict[int, tuple[int, int]]], *kept: tuple[np.ndarray, ShingleBatch], threshold: float) -> list[Verified]:
    """:func:`~dedup.near.verification.verify_pairs` for a chunk of pairs whose
    documents' sets are ``kept[shard][1][row]`` (``job``: the pairs, and
    ``document -> (shard, row)``)."""
    pairs, where = job
    return verify_pairs(pairs, {doc: kept[shard][1][row] for doc, (shard, row) in where.items()}, threshold)


def shard_job(job: tuple[int, Shard], settings: Settings, encoding: str | None, fields: RecordFields) -> tuple[ShardPart, tuple[np.ndarray, ShingleBatch]]:
    """Read shard number ``job[0]``, cut its long documents into parts and
    fingerprint them; a pure function of the shard's files.

    Returns:
        What the driver needs, and the band keys and shingle sets (which
        stay with the engine, for the shuffle by band key and verification).
    """
    number, shard = job
    reading = read_shard(shard, encoding, fields)
    events: list[InputProblem | ReadRecord] = []
    texts: list[str] = []
    for event in reading.events:
        if isinstance(event, ShardRecord):
            event = _without_text(event, settings.max_chars, texts)
        events.append(event)
    barrier = FaultBarrier(partial(_fingerprint_kept, settings=settings), job_size, blank_texts)
    guarded = barrier((number, texts))
    fp = guarded.result
    kept = (fp.band_keys, fp.shingles)
    fp.band_keys = fp.shingles = None
    return ShardPart(events, reading.unshown, fp, guarded.faults), kept


def keep_shingles(barrier: FaultBarrier, job: tuple[int, list[str]]) -> tuple[Guarded, tuple[None, ShingleBatch]]:
    """``barrier(job)`` for :meth:`~dedup.engine.Engine.map_keep`: the guarded
    fingerprints come back, their shingle sets stay with the engine."""
    guarded = barrier(job)
    sets, guarded.result.shingles = guarded.result.shingles, None
    return guarded, (None, sets)


def _fingerprint_kept(job: tuple[int, list[str]], settings: Settings) -> Fingerprints:
    """A batch's fingerprints with its shingle sets and band keys, without the signatures."""
    fp = fingerprint_batch(job[1], settings, keep_shingles=True)
    fp.band_keys = band_keys(fp.signatures, *lsh_params(settings.candidate_threshold, settings.num_perm))
    fp.signatures = None
    return fp


def _without_text(record: ShardRecord, max_chars: int, texts: list[str]) -> ReadRecord:
    """The record without its text; the text of each of its parts goes to ``texts``."""
    doc = record.doc
    parts = split_document(doc, max_chars) if doc.text.strip() else []
    texts.extend(part.text for part in parts)
    metadata = {key: getattr(doc, key) for key in ("date", "source", "url", "title") if getattr(doc, key)}
    return ReadRecord(doc.id, doc.origin, record.file, metadata, tuple(len(part.text) for part in parts))


def read_and_fingerprint(
    paths: list[str],
    settings: Settings,
    engine: Engine,
    problems: ProblemLog,
    faults: list[StageFault] | None = None,
    encoding: str | None = None,
    fields: RecordFields | None = None,
    too_long: Callable[[str, str, int, list[str]], InputProblem] | None = None,
) -> ShardDocuments:
    """Stage 1 with the workers reading the inputs: the documents and their fingerprints.

    Args:
        paths: Input files and folders (not ``-``).
        settings: ``max_chars`` and the fingerprint settings are used.
        engine: Runs the line counts and the shard jobs.
        problems: Where input problems go, in input order.
        faults: Where fingerprint faults go.
        encoding: As for :class:`~dedup.io.corpus.CorpusReader`.
        fields: As for :class:`~dedup.io.corpus.CorpusReader`.
        too_long: ``too_long(id, origin, chars, part_ids)``: the warning
            about a document read in parts.
    """
    planned = plan_shards(paths, _shard_bytes(paths, engine.workers))
    shards = [item for item in planned if isinstance(item, Shard)]
    counts = iter(engine.map(count_lines, [s for s in shards if s.end is not None]))
    planned = number_lines(planned, [next(counts) if isinstance(s, Shard) and s.end is not None else 0 for s in planned])
    job = partial(shard_job, settings=settings, encoding=encoding, fields=fields or RecordFields())
    numbered = ((k, item) for k, item in enumerate(planned) if isinstance(item, Shard))
    parts = engine.map_keep(job, numbered, in_flight=1)
    out, seen, fps = ShardDocuments(), {}, []
    for item in planned:
        if isinstance(item, InputProblem):
            problems.record(item)
            continue
        part, kept = next(parts)
        keep = _join_part(part, out, seen, problems, too_long)
        out.kept.append((kept, keep, len(out.ids) - int(keep.sum())))
        first = len(out.ids) - int(keep.sum())
        rows = np.cumsum(keep) - 1
        for fault in part.faults:
            if keep[fault.position]:
                index = first + int(rows[fault.position])
                out.failed.append(index)
                if faults is not None:
                    faults.append(StageFault.of("fingerprint", fault, [out.ids[index]]))
        fp = part.fingerprints
        fps.append(Fingerprints(fp.exact[keep], fp.counts[keep], None))
    out.fingerprints = join_fingerprints(fps, settings.num_perm)
    return out


def _shard_bytes(paths: list[str], workers: int) -> int:
    """Bytes per shard: at most :data:`~dedup.io.shards.SHARD_BYTES`, and
    small enough that every worker gets several shards."""
    total = sum(file_size(path) for path, _ in input_files(paths, lambda *a, **k: None))
    return max(MIN_SHARD_BYTES, min(SHARD_BYTES, total // max(1, 4 * workers) + 1))


def _join_part(part: ShardPart, out: ShardDocuments, seen: dict[str, str], problems: ProblemLog, too_long) -> np.ndarray:
    """Apply the id rules to a shard's records in order; returns the mask of its rows kept."""
    keep: list[bool] = []
    for event in part.events:
        if isinstance(event, InputProblem):
            problems.record(event)
            continue
        doc_id = accept_id(seen, event.file, event.id, event.origin, not event.chars, problems.add)
        keep.extend([doc_id is not None] * len(event.chars))
        if doc_id is None:
            continue
        ids = [doc_id] if len(event.chars) == 1 else [f"{doc_id}#{k}" for k in range(1, len(event.chars) + 1)]
        for part_id, chars in zip(ids, event.chars):
            if event.metadata:
                out.metadata[len(out.ids)] = dict(event.metadata)
            out.ids.append(part_id)
            out.chars.append(chars)
        if len(ids) > 1 and too_long is not None:
            problems.record(too_long(doc_id, event.origin, sum(event.chars), ids))
    for kind, (count, skipped) in part.unshown.items():
        problems.count_unshown(kind, count, skipped)
    return np.array(keep, dtype=bool)
