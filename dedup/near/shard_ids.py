"""Stage 1 over shards read by the workers, and the corpus-wide id rules
without every id in one place.

Each worker reads a shard (:func:`dedup.io.shards.read_shard`), cuts long
documents into parts and fingerprints them (:func:`shard_job`). What it
makes stays with the engine (:class:`ShardState`: ids, lengths, metadata,
hashes, band keys, shingle sets); the driver gets a :class:`ShardSummary`
of a size that does not grow with the shard's documents (counts, the first
problems of each kind, the few records read in parts or failed).

The id rules of :func:`~dedup.io.corpus.accept_id` (a repeated id is
skipped; an id another record file used is qualified by the file) only
concern ids read more than once. A shuffle by a hash of the id
(:func:`repeated_rows`) finds those records; any record whose id equals a
qualified form (``file:id``) of one of them joins them, until none does
(:func:`id_decisions`). The driver applies the rules to these records only,
in input order: every other record keeps its id, which is what the single
reader does with it. The driver holds the repeated ids, never all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import xxhash

from dedup.config import Settings
from dedup.document import split_document
from dedup.engine import Engine, FaultBarrier, ItemFault
from dedup.io.corpus import METADATA_FIELDS, accept_id
from dedup.io.parts import claim_part_names
from dedup.io.problems import SHOWN_PER_KIND, InputProblem, show_id
from dedup.io.records import RecordFields
from dedup.io.shards import Shard, ShardRecord, read_shard
from dedup.near.candidates import band_keys, lsh_params
from dedup.near.fingerprints import Fingerprints, blank_texts, fingerprint_batch, job_size
from dedup.text.shingles import ShingleBatch



@dataclass
class ShardState:
    """What a worker made of a shard; it stays with the engine.

    Records are the shard's non-empty ones, in order; rows are their parts
    (a record read in parts has one row per part).

    Attributes:
        ids: Each record's id as read.
        files: The record file that qualifies each id (``""``: none).
        origins: Where each record was read.
        parts: Rows of each record.
        metadata: date, source, url and title of each record (``{}``: none).
        chars: Length of each row.
        exact: ``(rows, 2)`` uint64 text hashes.
        counts: Distinct shingles of each row.
        band_keys: ``(rows, bands)`` uint64 LSH band keys.
        shingles: Each row's shingle set.
        failed: Rows whose fingerprinting failed (fingerprinted as empty texts).
    """

    ids: list[str]
    files: list[str]
    origins: list[str]
    parts: np.ndarray
    metadata: list[dict[str, str]]
    chars: np.ndarray
    exact: np.ndarray
    counts: np.ndarray
    band_keys: np.ndarray
    shingles: ShingleBatch
    failed: np.ndarray


@dataclass
class ShardSummary:
    """What the driver gets of a shard.

    Attributes:
        problems: ``(records before it, problem)``: the first problems of each kind.
        unshown: ``kind -> (count, skipped)`` of problems past those.
        records: Non-empty records.
        rows: Their parts.
        too_long: ``(record, id, origin, chars, parts)`` of each record read in parts.
        faults: ``(record, part, parts, id, fault)`` of each row whose fingerprinting failed.
    """

    problems: list[tuple[int, InputProblem]]
    unshown: dict[str, tuple[int, int]]
    records: int
    rows: int
    too_long: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    faults: list[tuple[int, int, int, str, ItemFault]] = field(default_factory=list)


def shard_job(job: tuple[int, Shard], settings: Settings, encoding: str | None, fields: RecordFields) -> tuple[ShardSummary, ShardState]:
    """Read shard number ``job[0]``, cut its long documents into parts and
    fingerprint them; a pure function of the shard's files.

    Returns:
        The summary for the driver, and the state that stays with the engine.
    """
    number, shard = job
    reading = read_shard(shard, encoding, fields)
    summary = ShardSummary([], dict(reading.unshown), 0, 0)
    ids: list[str] = []
    files: list[str] = []
    origins: list[str] = []
    metadata: list[dict[str, str]] = []
    texts: list[str] = []
    parts: list[int] = []
    empty = 0
    for event in reading.events:
        if not isinstance(event, ShardRecord):
            summary.problems.append((len(ids), event))
            continue
        doc = event.doc
        if not doc.text.strip():
            # accept_id's first rule; the examples are capped per shard like the reader's.
            empty += 1
            if empty <= SHOWN_PER_KIND:
                summary.problems.append((len(ids), InputProblem(doc.origin, f"document {show_id(doc.id)} is empty; skipped", "empty")))
            else:
                summary.unshown["empty"] = (empty - SHOWN_PER_KIND, empty - SHOWN_PER_KIND)
            continue
        pieces = split_document(doc, settings.max_chars)
        if len(pieces) > 1:
            summary.too_long.append((len(ids), doc.id, doc.origin, len(doc.text), len(pieces)))
        ids.append(doc.id)
        files.append(event.file)
        origins.append(doc.origin)
        metadata.append({key: getattr(doc, key) for key in METADATA_FIELDS if getattr(doc, key)})
        parts.append(len(pieces))
        texts.extend(piece.text for piece in pieces)
    barrier = FaultBarrier(partial(_fingerprint_rows, settings=settings), job_size, blank_texts)
    guarded = barrier((number, texts))
    fp = guarded.result
    failed = np.array(sorted(f.position for f in guarded.faults), dtype=np.int64)
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    state = ShardState(ids, files, origins, np.array(parts, dtype=np.int64), metadata, chars, fp.exact, fp.counts, fp.band_keys, fp.shingles, failed)
    summary.records, summary.rows = len(ids), len(texts)
    if guarded.faults:
        starts = np.concatenate(([0], np.cumsum(state.parts)))
        for fault in guarded.faults:
            record = int(np.searchsorted(starts, fault.position, side="right")) - 1
            summary.faults.append((record, fault.position - int(starts[record]), parts[record], ids[record], fault))
    return summary, state


def _fingerprint_rows(job: tuple[int, list[str]], settings: Settings) -> Fingerprints:
    """A batch's fingerprints with its shingle sets and band keys, without the signatures."""
    fp = fingerprint_batch(job[1], settings, keep_shingles=True)
    fp.band_keys = band_keys(fp.signatures, *lsh_params(settings.candidate_threshold, settings.num_perm))
    fp.signatures = None
    return fp


