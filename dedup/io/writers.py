"""Writing a corpus back: safe names, a folder that appears whole, and one
writer per input format (text files, JSONL — compressed as its input was —
and Parquet).

Ids and names are untrusted. :func:`safe_relative_path` refuses any name
that could leave the output folder (``..``, an absolute path, a drive, a
backslash), that could not be a file name (NUL or other control
characters, a part over 255 bytes, a path over 1,024) or that a reader
would skip (a hidden part); a refused name is never written. The output is
built in a hidden temporary folder beside its destination and renamed into
place when complete (:class:`OutputFolder`), so an interrupted run leaves
no half-written corpus. A results file is written the same way, piece by
piece as it is produced (:func:`atomic_text_file`, :func:`write_pieces`), so
neither the report nor its rows need be held whole.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from contextlib import contextmanager
from typing import IO, Any, Iterable, Iterator, Mapping, TextIO

from dedup.io.decoding import without_surrogates
from dedup.io.files import open_input
from dedup.io.json_text import dumps_bytes
from dedup.io.records import field_value, with_field

MAX_PART_BYTES = 255
MAX_PATH_BYTES = 1024


class UnsafePathError(ValueError):
    """A name that cannot be written inside the output folder as it stands."""


class OutputExistsError(FileExistsError):
    """The output folder exists and is not empty (and replacing it was not asked for)."""


def safe_relative_path(name: str) -> PurePosixPath:
    """``name`` as a relative path that stays inside any folder it is joined to.

    Args:
        name: An id or a relative file name, from untrusted input.

    Returns:
        The path, ``/``-separated, without ``.`` parts.

    Raises:
        UnsafePathError: With what is wrong with the name.
    """
    if not name:
        raise UnsafePathError("is empty")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UnsafePathError("contains NUL or other control characters")
    if "\\" in name:
        raise UnsafePathError("contains a backslash")
    if name.startswith("/"):
        raise UnsafePathError("is an absolute path")
    if len(name) > 1 and name[1] == ":":
        raise UnsafePathError(f"starts like a drive ({name[:2]!r}), which names another disk on Windows")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise UnsafePathError(f"is longer than {MAX_PATH_BYTES} bytes")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts:
        raise UnsafePathError("names no file")
    for part in parts:
        if part == "..":
            raise UnsafePathError("climbs out of the folder ('..')")
        if part.startswith("."):
            raise UnsafePathError(f"has a hidden part ({part!r}), which readers skip")
        if len(part.encode("utf-8", "surrogatepass")) > MAX_PART_BYTES:
            raise UnsafePathError(f"has a part longer than {MAX_PART_BYTES} bytes")
    return PurePosixPath(*parts)


class OutputFolder:
    """A folder built under a temporary name beside ``target`` and moved into place.

    Use as a context manager: on success the temporary folder becomes
    ``target`` (replacing it when ``replace`` is set); on any error or
    interruption it is removed and ``target`` is left as it was.

    Args:
        target: The folder to create.
        replace: Replace an existing non-empty ``target``.

    Raises:
        OutputExistsError: If ``target`` exists, is not empty, and ``replace`` is not set.
        NotADirectoryError: If ``target`` exists and is not a folder.
    """

    def __init__(self, target: str | os.PathLike, replace: bool = False) -> None:
        self.target = Path(target)
        self.replace = replace
        if self.target.exists() and not self.target.is_dir():
            raise NotADirectoryError(f"{self.target} exists and is not a folder; choose another output")
        if self.target.is_dir() and any(self.target.iterdir()) and not replace:
            raise OutputExistsError(f"{self.target} exists and is not empty; remove it, choose another output, or pass --overwrite")
        self.root: Path | None = None
        self._taken: set[str] = set()

    def __enter__(self) -> "OutputFolder":
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=parent))
        return self

    def __exit__(self, kind, value, traceback) -> None:
        assert self.root is not None
        if kind is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        os.chmod(self.root, 0o777 & ~_umask())
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-", dir=self.target.parent))
            os.replace(self.target, old / "previous")
        os.replace(self.root, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def path_for(self, name: str) -> Path:
        """Where the file ``name`` (untrusted) goes, its folders created.

        Raises:
            UnsafePathError: If ``name`` is refused (see :func:`safe_relative_path`)
                or was given before (two inputs or ids would write the same file).
        """
        assert self.root is not None
        relative = safe_relative_path(name)
        if relative.as_posix() in self._taken:
            raise UnsafePathError("is the name of a file already written (two inputs or ids give the same name)")
        self._taken.add(relative.as_posix())
        path = self.root.joinpath(*relative.parts)
        # The folder is new and only this writer makes anything in it, so no
        # link can redirect the path; checked all the same.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise UnsafePathError("resolves outside the output folder")
        if path.is_dir():
            raise UnsafePathError("is already a folder in the output")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def replaceable(path: str | os.PathLike) -> bool:
    """Whether ``path`` is missing or a regular file, so a new file may be renamed over it.

    Args:
        path: The output path (links followed).

    Returns:
        False for a device, pipe, socket or folder already at ``path``.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return True
    return stat.S_ISREG(mode)


