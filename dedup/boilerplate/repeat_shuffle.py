"""The corpus repeat index of a distributed engine, as shuffles by key.

:func:`dedup.boilerplate.repeats.fingerprints_index` takes the block
fingerprints of every document into one process. On a distributed engine
the first pass keeps each run's fingerprints where its worker made them
(:class:`KeptFingerprints`, ``Engine.map_keep``), and two shuffles
(``Engine.map_partitions``) find the same index:

1. near repeats (when on): every long key's LSH band keys; a partition
   holds whole buckets and pairs the distinct keys of each as
   :func:`dedup.near.candidates.candidate_pairs` pairs the distinct long
   keys in hash order (all pairs, or a star around the smallest hash in a
   large bucket). The driver checks the candidates (a few: keys that
   collide) as the single process does and joins them;
2. counting: every block keyed by its group (its key's hash, or for a
   joined key the hash its near group is known by); a partition returns
   only the groups found in at least the corpus floor of documents, with
   their blocks.

The driver holds the candidates and the blocks of repeated groups, never
every document's fingerprints.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.boilerplate.repeats import (
    BlockFingerprints,
    NEAR_PERM,
    RepeatIndex,
    described_groups,
    join_near,
    joined_fingerprints,
    near_lsh_threshold,
)
from dedup.config import BoilerplateSettings
from dedup.document import Document
from dedup.engine import Engine, Guarded
from dedup.near.candidates import MAX_BUCKET_PAIRS, band_keys, lsh_params
from dedup.near.clusters import UnionFind

# The columns of a block in a shuffle: document, block, start, end, key hash (as int64).
_DOC, _BLOCK, _START, _END, _HASH = range(5)


class KeptFingerprints:
    """``map`` for :func:`dedup.boilerplate.repeats.keyed_runs`: each run's
    fingerprints stay where they were made (``Engine.map_keep``), their
    handles in run order in :attr:`handles`; the results carry only the
    documents whose blocks could not be cut.

    Args:
        engine: A distributed engine.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.handles: list[Any] = []

    def map(self, func: Callable, jobs: Iterable, in_flight: int = 2) -> Iterator:
        for result, kept in self._engine.map_keep(partial(kept_apart, func), jobs, in_flight):
            self.handles.append(kept)
            yield result


def kept_apart(func: Callable, job: Any) -> tuple[Any, BlockFingerprints]:
    """``func(job)`` (a first-pass result ``(fingerprints, spans)``, perhaps
    :class:`~dedup.engine.Guarded`) as ``(result, fingerprints)``, the
    result's fingerprints emptied but for their ``unsplit``."""
    out = func(job)
    fp, spans = out.result if isinstance(out, Guarded) else out
    stub = joined_fingerprints([])
    stub.unsplit, fp.unsplit = fp.unsplit, []
    return (Guarded((stub, spans), out.faults) if isinstance(out, Guarded) else (stub, spans)), fp


def shuffled_index(docs: Sequence[Document], unsplit: frozenset[int], handles: list[Any], settings: BoilerplateSettings, engine: Engine) -> RepeatIndex:
    """The :class:`RepeatIndex` of fingerprints kept by ``engine`` (the
    same as :func:`~dedup.boilerplate.repeats.fingerprints_index` of them all).

    Args:
        docs: The documents.
        unsplit: The documents whose blocks could not be cut.
        handles: Each run's kept fingerprints, in order.
        settings: Boilerplate settings.
        engine: The engine that keeps them.
    """
    members = representatives = np.zeros(0, dtype=np.uint64)
    if settings.near_repeats:
        members, representatives = _near_groups(docs, handles, settings, engine)
    floor = settings.min_corpus_docs(len(docs))
    sources = ((_group_columns, handle, members, representatives) for handle in handles)
    parts = list(engine.map_partitions(partial(repeated_groups, floor=floor), sources))
    keys = np.concatenate([k for k, _ in parts] or [np.zeros(0, dtype=np.uint64)])
    rows = np.concatenate([v for _, v in parts] or [np.zeros((0, 5), dtype=np.int64)])
    if keys.size == 0:
        return RepeatIndex([], {}, unsplit)
    order = np.lexsort((rows[:, _BLOCK], rows[:, _DOC]))  # the order of the blocks in the corpus
    keys, rows = keys[order], rows[order]
    _, group = np.unique(keys, return_inverse=True)
    # A group is "near" when it joins more than one exact key.
    keyed = np.unique(np.stack([group, rows[:, _HASH]], axis=1), axis=0)
    near_rows = (np.bincount(keyed[:, 0], minlength=group.max() + 1) > 1)[group]
    empty = np.zeros(0, dtype=np.int64)
    fp = BlockFingerprints(
        rows[:, _DOC].copy(), rows[:, _BLOCK].copy(), rows[:, _START].copy(), rows[:, _END].copy(),
        rows[:, _HASH].view(np.uint64).copy(), empty, np.zeros((0, NEAR_PERM), dtype=np.uint32),
    )
    found = described_groups(docs, fp, settings, group, np.arange(group.max() + 1), near_rows)
    found.unsplit = unsplit
    return found


