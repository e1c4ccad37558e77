"""Shingle sets kept by a distributed engine, and the size of the shards
its workers read.

A scan on a distributed engine (a cluster) keeps each batch's shingle sets
where the batch was fingerprinted (:class:`KeptSets`, through
:meth:`~dedup.engine.Engine.map_keep`) instead of spilling them to a
temporary folder, and verifies candidate pairs in tasks given the batches
that hold their documents' sets: no node needs a file system shared with
the others. At document level the workers also read the inputs
(:mod:`dedup.near.shard_scan`), in shards sized by :func:`shard_bytes`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from dedup.config import Settings
from dedup.engine import Engine, FaultBarrier, Guarded
from dedup.io.shards import SHARD_BYTES, file_size, input_files
from dedup.near.candidates import band_columns, shuffled_pairs
from dedup.near.verification import verified_columns, verify_pairs
from dedup.text.shingles import ShingleBatch

# Shards no smaller than this: below it a task costs more than its work.
MIN_SHARD_BYTES = 4 << 10


@dataclass
class KeptSets:
    """Shingle sets that stay where the engine made them, instead of a spill folder.

    Attributes:
        parts: ``(handle, documents, first document)`` per batch; the
            handle holds ``(band keys or None, ShingleBatch)``, a row per
            document of the batch, numbered from ``first document``.
    """

    parts: list[tuple[Any, int, int]] = field(default_factory=list)

    def candidates(self, engine: Engine, usable: np.ndarray) -> np.ndarray:
        """Stage 3 as a shuffle by band key where the band keys are kept:
        the pairs :func:`~dedup.near.candidates.pairs_from_keys` gives for
        the documents ``usable`` marks, without their band keys (``8 *
        bands`` bytes a document) passing through this process.

        Args:
            engine: The engine that holds the batches (their band keys).
            usable: A flag per document: paired only where set.

        Returns:
            ``(k, 2)`` int64 document numbers ``i < j``, sorted, unique.
        """
        n = len(usable)
        sources = ((_kept_band_columns, handle, usable[first : first + documents], first) for handle, documents, first in self.parts)
        return shuffled_pairs(engine, sources, n)

    def verify(self, engine: Engine, pairs: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
        """Stage 4 on ``engine``: each chunk of candidate pairs is verified by a
        task given the shards that hold its documents' shingle sets (no
        shared file system needed).

        Args:
            engine: The engine that holds the shingle sets.
            pairs: ``(k, 2)`` candidate document numbers ``i < j``.
            settings: ``threshold`` and ``batch_size`` (pairs per task) are used.

        Returns:
            The pairs kept, ``(k, 2)`` document numbers in the order given,
            and their ``(k, 3)`` Jaccard and containments: arrays, not a
            :class:`~dedup.near.verification.Verified` a pair in this process.
        """
        firsts = np.array([first for _, _, first in self.parts], dtype=np.int64)

        def jobs():
            for k in range(0, len(pairs), settings.batch_size):
                chunk = pairs[k : k + settings.batch_size]
                docs = np.unique(chunk)
                shard_of = np.searchsorted(firsts, docs, side="right") - 1
                needed = np.unique(shard_of).tolist()
                slot = {shard: position for position, shard in enumerate(needed)}
                where = {d: (slot[s], d - int(firsts[s])) for d, s in zip(docs.tolist(), shard_of.tolist())}
                yield (chunk, where), [self.parts[shard][0] for shard in needed]

        found = list(engine.map_using(partial(_verify_kept, threshold=settings.threshold), jobs()))
        if not found:
            return np.zeros((0, 2), dtype=np.int64), np.zeros((0, 3), dtype=np.float64)
        return np.concatenate([ends for ends, _ in found]), np.concatenate([figures for _, figures in found])


class BandKeySpill:
    """The band keys of stage 1's batches, appended to a file as they come
    and read back once, whole: joining the batches' arrays in memory would
    hold them twice (``8 * bands`` bytes a document each time).

    Args:
        folder: Where the file goes (a temporary folder that outlives the spill).
    """

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, "band-keys.bin")
        self.bands: int | None = None
        self.complete = True

    def take(self, part: Any) -> None:
        """Append ``part.band_keys`` (a batch's ``Fingerprints``) and drop them from the part."""
        if part.band_keys is None:
            self.complete = False
            return
        self.bands = part.band_keys.shape[1]
        with open(self.path, "ab") as out:
            out.write(np.ascontiguousarray(part.band_keys, dtype=np.uint64).tobytes())
        part.band_keys = None

    def joined(self, fingerprints: Any) -> Any:
        """``fingerprints`` (the batches' ``Fingerprints`` joined) with every
        batch's band keys in order, ``(documents, bands)``; ``None`` when
        some batch had none (as joining them would give)."""
        if self.complete and self.bands is not None:
            fingerprints.band_keys = np.fromfile(self.path, dtype=np.uint64).reshape(-1, self.bands)
        return fingerprints


def _verify_kept(job: tuple[np.ndarray, dict[int, tuple[int, int]]], *kept: tuple[np.ndarray, ShingleBatch], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~dedup.near.verification.verify_pairs` for a chunk of pairs whose
    documents' sets are ``kept[shard][1][row]`` (``job``: the pairs, and
    ``document -> (shard, row)``), as arrays (:func:`verified_columns`)."""
    pairs, where = job
    return verified_columns(verify_pairs(pairs, {doc: kept[shard][1][row] for doc, (shard, row) in where.items()}, threshold))


def _kept_band_columns(kept: tuple[np.ndarray, ShingleBatch], usable: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """A kept batch's band keys as shuffle columns
    (:func:`~dedup.near.candidates.band_columns`): its documents, numbered
    from ``first``, where ``usable``."""
    return band_columns(kept[0], np.where(usable, first + np.arange(usable.size), -1))


def keep_shingles(barrier: FaultBarrier, job: tuple[int, list[str]]) -> tuple[Guarded, tuple[np.ndarray, ShingleBatch]]:
    """``barrier(job)`` for :meth:`~dedup.engine.Engine.map_keep`: the guarded
    fingerprints come back, their band keys and shingle sets stay with the engine."""
    guarded = barrier(job)
    kept = guarded.result.band_keys, guarded.result.shingles
    guarded.result.band_keys = guarded.result.shingles = None
    return guarded, kept


def shard_bytes(paths: list[str], workers: int) -> int:
    """Bytes per shard: at most :data:`~dedup.io.shards.SHARD_BYTES`, and
    small enough that every worker gets several shards."""
    total = sum(file_size(path) for path, _ in input_files(paths, lambda *a, **k: None))
    return max(MIN_SHARD_BYTES, min(SHARD_BYTES, total // max(1, 4 * workers) + 1))
