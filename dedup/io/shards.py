"""Reading a corpus in shards, each by itself, in any process.

A cluster run must not pass every text through one process. The inputs are
cut into shards (:class:`Shard`: a JSONL file into byte ranges of whole lines,
other files whole, small files together) by :func:`plan_shards`, which
reads no text; each shard is read where it is processed
(:func:`read_shard`), with the parsing rules of
:class:`~dedup.io.corpus.CorpusReader`. What needs the whole corpus, the
choice of the id a record is kept under (a repeated id is skipped, an id
another record file used is qualified by the file), is left to one pass in
input order over what the shards report (:func:`~dedup.io.corpus.accept_id`),
which needs ids, not texts. A shard's problems come back in order with its
records, the first :data:`~dedup.io.problems.SHOWN_PER_KIND` of each kind
as examples and the rest counted, so read in shard order they give the
same problem log as a single reader.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Union

from dedup.document import Document
from dedup.io.corpus import HTML_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, TEXT_SUFFIXES, CorpusReader
from dedup.io.decoding import without_surrogates
from dedup.io.files import file_type, format_suffix, open_input, walk
from dedup.io.problems import SHOWN_PER_KIND, InputProblem, ProblemLog, show_id
from dedup.io.records import RecordFields

# Bytes of input per shard, at most: a shard's texts are held by the process
# that reads it, and there must be enough shards to keep every worker busy.
SHARD_BYTES = 16 << 20


@dataclass(frozen=True)
class Shard:
    """Input files, or a byte range of one uncompressed JSONL file, read as one piece.

    Attributes:
        files: ``(path, name)`` of each file; ``name`` is its id (text, HTML)
            or the name that qualifies its record ids (JSONL, Parquet).
        start: First byte of the range (a range owns the lines that start in it).
        end: End of the range; ``None`` for whole files.
        first_line: Lines of the file before ``start`` (set by :func:`number_lines`).
    """

    files: tuple[tuple[str, str], ...]
    start: int = 0
    end: int | None = None
    first_line: int = 0


@dataclass
class ShardRecord:
    """A document as a shard read it, before the corpus-wide id rules.

    Attributes:
        doc: The document, its id as read.
        file: The record file that qualifies its id (``""`` for text and HTML files).
    """

    doc: Document
    file: str


Event = Union[InputProblem, ShardRecord]


@dataclass
class ShardReading:
    """A shard's problems and records in the order they were met.

    Attributes:
        events: The examples of problems (the first of each kind) and the records.
        unshown: ``kind -> (count, skipped)`` of the problems past the examples.
    """

    events: list[Event] = field(default_factory=list)
    unshown: dict[str, tuple[int, int]] = field(default_factory=dict)


def plan_shards(paths: Iterable[str | os.PathLike], shard_bytes: int = SHARD_BYTES) -> list[Shard | InputProblem]:
    """The shards of ``paths`` in input order, with the problems met listing them in their place.

    Args:
        paths: As for :class:`~dedup.io.corpus.CorpusReader`, without ``-``.
        shard_bytes: Bytes of input per shard, at most (a file larger than
            that is cut only when it is uncompressed JSONL).
    """
    planned: list[Shard | InputProblem] = []
    group: list[tuple[str, str]] = []
    total = 0

    def report(origin: str, message: str, kind: str = "unreadable", skipped: bool = True) -> None:
        flush()
        planned.append(InputProblem(origin, message, kind, skipped))

    def flush() -> None:
        nonlocal group, total
        if group:
            planned.append(Shard(tuple(group)))
        group, total = [], 0

    for path, name in input_files(paths, report):
        size = file_size(path)
        if size > shard_bytes and _splittable(path):
            flush()
            planned.extend(Shard(((str(path), name),), start, min(start + shard_bytes, size)) for start in range(0, size, shard_bytes))
            continue
        if total + size > shard_bytes:
            flush()
        group.append((str(path), name))
        total += size
    flush()
    return planned


def input_files(paths: Iterable[str | os.PathLike], report) -> Iterator[tuple[Path, str]]:
    """``(path, name)`` of every file to read, in :class:`CorpusReader`'s order;
    the problems met listing them go to ``report(origin, message, kind)``."""
    for raw in paths:
        path = Path(raw)
        try:
            mode = os.stat(path).st_mode
        except OSError as err:
            CorpusReader([], problems=_Sink(report))._missing(path, err)
            continue
        if stat.S_ISDIR(mode):
            for file in walk(path, TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES, report):
                yield file, file.relative_to(path).as_posix()
        elif stat.S_ISREG(mode):
            yield path, path.name
        else:
            report(str(path), f"{file_type(mode)}, not a regular file or folder; skipped without reading it (pipe JSONL to standard input as - instead)", "not-regular")


class _Sink:
    """A problem log that passes every problem on (for listing)."""

    def __init__(self, report) -> None:
        self.add = report


def file_size(path: Path) -> int:
    """The size of ``path`` in bytes (0 when it cannot be read)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _splittable(path: Path) -> bool:
    """Whether ``path`` is JSONL that can be read in byte ranges (not compressed)."""
    if format_suffix(path.name) not in JSONL_SUFFIXES:
        return False
    try:
        stream, compression = open_input(path)
    except OSError:
        return False
    stream.close()
    return compression is None