@contextmanager
def atomic_text_file(path: str | os.PathLike) -> Iterator[TextIO]:
    """A UTF-8 text file that appears at ``path`` whole, or not at all.

    What is written goes to a temporary file in the same folder, which is
    synced and renamed over ``path`` when the block ends without an error
    (the rename is atomic: ``path`` holds its old content or all of the new
    one, never a part); on an error the temporary file is removed.

    Args:
        path: The file to write (replaced if it exists).

    Yields:
        The open text file to write to.

    Raises:
        OSError: If the folder does not exist or cannot be written.
    """
    target = os.fspath(path)
    if not replaceable(target):
        # A device, pipe or socket (``-o /dev/stdout``, ``-o /dev/null``, a FIFO) is
        # written through: renaming over it would replace the device with a file.
        with open(target, "w", encoding="utf-8", newline="") as handle:
            yield handle
        return
    folder = os.path.dirname(os.path.abspath(target))
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# Pieces go out at most this long: a write to a pipe whose reader has gone
# then raises BrokenPipeError instead of dropping the rest unnoticed.
_PIECE_CHARS = 1 << 16


def write_pieces(pieces: Iterable[str | bytes], path: str | os.PathLike | None = None, stream: TextIO | None = None) -> None:
    """Write text produced piece by piece: to ``path`` through
    :func:`atomic_text_file`, or to ``stream`` (flushed at the end).

    Only one piece is held at a time, so a report of any size costs the
    memory of its largest piece.

    Args:
        pieces: The text, in order: strings, or UTF-8 bytes (written to a
            file as they are, without being decoded and encoded again).
        path: The file to write; ``None`` writes to ``stream``.
        stream: Where the text goes without ``path``.

    Raises:
        ValueError: If neither ``path`` nor ``stream`` is given.
        OSError: If the file or stream cannot be written.
    """
    if path is not None:
        with atomic_text_file(path) as handle:
            raw = handle.buffer  # a UTF-8 file without newline translation: its text is these bytes
            for piece in pieces:
                raw.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
        return
    if stream is None:
        raise ValueError("write_pieces needs a path or a stream")
    raw = _utf8_bytes_of(stream)
    for piece in pieces:
        if not isinstance(piece, str):
            if raw is not None:  # bytes go out as they are, behind what the text layer has written
                stream.flush()
                for start in range(0, len(piece), _PIECE_CHARS):
                    raw.write(piece[start : start + _PIECE_CHARS])
                raw.flush()
                continue
            piece = piece.decode("utf-8")
        for start in range(0, len(piece), _PIECE_CHARS):
            stream.write(piece[start : start + _PIECE_CHARS])
    stream.flush()


