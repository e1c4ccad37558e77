"""Documents kept on disk while a scan runs, read back by position by any process.

A scan's text stages (boilerplate, passages, provenance) read every
document more than once, long after it was read from its input. Holding
them all as Python objects costs several times the corpus; a
:class:`DocumentStore` writes each document once to a file in a temporary
folder (its text as UTF-8, its other fields pickled after it) and keeps in
memory only the id, the length and the byte offsets of each (about 50
bytes a document). A document is read back with one ``pread``: the
operating system's page cache, not the process, holds what was read
lately.

:meth:`DocumentStore.take` (and slicing) gives a :class:`DocumentView` of
some of the documents: it reads them when first used, and when sent to
another process it travels as the file's path and the offsets, and arrives
there as a plain list of :class:`~dedup.document.Document` read from the
file, so a batch function receives the same value whether it runs here or
in a worker, while the pipe carries a few bytes a document instead of its
text. A store whose views go to another machine's workers (a cluster,
which cannot read this machine's temporary folder) is made with
``portable=True``: its views then travel with their documents.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import threading
from array import array
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence, overload

import numpy as np

from dedup.document import Document

__all__ = ["DocumentStore", "DocumentView", "IdColumn", "TextRun", "read_documents", "read_texts", "temporary_store", "write_records"]

# Bytes read at once when the documents are read in order.
_READ_BYTES = 1 << 20
_WRITE_BYTES = 1 << 22


class IdColumn(Sequence[str]):
    """Strings appended once and read by position: one UTF-8 buffer and
    the end of each, about 17 bytes a short id where a ``str`` and its
    place in a list take 65 (a store keeps every document's id for the
    whole scan). Each read makes a new ``str``; it compares equal to a
    list of the same strings.

    Examples:
        >>> ids = IdColumn(["a", "b\u00e9"])
        >>> ids.append("c")
        >>> [len(ids), ids[1], ids[-1], ids[:2], ids == ["a", "b\u00e9", "c"]]
        [3, 'bé', 'c', ['a', 'bé'], True]
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self.extend(values)

    def append(self, value: str) -> None:
        self._data += value.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def extend(self, values: Iterable[str]) -> None:
        for value in values:
            self.append(value)

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._ends)
        if not 0 <= index < len(self._ends):
            raise IndexError("id index out of range")
        return self._data[self._ends[index - 1] if index else 0 : self._ends[index]].decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        data, start = self._data, 0
        for end in self._ends:
            yield data[start:end].decode("utf-8", "surrogatepass")
            start = end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # changes as it grows, like a list

    def __repr__(self) -> str:
        return repr(list(self))


