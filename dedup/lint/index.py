"""The persistent corpus index: one SQLite file that ``dedup lint`` checks new documents against.

Per document it holds what checking a new document needs: the exact-text
hash, the MinHash signature and its LSH band keys, the passage index's
sampled word n-gram hashes, the length, the metadata, and where the text
lives (a path relative to the index's folder, and the record id inside a
JSONL file) so that a match can be verified by re-reading only the matched
documents. The file also records its format version, the tool version and
the settings that made it; opening it with other settings is an error, never
a silently wrong answer.

The file may come from an untrusted pull request, so it is read as data
only: no pickle, a schema compared statement by statement with the one this
module writes, ``trusted_schema`` off, a cap on the size of any value, and
every value type-checked as it is read. A build writes a new file next to
the old one and renames it into place; ``add`` and ``remove`` run in one
transaction. Either way an interruption leaves the previous index as it was.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from dedup.config import Settings
from dedup.io.writers import replaceable
from dedup.lint.errors import LintError

FORMAT = "dedup-index"
FORMAT_VERSION = 1
# Longest path, record id or metadata value accepted from an index (characters).
MAX_FIELD = 4096
# No value read from an index may be larger than this (bytes): a hostile
# file cannot make the reader allocate more.
MAX_VALUE_BYTES = 1 << 20
_HEADER = b"SQLite format 3\x00"
# Keys per lookup query: at most 21 characters each in JSON, 420 kB a query.
_PROBE_CHUNK = 20_000

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
    "CREATE TABLE documents (doc INTEGER PRIMARY KEY, path TEXT NOT NULL, record TEXT NOT NULL, line INTEGER NOT NULL, "
    "chars INTEGER NOT NULL, shingles INTEGER NOT NULL, exact BLOB NOT NULL, signature BLOB NOT NULL, "
    "meta TEXT NOT NULL, UNIQUE (path, record)) STRICT",
    "CREATE INDEX documents_exact ON documents (exact)",
    "CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) STRICT, WITHOUT ROWID",
    "CREATE TABLE grams (hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc)) STRICT, WITHOUT ROWID",
    # n-gram hashes held by more than passages.index_max_docs documents: too
    # common to pair documents (a stock phrase), so their rows are dropped.
    "CREATE TABLE common (hash INTEGER NOT NULL, holders INTEGER NOT NULL, PRIMARY KEY (hash)) STRICT, WITHOUT ROWID",
)
META_KEYS = ("format", "format_version", "tool_version", "settings")


class IndexFileError(LintError):
    """An index file that cannot be used: missing, damaged, hostile or made with other settings."""


def index_settings(settings: Settings) -> dict[str, Any]:
    """The settings an index's contents depend on (recorded in it, checked on opening)."""
    from dedup.near.candidates import lsh_params

    bands, rows = lsh_params(settings.candidate_threshold, settings.num_perm)
    return {
        "ngram": settings.ngram,
        "num_perm": settings.num_perm,
        "seed": settings.seed,
        "bands": bands,
        "rows": rows,
        "passages.index_ngram": settings.passages.index_ngram,
        "passages.index_sample": settings.passages.index_sample,
        "passages.index_max_docs": settings.passages.index_max_docs,
    }


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


@dataclass(frozen=True)
class IndexedDocument:
    """One document of the index, as checking a match needs it.

    Attributes:
        doc: Its row number in the index.
        path: Its file, relative to the index's folder (``/``-separated).
        record: Its id inside a JSONL file (``""`` for a text or HTML file).
        line: The line of the file it starts on (its JSONL line).
        chars: Length of its text.
        shingles: Distinct shingles.
        exact: 16-byte hash of its normalised text.
        signature: Its MinHash signature (``num_perm`` uint32).
        meta: date, source, url and title, where known.
    """

    doc: int
    path: str
    record: str
    line: int
    chars: int
    shingles: int
    exact: bytes
    signature: np.ndarray
    meta: dict[str, str]

    @property
    def name(self) -> str:
        """How findings name it: the path, and ``#id`` for a JSONL record."""
        return f"{self.path}#{self.record}" if self.record else self.path


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_FIELD or "\x00" in value:
        raise IndexFileError(f"the index holds an invalid {what}: a hostile or damaged file; rebuild it with `dedup index build`")
    return value


