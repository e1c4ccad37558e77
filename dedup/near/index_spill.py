"""The passage index's fingerprints, spilled to disk in partitions by hash.

Stage 1 takes the passage index's sampled word n-gram hashes from the
tokens it already has (about 185 a document of news length, 16 bytes each:
as much memory as the text itself). Held until the passage stage, they
would be the largest thing in the scan's memory; instead each batch's
fingerprints are appended to one of :data:`PARTITIONS` files by the top
bits of their hash. Every document holding a hash has it in the same
partition, so the passage candidates are found one partition at a time
(:func:`dedup.passages.index.partitioned_candidate_pairs`), with the same
result as over the whole index at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from dedup.io.store import write_gathered

PARTITIONS = 64
_PARTITION_BITS = PARTITIONS.bit_length() - 1
_SHIFT = np.uint64(64 - _PARTITION_BITS)
# Fingerprints in a piece of a partition, about, at most (2 MiB of hashes
# and owners): the candidate search over a piece holds several times its
# size, so pieces, not partitions, bound it whatever the corpus.
PIECE_FINGERPRINTS = 1 << 17
# Fingerprints added and not yet written, about, at most (8 MiB).
PENDING_FINGERPRINTS = 1 << 19


@dataclass(frozen=True)
class WrittenBatch:
    """A batch's fingerprints written to a file of their own by the process
    that took them (:func:`write_batch_index`), for an :class:`IndexSpill`
    to adopt without their bytes passing through its process.

    Attributes:
        path: The file: the uint64 hashes ordered by partition, then their int64 owners.
        bounds: Where each partition's run begins, and the end (``PARTITIONS + 1`` numbers).
    """

    path: str
    bounds: tuple[int, ...]

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch's hashes and owners, as written."""
        total = self.bounds[-1]
        hashes = np.fromfile(self.path, dtype=np.uint64, count=total)
        return hashes, np.fromfile(self.path, dtype=np.int64, count=total, offset=8 * total)


def write_batch_index(path: str, hashes: np.ndarray, owners: np.ndarray) -> WrittenBatch:
    """Write a batch's fingerprints (uint64 hashes, the document of each in
    the batch) to ``path``, ordered by partition (as :func:`by_partition`,
    which they may already be)."""
    hashes, owners, bounds = _partition_runs(hashes, owners)
    _write(path, [hashes, owners], os.O_TRUNC)
    return WrittenBatch(path, tuple(bounds))