class DocumentStore(Sequence[Document]):
    """Documents appended once, then read by position from a file.

    Args:
        folder: Where the file goes (a temporary folder that outlives the
            store's use; the file is removed by :meth:`close`).
        portable: Views sent to another process carry their documents,
            not the file's path (for workers on other machines).

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder, DocumentStore(folder) as store:
        ...     store.append(Document("a", "First text."))
        ...     store.append(Document("b", "Second text.", source="wire"))
        ...     [store[1].text, store.ids, store.sources]
        ['Second text.', ['a', 'b'], [None, 'wire']]
    """

    def __init__(self, folder: str | os.PathLike, portable: bool = False) -> None:
        self.folder = os.fspath(folder)
        self.portable = portable
        self.path = os.path.join(self.folder, "documents.bin")
        self.ids = IdColumn()
        self.chars = array("q")
        self.sources: list[str | None] = []
        # Byte offset of each record, of each record's pickled fields, and the end.
        self._starts = array("q", [0])
        self._fields_at = array("q")
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._interned: dict[str, str] = {}
        self._writer = open(self.path, "wb")
        # Full chunks are written by a thread while the scan reads on: the
        # write releases the interpreter, so reading and writing overlap.
        self._write_thread: ThreadPoolExecutor | None = None
        self._writing: Future | None = None
        self._fd: int | None = None
        # Reads may come from two threads (the passage stage aligns its pairs while it makes its groups' rows).
        self._reading = threading.Lock()
        # What a later stage already did of the documents where they were
        # read, by stage (taken by the stage, which otherwise does it itself).
        self.read_passes: dict[str, object] = {}

    def __enter__(self) -> "DocumentStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def append(self, doc: Document) -> None:
        """Write ``doc`` at the end of the store."""
        text, fields = _record_of(doc)
        start = self._starts[-1]
        self._fields_at.append(start + len(text))
        self._starts.append(start + len(text) + len(fields))
        self._pending += (text, fields)
        self._pending_bytes += len(text) + len(fields)
        if self._pending_bytes >= _WRITE_BYTES:
            self._flush(wait=False)
        self.ids.append(doc.id)
        self.chars.append(len(doc.text))
        # Sources repeat: one string object per outlet, not per document.
        self.sources.append(None if doc.source is None else self._interned.setdefault(doc.source, doc.source))

    def extend(self, docs: Iterable[Document]) -> None:
        """:meth:`append` each of ``docs``."""
        for doc in docs:
            self.append(doc)

    def adopt(self, path: str, sizes: np.ndarray, ids: Sequence[str], chars: Sequence[int], sources: Sequence[str | None], kept: np.ndarray | None = None) -> None:
        """Append the documents another process wrote to ``path`` with
        :func:`write_records` (those ``kept`` marks; all by default); the
        file is removed once copied. The bytes are copied file to file by
        the operating system, in the background as appended chunks are
        written: no text passes through this process.

        Args:
            path: The file :func:`write_records` wrote.
            sizes: What it returned: ``(n, 2)`` bytes of each record's text and of the whole record.
            ids: The id of each document kept.
            chars: The characters of each one's text.
            sources: Each one's source (``None``: none).
            kept: Which records of the file are documents of the store.
        """
        self._flush()
        sizes = np.asarray(sizes, dtype=np.int64).reshape(-1, 2)
        ends = np.cumsum(sizes[:, 1])
        keep = np.ones(len(sizes), dtype=bool) if kept is None else np.asarray(kept, dtype=bool)
        base = self._starts[-1]
        record_ends = base + np.cumsum(sizes[keep, 1])
        self._fields_at.frombytes((record_ends - sizes[keep, 1] + sizes[keep, 0]).tobytes())
        self._starts.frombytes(record_ends.tobytes())
        # Consecutive kept records are copied as one run.
        edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).astype(np.int8)))
        runs = [(int(ends[first - 1]) if first else 0, int(ends[stop - 1])) for first, stop in zip(edges[::2].tolist(), edges[1::2].tolist())]
        self._writing = self._writer_thread().submit(self._copy, path, runs, base)
        self.ids.extend(ids)
        self.chars.extend(chars)
        self.sources.extend(None if source is None else self._interned.setdefault(source, source) for source in sources)

    def _copy(self, path: str, runs: list[tuple[int, int]], at: int) -> None:
        """Copy the byte ranges ``runs`` of ``path`` to the end of the store (at ``at``), then remove ``path``."""
        with open(path, "rb") as written:
            for start, end in runs:
                at += _copy_bytes(written.fileno(), self._writer.fileno(), start, end - start, at)
        self._writer.seek(at)
        os.remove(path)

    def passing(self, docs: Iterable[Document]) -> Iterator[Document]:
        """``docs``, each appended to the store as it passes."""
        for doc in docs:
            self.append(doc)
            yield doc

    def _flush(self, wait: bool = True) -> None:
        """Write what is pending: in the background, or (``wait``) all of
        it before returning, so that any process can read it from the file.
        At most one chunk is being written while the next one fills."""
        if self._pending:
            self._wait()
            chunk, self._pending, self._pending_bytes = self._pending, [], 0
            self._writing = self._writer_thread().submit(self._write, chunk)
        if wait:
            self._wait()

    def _writer_thread(self) -> ThreadPoolExecutor:
        if self._write_thread is None:
            self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="dedup-store")
        return self._write_thread

    def _write(self, chunk: list[bytes]) -> None:
        self._writer.writelines(chunk)
        self._writer.flush()

    def _wait(self) -> None:
        """Wait for the chunk being written; its error, if any, is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def _reader(self) -> int:
        """The file descriptor to read from, once everything appended is on disk."""
        with self._reading:  # one thread waits for the pending writes while another would read past them
            self._flush()
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY)
            return self._fd

    def close(self) -> None:
        """Close and remove the file (the store is unusable after)."""
        try:
            self._wait()
        finally:
            if self._write_thread is not None:
                self._write_thread.shutdown()
            self._writer.close()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if os.path.exists(self.path):
                os.remove(self.path)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> "DocumentView": ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.take(range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("document index out of range")
        start, end = self._starts[index], self._starts[index + 1]
        record = os.pread(self._reader(), end - start, start)
        return _document(self.ids[index], record, self._fields_at[index] - start)

    def __iter__(self) -> Iterator[Document]:
        """Every document in order, read a megabyte at a time."""
        return self._read_runs(range(len(self)))

    def _read_runs(self, indices: Sequence[int]) -> Iterator[Document]:
        """The documents at ``indices``, adjacent records read together."""
        fd, starts = self._reader(), self._starts
        k = 0
        while k < len(indices):
            first = indices[k]
            m = k + 1
            while m < len(indices) and indices[m] == indices[m - 1] + 1 and starts[indices[m]] - starts[first] < _READ_BYTES:
                m += 1
            base = starts[first]
            data = os.pread(fd, starts[indices[m - 1] + 1] - base, base)
            for index in indices[k:m]:
                record = data[starts[index] - base : starts[index + 1] - base]
                yield _document(self.ids[index], record, self._fields_at[index] - starts[index])
            k = m

    def take(self, indices: Iterable[int]) -> "DocumentView":
        """The documents at ``indices`` (in that order), read when used."""
        picked = np.asarray(list(indices) if not isinstance(indices, (range, np.ndarray)) else indices, dtype=np.int64)
        self._flush()
        starts = np.frombuffer(self._starts, dtype=np.int64)
        fields_at = np.frombuffer(self._fields_at, dtype=np.int64)
        records = np.stack([starts[picked], fields_at[picked], starts[picked + 1]], axis=1) if picked.size else np.zeros((0, 3), dtype=np.int64)
        return DocumentView(self.path, [self.ids[k] for k in picked.tolist()], records, portable=self.portable)

    def texts(self, start: int, stop: int) -> "TextRun":
        """The texts of the documents ``start`` to ``stop`` (appended
        already), read when used: crosses to another process as where they
        are in the file, and arrives as a plain ``list`` of the texts."""
        self._flush()
        return TextRun(self.path, self._starts[start], np.asarray(self._fields_at[start:stop], dtype=np.int64) - self._starts[start],
                       np.asarray(self._starts[start + 1 : stop + 1], dtype=np.int64) - self._starts[start])


def write_records(path: str, docs: Iterable[Document]) -> np.ndarray:
    """Write ``docs`` to a new file as a :class:`DocumentStore` writes them,
    for a store to :meth:`~DocumentStore.adopt` (a worker writes the
    documents it read, the scan's store takes them without reading them).

    Returns:
        ``(n, 2)`` int64: the bytes of each document's text and of its whole record.
    """
    sizes: list[int] = []
    records: list[bytes] = []
    for doc in docs:
        text, fields = _record_of(doc)
        records += (text, fields)
        sizes += (len(text), len(text) + len(fields))
    # Few writes of many records each: a write of each record's few kilobytes
    # went to the kernel one by one (past the 8 KB buffer), most of the cost.
    with open(path, "wb", buffering=0) as out:
        write_gathered(out.fileno(), records)
    return np.array(sizes, dtype=np.int64).reshape(-1, 2)


_IOV_MAX = 1024  # buffers a writev takes (the POSIX least, Linux's)


def write_gathered(fd: int, pieces: list, most: int = _IOV_MAX) -> None:
    """Write ``pieces`` (bytes-like) to ``fd`` one after the other, ``most``
    to a gathered write (no copy of them joined, which cost as much as
    the write); ``pieces`` is consumed. A short write goes on from where it
    stopped. Without ``os.writev``, one write of them joined."""
    if not hasattr(os, "writev"):
        data = memoryview(b"".join(pieces))
        while data:
            data = data[os.write(fd, data) :]
        return
    k = 0
    while k < len(pieces):
        batch = pieces[k : k + most]
        done = os.writev(fd, batch)
        if done <= 0 and any(map(len, batch)):
            raise OSError(f"could not write the documents ({done} bytes written)")
        for piece in batch:
            if done < len(piece):
                pieces[k] = memoryview(piece)[done:]  # the rest of a piece written in part
                break
            done -= len(piece)
            k += 1


def _copy_bytes(source: int, target: int, start: int, count: int, at: int) -> int:
    """Copy ``count`` bytes of file ``source`` from ``start`` to file ``target`` at ``at``; returns ``count``."""
    done = 0
    copy = getattr(os, "copy_file_range", None)
    while done < count:
        step = 0
        if copy is not None:
            try:
                step = copy(source, target, count - done, start + done, at + done)
            except OSError:
                copy = None  # not supported between these files: read and write
        if copy is None:
            step = os.pwrite(target, os.pread(source, min(count - done, _WRITE_BYTES), start + done), at + done)
        if step <= 0:
            raise OSError(f"could not copy documents into the store (source ended after {done} of {count} bytes)")
        done += step
    return count


@contextmanager
def scratch_folder(prefix: str) -> Iterator[str]:
    """A new temporary folder, removed with everything in it when the block
    is left. Left by an error, the folder is removed as far as it can be:
    a file still being written there (by a call the error left running)
    must not turn the block's error into "Directory not empty"."""
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(folder)


@contextmanager
def temporary_store(portable: bool = False) -> Iterator[DocumentStore]:
    """A :class:`DocumentStore` in a new temporary folder (``store.folder``),
    removed with everything in it when the block is left; ``portable`` as
    for :class:`DocumentStore`."""
    with scratch_folder("dedup-docs-") as folder, DocumentStore(folder, portable) as store:
        yield store


class DocumentView(Sequence[Document]):
    """Some documents of a :class:`DocumentStore`, read on first use.

    Pickled, it is the file's path, the ids and the byte offsets (or, when
    ``portable``, the documents themselves); unpickled, a ``list`` of the
    documents.

    Args:
        path: The store's file.
        ids: The documents' ids.
        records: ``(n, 3)`` byte offsets: record start, pickled fields, record end.
        portable: Pickle the documents, not where they are.
    """

    def __init__(self, path: str, ids: list[str], records: np.ndarray, portable: bool = False) -> None:
        self.path, self.ids, self.records, self.portable = path, ids, records, portable
        self._docs: list[Document] | None = None

    def __reduce__(self):
        if self.portable:
            return list, (self._loaded(),)
        return read_documents, (self.path, self.ids, self.records)

    def __len__(self) -> int:
        return len(self.ids)

    def _loaded(self) -> list[Document]:
        if self._docs is None:
            self._docs = read_documents(self.path, self.ids, self.records)
        return self._docs

    def __getitem__(self, index):
        return self._loaded()[index]

    def __iter__(self) -> Iterator[Document]:
        return iter(self._docs) if self._docs is not None else _stream(self.path, self.ids, self.records)


class TextRun(Sequence[str]):
    """The texts of consecutive documents of a :class:`DocumentStore`.

    Pickled, it is the file's path and the offsets (a few bytes a
    document); unpickled, a ``list`` of the texts, read with one ``pread``.

    Args:
        path: The store's file.
        base: Byte offset of the first record.
        text_ends: Where each record's text ends, from ``base``.
        record_ends: Where each record ends, from ``base``.
    """

    def __init__(self, path: str, base: int, text_ends: np.ndarray, record_ends: np.ndarray) -> None:
        self.path, self.base, self.text_ends, self.record_ends = path, base, text_ends, record_ends
        self._texts: list[str] | None = None

    def __reduce__(self):
        return read_texts, (self.path, self.base, self.text_ends, self.record_ends)

    def __len__(self) -> int:
        return len(self.text_ends)

    def __getitem__(self, index):
        if self._texts is None:
            self._texts = read_texts(self.path, self.base, self.text_ends, self.record_ends)
        return self._texts[index]


def read_texts(path: str, base: int, text_ends: np.ndarray, record_ends: np.ndarray) -> list[str]:
    """The texts of a :class:`TextRun`, read from the store's file."""
    if not len(text_ends):
        return []
    with open(path, "rb", buffering=0) as file:
        data = os.pread(file.fileno(), int(record_ends[-1]), base)
    starts = [0, *record_ends[:-1].tolist()]
    return [data[start:end].decode("utf-8", "surrogatepass") for start, end in zip(starts, text_ends.tolist())]


def read_documents(path: str, ids: list[str], records: np.ndarray) -> list[Document]:
    """The documents of a :class:`DocumentView`, read from the store's file.

    Args:
        path: The store's file.
        ids: Their ids.
        records: ``(n, 3)`` byte offsets: record start, pickled fields, record end.
    """
    return list(_stream(path, ids, records))


def _stream(path: str, ids: list[str], records: np.ndarray) -> Iterator[Document]:
    with open(path, "rb", buffering=0) as file:
        fd = file.fileno()
        for doc_id, (start, fields_at, end) in zip(ids, records.tolist()):
            yield _document(doc_id, os.pread(fd, end - start, start), fields_at - start)


_FIELDS = ("date", "source", "url", "title", "origin", "blocks")
_DEFAULTS = (None, None, None, None, "", ())


def _record_of(doc: Document) -> tuple[bytes, bytes]:
    """What the store writes of ``doc``: its text as UTF-8, its other fields pickled."""
    return doc.text.encode("utf-8", "surrogatepass"), pickle.dumps(_fields_of(doc), protocol=pickle.HIGHEST_PROTOCOL)


def _fields_of(doc: Document) -> tuple:
    """Every field but the id and the text, trailing defaults left out."""
    values = [doc.date, doc.source, doc.url, doc.title, doc.origin, doc.blocks]
    while values and values[-1] == _DEFAULTS[len(values) - 1]:
        values.pop()
    return tuple(values)


def _document(doc_id: str, record: bytes, text_bytes: int) -> Document:
    text = record[:text_bytes].decode("utf-8", "surrogatepass")
    fields = pickle.loads(record[text_bytes:])
    return Document(doc_id, text, **dict(zip(_FIELDS, fields)))
