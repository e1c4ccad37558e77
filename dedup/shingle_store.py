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
import numpy as np

from dedup.shingles import ShingleBatch

_DTYPE = np.dtype("<u8")


def write_batch(folder: str, batch_no: int, batch: ShingleBatch) -> str:
    """Write one batch's shingle hashes to ``folder``; returns the file name."""
    name = f"shingles-{batch_no:08d}.u64"
    batch.hashes.astype(_DTYPE, copy=False).tofile(os.path.join(folder, name))
    return name


@dataclass
class ShingleStore:
    """Where each document's shingle set lies in the spilled files.

    Attributes:
        folder: The folder holding the batch files.
        files: Batch file names, in batch order.
        file_of: Index into ``files`` of each document.
        start: Offset (in hashes) of each document's set in its file.
        count: Size of each document's set.
    """

    folder: str
    files: list[str] = field(default_factory=list)
    file_of: list[np.ndarray] = field(default_factory=list)
    start: list[np.ndarray] = field(default_factory=list)
    count: list[np.ndarray] = field(default_factory=list)

    def add(self, name: str, counts: np.ndarray) -> None:
        """Record a written batch whose documents have ``counts`` shingles each."""
        self.file_of.append(np.full(counts.size, len(self.files), dtype=np.int32))
        self.start.append(np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64))
        self.count.append(counts.astype(np.int64))
        self.files.append(name)

    def freeze(self) -> None:
        """Join the per-batch index arrays (once every batch is added)."""
        if len(self.files) > 0 and len(self.start) == 1:
            return
        for attr in ("file_of", "start", "count"):
            parts = getattr(self, attr)
            setattr(self, attr, [np.concatenate(parts)] if parts else [np.zeros(0, dtype=np.int64)])

    def locate(self, indices: np.ndarray) -> dict[int, tuple[str, int, int]]:
        """``index -> (file, start, count)`` of each document's set."""
        self.freeze()
        files = self.files
        picked = zip(indices.tolist(), self.file_of[0][indices].tolist(), self.start[0][indices].tolist(), self.count[0][indices].tolist())
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
