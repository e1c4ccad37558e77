"""Reading corpora: folders of text files, JSONL, Parquet, and JSONL on stdin.

Reading never stops at a bad input. Every input that cannot be used (a
missing path, a binary or undecodable file, an empty document, a malformed
JSONL line, an id repeated within one file) is recorded as an :class:`InputProblem` naming
the file and line, and the rest is read. An id met again in another file
(daily files that each number their records from 0) is qualified by that
file's name, ``2024-01-02.jsonl:0``, so that every record is kept.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Iterable, Iterator

from dedup.document import Document
from dedup.io.records import RecordFields, field_value

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
METADATA_FIELDS = ("date", "source", "url", "title")
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class InputProblem:
    """An input that was skipped, and why.

    Attributes:
        origin: The file (``path`` or ``path:line``; ``<stdin>:line`` for stdin).
        message: What is wrong and what to do about it.
    """

    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """The problem as it appears in the JSON output."""
        return {"origin": self.origin, "message": self.message}


@dataclass
class CorpusReader:
    """Reads documents from paths, collecting problems instead of failing.

    Args:
        paths: Folders, text/HTML files, JSONL files, or ``-`` for JSONL on stdin.
        stdin: The stream to read for ``-`` (defaults to ``sys.stdin``).
        fields: Where JSONL records and Parquet rows keep the id and the text.

    Examples:
        >>> reader = CorpusReader(["corpus/"])
        >>> docs = list(reader)
        >>> reader.problems
        []
    """

    paths: Iterable[str | os.PathLike]
    stdin: IO[str] | None = None
    problems: list[InputProblem] = field(default_factory=list)
    fields: RecordFields = field(default_factory=RecordFields)
    _seen: dict[str, str] = field(default_factory=dict, repr=False)
    _file: str = field(default="", repr=False)

    def __iter__(self) -> Iterator[Document]:
        for raw in self.paths:
            if str(raw) == "-":
                self._file = "<stdin>"
                stream = self.stdin if self.stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)
                yield from self._read_jsonl(stream, "<stdin>")
                continue
            path = Path(raw)
            if path.is_dir():
                for file in _walk(path):
                    yield from self._read_file(file, file.relative_to(path).as_posix())
            elif path.is_file():
                yield from self._read_file(path, path.name)
            elif path.exists():
                self._problem(str(path), "not a regular file or folder; skipped")
            else:
                self._problem(str(path), "no such file or folder; check the path")

    def _problem(self, origin: str, message: str) -> None:
        self.problems.append(InputProblem(origin, message))

    def _accept(self, doc: Document) -> Document | None:
        """``doc``, its id qualified by its file if another file used it, or ``None``."""
        if not doc.text.strip():
            self._problem(doc.origin, f"document {doc.id!r} is empty; skipped")
            return None
        first_file = self._seen.get(doc.id, "\0").partition("\0")[0]
        if self._file and first_file and first_file != self._file:
            # Record files that each number from 0 (daily dumps): keep both.
            doc = replace(doc, id=f"{self._file}:{doc.id}")
        if doc.id in self._seen:
            first = self._seen[doc.id].partition("\0")[2]
            self._problem(doc.origin, f"duplicate id {doc.id!r} (first read from {first}); skipped")
            return None
        self._seen[doc.id] = f"{self._file}\0{doc.origin}"
        return doc

    def _read_file(self, path: Path, doc_id: str) -> Iterator[Document]:
        suffix = path.suffix.lower()
        # Ids of records are qualified by this name when another record file used them.
        self._file = doc_id if suffix in JSONL_SUFFIXES + PARQUET_SUFFIXES else ""
        if suffix in PARQUET_SUFFIXES:
            from dedup.io.parquet import parquet_records

            for record, origin in parquet_records(path, self.fields, self._problem):
                doc = self._document_from_record(record, origin)
                if doc is not None and (doc := self._accept(doc)) is not None:
                    yield doc
            return
        if suffix in JSONL_SUFFIXES:
            try:
                with path.open("rb") as handle:
                    yield from self._read_jsonl(handle, str(path))
            except OSError as err:
                self._problem(str(path), f"cannot read: {err.strerror}")
            return
        text = self._read_text(path)
        if text is None:
            return
        if suffix in HTML_SUFFIXES:
            from dedup.io.html import document_from_html

            doc = document_from_html(text, doc_id, origin=str(path))
        else:
            doc = Document(id=doc_id, text=text, origin=str(path))
        if (doc := self._accept(doc)) is not None:
            yield doc

    def _read_text(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except OSError as err:
            self._problem(str(path), f"cannot read: {err.strerror}")
            return None
        return decode_text(data, str(path), self._problem)

    def _read_jsonl(self, stream: IO[str] | IO[bytes], name: str) -> Iterator[Document]:
        """Read JSONL from a text or binary stream, one line at a time, so a
        bad line (malformed JSON, invalid UTF-8) loses only itself."""
        for lineno, line in enumerate(stream, start=1):
            origin = f"{name}:{lineno}"
            if isinstance(line, bytes):
                try:
                    line = line.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError as err:
                    self._problem(origin, f"not valid UTF-8 (byte 0x{line[err.start]:02x} at column {err.start + 1}); line skipped")
                    continue
            if not line.strip():
                continue
            doc = self._parse_record(line, origin)
            if doc is not None and (doc := self._accept(doc)) is not None:
                yield doc

    def _parse_record(self, line: str, origin: str) -> Document | None:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            self._problem(origin, f"malformed JSON ({err.msg} at column {err.colno}); line skipped")
            return None
        return self._document_from_record(record, origin)

    def _document_from_record(self, record: object, origin: str) -> Document | None:
        """A JSONL object or Parquet row as a document, or ``None`` (reported)."""
        id_field, text_field = self.fields.id_field, self.fields.text_field
        if not isinstance(record, dict):
            self._problem(origin, f"expected a JSON object with '{id_field}' and '{text_field}'; line skipped")
            return None
        doc_id, text = field_value(record, id_field), field_value(record, text_field)
        if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or str(doc_id) == "":
            self._problem(origin, f"missing or invalid '{id_field}' (a string or integer is needed; --id-field names another); line skipped")
            return None
        if not isinstance(text, str):
            self._problem(origin, f"record {doc_id!r} has no '{text_field}' string (--text-field names another); line skipped")
            return None
        meta = {key: str(record[key]) for key in METADATA_FIELDS if record.get(key) not in (None, "")}
        return Document(id=str(doc_id), text=text, origin=origin, **meta)


def decode_text(data: bytes, origin: str, report) -> str | None:
    """Decode file bytes as UTF-8 (a BOM may say UTF-16), or report why not.

    Args:
        data: The file's bytes.
        origin: The file name, for the message.
        report: ``report(origin, message)`` is called when the bytes are unusable.

    Returns:
        The text, or ``None`` if the file is binary or not UTF-8.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            report(origin, "starts with a UTF-16 byte order mark but is not valid UTF-16; skipped")
            return None
    if b"\x00" in data[:_SNIFF_BYTES]:
        report(origin, "looks binary (NUL bytes); skipped")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        report(
            f"{origin}:{line}",
            f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8; skipped",
        )
        return None


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` that the reader understands, in a stable order."""
    suffixes = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(suffixes):
                yield Path(root) / name


def read_corpus(paths: Iterable[str | os.PathLike], fields: RecordFields | None = None) -> tuple[list[Document], list[InputProblem]]:
    """Read every document under ``paths``.

    Args:
        paths: As for :class:`CorpusReader`.
        fields: Where records keep the id and the text (``id``, ``text`` by default).

    Returns:
        The documents, in input order, and the problems met.
    """
    reader = CorpusReader(list(paths), fields=fields or RecordFields())
    docs = list(reader)
    return docs, reader.problems