def _utf8_bytes_of(stream: TextIO) -> Any:
    """The byte stream under ``stream`` where its text is written as UTF-8
    without newline translation (then UTF-8 bytes may bypass it), else None."""
    raw = getattr(stream, "buffer", None)
    try:
        utf8 = codecs.lookup(getattr(stream, "encoding", None) or "").name == "utf-8"
    except LookupError:
        utf8 = False
    return raw if raw is not None and utf8 and os.linesep == "\n" else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _OwnedGzip(gzip.GzipFile):
    """A gzip writer that closes the file it was given (``GzipFile`` leaves it open)."""

    def close(self) -> None:
        raw = self.fileobj
        try:
            super().close()
        finally:
            if raw is not None:
                raw.close()


def open_compressed(path: str | os.PathLike, compression: str | None) -> IO[bytes]:
    """Open ``path`` for binary writing through ``compression`` (``gzip``,
    ``bzip2``, ``xz``, ``zstd`` as :func:`dedup.io.files.open_input` names them, or ``None``).

    Gzip output is written without a file name or time stamp in its header,
    so the same corpus cleans to the same bytes.
    """
    if compression is None:
        return open(path, "wb")
    if compression == "gzip":
        return _OwnedGzip(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0)  # type: ignore[return-value]
    if compression == "bzip2":
        return bz2.open(path, "wb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.open(path, "wb")  # type: ignore[return-value]
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(open(path, "wb"), closefd=True)  # type: ignore[return-value]
    raise ValueError(f"unknown compression {compression!r}")


def rewrite_jsonl(
    source: str | os.PathLike, target: Path, edits: Mapping[int, str | None], text_field: str = "text"
) -> int:
    """Copy the lines of a JSONL file that ``edits`` keeps, with their new texts.

    Args:
        source: The JSONL file read (compressed or not).
        target: Where to write it, compressed as ``source`` is.
        edits: Line number (from 1) → the new text, or ``None`` to copy the
            line unchanged (but for what the reader repairs: lone surrogates,
            NUL in the text). Lines not in ``edits`` are left out.
        text_field: Where the text is in a record (a dotted path for nested fields).

    Returns:
        The number of records written.
    """
    reader, compression = open_input(source)
    written = 0
    with reader, open_compressed(target, compression) as out:
        for lineno, line in enumerate(reader, start=1):
            if lineno not in edits:
                continue
            text = edits[lineno]
            if text is None and not _REPAIRABLE.search(line):
                out.write(line if line.endswith(b"\n") else line + b"\n")
            else:
                record = json.loads(line.decode("utf-8-sig" if lineno == 1 else "utf-8"))
                repaired = repaired_record(record if text is None else with_field(record, text_field, text), text_field)
                unchanged = text is None and repaired == record  # the escape was text (``\\ud800``), not a surrogate
                out.write((line.rstrip(b"\n") if unchanged else dumps_bytes(repaired)) + b"\n")
            written += 1
    return written


# A JSON escape of a UTF-16 surrogate or of NUL. The reader replaces lone
# surrogates with U+FFFD and takes NUL out of the text, with a warning; a
# line that may hold either is written as the reader took it, so that a
# corpus written back reads without those warnings again.
_REPAIRABLE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")


def repaired_record(record: Any, text_field: str = "text") -> Any:
    """``record`` as the reader takes it: lone surrogates in its strings
    (keys and values, at any depth) replaced with U+FFFD, and NUL taken out
    of the text at ``text_field``. ``record`` itself is left unchanged."""
    try:
        record = _without_surrogates(record)
    except RecursionError:  # nested deeper than this can walk: left as it was
        return record
    text = field_value(record, text_field) if isinstance(record, dict) else None
    if isinstance(text, str) and "\x00" in text:
        record = with_field(record, text_field, text.replace("\x00", ""))
    return record


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return without_surrogates(value)[0]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def write_jsonl(target: Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write ``records`` as JSONL (gzip-compressed when ``target`` ends in ``.gz``)."""
    compression = "gzip" if target.name.endswith(".gz") else None
    written = 0
    with open_compressed(target, compression) as out:
        for record in records:
            out.write(dumps_bytes(record) + b"\n")
            written += 1
    return written


def rewrite_parquet(source: str | os.PathLike, target: Path, edits: Mapping[int, str | None], text_field: str = "text") -> int:
    """Copy the rows of a Parquet file that ``edits`` keeps, with their new
    texts, in the same schema (every other column as it was).

    Args:
        source: The Parquet file read.
        target: Where to write it.
        edits: Row number (from 1) → the new text, or ``None`` for the row
            unchanged (but for NUL in its text, which the reader takes out).
            Rows not in ``edits`` are left out.
        text_field: The text column (a dotted path reaches into a struct column).

    Returns:
        The number of rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dedup.io.parquet import parquet_schema, parquet_tables

    schema = parquet_schema(source)
    written, row = 0, 0
    with pq.ParquetWriter(target, schema) as writer:
        for batch in parquet_tables(source):
            rows = range(row + 1, row + 1 + batch.num_rows)
            row += batch.num_rows
            keep = [r for r in rows if r in edits]
            if not keep:
                continue
            table = pa.Table.from_batches([batch]).take(pa.array([r - rows.start for r in keep]))
            texts = _without_nul(table, [edits[r] for r in keep], text_field)
            if any(text is not None for text in texts):
                table = _with_texts(table, texts, text_field, schema)
            writer.write_table(table)
            written += table.num_rows
    return written


def _without_nul(table: Any, texts: list[str | None], text_field: str) -> list[str | None]:
    """``texts``, where a row left as it was (``None``) holds NUL in its
    text, with that text without it, as the reader takes it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = _text_column(table, text_field)
    if column is None or not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return texts
    if not pc.any(pc.match_substring(column, "\x00")).as_py():
        return texts
    old = column.to_pylist()
    return [o.replace("\x00", "") if t is None and o is not None and "\x00" in o else t for t, o in zip(texts, old)]


def _text_column(table: Any, text_field: str) -> Any:
    """The column at ``text_field`` (a dotted path reaches into struct columns), or ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if text_field in table.column_names:
        return table.column(text_field)
    head, *rest = text_field.split(".")
    if head not in table.column_names:
        return None
    column = table.column(head)
    for name in rest:
        if not pa.types.is_struct(column.type) or column.type.get_field_index(name) < 0:
            return None
        column = pc.struct_field(column, [name])
    return column


def _with_texts(table: Any, texts: list[str | None], text_field: str, schema: Any) -> Any:
    """``table`` with the text of each row replaced where ``texts`` has one."""
    import pyarrow as pa

    if text_field in table.column_names:
        old = table.column(text_field).to_pylist()
        new = [old[k] if text is None else text for k, text in enumerate(texts)]
        index = table.column_names.index(text_field)
        return table.set_column(index, table.schema.field(index), pa.array(new, type=table.schema.field(index).type))
    records = table.to_pylist()
    records = [r if text is None else with_field(r, text_field, text) for r, text in zip(records, texts)]
    return pa.Table.from_pylist(records, schema=schema)


def write_text(target: Path, text: str) -> None:
    """Write ``text`` as UTF-8."""
    target.write_text(text, encoding="utf-8", newline="")


def copy_file(source: str | os.PathLike, target: Path) -> None:
    """Copy a file byte for byte (a kept document that was not edited)."""
    shutil.copyfile(source, target)


__all__ = [
    "UnsafePathError", "OutputExistsError", "OutputFolder", "safe_relative_path",
    "atomic_text_file", "write_pieces", "open_compressed", "rewrite_jsonl", "write_jsonl", "rewrite_parquet", "write_text", "copy_file",
]