def count_lines(shard: Shard) -> int:
    """Lines that start in ``shard``'s byte range (0 for whole files): those
    :func:`read_shard` reads, counted by their newlines a block at a time."""
    if shard.end is None or shard.end <= shard.start:
        return 0
    with open(shard.files[0][0], "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        # A line starts at 0 and after every newline but one that ends the file.
        count = 1 if shard.start == 0 and size > 0 else 0
        position, stop = max(shard.start - 1, 0), min(shard.end - 1, size - 1)
        handle.seek(position)
        while position < stop:
            block = handle.read(min(_COUNT_BLOCK, stop - position))
            if not block:
                break
            count += block.count(b"\n")
            position += len(block)
        return count


_COUNT_BLOCK = 1 << 20


def number_lines(shards: Iterable[Shard | InputProblem], counts: Iterable[int]) -> Iterator[Shard | InputProblem]:
    """``shards`` with the ``first_line`` of each byte range, from the
    :func:`count_lines` of every shard (``counts``, in the same order).

    Lazy: a generator of counts is drawn one shard at a time, so the
    caller can count a range while the workers read the ranges before it."""
    before: dict[str, int] = {}
    for item, count in zip(shards, counts):
        if isinstance(item, Shard) and item.end is not None:
            path = item.files[0][0]
            item = Shard(item.files, item.start, item.end, before.get(path, 0))
            before[path] = item.first_line + count
        yield item


def _range_lines(handle, start: int, end: int) -> Iterator[bytes]:
    """The lines of a binary file that start in ``[start, end)``."""
    if start > 0:
        handle.seek(start - 1)
        handle.readline()  # the end of the line the range starts inside (or the newline just before it)
    position = handle.tell()
    while position < end:
        line = handle.readline()
        if not line:
            return
        position += len(line)
        yield line


def read_shard(shard: Shard, encoding: str | None = None, fields: RecordFields | None = None) -> ShardReading:
    """Read a shard's documents and problems, as :class:`CorpusReader` would, but
    without the corpus-wide id rules (the caller applies them in input order).

    Args:
        shard: From :func:`plan_shards` (byte ranges numbered by :func:`number_lines`).
        encoding: As for :class:`CorpusReader`.
        fields: As for :class:`CorpusReader`.
    """
    reading = ShardReading()
    reader = _ShardReader([], encoding=encoding, problems=_EventLog(reading), fields=fields or RecordFields())
    reader.reading = reading
    for path, name in shard.files:
        docs = reader._read_range(Path(path), name, shard) if shard.end is not None else reader._read_file(Path(path), name)
        for doc in docs:
            reading.events.append(ShardRecord(doc, reader._file))
    return reading


class _ShardReader(CorpusReader):
    """A :class:`CorpusReader` that keeps every readable record: the id rules come later."""

    reading: ShardReading

    def _accept(self, doc: Document) -> Document | None:
        return doc

    def _read_range(self, path: Path, name: str, shard: Shard) -> Iterator[Document]:
        """The records of a byte range of an uncompressed JSONL file."""
        name, bad_bytes = without_surrogates(name)
        if bad_bytes and shard.start == 0:
            self._problem(str(path), f"file name is not valid UTF-8; read as id {show_id(name)}", "file-name", skipped=False)
        self._file = name
        try:
            handle = open(path, "rb")
        except OSError as err:
            if shard.start == 0:
                self._problem(str(path), f"cannot read: {err.strerror or err}", "unreadable")
            return
        with handle:
            yield from self._read_jsonl(_range_lines(handle, shard.start, shard.end), str(path), None, shard.first_line)


class _EventLog(ProblemLog):
    """A shard's problem log: the examples go into its events, in order with the records."""

    def __init__(self, reading: ShardReading) -> None:
        super().__init__()
        self.reading = reading
        self.past: Counter[str] = Counter()
        self.past_skipped: Counter[str] = Counter()

    def record(self, problem: InputProblem) -> None:
        self.counts[problem.kind] += 1
        if self.counts[problem.kind] <= SHOWN_PER_KIND:
            self.reading.events.append(problem)
            return
        self.past[problem.kind] += 1
        self.past_skipped[problem.kind] += problem.skipped
        self.reading.unshown[problem.kind] = (self.past[problem.kind], self.past_skipped[problem.kind])
