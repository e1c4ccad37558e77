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
        file_of, start, count = self.file_of[0], self.start[0], self.count[0]
        return {int(i): (self.files[file_of[i]], int(start[i]), int(count[i])) for i in indices.tolist()}


def read_sets(folder: str, locations: dict[int, tuple[str, int, int]]) -> dict[int, np.ndarray]:
    """Read the sets at ``locations`` (from :meth:`ShingleStore.locate`), file by file.

    Each file is memory-mapped once, so a set costs a slice copy, not a system call.
    """
    out: dict[int, np.ndarray] = {}
    by_file: dict[str, list[tuple[int, int, int]]] = {}
    for index, (name, start, count) in locations.items():
        by_file.setdefault(name, []).append((start, count, index))
    for name, spans in by_file.items():
        mapped = np.memmap(os.path.join(folder, name), dtype=_DTYPE, mode="r")
        for start, count, index in spans:
            out[index] = np.array(mapped[start : start + count])
        del mapped
    return out
