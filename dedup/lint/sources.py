"""Documents with the file they come from: what the index stores and findings point at.

The corpus reader yields documents and names where each was read
(``origin``); here each document also gets its file, its record id inside a
JSONL file and the line it starts on, so that the index can re-read it later
and a finding can point at a line. The ``include`` and ``exclude`` globs of
``[dedup] lint.*`` pick the files.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from dedup.config import LintSettings
from dedup.document import Document
from dedup.io.corpus import JSONL_SUFFIXES, CorpusReader, InputProblem

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


def _located(doc: Document, cwd: Path) -> SourcedDocument:
    match = _JSONL_ORIGIN.match(doc.origin)
    if match and match.group(1) == "<stdin>":
        return SourcedDocument(doc, None, doc.id, int(match.group(2)), "<stdin>")
    if match and match.group(1).lower().endswith(JSONL_SUFFIXES):
        file = Path(match.group(1)).absolute()
        return SourcedDocument(doc, file, doc.id, int(match.group(2)), shown_path(file, cwd))
    file = Path(doc.origin).absolute()
    return SourcedDocument(doc, file, "", 1, shown_path(file, cwd))


def read_sources(paths: Iterable[str | os.PathLike], lint: LintSettings) -> tuple[list[SourcedDocument], list[InputProblem]]:
    """Read the documents under ``paths`` that the globs select.

    Args:
        paths: Folders, files, or ``-`` for JSONL on standard input.
        lint: ``include`` and ``exclude`` are used.

    Returns:
        The documents, each renamed to its :attr:`SourcedDocument.name`, and
        the problems met reading them.
    """
    cwd = Path.cwd()
    reader = CorpusReader([str(p) for p in paths])
    out: list[SourcedDocument] = []
    seen: set[str] = set()
    for doc in reader:
        found = _located(doc, cwd)
        if found.file is not None and not wanted(found.shown, lint):
            continue
        if found.name in seen:
            continue
        seen.add(found.name)
        out.append(replace(found, doc=replace(doc, id=found.name)))
    return out, reader.problems


def read_records(file: Path, records: Sequence[str]) -> dict[str, Document]:
    """The documents of one file again: its text (``""``) or the named JSONL records.

    Problems (a file gone, a record missing) leave the document out.
    """
    reader = CorpusReader([str(file)])
    wanted_records = set(records)
    found: dict[str, Document] = {}
    for doc in reader:
        key = doc.id if file.suffix.lower() in JSONL_SUFFIXES else ""
        if key in wanted_records:
            found[key] = doc
    return found
