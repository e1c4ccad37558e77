"""What a :class:`~dedup.passages.groups.GroupCollector` gathers, in files.

Over a spilled index the candidate search hands the collector, part after
part, every fingerprint several documents hold (its hash and the signature
of its holders' set), the distinct holder sets, and the pairs' own shared
counts. Held in the collecting process until the groups are formed, these
grow with the corpus (about 0.3 KB a document on the 100,000-document
bench corpus, and twice that while the groups are formed). Here they go to
files as the parts come: the fingerprints and sets by ranges of their
signature (a group is one signature, so each range forms its groups on
its own, one range in memory at a time), the pair counts by ranges of the
pair's first document (each range summed on its own). The groups and
counts read back are those of the collector that holds everything.
"""

from __future__ import annotations

import os
import shutil
import weakref
from typing import Iterable

import numpy as np

from dedup.passages.groups import Members, code_totals, counts_of, set_members

# Ranges of set signatures (by their top bits) the fingerprints and sets are filed by (256 at most: a range is a byte).
# A range is read whole when the groups are formed, with a few int64 an entry while its signatures are
# counted: 64 of them keep that under 3 MB on the 100,000-document bench corpus (16 took 11.5 MB).
SIGNATURE_RANGES = 64
_SIGNATURE_SHIFT = np.uint64(64 - (SIGNATURE_RANGES.bit_length() - 1))
# Ranges of first documents the pairs' own counts are filed by.
PAIR_RANGES = 64
# Kept hashes read at a time when groups are taken: 24 bytes each while read (1 << 20 of them added
# 12 MB to a scan's driver at 100,000 documents, where most are of groups not taken).
KEPT_PER_READ = 1 << 16