def _integer(value: Any, what: str, low: int = 0) -> int:
    if type(value) is not int or value < low:
        raise IndexFileError(f"the index holds an invalid {what}: a hostile or damaged file; rebuild it with `dedup index build`")
    return value


def _blob(value: Any, size: int, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != size:
        raise IndexFileError(f"the index holds an invalid {what}: a hostile or damaged file; rebuild it with `dedup index build`")
    return value


def to_int64(values: np.ndarray) -> list[int]:
    """uint64 hashes as the signed 64-bit integers SQLite stores."""
    return np.ascontiguousarray(values, dtype=np.uint64).view(np.int64).tolist()


def from_int64(values: Sequence[int]) -> np.ndarray:
    """Signed 64-bit integers from SQLite back to uint64 hashes."""
    return np.array(values, dtype=np.int64).view(np.uint64)


def _expected_schema() -> set[tuple]:
    """``sqlite_master`` rows of a fresh index, to compare a file's with."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in SCHEMA:
            conn.execute(statement)
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def _check_header(path: Path) -> None:
    """A file too short, not SQLite, or shorter than its header says: a clear error."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as err:
        raise IndexFileError(f"{path}: cannot read the index: {err.strerror}") from None
    if len(header) < 100 or not header.startswith(_HEADER):
        raise IndexFileError(f"{path}: not a dedup index (not an SQLite database); build one with `dedup index build`")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid when the two change counters agree.
    if header[24:28] == header[92:96] and page_size and size < pages * page_size:
        raise IndexFileError(f"{path}: the index is truncated ({size} of {pages * page_size} bytes); rebuild it with `dedup index build`")


def _connect(path: Path, writable: bool) -> sqlite3.Connection:
    mode = "rw" if writable else "ro"
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, isolation_level=None)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MB of pages: lookups revisit the upper B-tree levels
    return conn


