"""Documents with the file they come from: what the index stores and findings point at.

The corpus reader yields documents and names where each was read
(``origin``); here each document also gets its file, its record id inside a
JSONL file and the line it starts on, so that the index can re-read it later
and a finding can point at a line. The ``include`` and ``exclude`` globs of
``[dedup] lint.*`` pick the files.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from dedup.config import LintSettings
from dedup.document import Document
from dedup.io.corpus import JSONL_SUFFIXES, CorpusReader
from dedup.io.files import COMPRESSION_SUFFIXES, format_suffix
from dedup.io.problems import ProblemLog

_JSONL_ORIGIN = re.compile(r"^(.*):(\d+)$")


@dataclass(frozen=True)
class SourcedDocument:
    """A document and where it lives.

    Attributes:
        doc: The document (its ``id`` is :attr:`name`).
        file: Its file, absolute (``None`` for standard input).
        record: Its id inside a JSONL file, ``""`` for a text or HTML file.
        line: The line of the file it starts on.
        shown: The file as findings show it: relative to the working folder.
    """

    doc: Document
    file: Path | None
    record: str
    line: int
    shown: str

    @property
    def name(self) -> str:
        """The file as shown, and ``#id`` for a JSONL record."""
        return f"{self.shown}#{self.record}" if self.record else self.shown


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """A path as a linter prints it: relative to the working folder, ``/``-separated."""
    cwd = cwd or Path.cwd()
    try:
        return Path(os.path.relpath(path, cwd)).as_posix()
    except ValueError:  # another drive
        return path.as_posix()


def wanted(shown: str, lint: LintSettings) -> bool:
    """Whether the include/exclude globs select a file (its path relative to the working folder)."""
    if lint.include and not any(fnmatch.fnmatch(shown, glob) for glob in lint.include):
        return False
    return not any(fnmatch.fnmatch(shown, glob) for glob in lint.exclude)


@lru_cache(maxsize=64)
def _file(origin_file: str, cwd: Path) -> tuple[Path, str]:
    """A file named in an origin, absolute and as shown (the records of a JSONL file share it)."""
    file = Path(origin_file).absolute()
    return file, shown_path(file, cwd)


def _located(doc: Document, cwd: Path) -> SourcedDocument:
    match = _JSONL_ORIGIN.match(doc.origin)
    if match and match.group(1) == "<stdin>":
        return SourcedDocument(doc, None, doc.id, int(match.group(2)), "<stdin>")
    if match and format_suffix(match.group(1)) in JSONL_SUFFIXES:
        file, shown = _file(match.group(1), cwd)
        return SourcedDocument(doc, file, doc.id, int(match.group(2)), shown)
    file, shown = _file(doc.origin, cwd)
    return SourcedDocument(doc, file, "", 1, shown)


def iter_sources(paths: Iterable[str | os.PathLike], lint: LintSettings, problems: ProblemLog) -> Iterator[SourcedDocument]:
    """The documents under ``paths`` that the globs select, streamed.

    Args:
        paths: Folders, files, or ``-`` for JSONL on standard input.
        lint: ``include`` and ``exclude`` are used.
        problems: Receives the problems met reading, as they are met.

    Yields:
        Each document, renamed to its :attr:`SourcedDocument.name`.
    """
    cwd = Path.cwd()
    reader = CorpusReader([str(p) for p in paths], problems=problems)
    seen: set[str] = set()
    for doc in reader:
        found = _located(doc, cwd)
        if found.file is not None and not wanted(found.shown, lint):
            continue
        if found.name in seen:
            continue
        seen.add(found.name)
        yield replace(found, doc=replace(doc, id=found.name))


def read_sources(paths: Iterable[str | os.PathLike], lint: LintSettings) -> tuple[list[SourcedDocument], ProblemLog]:
    """:func:`iter_sources` as a list, and the problems met."""
    problems = ProblemLog()
    return list(iter_sources(paths, lint, problems)), problems


def read_records(file: Path, records: Mapping[str, int]) -> dict[str, Document]:
    """The documents of one file again: its text (record ``""``) or the named JSONL records.

    Args:
        file: The file.
        records: Record id -> the line it was on when indexed. Only those
            lines of a JSONL file are parsed; a record no longer on its
            line (the file changed) is looked for in the whole file.

    Returns:
        The documents found, by record id; a file gone or a record missing
        leaves it out.
    """
    if format_suffix(file.name) not in JSONL_SUFFIXES:
        docs = list(CorpusReader([str(file)]))
        return {"": docs[0]} if docs and "" in records else {}
    wanted_lines = {line: record for record, line in records.items()}
    found: dict[str, Document] = {}
    compressed = file.suffix.lower() in COMPRESSION_SUFFIXES
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number in wanted_lines and not compressed:
                reader = CorpusReader(["-"], stdin=io.BytesIO(raw))
                for doc in reader:
                    if doc.id == wanted_lines[number]:
                        found[doc.id] = replace(doc, origin=f"{file}:{number}")
    if len(found) < len(records):
        for doc in CorpusReader([str(file)]):
            if doc.id in records and doc.id not in found:
                found[doc.id] = doc
    return found