def _partition_runs(hashes: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Fingerprints ordered by partition (stable; untouched when they are
    already), their owners as int64, and where each partition's run begins,
    and the end (``PARTITIONS + 1`` numbers)."""
    part = IndexSpill.partition_of(hashes)
    owners = owners.astype(np.int64, copy=False)
    if np.any(part[1:] < part[:-1]):
        order = np.argsort(part, kind="stable")
        hashes, owners = hashes[order], owners[order]
    counts = np.bincount(part, minlength=PARTITIONS)
    return hashes, owners, np.concatenate(([0], np.cumsum(counts))).tolist()


class IndexSpill:
    """Sampled n-gram hashes and their owners, in partition files by hash.

    Args:
        folder: Where the files go (a temporary folder that outlives the spill).
        pending: Fingerprints added that may wait to be written with the next.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     spill = IndexSpill(folder)
        ...     spill.add(np.array([5, 2**63 + 5], dtype=np.uint64), np.array([0, 1]))
        ...     [owners.tolist() for _, owners in spill.parts() if owners.size]
        [[0], [1]]
    """

    partitions = PARTITIONS

    def __init__(self, folder: str | os.PathLike, pending: int = PENDING_FINGERPRINTS) -> None:
        self.folder = os.fspath(folder)
        self.pending = pending
        self.sizes = np.zeros(PARTITIONS, dtype=np.int64)
        # batches added and not yet written: (hashes, owners, bounds of each partition)
        self._pending: list[tuple[np.ndarray, np.ndarray, list[int]]] = []
        self._pending_size = 0
        # each partition's runs in the order added: (hash file, its first
        # hash, owner file, its first owner, fingerprints, added to owners)
        self._runs: list[list[tuple[str, int, str, int, int, int]]] = [[] for _ in range(PARTITIONS)]
        self._in_files = [0] * PARTITIONS  # fingerprints in each partition's own files

    def _path(self, part: int, kind: str) -> str:
        return os.path.join(self.folder, f"index-{part:02d}.{kind}")

    @staticmethod
    def partition_of(hashes: np.ndarray) -> np.ndarray:
        """The partition of each hash."""
        return (hashes >> _SHIFT).astype(np.intp)

    def add(self, hashes: np.ndarray, owners: np.ndarray) -> None:
        """Append fingerprints (uint64 hashes, the document index of each).

        They are written with those of the next batches once ``pending``
        wait, or when read (a file is opened per partition and kind for
        each write: fewer, larger writes); the arrays are kept until then,
        not copied (not to be changed meanwhile)."""
        # Stage 1's workers send each batch ordered by partition (by_partition):
        # then nothing is reordered here.
        hashes, owners, bounds = _partition_runs(hashes, owners)
        self._pending.append((hashes, owners, bounds))
        self._pending_size += hashes.size
        self.sizes += np.diff(bounds)
        if self._pending_size >= self.pending:
            self.flush()

    def flush(self) -> None:
        """Write the fingerprints added so far to the partition files, in
        the order they were added."""
        pending, self._pending, self._pending_size = self._pending, [], 0
        if not pending:
            return
        for p in range(PARTITIONS):
            runs = [(h, o, bounds[p], bounds[p + 1]) for h, o, bounds in pending if bounds[p + 1] > bounds[p]]
            if runs:
                hash_path, owner_path = self._path(p, "hash"), self._path(p, "owner")
                _write(hash_path, [h[lo:hi] for h, _, lo, hi in runs], os.O_APPEND)
                _write(owner_path, [o[lo:hi] for _, o, lo, hi in runs], os.O_APPEND)
                count = sum(hi - lo for _, _, lo, hi in runs)
                self._add_run(p, (hash_path, self._in_files[p], owner_path, self._in_files[p], count, 0))
                self._in_files[p] += count

    def _add_run(self, part: int, run: tuple[str, int, str, int, int, int]) -> None:
        """Append a run to a partition's, joined to the last one where it continues it in the same files."""
        runs = self._runs[part]
        if runs:
            hash_path, at, owner_path, owner_at, count, shift = runs[-1]
            if (hash_path, at + count, owner_path, owner_at + count, shift) == (run[0], run[1], run[2], run[3], run[5]):
                runs[-1] = (hash_path, at, owner_path, owner_at, count + run[4], shift)
                return
        runs.append(run)

    def adopt(self, written: WrittenBatch, first: int, keep: np.ndarray | None = None) -> None:
        """Append a batch's fingerprints another process wrote (its owners
        numbered from ``first``), leaving them in its file; with ``keep``,
        only those of the batch's documents it marks (numbered among them),
        read back and added."""
        if keep is not None:
            hashes, owners = written.read()
            held = keep[owners]
            self.add(hashes[held], (np.cumsum(keep) - 1)[owners[held]] + first)
            return
        self.flush()  # what was added before comes first in every partition
        bounds, total = written.bounds, written.bounds[-1]
        for p in range(PARTITIONS):
            if bounds[p + 1] > bounds[p]:
                self._add_run(p, (written.path, bounds[p], written.path, total + bounds[p], bounds[p + 1] - bounds[p], first))
        self.sizes += np.diff(np.asarray(bounds, dtype=np.int64))

    def __getstate__(self) -> dict:
        self.flush()  # sent to another process, which reads the files
        return self.__dict__.copy()

    def take(self, batch, first: int) -> None:
        """Append a stage-1 batch's fingerprints (``batch.index_hashes``, its
        ``index_owners`` numbered from ``first``) and drop them from it."""
        if batch.index_hashes is not None:
            self.add(batch.index_hashes, batch.index_owners + first)
            batch.index_hashes = batch.index_owners = None

    def read(self, part: int) -> tuple[np.ndarray, np.ndarray]:
        """The hashes and owners of one partition, in the order they were added."""
        self.flush()
        if not self.sizes[part]:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        hashes, owners = [], []
        for hash_path, at, owner_path, owner_at, count, shift in self._runs[part]:
            hashes.append(np.fromfile(hash_path, dtype=np.uint64, count=count, offset=8 * at))
            owned = np.fromfile(owner_path, dtype=np.int64, count=count, offset=8 * owner_at)
            owners.append(owned + shift if shift else owned)
        if len(hashes) == 1:
            return hashes[0], owners[0]
        return np.concatenate(hashes), np.concatenate(owners)

    def parts(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every partition's hashes and owners, one at a time."""
        for part in range(PARTITIONS):
            yield self.read(part)

    def __len__(self) -> int:
        return int(self.sizes.sum())


def by_partition(hashes: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints ordered by partition, those of one partition in the order
    given (a stable sort of 8-bit keys: a radix sort): the order
    :meth:`IndexSpill.add` writes without reordering. The candidate search
    sorts each partition by hash itself, so nothing needs them by hash."""
    order = np.argsort((hashes >> _SHIFT).astype(np.uint8), kind="stable")
    return hashes[order], owners[order]


def _write(path: str, arrays: list[np.ndarray], mode: int) -> None:
    """The bytes of some arrays written to a file opened with ``mode``
    (``os.O_APPEND`` or ``os.O_TRUNC``), in one gathered write."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o644)
    try:
        write_gathered(fd, [memoryview(np.ascontiguousarray(a)).cast("B") for a in arrays])
    finally:
        os.close(fd)


def pieces(hashes: np.ndarray, owners: np.ndarray, most: int = PIECE_FINGERPRINTS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A partition's fingerprints in pieces of about ``most`` at most, cut
    by the hash bits after the partition's: every fingerprint of a hash is
    in one piece (so candidates found piece by piece are those of the
    partition), each piece in the order the fingerprints came.

    Args:
        hashes: uint64 hashes of one partition.
        owners: The document of each.
        most: Fingerprints a piece should hold at most (a piece of one
            common hash may hold more).
    """
    if hashes.size <= most:
        yield hashes, owners
        return
    bits = min((-(-hashes.size // most) - 1).bit_length(), 64 - _PARTITION_BITS)
    piece = ((hashes << np.uint64(_PARTITION_BITS)) >> np.uint64(64 - bits)).astype(np.uint16 if bits <= 16 else np.intp)
    order = np.argsort(piece, kind="stable")  # a radix sort for 16 bits
    bounds = np.concatenate(([0], np.cumsum(np.bincount(piece, minlength=1 << bits))))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if hi > lo:
            taken = order[lo:hi]
            yield hashes[taken], owners[taken]


def sorted_pieces(hashes: np.ndarray, owners: np.ndarray, most: int = PIECE_FINGERPRINTS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The :func:`pieces` of one partition, each ordered by hash (the
    fingerprints of one hash in no particular order): the partition sorted
    once and cut where the piece bits change, where :func:`pieces` gathers
    each piece and its search sorts it again.

    The arrays given are let go once sorted (pass them without keeping a
    reference: the partition is then held twice only while sorted).
    """
    if hashes.size > 1 and np.any(hashes[1:] < hashes[:-1]):
        order = np.argsort(hashes)
        hashes = hashes[order]
        owners = owners[order]
        del order
    if hashes.size <= most:
        yield hashes, owners
        return
    bits = min((-(-hashes.size // most) - 1).bit_length(), 64 - _PARTITION_BITS)
    piece = (hashes << np.uint64(_PARTITION_BITS)) >> np.uint64(64 - bits)
    if np.any(piece[1:] < piece[:-1]):  # hashes of several partitions: the pieces are not runs of the sorted hashes
        yield from pieces(hashes, owners, most)
        return
    bounds = np.searchsorted(piece, np.arange((1 << bits) + 1, dtype=np.uint64)).tolist()
    del piece
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            yield hashes[lo:hi], owners[lo:hi]
