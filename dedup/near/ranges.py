"""Stage 1 of the scan with the workers reading the inputs.

The main process lists the shards of the inputs (:func:`dedup.io.shards.plan_shards`:
byte ranges of JSONL files, small files together) and each worker reads one
(:func:`dedup.io.shards.read_shard`), cuts its long documents into parts and
fingerprints them (:func:`range_job`), spilling the shingle sets to the
scan's folder as the main process's batches would. What comes back is
small (:class:`RangeRead`: ids, lengths, metadata, hashes, band keys): no
text is parsed by the main process or pickled to a worker. When the later
stages need the texts (passages, boilerplate), each worker also writes its
rows to a file the scan's document store adopts (the passage index's
fingerprints come back with the hashes).

The main process applies the rules that need the whole corpus in input
order, as :class:`~dedup.io.corpus.CorpusReader` and
:func:`~dedup.io.parts.split_long` do (:func:`~dedup.io.corpus.accept_id`:
empty documents, repeated ids, ids qualified by their file; the warning
about a document read in parts), so the table, the problems and the faults
are those of reading in one process. A record the id rules skip was
fingerprinted all the same; its rows are left out of the table, the
fingerprints, the shingle store, the passage index and the document store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import numpy as np

from dedup.config import Settings
from dedup.document import Document, split_document
from dedup.engine import Engine, FaultBarrier, ItemFault, StageFault
from dedup.io.corpus import METADATA_FIELDS, accept_id
from dedup.io.parts import claim_part_names, too_long_problem
from dedup.io.problems import InputProblem, ProblemLog
from dedup.io.records import RecordFields
from dedup.io.shards import Shard, count_lines, file_size, number_lines, plan_shards, read_shard
from dedup.io.store import DocumentStore, write_records
from dedup.near.fingerprints import Fingerprints, blank_texts, fingerprint_job, job_size, join_fingerprints
from dedup.near.index_spill import IndexSpill, WrittenBatch, write_batch_index
from dedup.near.sharded import BandKeySpill, shard_bytes
from dedup.near.shingle_store import ShingleStore
from dedup.near.table import DocumentTable


# Input bytes per range at most: the last ranges keep one worker busy while
# the others have none left, and a range's texts are held while it is read.
RANGE_BYTES = 8 << 20

# A whole file read by one worker (compressed JSONL, Parquet, a large text
# file) larger than this many shards' bytes leaves the other workers idle:
# such inputs are read by the main process, which spreads batches of texts.
_WHOLE_FILE_SHARDS = 1


@dataclass
class RangeRead:
    """What a worker read and fingerprinted of a shard, for the main process.

    Records are every document the shard read (empty ones included, for the
    id rules); rows are the parts of the non-empty ones.

    Attributes:
        problems: ``(records before it, problem)`` of the shard's reading.
        unshown: ``kind -> (count, skipped)`` of reading problems past those.
        ids: Each record's id as read.
        files: The record file that qualifies each id (``""``: none).
        origins: Where each record was read.
        parts: Rows of each record (0: its text is blank).
        chars: Characters of the whole text of each record.
        metadata: date, source, url and title of records that have any, by record.
        rows: Characters of each row.
        fingerprints: The rows' fingerprints, shingle sets spilled.
        faults: Rows whose fingerprinting failed (fingerprinted as empty texts).
        written: The file the rows were written to for the document store (``""``: none).
        sizes: Bytes of each written row's text and record (:func:`~dedup.io.store.write_records`).
        row_pass: What :class:`RowPass` made of the rows (``None``: nothing asked, or not made).
        index: The passage index's fingerprints of the rows, written to a
            file (``None``: not written; then in ``fingerprints``, if taken).
    """

    problems: list[tuple[int, InputProblem]] = field(default_factory=list)
    unshown: dict[str, tuple[int, int]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)
    metadata: dict[int, dict[str, str]] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    fingerprints: Fingerprints | None = None
    faults: list[ItemFault] = field(default_factory=list)
    written: str = ""
    sizes: np.ndarray | None = None
    row_pass: Any = None
    index: WrittenBatch | None = None


@dataclass(frozen=True)
class RowPass:
    """Work a later stage does over every row, done by the worker that reads
    the rows, while it holds their texts.

    Attributes:
        name: The stage: the result goes to the document store's
            ``read_passes`` under it (for the stage to take).
        of_rows: The result of a shard's rows (numbered from 0), ``None``
            where the stage must do its own; it runs in the workers.
        kept: ``kept(result, keep, first)``: the result of the rows ``keep``
            marks (``None``: all), numbered from ``first`` on.
        joined: The results of consecutive shards as one.
    """

    name: str
    of_rows: Callable[[list[Document]], Any]
    kept: Callable[[Any, np.ndarray | None, int], Any]
    joined: Callable[[list[Any]], Any]


def range_job(
    job: tuple[int, Shard],
    settings: Settings,
    folder: str,
    encoding: str | None,
    fields: RecordFields,
    documents: str | None = None,
    row_pass: Callable[[list[Document]], Any] | None = None,
    index: str | None = None,
) -> RangeRead:
    """Read shard number ``job[0]``, cut its long documents into parts and
    fingerprint them as batch ``job[0]`` of stage 1 (a pure function of the
    shard's files, but for the files it writes).

    Args:
        job: The shard's number and the shard (lines numbered).
        settings: ``max_chars`` and the fingerprint settings are used.
        folder: Where the shingle sets are spilled.
        encoding: As for :class:`~dedup.io.corpus.CorpusReader`.
        fields: As for :class:`~dedup.io.corpus.CorpusReader`.
        documents: A folder where the rows are written for the scan's
            document store (:func:`~dedup.io.store.write_records`), when
            the later stages need the texts.
        row_pass: Also made of the rows, while their texts are here (:attr:`RowPass.of_rows`).
        index: A folder where the passage index's fingerprints are written
            (:func:`~dedup.near.index_spill.write_batch_index`), not sent back.
    """
    number, shard = job
    reading = read_shard(shard, encoding, fields)
    read = RangeRead(unshown=dict(reading.unshown))
    rows: list[Document] = []
    for event in reading.events:
        if isinstance(event, InputProblem):
            read.problems.append((len(read.ids), event))
            continue
        doc = event.doc
        # accept_id's test of an empty document, without the copy strip() makes.
        pieces = [] if not doc.text or doc.text.isspace() else split_document(doc, settings.max_chars)
        if doc.date or doc.source or doc.url or doc.title:
            read.metadata[len(read.ids)] = {key: getattr(doc, key) for key in METADATA_FIELDS if getattr(doc, key)}
        read.ids.append(doc.id)
        read.files.append(event.file)
        read.origins.append(doc.origin)
        read.parts.append(len(pieces))
        read.chars.append(len(doc.text))
        rows.extend(pieces)
    del reading
    texts = [row.text for row in rows]
    read.rows = [len(text) for text in texts]
    if documents is not None:
        read.written = os.path.join(documents, f"rows-{number}.bin")
        read.sizes = write_records(read.written, rows)
    if row_pass is not None:
        read.row_pass = row_pass(rows)
    del rows
    barrier = FaultBarrier(partial(fingerprint_job, settings=settings, folder=folder), job_size, blank_texts)
    guarded = barrier((number, texts))
    read.fingerprints, read.faults = guarded.result, list(guarded.faults)
    fp = read.fingerprints
    if index is not None and fp.index_hashes is not None:
        # Written here, the largest part of what stage 1 takes is neither
        # pickled nor handled by the main process (it adopts the file).
        read.index = write_batch_index(os.path.join(index, f"batch-{number}.index"), fp.index_hashes, fp.index_owners)
        fp.index_hashes = fp.index_owners = None
    return read


def plan(paths: list[str], workers: int) -> list[Shard | InputProblem] | None:
    """The shards of ``paths`` and the problems met listing them, in input
    order; ``None`` when a file read whole by one worker is too large to
    leave the others idle (the main process reads such inputs)."""
    size = min(shard_bytes(paths, workers), RANGE_BYTES)
    planned = plan_shards(paths, size)
    for item in planned:
        if isinstance(item, Shard) and item.end is None and sum(file_size(path) for path, _ in item.files) > _WHOLE_FILE_SHARDS * size:
            return None
    return planned


def read_in_workers(
    planned: list[Shard | InputProblem],
    settings: Settings,
    engine: Engine,
    folder: str,
    problems: ProblemLog,
    faults: list[StageFault] | None = None,
    encoding: str | None = None,
    fields: RecordFields | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    index: IndexSpill | None = None,
    store: DocumentStore | None = None,
    row_pass: RowPass | None = None,
) -> tuple[DocumentTable, Fingerprints, ShingleStore]:
    """Stage 1 over ``planned`` (from :func:`plan`): the table, the
    fingerprints and the shingle store, as
    :func:`dedup.scan.fingerprint_stream` makes them of the documents
    :class:`~dedup.io.corpus.CorpusReader` and
    :func:`~dedup.io.parts.split_long` give, with the same problems in
    ``problems`` and faults in ``faults``.

    With ``index``, the passage index's fingerprints go there (when the
    settings take them). With ``store``, the documents go there too, as
    :meth:`~dedup.io.store.DocumentStore.passing` would put them: the
    workers write them, the store copies the files (its process reads no text),
    and ``row_pass``'s result of every kept row goes to its ``read_passes``
    (none when a shard's is ``None``).
    Anything else stage 1 takes per row must leave out the rows the id
    rules skip, as :func:`_take` does for these.
    """
    job = partial(range_job, settings=settings, folder=folder, encoding=encoding, fields=fields or RecordFields(),
                  documents=None if store is None else store.folder, row_pass=None if row_pass is None or store is None else row_pass.of_rows,
                  index=None if index is None else index.folder)
    passes: list[Any] | None = [] if row_pass is not None and store is not None else None
    # A range waits for each worker: the main process takes a read (and
    # counts the lines of the range it hands out next) while both keep working.
    reads = engine.map(job, ((k, item) for k, item in enumerate(number_lines(planned, (count_lines(s) if isinstance(s, Shard) and s.end is not None else 0 for s in planned))) if isinstance(item, Shard)), in_flight=2)
    table, shingles, keys = DocumentTable(), ShingleStore(folder), BandKeySpill(folder)
    parts: list[Fingerprints] = []
    seen: dict[str, str] = {}
    for item in planned:
        if isinstance(item, InputProblem):
            problems.record(item)
            continue
        read, first = next(reads), len(table)
        part, counts, kept = _take(read, table, seen, problems, faults, settings.max_chars)
        shingles.add(part.spilled, counts, kept)
        keys.take(part)
        if index is not None and read.index is not None:
            index.adopt(read.index, first, kept)
        elif index is not None:
            index.take(part, first)
        if store is not None:
            sources = [table.metadata.get(row, {}).get("source") for row in range(first, len(table))]
            store.adopt(read.written, read.sizes, table.ids[first:], table.chars[first:], sources, kept)
        if passes is not None and read.row_pass is not None:
            passes.append(row_pass.kept(read.row_pass, kept, first))
        elif passes is not None:
            passes = None  # the stage does its own, and reports what failed
        parts.append(part)
        if progress:
            progress("fingerprint", len(table), 0)
    if passes is not None:
        store.read_passes[row_pass.name] = row_pass.joined(passes)
    return table, keys.joined(join_fingerprints(parts, settings.num_perm)), shingles


def _take(
    read: RangeRead, table: DocumentTable, seen: dict[str, str], problems: ProblemLog, faults: list[StageFault] | None, max_chars: int
) -> tuple[Fingerprints, np.ndarray, np.ndarray | None]:
    """Add a shard's kept rows to ``table`` under the id rules, its problems
    to ``problems`` in input order.

    Returns:
        The fingerprints of the rows kept, the shingle count of every row
        (as spilled), and which rows are kept (``None``: all).
    """
    first = len(table)
    keep = np.ones(len(read.rows), dtype=bool)
    shown = iter(read.problems + [(len(read.ids), None)])
    before, problem = next(shown)
    row = 0
    record_problem = problems.add
    for record, (doc_id, file, origin, parts) in enumerate(zip(read.ids, read.files, read.origins, read.parts)):
        while before == record and problem is not None:
            problems.record(problem)
            before, problem = next(shown)
        kept = accept_id(seen, file, doc_id, origin, not parts, record_problem)
        if kept is None:
            keep[row : row + parts] = False
        elif parts:
            names = [kept] if parts == 1 else claim_part_names(seen, file, origin, kept, parts)
            _add_record(table, read, record, kept, row, names, problems, max_chars)
        row += parts
    while problem is not None:
        problems.record(problem)
        before, problem = next(shown)
    for kind, (count, skipped) in read.unshown.items():
        problems.count_unshown(kind, count, skipped)
    fp, counts = read.fingerprints, read.fingerprints.counts
    positions = np.cumsum(keep) - 1
    for fault in read.faults:
        if keep[fault.position]:
            table.failed.append(first + int(positions[fault.position]))
            if faults is not None:
                faults.append(StageFault.of("fingerprint", fault, [table.ids[table.failed[-1]]]))
    if keep.all():
        return fp, counts, None
    fp.exact, fp.counts, fp.band_keys = fp.exact[keep], fp.counts[keep], fp.band_keys[keep]
    if fp.index_hashes is not None:
        # The passage index keeps the fingerprints of kept rows, numbered among them (still ordered by partition).
        held = keep[fp.index_owners]
        fp.index_hashes, fp.index_owners = fp.index_hashes[held], positions[fp.index_owners[held]]
    return fp, counts, keep


def _add_record(table: DocumentTable, read: RangeRead, record: int, kept: str, row: int, names: list[str], problems: ProblemLog, max_chars: int) -> None:
    """A kept record's rows in ``table`` under ``names``: itself, or its parts with the warning that names them."""
    meta = read.metadata.get(record)
    parts = len(names)
    if parts > 1:
        problems.record(too_long_problem(kept, read.origins[record], read.chars[record], names, max_chars))
    for k, name in enumerate(names):
        if meta:
            table.metadata[len(table.ids)] = meta if parts == 1 else dict(meta)
        table.ids.append(name)
        table.chars.append(read.rows[row + k])