class CorpusIndex:
    """An open index file (see the module doc). Use :func:`open_index` or :func:`create_index`.

    Attributes:
        path: The file.
        root: The folder document paths are relative to (the file's folder).
        settings: The settings it was made with (equal to the current ones).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, settings: Settings) -> None:
        self.conn = conn
        self.path = path
        self.root = path.absolute().parent
        self.settings = settings

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "CorpusIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """SQLite errors met while reading become :class:`IndexFileError`."""
        try:
            yield
        except sqlite3.Error as err:
            raise IndexFileError(f"{self.path}: the index is damaged or not a dedup index ({err}); rebuild it with `dedup index build`") from None

    def _meta(self) -> dict[str, str]:
        with self._reading():
            rows = self.conn.execute("SELECT key, value FROM meta LIMIT 16").fetchall()
        meta = {}
        for key, value in rows:
            if key in META_KEYS:
                meta[key] = _text(value, "header value")
        return meta

    def check(self) -> None:
        """Compare the schema, format, version and settings with this program's.

        Raises:
            IndexFileError: On any difference, naming it and what to do.
        """
        with self._reading():
            found = set(self.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        if found != _expected_schema():
            raise IndexFileError(f"{self.path}: not a dedup index (unexpected tables or schema); rebuild it with `dedup index build`")
        meta = self._meta()
        if meta.get("format") != FORMAT or sorted(meta) != sorted(META_KEYS):
            raise IndexFileError(f"{self.path}: not a dedup index (no {FORMAT} header); rebuild it with `dedup index build`")
        if meta["format_version"] != str(FORMAT_VERSION):
            raise IndexFileError(
                f"{self.path}: index format {meta['format_version']!r}, this dedup reads format {FORMAT_VERSION}; rebuild it with `dedup index build`"
            )
        from dedup.version import __version__

        if not re.fullmatch(r"\d+(\.\d+){0,3}([.+-]?[A-Za-z0-9.]{1,32})?", meta["tool_version"]):
            raise IndexFileError(f"{self.path}: not a dedup index (invalid tool version); rebuild it with `dedup index build`")
        if _version_tuple(meta["tool_version"]) > _version_tuple(__version__):
            raise IndexFileError(f"{self.path}: made by dedup {meta['tool_version']}, newer than this dedup {__version__}; upgrade dedup")
        try:
            recorded = json.loads(meta["settings"])
        except ValueError:
            recorded = None
        wanted = index_settings(self.settings)
        if recorded != wanted:
            differ = sorted(k for k in wanted if not isinstance(recorded, dict) or recorded.get(k) != wanted[k])
            shown = ", ".join(f"{k}: index {recorded.get(k) if isinstance(recorded, dict) else '?'!r}, now {wanted[k]!r}" for k in differ)
            raise IndexFileError(
                f"{self.path}: made with other settings ({shown}); use the settings it was made with or rebuild it with `dedup index build`"
            )

    def _document(self, row: tuple) -> IndexedDocument:
        doc, path, record, line, chars, shingles, exact, signature, meta = row
        try:
            values = json.loads(_text(meta, "metadata"))
        except ValueError:
            values = None
        if not isinstance(values, dict) or not all(isinstance(v, str) and len(v) <= MAX_FIELD for v in values.values()):
            raise IndexFileError(f"{self.path}: the index holds invalid metadata: a hostile or damaged file; rebuild it with `dedup index build`")
        path = _text(path, "document path")
        if not path or path.startswith("/") or ".." in path.split("/"):
            raise IndexFileError(f"{self.path}: the index names a file outside its folder ({path!r}): a hostile file; rebuild it with `dedup index build`")
        sig = _blob(signature, self.settings.num_perm * 4, "signature")
        return IndexedDocument(
            doc=_integer(doc, "row number"),
            path=path,
            record=_text(record, "record id"),
            line=_integer(line, "line number", 1),
            chars=_integer(chars, "length"),
            shingles=_integer(shingles, "shingle count"),
            exact=_blob(exact, 16, "text hash"),
            signature=np.frombuffer(sig, dtype="<u4").astype(np.uint32),
            meta={str(k): v for k, v in values.items() if k in ("date", "source", "url", "title")},
        )

    def documents(self, docs: Sequence[int]) -> dict[int, IndexedDocument]:
        """The indexed documents with these row numbers."""
        out: dict[int, IndexedDocument] = {}
        with self._reading():
            for start in range(0, len(docs), 500):
                part = [int(d) for d in docs[start : start + 500]]
                marks = ",".join("?" * len(part))
                query = f"SELECT doc, path, record, line, chars, shingles, exact, signature, meta FROM documents WHERE doc IN ({marks})"
                for row in self.conn.execute(query, part):
                    found = self._document(row)
                    out[found.doc] = found
        return out

    def find(self, path: str, record: str) -> int | None:
        """The row number of the document at ``path`` (and ``record``), if indexed."""
        with self._reading():
            row = self.conn.execute("SELECT doc FROM documents WHERE path = ? AND record = ?", (path, record)).fetchone()
        return None if row is None else _integer(row[0], "row number")

    def _holders(self, table: str, column: str, values: np.ndarray, second: str = "doc") -> tuple[np.ndarray, np.ndarray]:
        """``(value, second)`` of every indexed row whose ``column`` is one of ``values`` (uint64).

        The values go in as one JSON array; SQLite sorts them and looks each up
        in the index's B-tree in key order, so neighbouring keys share pages.
        """
        keys = to_int64(np.unique(values))
        query = (
            f"SELECT {column}, {second}, typeof({column}) = 'integer' AND typeof({second}) = 'integer' "
            f"FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))"
        )
        rows: list[tuple] = []
        with self._reading():
            # Chunks keep each JSON text well under the cap on any value (MAX_VALUE_BYTES).
            for start in range(0, len(keys), _PROBE_CHUNK):
                rows += self.conn.execute(query, (json.dumps(keys[start : start + _PROBE_CHUNK]),)).fetchall()
        try:
            found = np.array(rows, dtype=np.int64).reshape(-1, 3)
        except (TypeError, ValueError, OverflowError):
            found = None
        if found is None or not found[:, 2].all():
            raise IndexFileError(f"{self.path}: the index holds a value of the wrong type in {table}; rebuild it with `dedup index build`")
        return found[:, 0].view(np.uint64), found[:, 1].copy()

    def exact_matches(self, exact: np.ndarray) -> list[tuple[int, int]]:
        """``(new, doc)``: indexed documents with the same normalised text as row ``new`` of ``exact``."""
        found = []
        with self._reading():
            for new, digest in enumerate(exact):
                key = np.ascontiguousarray(digest, dtype=np.uint64).tobytes()
                found += [(new, _integer(d, "row number")) for (d,) in self.conn.execute("SELECT doc FROM documents WHERE exact = ?", (key,))]
        return found

    def band_matches(self, keys: np.ndarray) -> np.ndarray:
        """``(k, 2)`` ``(new, doc)`` pairs sharing an LSH band key (``keys``: ``(n, bands)`` uint64)."""
        flat = keys.reshape(-1)
        found, docs = self._holders("bands", "key", flat)
        if found.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        # Each found key back to every new document holding it.
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        lo, hi = np.searchsorted(ordered, found, "left"), np.searchsorted(ordered, found, "right")
        counts = hi - lo
        at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        owners = order[at] // keys.shape[1]
        return np.unique(np.stack([owners, np.repeat(docs, counts)], axis=1), axis=0)

    def gram_holders(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every indexed ``(hash, doc)`` whose sampled n-gram hash is one of ``hashes``,
        and those of ``hashes`` too common in the corpus to pair documents
        (held by more than ``passages.index_max_docs`` documents when indexed)."""
        found, docs = self._holders("grams", "hash", hashes)
        common, _ = self._holders("common", "hash", hashes, second="holders")
        return found, docs, common

    def stats(self) -> dict[str, Any]:
        """Counts, size on disk, format, versions and settings."""
        meta = self._meta()
        with self._reading():
            counts = {
                table: _integer(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0], "count")
                for table in ("documents", "bands", "grams", "common")
            }
            chars = self.conn.execute("SELECT COALESCE(SUM(chars), 0) FROM documents").fetchone()[0]
        size = self.path.stat().st_size
        return {
            "path": str(self.path),
            "format": meta.get("format"),
            "format_version": meta.get("format_version"),
            "tool_version": meta.get("tool_version"),
            "settings": json.loads(meta.get("settings", "{}")),
            "documents": counts["documents"],
            "characters": _integer(chars, "length"),
            "band_keys": counts["bands"],
            "passage_fingerprints": counts["grams"],
            "common_fingerprints": counts["common"],
            "bytes": size,
            "bytes_per_document": round(size / counts["documents"], 1) if counts["documents"] else 0.0,
        }