class GroupSpill:
    """The collector's fingerprints, sets and own pair counts in ``folder``.

    Args:
        folder: Where the files go (made if missing), removed with the spill
            once nothing holds it (the groups read from it hold it too).
        n_docs: Documents in the corpus (pair codes are ``i * n_docs + j``).
    """

    def __init__(self, folder: str, n_docs: int) -> None:
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        weakref.finalize(self, shutil.rmtree, folder, True)
        self.n_docs = n_docs
        self.pair_width = np.int64(max(1, -(-n_docs // PAIR_RANGES)) * max(n_docs, 1))

    def _path(self, name: str, part: int) -> str:
        return os.path.join(self.folder, f"{name}-{part:02d}.bin")

    def _append(self, name: str, part: int, values: np.ndarray) -> None:
        # a few thousand appends a scan (parts times ranges): plain system calls, a third of a file object's cost
        fd = os.open(self._path(name, part), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            data = memoryview(np.ascontiguousarray(values)).cast("B")
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)

    def _read(self, name: str, part: int, dtype) -> np.ndarray:
        path = self._path(name, part)
        return np.fromfile(path, dtype=dtype) if os.path.exists(path) else np.zeros(0, dtype=dtype)

    @staticmethod
    def signature_range(signatures: np.ndarray) -> np.ndarray:
        """The range of each set signature."""
        return (signatures >> _SIGNATURE_SHIFT).astype(np.intp)

    def add_fingerprints(self, hashes: np.ndarray, signatures: np.ndarray) -> None:
        """Append grouped fingerprints: each hash and its holders' set signature."""
        ranges = self.signature_range(signatures)
        order = np.argsort(ranges.astype(np.uint8), kind="stable")  # bytes sort stably by radix, ten times faster than int64
        bounds = np.searchsorted(ranges[order], np.arange(SIGNATURE_RANGES + 1)).tolist()
        hashes, signatures = hashes.astype(np.uint64, copy=False)[order], signatures.astype(np.uint64, copy=False)[order]
        for part in range(SIGNATURE_RANGES):
            lo, hi = bounds[part], bounds[part + 1]
            if hi > lo:
                self._append("hash", part, hashes[lo:hi])
                self._append("signature", part, signatures[lo:hi])

    def add_sets(self, signatures: np.ndarray, lengths: np.ndarray, holders: np.ndarray) -> None:
        """Append holder sets: sorted distinct signatures, the length of each
        set and their holders one set after the other."""
        ranges = self.signature_range(signatures)
        bounds = np.searchsorted(ranges, np.arange(SIGNATURE_RANGES + 1)).tolist()
        ends = np.concatenate(([0], np.cumsum(lengths))).tolist()
        for part in range(SIGNATURE_RANGES):
            lo, hi = bounds[part], bounds[part + 1]
            if hi > lo:
                self._append("set", part, signatures[lo:hi].astype(np.uint64, copy=False))
                self._append("length", part, lengths[lo:hi].astype(np.int64, copy=False))
                self._append("holders", part, holders[ends[lo] : ends[hi]].astype(np.int64, copy=False))

    def add_own(self, codes: np.ndarray, counts: np.ndarray) -> None:
        """Append pair codes (sorted) and their own shared counts."""
        bounds = np.searchsorted(codes, np.arange(PAIR_RANGES + 1, dtype=np.int64) * self.pair_width).tolist()
        entries = np.stack((codes.astype(np.int64, copy=False), counts.astype(np.int64, copy=False)), axis=1)
        for part in range(PAIR_RANGES):
            lo, hi = bounds[part], bounds[part + 1]
            if hi > lo:
                self._append("own", part, entries[lo:hi])

    def own_counts(self, wanted: np.ndarray) -> np.ndarray:
        """The own counts of the pair codes ``wanted``, summed over every
        part (0 for a pair none was added for); one range read at a time."""
        out = np.zeros(wanted.size, dtype=np.int64)
        ranges = wanted // self.pair_width
        for part in np.unique(ranges).tolist():
            entries = self._read("own", part, np.int64).reshape(-1, 2)
            if entries.size == 0:
                continue
            at = np.flatnonzero(ranges == part)
            out[at] = counts_of(*code_totals(entries[:, 0], entries[:, 1]), wanted[at])
        return out

    def signature_groups(self, min_fingerprints: int) -> Iterable[tuple[Members, np.ndarray, np.ndarray, np.ndarray]]:
        """Per signature range, the groups of ``min_fingerprints`` or more
        fingerprints: their members (the holders of the first set added with
        the signature), fingerprint counts, and the hashes of their
        fingerprints with the group (numbered within the range) of each."""
        for part in range(SIGNATURE_RANGES):
            signatures = self._read("signature", part, np.uint64)
            if signatures.size == 0:
                continue
            distinct, group_of, sizes = np.unique(signatures, return_inverse=True, return_counts=True)
            del signatures
            kept = np.flatnonzero(sizes >= min_fingerprints)
            if kept.size == 0:
                continue
            members = set_members(
                self._read("set", part, np.uint64), self._read("length", part, np.int64), self._read("holders", part, np.int64), distinct[kept],
            )
            number = np.full(distinct.size, -1, dtype=np.int64)
            number[kept] = np.arange(kept.size)
            group_of = number[group_of]
            keep = group_of >= 0
            yield members, sizes[kept], self._read("hash", part, np.uint64)[keep], group_of[keep]

    def forget_kept(self) -> None:
        """Drop the hashes kept for the groups formed before (groups are formed again)."""
        for name in ("kept-hash", "kept-group"):
            if os.path.exists(path := self._path(name, 0)):
                os.remove(path)

    def keep_hashes(self, hashes: np.ndarray, groups: np.ndarray) -> None:
        """Keep the hashes of the groups formed, with the group of each."""
        self._append("kept-hash", 0, hashes.astype(np.uint64, copy=False))
        self._append("kept-group", 0, groups.astype(np.int64, copy=False))

    def kept_hashes(self, number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kept hashes of the groups whose ``number`` (indexed by the
        group kept with them) is not negative, and that number of each;
        read a range of groups at a time."""
        hashes, groups = [], []
        path = self._path("kept-group", 0)
        total = os.path.getsize(path) // 8 if os.path.exists(path) else 0
        for lo in range(0, total, KEPT_PER_READ):
            count = min(KEPT_PER_READ, total - lo)
            group = number[np.fromfile(path, dtype=np.int64, count=count, offset=lo * 8)]
            taken = group >= 0
            hashes.append(np.fromfile(self._path("kept-hash", 0), dtype=np.uint64, count=count, offset=lo * 8)[taken])
            groups.append(group[taken])
        if not hashes:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        return np.concatenate(hashes), np.concatenate(groups)
