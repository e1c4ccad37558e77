"""Reading corpora: folders of text files, JSONL, Parquet, and JSONL on stdin.

Reading never stops at a bad input. Every input that cannot be used (a
missing path, a FIFO or device, an unlistable folder, a binary or
undecodable file, a damaged compressed stream, an empty document, a JSONL
line that does not parse, an id repeated within one file) is recorded as an
:class:`~dedup.io.problems.InputProblem` naming the file and line, and the
rest is read. An id met again in another JSONL or Parquet file (daily files
that each number their records from 0) is qualified by that file's name,
``2024-01-02.jsonl:0``, so that every record is kept. Inputs that can be repaired (a few NUL bytes, lone
surrogates, a guessed HTML charset) are read, with a warning.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from orjson import loads as _orjson_loads

from dedup.document import Document
from dedup.io.decoding import decode_page, decode_text, strip_nul, without_surrogates
from dedup.io.parts import claim_part_names
from dedup.io.files import NotRegularFileError, decompressed, file_type, format_suffix, open_input, stream_errors, walk
from dedup.io.problems import InputProblem, ProblemLog, show_id
from dedup.io.records import RecordFields, field_value
from dedup.io.seen_ids import SeenIds

__all__ = [
    "TEXT_SUFFIXES", "HTML_SUFFIXES", "JSONL_SUFFIXES", "PARQUET_SUFFIXES", "METADATA_FIELDS",
    "InputProblem", "CorpusReader", "decode_text", "read_corpus",
]

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
METADATA_FIELDS = ("date", "source", "url", "title")
# Python refuses to turn longer digit strings into integers (CVE-2020-10735).
_MAX_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
_MESSAGE_CHARS = 160
# What the fast JSONL reading returns for a line the standard reading must decide.
_STANDARD = object()


@dataclass
class CorpusReader:
    """Reads documents from paths, collecting problems instead of failing.

    Args:
        paths: Folders, text/HTML files, JSONL files (any of them may be
            compressed), or ``-`` for JSONL on stdin.
        stdin: The stream to read for ``-`` (defaults to ``sys.stdin``).
        encoding: The encoding of plain-text files without a byte order
            mark (UTF-8 by default), and the fallback for HTML pages that
            declare none. JSONL is always UTF-8.
        problems: Where problems go; a bounded :class:`ProblemLog` whose
            listener may print them as they happen.
        fields: Where JSONL records and Parquet rows keep the id and the text.

    Examples:
        >>> reader = CorpusReader(["corpus/"])
        >>> docs = list(reader)
        >>> reader.problems
        []
    """

    paths: Iterable[str | os.PathLike]
    stdin: IO[str] | IO[bytes] | None = None
    encoding: str | None = None
    problems: ProblemLog = field(default_factory=ProblemLog)
    fields: RecordFields = field(default_factory=RecordFields)
    _seen: dict[str, str] = field(default_factory=dict, repr=False)
    _file: str = field(default="", repr=False)

    def __iter__(self) -> Iterator[Document]:
        for raw in self.paths:
            if str(raw) == "-":
                yield from self._read_stdin()
                continue
            path = Path(raw)
            try:
                mode = os.stat(path).st_mode
            except OSError as err:
                self._missing(path, err)
                continue
            if stat.S_ISDIR(mode):
                for file in walk(path, TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + PARQUET_SUFFIXES, self._problem):
                    yield from self._read_file(file, file.relative_to(path).as_posix())
            elif stat.S_ISREG(mode):
                yield from self._read_file(path, path.name)
            else:
                self._problem(
                    str(path),
                    f"{file_type(mode)}, not a regular file or folder; skipped without reading it (pipe JSONL to standard input as - instead)",
                    "not-regular",
                )

    def keep_ids_in(self, seen: SeenIds) -> None:
        """Keep the ids read in ``seen`` (a table on disk) instead of a dict
        in memory, from the next document read on; the rules are the same."""
        self._seen = seen  # type: ignore[assignment]

    def claim_part_names(self, doc: Document, parts: int) -> list[str]:
        """The ids of the parts of ``doc`` (the document last read, longer
        than ``max_chars``), which no id read before it takes; a record read
        after it with one of them is a repeated id
        (:func:`~dedup.io.parts.claim_part_names`)."""
        return claim_part_names(self._seen, self._file, doc.origin, doc.id, parts)

    def _problem(self, origin: str, message: str, kind: str = "unreadable", skipped: bool = True) -> None:
        self.problems.add(origin, message, kind, skipped)

    def _missing(self, path: Path, err: OSError) -> None:
        if path.is_symlink():
            self._problem(str(path), f"broken link ({err.strerror}); skipped", "missing")
        elif isinstance(err, FileNotFoundError):
            self._problem(str(path), "no such file or folder; check the path", "missing")
        else:
            self._problem(str(path), f"cannot read: {err.strerror}", "unreadable")

    def _accept(self, doc: Document) -> Document | None:
        """``doc``, its id qualified by its file if another record file used it, or ``None``."""
        # isspace() is strip()'s test without the copy of the text.
        doc_id = accept_id(self._seen, self._file, doc.id, doc.origin, not doc.text or doc.text.isspace(), self._problem)
        if doc_id is None:
            return None
        return doc if doc_id == doc.id else replace(doc, id=doc_id)

    def _read_stdin(self) -> Iterator[Document]:
        stream = self.stdin if self.stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)
        compression = None
        if not isinstance(stream, io.TextIOBase):
            stream, compression = decompressed(stream)  # type: ignore[arg-type]
        self._file = "<stdin>"
        yield from self._read_jsonl(stream, "<stdin>", compression)

    def _read_file(self, path: Path, doc_id: str) -> Iterator[Document]:
        doc_id, bad_bytes = without_surrogates(doc_id)
        if bad_bytes:
            self._problem(str(path), f"file name is not valid UTF-8; read as id {show_id(doc_id)}", "file-name", skipped=False)
        suffix = format_suffix(path.name)
        # Ids of records are qualified by this name when another record file used them.
        self._file = doc_id if suffix in JSONL_SUFFIXES + PARQUET_SUFFIXES else ""
        if suffix in PARQUET_SUFFIXES:
            yield from self._read_parquet(path)
            return
        try:
            stream, compression = open_input(path)
        except NotRegularFileError as err:
            self._problem(str(path), f"{err}; skipped without reading it", "not-regular")
            return
        except OSError as err:
            self._problem(str(path), f"cannot read: {err.strerror or err}", "unreadable")
            return
        with stream:
            if suffix in JSONL_SUFFIXES:
                yield from self._read_jsonl(stream, str(path), compression)
                return
            doc = self._read_document(stream, str(path), doc_id, compression, suffix in HTML_SUFFIXES)
        if doc is not None and (doc := self._accept(doc)) is not None:
            yield doc

    def _read_parquet(self, path: Path) -> Iterator[Document]:
        from dedup.io.parquet import parquet_records

        for record, origin in parquet_records(path, self.fields, self._problem):
            doc = self._document_from_record(record, origin)
            if doc is not None and (doc := self._accept(doc)) is not None:
                yield doc

    def _read_document(self, stream: IO[bytes], origin: str, doc_id: str, compression: str | None, html: bool) -> Document | None:
        """One text or HTML file as a document, or ``None`` (reported)."""
        try:
            data = stream.read()
        except stream_errors() as err:
            self._problem(origin, f"cannot read{f' {compression} data' if compression else ''}: {_short(err)}; skipped", "compression" if compression else "unreadable")
            return None
        if not html:
            text = decode_text(data, origin, self._problem, self.encoding)
            return None if text is None else Document(id=doc_id, text=text, origin=origin)
        page = decode_page(data, origin, self._problem, self.encoding)
        if page is None:
            return None
        from dedup.io.html import document_from_html

        return document_from_html(page, doc_id, origin=origin)

    def _read_jsonl(self, stream: Iterable[str] | Iterable[bytes], name: str, compression: str | None = None, first_line: int = 0) -> Iterator[Document]:
        """Read JSONL from a text or binary stream, one line at a time, so a
        bad line (malformed JSON, invalid UTF-8) loses only itself, and a
        damaged compressed stream loses only what follows the damage.
        ``first_line``: lines of the file before the stream (a part of a file
        read by itself), so that origins name the file's own line numbers."""
        lines, lineno = iter(stream), first_line
        errors = stream_errors()
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except errors as err:
                what = f"{compression} data" if compression else "file"
                self._problem(f"{name}:{lineno + 1}", f"{what} damaged ({_short(err)}); the rest of the file is skipped", "compression")
                return
            lineno += 1
            origin = f"{name}:{lineno}"
            if isinstance(line, bytes) and (doc := self._fast_document(line, origin)) is not _STANDARD:
                if doc is not None and (doc := self._accept(doc)) is not None:
                    yield doc
                continue
            if isinstance(line, bytes):
                try:
                    line = line.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError as err:
                    self._problem(origin, f"not valid UTF-8 (byte 0x{line[err.start]:02x} at column {err.start + 1}); line skipped", "encoding")
                    continue
            if not line.strip():
                continue
            doc = self._parse_record(line, origin)
            if doc is not None and (doc := self._accept(doc)) is not None:
                yield doc

    def _fast_document(self, line: bytes, origin: str) -> Document | None | object:
        """The document on ``line`` as :func:`json.loads` of its UTF-8 text
        would give it (``None`` when it is reported and skipped), or
        :data:`_STANDARD` where the standard reading must decide.

        orjson parses about three times as fast and refuses everything the
        standard reading reports or repairs (invalid UTF-8, a byte order
        mark, lone surrogates, NaN, blank lines: these take the standard
        path and its messages). It reads an integer past 64 bits as a float
        where :mod:`json` keeps it exact, so a record whose id, text or
        metadata is a float is read again by :mod:`json`.
        """
        try:
            record = _orjson_loads(line)
        except (ValueError, RecursionError):
            return _STANDARD
        if not isinstance(record, dict):
            return _STANDARD
        fields = self.fields
        doc_id, text = field_value(record, fields.id_field), field_value(record, fields.text_field)
        metadata = [record.get(key) for key in METADATA_FIELDS]
        if type(doc_id) is float or type(text) is float or float in map(type, metadata):
            return _STANDARD
        return self._document_from_values(doc_id, text, metadata, origin)

    def _parse_record(self, line: str, origin: str) -> Document | None:
        record = self._load_json(line, origin)
        if record is None:
            return None
        return self._document_from_record(record, origin)

    def _document_from_record(self, record: object, origin: str) -> Document | None:
        """A JSONL object or Parquet row as a document, or ``None`` (reported)."""
        id_field, text_field = self.fields.id_field, self.fields.text_field
        if not isinstance(record, dict):
            self._problem(origin, f"expected a JSON object with '{id_field}' and '{text_field}'; line skipped", "json-shape")
            return None
        return self._document_from_values(
            field_value(record, id_field), field_value(record, text_field), [record.get(key) for key in METADATA_FIELDS], origin
        )

    def _document_from_values(self, doc_id: object, text: object, metadata: list, origin: str) -> Document | None:
        """A document of a record's id, text and :data:`METADATA_FIELDS` values, or ``None`` (reported)."""
        id_field, text_field = self.fields.id_field, self.fields.text_field
        if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or str(doc_id) == "":
            self._problem(origin, f"missing or invalid '{id_field}' (a string or integer is needed; --id-field names another); line skipped", "json-shape")
            return None
        if not isinstance(text, str):
            self._problem(origin, f"record {show_id(doc_id)} has no '{text_field}' string (--text-field names another); line skipped", "json-shape")
            return None
        fields = {"id": str(doc_id), "text": text}
        for key, value in zip(METADATA_FIELDS, metadata):
            if value is not None and value != "":
                fields[key] = str(value)
        self._repair_surrogates(fields, origin)
        fields["text"] = strip_nul(fields["text"], origin, self._problem)
        return Document(origin=origin, **fields)

    def _load_json(self, line: str, origin: str) -> object | None:
        """The parsed line, or ``None`` with the parser's complaint reported."""
        try:
            return json.loads(line)
        except json.JSONDecodeError as err:
            reason = f"{err.msg} at column {err.colno}"
        except RecursionError:
            reason = "nested too deeply to read"
        except ValueError as err:  # an integer longer than Python converts
            reason = f"a number of more than {_MAX_INT_DIGITS:,} digits" if "digits" in str(err) else _short(err)
        self._problem(origin, f"malformed JSON ({reason}); line skipped", "malformed-json")
        return None

    def _repair_surrogates(self, fields: dict[str, str], origin: str) -> None:
        """Replace lone surrogates (unwritable as UTF-8) in place, with a warning."""
        if all(map(str.isascii, fields.values())):
            return
        repaired = []
        for key, value in fields.items():
            fields[key], count = without_surrogates(value)
            if count:
                repaired.append(f"{count:,} in '{key}'")
        if repaired:
            self._problem(
                origin,
                f"record {show_id(fields['id'])}: lone surrogate escapes ({', '.join(repaired)}) replaced with U+FFFD; record read",
                "surrogates",
                skipped=False,
            )


