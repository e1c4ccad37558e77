"""Shingle sets spilled to disk while fingerprinting, read back for verification.

Exact verification needs the shingle sets of the documents in candidate
pairs, which are known only once every signature exists. Holding every set
in memory would cost about 5 KB a document (5 GB for a million); reading
and shingling the inputs again would cost a second pass. Instead each
fingerprint batch writes its documents' sorted unique 64-bit shingle hashes
to one file in a temporary folder (the page cache, not the process, holds
them), and verification reads back only the sets it needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

from dedup.text.shingles import ShingleBatch

_DTYPE = np.dtype("<u8")


def write_batch(folder: str, batch_no: int, batch: ShingleBatch | Sequence[ShingleBatch]) -> str:
    """Write one batch's shingle hashes to ``folder`` (given as consecutive
    parts, they are written one after the other: the file holds what the
    joined batch would); returns the file name."""
    name = f"shingles-{batch_no:08d}.u64"
    with open(os.path.join(folder, name), "wb") as out:
        for part in [batch] if isinstance(batch, ShingleBatch) else batch:
            part.hashes.astype(_DTYPE, copy=False).tofile(out)
    return name


@dataclass
class ShingleStore:
    """Where each document's shingle set lies in the spilled files.

    Attributes:
        folder: The folder holding the batch files.
        files: Batch file names, in batch order.
        counts: Size of each set in a batch file, one array per batch.
        kept: Per batch, which of its sets are documents (``None``: all).
    """

    folder: str
    files: list[str] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    kept: list[np.ndarray | None] = field(default_factory=list)

    def add(self, name: str, counts: np.ndarray, kept: np.ndarray | None = None) -> None:
        """Record a written batch whose documents have ``counts`` shingles each;
        with ``kept``, only the sets it marks are documents (the others lie
        in the file, never read)."""
        self.files.append(name)
        self.counts.append(counts.astype(np.int64))
        self.kept.append(kept)

    @cached_property
    def _index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(file, start, count)`` of every document: its batch file, the offset
        (in hashes) of its set in that file, and the set's size (built once
        every batch is added)."""
        if not self.counts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        count = np.concatenate(self.counts)
        file_of = np.repeat(np.arange(len(self.counts)), [c.size for c in self.counts])
        start = np.concatenate([np.cumsum(c) - c for c in self.counts])
        if any(kept is not None for kept in self.kept):
            documents = np.concatenate([np.ones(c.size, dtype=bool) if kept is None else kept for c, kept in zip(self.counts, self.kept)])
            return file_of[documents], start[documents], count[documents]
        return file_of, start, count

    def locate(self, indices: np.ndarray) -> dict[int, tuple[str, int, int]]:
        """``index -> (file, start, count)`` of each document's set."""
        file_of, start, count = self._index
        files = self.files
        picked = zip(indices.tolist(), file_of[indices].tolist(), start[indices].tolist(), count[indices].tolist())
        return {i: (files[f], s, c) for i, f, s, c in picked}


def read_sets(folder: str, locations: dict[int, tuple[str, int, int]]) -> dict[int, np.ndarray]:
    """Read the sets at ``locations`` (from :meth:`ShingleStore.locate`), file by file.

    Each set is one ``pread`` from a file opened once per call. (Memory-mapping
    every file instead costs about 150 µs a file and a call: a chunk of
    candidate pairs touches most files of a large corpus, which made
    verification grow with chunks times files.)

    Returns:
        ``index -> set``: read-only uint64 arrays.
    """
    out: dict[int, np.ndarray] = {}
    by_file: dict[str, list[tuple[int, int, int]]] = {}
    for index, (name, start, count) in locations.items():
        by_file.setdefault(name, []).append((start, count, index))
    size = _DTYPE.itemsize
    for name, spans in by_file.items():
        with open(os.path.join(folder, name), "rb", buffering=0) as handle:
            for start, count, index in sorted(spans):
                data = _read_at(handle, start * size, count * size)
                if len(data) != count * size:
                    raise OSError(f"{name}: short read of the shingle store (the temporary folder was changed during the scan)")
                out[index] = np.frombuffer(data, dtype=_DTYPE)
    return out


def _read_at(handle, offset: int, size: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(handle.fileno(), size, offset)
    handle.seek(offset)  # platforms without pread
    return handle.read(size)