def id_hash(doc_id: str) -> int:
    """A 64-bit hash of an id, the same in every process."""
    return xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass"))


def id_columns(state: ShardState, shard: int) -> tuple[np.ndarray, np.ndarray]:
    """The shuffle by id: a hash of each record's id, and ``(shard, record)``
    rows; a record read in parts adds its parts' names (``<id>#1``, ...),
    which another record's id may equal."""
    split = np.flatnonzero(state.parts > 1).tolist()
    names = state.ids + [f"{state.ids[r]}#{k}" for r in split for k in range(1, int(state.parts[r]) + 1)]
    records = np.concatenate((np.arange(len(state.ids), dtype=np.int64), np.repeat(np.array(split, dtype=np.int64), state.parts[split])))
    keys = np.fromiter((id_hash(doc_id) for doc_id in names), dtype=np.uint64, count=len(names))
    values = np.stack([np.full(keys.size, shard, dtype=np.int64), records], axis=1)
    return keys, values


def repeated_rows(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The rows whose key (an id's hash) is met more than once in the partition."""
    if keys.size < 2:
        return np.zeros((0, 2), dtype=np.int64)
    same = keys[1:] == keys[:-1]
    repeated = np.zeros(keys.size, dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    return values[repeated]


Record = tuple[str, str, str, int, int]
"""``(id, file, origin, parts, first row)`` of a record."""


def records_at(records: list[int], state: ShardState) -> list[Record]:
    """What the id rules need of the shard's ``records``."""
    starts = np.concatenate(([0], np.cumsum(state.parts))).tolist()
    return [(state.ids[r], state.files[r], state.origins[r], int(state.parts[r]), starts[r]) for r in records]


def records_named(shard: int, state: ShardState, names: frozenset[str]) -> list[int]:
    """The shard's records whose id is one of ``names``."""
    return [r for r, doc_id in enumerate(state.ids) if doc_id in names]


Decided = dict[int, tuple[str | None, InputProblem | None, str | None]]
"""``record -> (the id it is kept under or None: skipped, the problem said
about it, the id its parts are numbered under as ``f"{id}#{number}"``)``:
the kept id, with the mark's extra ``#`` when a part's name was taken
(:func:`~dedup.io.parts.part_names`: ``x#`` for the parts ``x##1``, ...),
``None`` when skipped."""


def id_decisions(engine: Engine, handles: list[Any]) -> tuple[dict[int, Decided], dict[tuple[int, int], Record]]:
    """The id rules over the records whose id is read more than once (or
    equals a qualified id), in input order; every other record keeps its id.

    Args:
        engine: Holds the shards' states.
        handles: The state of each shard, in shard order.

    Returns:
        The decisions per shard, and the records decided on (``(shard, record) -> Record``).
    """
    sources = [(id_columns, handle, shard) for shard, handle in enumerate(handles)]
    found = [rows for rows in engine.map_partitions(repeated_rows, sources) if rows.size]
    involved: dict[tuple[int, int], Record] = {}
    _fetch(engine, handles, {(int(s), int(r)) for s, r in np.concatenate(found).tolist()} if found else set(), involved)
    looked: set[str] = set()
    while True:
        # Another record may hold a qualified id (file:id) or the name a part is given: it joins, and the rules run again.
        decisions, part_names = _decide(involved)
        names = ({f"{file}:{doc_id}" for doc_id, file, *_ in involved.values() if file} | part_names | _part_owners(part_names)) - looked
        if not names:
            break
        looked |= names
        named = engine.map_using(partial(records_named, names=frozenset(names)), [(shard, [handle]) for shard, handle in enumerate(handles)])
        new = {(shard, r) for shard, records in enumerate(named) for r in records} - involved.keys()
        if not new:
            break
        _fetch(engine, handles, new, involved)
    return decisions, involved


def _part_owners(part_names: set[str]) -> set[str]:
    """The ids whose parts may be given one of ``part_names``: ``x##1`` is
    the first part of ``x#`` as well as of ``x`` (whose mark grew), and
    ``x#`` must join the rules for ``x`` to take a longer mark still."""
    owners = set()
    for name in part_names:
        stem = name.rstrip("0123456789")
        marks = len(stem) - len(stem.rstrip("#"))
        owners.update(stem[:-k] for k in range(1, marks + 1))
    return owners


def _decide(involved: dict[tuple[int, int], Record]) -> tuple[dict[int, Decided], set[str]]:
    """The id rules over the records ``involved``, in input order: the
    decisions per shard, and the names given to the parts of those read in parts."""
    seen: dict[str, str] = {}
    decisions: dict[int, Decided] = {}
    named: set[str] = set()
    for (shard, record), (doc_id, file, origin, parts, _) in sorted(involved.items()):
        said: list[InputProblem] = []
        kept = accept_id(seen, file, doc_id, origin, False, lambda *problem: said.append(InputProblem(*problem)))
        numbered = kept
        if kept is not None and parts > 1:
            names = claim_part_names(seen, file, origin, kept, parts)
            named.update(names)
            numbered = names[0].rpartition("#")[0]
        decisions.setdefault(shard, {})[record] = (kept, said[0] if said else None, numbered)
    return decisions, named


def _fetch(engine: Engine, handles: list[Any], positions: set[tuple[int, int]], into: dict[tuple[int, int], Record]) -> None:
    """Add the records at ``positions`` (``(shard, record)``) to ``into``."""
    by_shard: dict[int, list[int]] = {}
    for shard, record in sorted(positions):
        by_shard.setdefault(shard, []).append(record)
    jobs = [(records, [handles[shard]]) for shard, records in by_shard.items()]
    for (shard, records), found in zip(by_shard.items(), engine.map_using(records_at, jobs)):
        into.update({(shard, r): record for r, record in zip(records, found)})