def accept_id(seen: dict[str, str] | SeenIds, file: str, doc_id: str, origin: str, empty: bool, problem: Callable[..., None]) -> str | None:
    """The id a read document is kept under, or ``None`` when it is skipped
    (reported through ``problem``): the rules of :class:`CorpusReader`.

    Args:
        seen: Ids kept so far (updated): ``id -> "file\\0origin"``.
        file: The record file being read (its name, as ids qualify it), or
            ``""`` for a text or HTML file.
        doc_id: The document's id as read.
        origin: Where it was read (``FILE:LINE``).
        empty: Whether its text is blank (it is skipped).
        problem: ``problem(origin, message, kind)`` for a skipped document.
    """
    if empty:
        problem(origin, f"document {show_id(doc_id)} is empty; skipped", "empty")
        return None
    held = seen.get(doc_id)  # one lookup a key: on a distributed engine the ids are in a table on disk
    first_file = (held or "\0").partition("\0")[0]
    read_as = doc_id
    if file and first_file and first_file != file:
        # Record files that each number from 0 (daily dumps): keep both.
        doc_id = f"{file}:{doc_id}"
        held = seen.get(doc_id)
    # A qualified id says so, as the id a later record repeats may be one the file's name made.
    qualified = f", its id {show_id(read_as)} qualified by its file" if doc_id != read_as else ""
    if held is not None:
        first = held.partition("\0")[2]
        problem(origin, f"duplicate id {show_id(doc_id)}{qualified} (first read from {first}); skipped", "duplicate-id")
        return None
    seen[doc_id] = f"{file}\0{origin}{qualified}"
    return doc_id


def _short(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def read_corpus(
    paths: Iterable[str | os.PathLike], encoding: str | None = None, problems: ProblemLog | None = None, fields: RecordFields | None = None
) -> tuple[list[Document], ProblemLog]:
    """Read every document under ``paths``.

    Args:
        paths: As for :class:`CorpusReader`.
        encoding: As for :class:`CorpusReader`.
        problems: Where problems go (a new :class:`ProblemLog` by default).
        fields: Where records keep the id and the text (``id``, ``text`` by default).

    Returns:
        The documents, in input order, and the problems met (a bounded log
        that reads as a list of the first problems of each kind).
    """
    reader = CorpusReader(list(paths), encoding=encoding, problems=problems if problems is not None else ProblemLog(), fields=fields or RecordFields())
    docs = list(reader)
    return docs, reader.problems