def _near_groups(docs: Sequence[Document], handles: list[Any], settings: BoilerplateSettings, engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    """The keys joined to others as near repeats, sorted, and the hash each one's group is known by."""
    bands, rows = lsh_params(near_lsh_threshold(settings), NEAR_PERM)
    found = list(engine.map_partitions(bucket_candidates, ((_band_columns, handle, bands, rows) for handle in handles)))
    pairs = np.concatenate([p for p, _ in found] or [np.zeros((0, 2), dtype=np.uint64)])
    firsts = np.concatenate([f for _, f in found] or [np.zeros((0, 5), dtype=np.int64)])
    if pairs.size == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
    # Keys numbered in hash order, candidates in the order the single process checks them.
    keys, first = np.unique(firsts[:, _HASH].view(np.uint64), return_index=True)
    candidates = np.unique(np.searchsorted(keys, pairs), axis=0)
    where = firsts[first]
    sets = UnionFind(keys.size)
    join_near(sets, candidates.tolist(), lambda k: docs[int(where[k, _DOC])].text[int(where[k, _START]) : int(where[k, _END])], settings.near_threshold)
    roots = np.array(sets.roots(), dtype=np.int64)
    joined = np.bincount(roots, minlength=keys.size)[roots] > 1
    return keys[joined], keys[roots[joined]]


def _band_columns(fp: BlockFingerprints, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The shuffle's columns of a run's long keys: each one's band keys, and
    its block (:data:`_DOC` ... :data:`_HASH`) with the band, a row per band key."""
    n = fp.long_rows.size
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros((0, 6), dtype=np.int64)
    at = fp.long_rows
    blocks = np.stack([fp.doc_idx[at], fp.block_idx[at], fp.starts[at], fp.ends[at], fp.hashes[at].view(np.int64)], axis=1)
    keys = band_keys(fp.signatures, bands, rows)
    # Band after band, each in the run's order: the shuffle keeps the corpus's order within a key.
    values = np.concatenate([np.column_stack([blocks, np.full(n, band, dtype=np.int64)]) for band in range(bands)])
    return keys.T.reshape(-1).copy(), values


def bucket_candidates(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of the LSH buckets of one partition (band keys
    sorted, blocks in the corpus's order within a key).

    Returns:
        ``(pairs, firsts)``: pairs of key hashes ``(low, high)`` (uint64),
        and the first block of every key in a pair.
    """
    if keys.size < 2:
        return np.zeros((0, 2), dtype=np.uint64), np.zeros((0, 5), dtype=np.int64)
    hashes = values[:, _HASH].view(np.uint64)
    # By bucket (band key and band), then key hash; stable, so a key's first block comes first.
    order = np.lexsort((hashes, values[:, 5], keys))
    keys, values, hashes = keys[order], values[order], hashes[order]
    new_bucket = np.concatenate(([True], (keys[1:] != keys[:-1]) | (values[1:, 5] != values[:-1, 5])))
    distinct = new_bucket | np.concatenate(([True], hashes[1:] != hashes[:-1]))
    keys, values, hashes, new_bucket = keys[distinct], values[distinct], hashes[distinct], new_bucket[distinct]
    starts = np.flatnonzero(new_bucket)
    sizes = np.diff(np.append(starts, keys.size))
    pairs, used = [], []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
        members = hashes[start : start + size]  # ascending: the single process's order of keys
        if size <= MAX_BUCKET_PAIRS:
            i, j = np.triu_indices(size, k=1)
        else:  # a star around the smallest
            i, j = np.zeros(size - 1, dtype=np.int64), np.arange(1, size)
        pairs.append(np.stack([members[i], members[j]], axis=1))
        used.append(np.arange(start, start + size))
    if not pairs:
        return np.zeros((0, 2), dtype=np.uint64), np.zeros((0, 5), dtype=np.int64)
    return np.concatenate(pairs), values[np.concatenate(used), :5]


def _group_columns(fp: BlockFingerprints, members: np.ndarray, representatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shuffle's columns of a run's blocks: each one's group (its key's
    hash, or its near group's) and the block (:data:`_DOC` ... :data:`_HASH`)."""
    groups = fp.hashes.copy()
    if members.size:
        at = np.minimum(np.searchsorted(members, groups), members.size - 1)
        joined = members[at] == groups
        groups[joined] = representatives[at[joined]]
    return groups, np.stack([fp.doc_idx, fp.block_idx, fp.starts, fp.ends, fp.hashes.view(np.int64)], axis=1)


def repeated_groups(keys: np.ndarray, values: np.ndarray, floor: int) -> tuple[np.ndarray, np.ndarray]:
    """The blocks of one partition's groups found in at least ``floor``
    documents (keys sorted, blocks in the corpus's order within a key)."""
    if keys.size == 0:
        return keys, values
    new_group = np.concatenate(([True], keys[1:] != keys[:-1]))
    docs = values[:, _DOC]
    # Within a group the documents come in order: each change is one more document.
    new_doc = new_group | np.concatenate(([True], docs[1:] != docs[:-1]))
    group = np.cumsum(new_group) - 1
    counts = np.bincount(group, weights=new_doc, minlength=group[-1] + 1)
    kept = counts[group] >= floor
    return keys[kept], values[kept]
