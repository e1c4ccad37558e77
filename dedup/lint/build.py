"""Building and updating the corpus index: ``dedup index build|add|remove|stats``.

Documents are fingerprinted in batches on an :class:`~dedup.engine.Engine`
by the document-level stage's own function
(:func:`dedup.near.fingerprints.fingerprint_batch`, with the passage index's
n-grams taken from the same tokens) and written by this process. A build
writes a new file and renames it over the old one; ``add`` and ``remove``
are one SQLite transaction each.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from dedup.config import Settings
from dedup.engine import Engine, engine_or_local
from dedup.lint.errors import LintError
from dedup.lint.index import CorpusIndex, create_index, open_index, replacing, to_int64
from dedup.io.problems import ProblemLog, problem_records
from dedup.lint.sources import SourcedDocument, iter_sources, read_sources
from dedup.near.candidates import band_keys, lsh_params
from dedup.near.fingerprints import Fingerprints, fingerprint_batch


@dataclass
class IndexUpdate:
    """What a build, ``add`` or ``remove`` did.

    Attributes:
        added: Documents written.
        removed: Documents taken out (``remove``, or replaced by ``add``).
        not_found: Names given to ``remove`` that the index does not hold.
        problems: Inputs that could not be read (``file: message``).
        stats: The index's :meth:`~dedup.lint.index.CorpusIndex.stats` afterwards.
    """

    added: int = 0
    removed: int = 0
    not_found: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "not_found": self.not_found, "problems": self.problems, "index": self.stats}


def index_batch(texts: Sequence[str], settings: Settings, keep_shingles: bool = False) -> Fingerprints:
    """What the index stores of a batch of texts (a pure function, for the engine).

    Args:
        texts: Original texts.
        settings: ``ngram``, ``num_perm``, ``seed``, the LSH threshold and
            the passage index's ``index_ngram`` and ``index_sample``.
        keep_shingles: Also return the shingle sets (for checking new documents).

    Returns:
        :class:`~dedup.near.fingerprints.Fingerprints` with the signatures,
        the band keys and the passage index's n-gram hashes.
    """
    fp = fingerprint_batch(texts, settings, keep_shingles=keep_shingles, index=True)
    bands, rows = lsh_params(settings.candidate_threshold, settings.num_perm)
    fp.band_keys = band_keys(fp.signatures, bands, rows)
    return fp


def _root_relative(source: SourcedDocument, root: Path) -> str:
    if source.file is None:
        raise LintError("the index re-reads documents from their files: give files or folders, not standard input")
    relative = Path(os.path.relpath(source.file, root))
    if relative.parts and relative.parts[0] == "..":
        raise LintError(f"{source.shown}: outside the index's folder {str(root.name or root)!r}; keep the index at the corpus repository's root")
    return relative.as_posix()


def _batches(sources: Iterable[SourcedDocument], size: int) -> Iterator[list[SourcedDocument]]:
    batch: list[SourcedDocument] = []
    for source in sources:
        batch.append(source)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(index: CorpusIndex, sources: Sequence[SourcedDocument], fp: Fingerprints, first_doc: int) -> None:
    """Rows for one fingerprinted batch; documents numbered from ``first_doc``."""
    rows = []
    for k, source in enumerate(sources):
        meta = {key: getattr(source.doc, key) for key in ("date", "source", "url", "title") if getattr(source.doc, key)}
        rows.append(
            (
                first_doc + k,
                _root_relative(source, index.root),
                source.record,
                source.line,
                len(source.doc.text),
                int(fp.counts[k]),
                np.ascontiguousarray(fp.exact[k], dtype=np.uint64).tobytes(),
                np.ascontiguousarray(fp.signatures[k], dtype="<u4").tobytes(),
                json.dumps(meta, sort_keys=True, ensure_ascii=False),
            )
        )
    conn = index.conn
    conn.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    docs = np.arange(first_doc, first_doc + len(sources), dtype=np.int64)
    _insert_pairs(conn, "bands", fp.band_keys.reshape(-1), np.repeat(docs, fp.band_keys.shape[1]))
    _insert_pairs(conn, "grams", fp.index_hashes, docs[fp.index_owners])


def _insert_pairs(conn, table: str, hashes: np.ndarray, docs: np.ndarray) -> None:
    """Stage ``(hash, doc)`` rows in a temporary table (appending is cheap); :func:`_flush` sorts them in."""
    if hashes.size == 0:
        return
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} (value INTEGER NOT NULL, doc INTEGER NOT NULL)")
    conn.executemany(f"INSERT INTO stage_{table} VALUES (?, ?)", zip(to_int64(hashes), docs.astype(np.int64).tolist()))


def _flush(conn, max_docs: int, fresh: bool) -> None:
    """Move the staged rows into the index in key order: B-tree pages are then
    filled one after the other (fast, and packed) instead of split at random.

    An n-gram hash now held by more than ``max_docs`` documents moves to the
    ``common`` table with its count: too common to pair documents, as in the
    scan's passage index (it stays there if documents are removed later).
    """
    for table, column in (("bands", "key"), ("grams", "hash")):
        staged = conn.execute(f"SELECT name FROM temp.sqlite_master WHERE name = 'stage_{table}'").fetchone()
        if not staged:
            continue
        conn.execute(f"INSERT OR IGNORE INTO {table} ({column}, doc) SELECT value, doc FROM stage_{table} ORDER BY value, doc")
        if table == "grams":
            # A fresh index is counted in one pass in key order; an update counts only the hashes it added.
            where = "" if fresh else "WHERE hash IN (SELECT value FROM stage_grams) "
            conn.execute(
                f"INSERT OR REPLACE INTO common (hash, holders) SELECT hash, COUNT(*) FROM grams {where}GROUP BY hash HAVING COUNT(*) > ?",
                (max_docs,),
            )
            conn.execute("DELETE FROM grams WHERE hash IN (SELECT hash FROM common)")
        conn.execute(f"DROP TABLE stage_{table}")


def _write(index: CorpusIndex, sources: Iterable[SourcedDocument], settings: Settings, first_doc: int, engine: Engine | None = None) -> int:
    """Fingerprint ``sources`` (streamed, in batches) on ``engine`` (a local one
    by default) and write them; returns how many.

    Each batch keeps its documents only until its rows are written.
    """
    pending: list[list[SourcedDocument]] = []

    def texts() -> Iterator[list[str]]:
        for batch in _batches(sources, settings.batch_size):
            pending.append(batch)
            yield [s.doc.text for s in batch]

    written = 0
    with engine_or_local(engine, settings.workers) as engine:
        for fp in engine.map(partial(index_batch, settings=settings), texts()):
            batch = pending.pop(0)
            _insert(index, batch, fp, first_doc + written)
            written += len(batch)
    _flush(index.conn, settings.passages.index_max_docs, fresh=first_doc == 0)
    return written


def build_index(paths: Sequence[str], output: str | os.PathLike, settings: Settings, engine: Engine | None = None) -> IndexUpdate:
    """Index every document under ``paths`` into a new file at ``output``.

    The file is written beside ``output`` and renamed over it when complete,
    so an interrupted build leaves any previous index as it was. Document
    paths are stored relative to ``output``'s folder, which must hold them.
    ``engine``: where the batches are fingerprinted (a local engine of
    ``settings.workers`` by default); the file is written by this process.

    Raises:
        LintError: If nothing can be read or a document lies outside the folder.
    """
    output = Path(output)
    problems = ProblemLog()
    with replacing(output) as temp:
        index = create_index(temp, settings)
        index.root = output.absolute().parent
        try:
            index.conn.execute("BEGIN")
            added = _write(index, iter_sources(paths, settings.lint, problems), settings, 0, engine)
            if not added:
                raise LintError("no usable documents were read; check the paths and formats: " + "; ".join(map(str, problems[:3])))
            index.conn.execute("COMMIT")
        finally:
            index.close()
    with open_index(output, settings) as done:
        return IndexUpdate(added=added, problems=problem_records(problems), stats=done.stats())


def add_to_index(index_path: str | os.PathLike, paths: Sequence[str], settings: Settings) -> IndexUpdate:
    """Add (or refresh) the documents under ``paths`` in one transaction.

    A document already indexed (same file and record) is replaced.
    """
    sources, found = read_sources(paths, settings.lint)
    problems = problem_records(found)
    if not sources:
        raise LintError("no usable documents were read; check the paths and formats")
    with open_index(index_path, settings, writable=True) as index:
        conn = index.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            stale = [d for s in sources if (d := index.find(_root_relative(s, index.root), s.record)) is not None]
            _delete(conn, stale)
            (last,) = conn.execute("SELECT COALESCE(MAX(doc), -1) FROM documents").fetchone()
            added = _write(index, sources, settings, int(last) + 1)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return IndexUpdate(added=added, removed=len(stale), problems=problems, stats=index.stats())


def _delete(conn, docs: list[int]) -> None:
    if not docs:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS gone (doc INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM gone")
    conn.executemany("INSERT OR IGNORE INTO gone VALUES (?)", [(d,) for d in docs])
    for table in ("documents", "bands", "grams"):
        conn.execute(f"DELETE FROM {table} WHERE doc IN (SELECT doc FROM gone)")


def remove_from_index(index_path: str | os.PathLike, names: Sequence[str], settings: Settings) -> IndexUpdate:
    """Take documents out of the index in one transaction.

    Args:
        names: Files (every record of a JSONL file) or ``file#id`` for one
            record; a file is named by its path from the working folder.
    """
    with open_index(index_path, settings, writable=True) as index:
        conn = index.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            found, missing = [], []
            for name in names:
                path, _, record = name.partition("#")
                relative = Path(os.path.relpath(Path(path).absolute(), index.root)).as_posix()
                query = "SELECT doc FROM documents WHERE path = ?" + (" AND record = ?" if record else "")
                docs = [row[0] for row in conn.execute(query, (relative, record) if record else (relative,))]
                (found.extend(docs) if docs else missing.append(name))
            _delete(conn, found)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return IndexUpdate(removed=len(set(found)), not_found=missing, stats=index.stats())


def index_stats(index_path: str | os.PathLike, settings: Settings) -> dict[str, Any]:
    """The index's counts, size, versions and settings (after checking it)."""
    with open_index(index_path, settings) as index:
        return index.stats()