def open_index(path: str | os.PathLike, settings: Settings, writable: bool = False) -> CorpusIndex:
    """Open and check an index file.

    Args:
        path: The file.
        settings: The current settings; the index must have been made with
            the same (:func:`index_settings`).
        writable: Open for ``add`` / ``remove``.

    Raises:
        IndexFileError: If the file is missing, not an index, damaged,
            truncated, hostile, or made with other settings or a newer format.
    """
    path = Path(path)
    if not path.is_file():
        raise IndexFileError(f"{path}: no such index; build one with `dedup index build PATH -o {path}`")
    _check_header(path)
    try:
        conn = _connect(path, writable)
    except sqlite3.Error as err:
        raise IndexFileError(f"{path}: the index is damaged or not a dedup index ({err}); rebuild it with `dedup index build`") from None
    index = CorpusIndex(conn, path, settings)
    try:
        index.check()
    except BaseException:
        conn.close()
        raise
    return index


def create_index(path: Path, settings: Settings) -> CorpusIndex:
    """A new, empty index at ``path`` (which must not exist) with its header written."""
    from dedup.version import __version__

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # a fresh file, renamed into place when complete
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    for statement in SCHEMA:
        conn.execute(statement)
    values = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "tool_version": __version__,
        "settings": json.dumps(index_settings(settings), sort_keys=True),
    }
    conn.executemany("INSERT INTO meta VALUES (?, ?)", values.items())
    return CorpusIndex(conn, path, settings)


@contextmanager
def replacing(output: Path) -> Iterator[Path]:
    """A temporary file next to ``output``, renamed over it only when the block completes.

    A build killed at any point leaves ``output`` as it was (and a stray
    hidden temporary file beside it).

    Raises:
        LintError: If ``output`` is a device, pipe or folder, which a rename would replace.
    """
    if not replaceable(output):
        raise LintError(f"{output}: not a regular file; an index is written to a file")
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(handle)
    os.unlink(temp)  # SQLite creates it
    try:
        yield Path(temp)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, output)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
