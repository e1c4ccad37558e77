"""The document-level scan over shards read by the workers, with a driver
whose memory does not grow with the corpus.

The driver lists the shards (:func:`dedup.io.shards.plan_shards`) and each
worker reads, fingerprints and keeps one (:mod:`dedup.near.shard_ids`).
From then on every stage is a task where the shards' states are:

- the id rules: a shuffle by id hash (:func:`~dedup.near.shard_ids.id_decisions`);
- exact duplicates: a shuffle by text hash (:meth:`ShardedCorpus.exact_groups`);
- candidates: a shuffle by band key (:meth:`ShardedCorpus.candidates`);
- verification: tasks given the shards that hold their documents' sets
  (:meth:`ShardedCorpus.verify`);
- the document rows: a task per shard writes its rows as JSON lines
  (:meth:`ShardedCorpus.document_rows`), which the driver appends to a
  file, one shard at a time.

The driver keeps a few numbers per shard, the records whose id is read
more than once, and the pairs found (the clusters are made of them, and the
ids of their documents fetched for the report).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import numpy as np

from dedup.config import Settings
from dedup.engine import Engine, StageFault
from dedup.io.problems import InputProblem, ProblemLog
from dedup.io.records import RecordFields
from dedup.io.shards import Shard, count_lines, number_lines, plan_shards
from dedup.near.candidates import ITEMS_PER_PARTITION, band_columns, shuffled_pairs
from dedup.near.shard_ids import Decided, ShardState, ShardSummary, id_decisions, shard_job
from dedup.near.verification import verified_columns, verify_pairs
from dedup.results import DocumentResult



@dataclass
class ShardedCorpus:
    """The documents of every shard, where the workers keep them.

    Attributes:
        handles: Each shard's :class:`~dedup.near.shard_ids.ShardState`, in shard order.
        decided: Per shard, the records the id rules skipped or renamed.
        firsts: Each shard's first document number.
        documents: Documents in all.
    """

    handles: list[Any] = field(default_factory=list)
    decided: list[Decided] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)
    documents: int = 0

    def shard_of(self, numbers: np.ndarray) -> np.ndarray:
        """The shard of each document number."""
        return np.searchsorted(np.array(self.firsts, dtype=np.int64), numbers, side="right") - 1

    def _views(self) -> list[tuple[Any, dict[int, str | None], int]]:
        return [(handle, _kept_ids(decided), first) for handle, decided, first in zip(self.handles, self.decided, self.firsts)]

    def exact_groups(self, engine: Engine) -> list[tuple[list[int], bool]]:
        """Stage 2 as a shuffle by text hash: documents with the same
        normalised text (failed ones left out), groups of two or more in
        input order of their first member, each with whether its text has
        any shingle."""
        sources = [(_exact_columns, handle, decided, first) for handle, decided, first in self._views()]
        found = [group for part in engine.map_partitions(_exact_runs, sources, self.documents * 2 // ITEMS_PER_PARTITION + 1) for group in part]
        return sorted(found)

    def candidates(self, engine: Engine, left_out: np.ndarray) -> np.ndarray:
        """Stage 3 as a shuffle by band key: the candidate pairs of the
        documents with shingles, neither failed nor in ``left_out`` (sorted).

        Returns:
            ``(k, 2)`` int64 document numbers ``i < j``, sorted, unique.
        """
        n = self.documents
        shards = self.shard_of(left_out)
        sources = [(_band_source, handle, decided, first, left_out[shards == k]) for k, (handle, decided, first) in enumerate(self._views())]
        return shuffled_pairs(engine, sources, n)

    def verify(self, engine: Engine, pairs: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
        """Stage 4: each chunk of candidate pairs is verified by a task given
        the shards that hold its documents' shingle sets.

        Returns:
            The pairs kept, ``(k, 2)`` document numbers in the order given,
            and their ``(k, 3)`` Jaccard and containments.
        """
        views = self._views()
        jobs = (self._job_for(views, chunk, np.unique(chunk)) for chunk in (pairs[k : k + settings.batch_size] for k in range(0, len(pairs), settings.batch_size)))
        found = list(engine.map_using(partial(_verify_rows, threshold=settings.threshold), jobs))
        if not found:
            return np.zeros((0, 2), dtype=np.int64), np.zeros((0, 3), dtype=np.float64)
        return np.concatenate([ends for ends, _ in found]), np.concatenate([figures for _, figures in found])

    def _job_for(self, views, payload: Any, numbers: np.ndarray) -> tuple[tuple, list]:
        """A job for a task that needs the shards of document ``numbers``:
        ``((payload, where, places), handles)``; ``where``: number → slot,
        ``places[slot]``: (renamed ids, first document) of ``handles[slot]``."""
        shards = self.shard_of(numbers)
        needed = np.unique(shards).tolist()
        slot = {shard: k for k, shard in enumerate(needed)}
        places = [(views[s][1], views[s][2]) for s in needed]
        where = {d: slot[s] for d, s in zip(numbers.tolist(), shards.tolist())}
        return (payload, where, places), [views[s][0] for s in needed]

    def fields_of(self, engine: Engine, numbers: list[int]) -> dict[int, tuple[str, str | None, int]]:
        """``number -> (id, date, chars)`` of the given documents (a task per shard that holds some)."""
        numbers = np.array(numbers, dtype=np.int64)
        shards = self.shard_of(numbers)
        views = self._views()
        jobs = [self._job_for(views, None, numbers[shards == s]) for s in np.unique(shards).tolist()]
        out: dict[int, tuple[str, str | None, int]] = {}
        for part in engine.map_using(_fields_at, jobs):
            out.update(part)
        return out

    def document_rows(self, engine: Engine, nodes: np.ndarray, cluster_of: np.ndarray, representatives: list[str], write: Callable[[str], None]) -> int:
        """The document rows, as JSON lines, through ``write`` in input order.

        Args:
            engine: Holds the shards.
            nodes: The documents in a cluster, ascending.
            cluster_of: The cluster of each.
            representatives: The id of each cluster's representative.
            write: Takes each shard's lines.

        Returns:
            Documents without a word token (not those that failed).
        """
        shards = self.shard_of(nodes)

        def jobs():
            for k, (handle, decided, first) in enumerate(self._views()):
                mine = {d: (c, representatives[c]) for d, c in zip(nodes[shards == k].tolist(), cluster_of[shards == k].tolist())}
                yield (decided, first, mine), [handle]

        empty = 0
        for text, count in engine.map_using(_rows_of, jobs(), in_flight=1):
            write(text)
            empty += count
        return empty


def read_shards(
    paths: list[str],
    settings: Settings,
    engine: Engine,
    problems: ProblemLog,
    shard_bytes: int,
    faults: list[StageFault] | None = None,
    encoding: str | None = None,
    fields: RecordFields | None = None,
    too_long: Callable[[str, str, int, list[str]], InputProblem] | None = None,
) -> ShardedCorpus:
    """Stage 1 with the workers reading the inputs, and the id rules.

    Args:
        paths: Input files and folders (not ``-``).
        settings: ``max_chars`` and the fingerprint settings are used.
        engine: Runs the shard jobs and keeps what they make.
        problems: Where input problems go, in input order.
        shard_bytes: Input bytes per shard, at most.
        faults: Where fingerprint faults go.
        encoding: As for :class:`~dedup.io.corpus.CorpusReader`.
        fields: As for :class:`~dedup.io.corpus.CorpusReader`.
        too_long: ``too_long(id, origin, chars, part_ids)``: the warning
            about a document read in parts.
    """
    planned = plan_shards(paths, shard_bytes)
    shards = [item for item in planned if isinstance(item, Shard)]
    counts = iter(engine.map(count_lines, [s for s in shards if s.end is not None]))
    planned = list(number_lines(planned, [next(counts) if isinstance(s, Shard) and s.end is not None else 0 for s in planned]))
    job = partial(shard_job, settings=settings, encoding=encoding, fields=fields or RecordFields())
    numbered = ((k, item) for k, item in enumerate(planned) if isinstance(item, Shard))
    summaries: list[ShardSummary] = []
    corpus = ShardedCorpus()
    for summary, handle in engine.map_keep(job, numbered, in_flight=1):
        summaries.append(summary)
        corpus.handles.append(handle)
    decisions, involved = id_decisions(engine, corpus.handles)
    summaries_left = iter(summaries)
    shard = 0
    for item in planned:
        if isinstance(item, InputProblem):
            problems.record(item)
            continue
        summary = next(summaries_left)
        decided = decisions.get(shard, {})
        corpus.decided.append(decided)
        corpus.firsts.append(corpus.documents)
        skipped = {r: involved[shard, r] for r, (doc_id, *_) in decided.items() if doc_id is None}
        _report(summary, decided, problems, too_long)
        if faults is not None:
            faults.extend(_failures(summary, decided))
        corpus.documents += summary.rows - sum(record[3] for record in skipped.values())
        shard += 1
    return corpus


def _report(summary: ShardSummary, decided: Decided, problems: ProblemLog, too_long) -> None:
    """The shard's problems in input order: its own, the id rules', the too-long warnings."""
    events = [(before, 0, k, problem) for k, (before, problem) in enumerate(summary.problems)]
    events += [(record, 1, 0, problem) for record, (_, problem, _) in decided.items() if problem is not None]
    if too_long is not None:
        for record, doc_id, origin, chars, parts in summary.too_long:
            kept, _, numbered = decided.get(record, (doc_id, None, doc_id))
            if kept is not None:
                events.append((record, 2, 0, too_long(kept, origin, chars, [f"{numbered}#{k}" for k in range(1, parts + 1)])))
    for *_, problem in sorted(events, key=lambda event: event[:3]):
        problems.record(problem)
    for kind, (count, skipped) in summary.unshown.items():
        problems.count_unshown(kind, count, skipped)


def _failures(summary: ShardSummary, decided: Decided) -> list[StageFault]:
    """The faults of the shard's kept documents whose fingerprinting failed, named by their ids."""
    found = []
    for record, part, parts, doc_id, fault in summary.faults:
        kept, _, numbered = decided.get(record, (doc_id, None, doc_id))
        if kept is not None:
            found.append(StageFault.of("fingerprint", fault, [kept if parts == 1 else f"{numbered}#{part + 1}"]))
    return found


def _kept_ids(decided: Decided) -> dict[int, str | None]:
    """``record -> id`` of the records the id rules skipped (``None``) or
    renamed: the id a record's parts are numbered under (``f"{id}#{number}"``)."""
    return {record: numbered for record, (_, _, numbered) in decided.items()}


def _view(state: ShardState, kept_ids: dict[int, str | None]) -> tuple[np.ndarray, np.ndarray]:
    """The rows kept (a mask), and the record of each row."""
    keep = np.ones(len(state.ids), dtype=bool)
    for record, doc_id in kept_ids.items():
        if doc_id is None:
            keep[record] = False
    records = np.repeat(np.arange(len(state.ids)), state.parts)
    return keep[records], records


def _numbers(state: ShardState, kept_ids: dict[int, str | None], first: int) -> np.ndarray:
    """The document number of each row (-1: not a document)."""
    keep, _ = _view(state, kept_ids)
    numbers = np.full(keep.size, -1, dtype=np.int64)
    numbers[keep] = np.arange(first, first + int(keep.sum()))
    return numbers


def _usable(state: ShardState, numbers: np.ndarray) -> np.ndarray:
    """``numbers`` with the failed rows left out (-1)."""
    numbers = numbers.copy()
    numbers[state.failed] = -1
    return numbers


def _exact_columns(state: ShardState, kept_ids: dict[int, str | None], first: int) -> tuple[np.ndarray, np.ndarray]:
    numbers = _usable(state, _numbers(state, kept_ids, first))
    rows = np.flatnonzero(numbers >= 0)
    exact = state.exact[rows]
    return exact[:, 0].copy(), np.stack([exact[:, 1].view(np.int64), numbers[rows], state.counts[rows].astype(np.int64)], axis=1)


def _exact_runs(keys: np.ndarray, values: np.ndarray) -> list[tuple[list[int], bool]]:
    """Groups of documents with the same text hash (both halves), members
    ascending, with whether the first has any shingle."""
    if keys.size < 2:
        return []
    order = np.lexsort((values[:, 1], values[:, 0], keys))
    keys, values = keys[order], values[order]
    same = (keys[1:] == keys[:-1]) & (values[1:, 0] == values[:-1, 0])
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    sizes = np.diff(np.concatenate((starts, [keys.size])))
    return [(values[s : s + k, 1].tolist(), bool(values[s, 2] > 0)) for s, k in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist())]


def _band_source(state: ShardState, kept_ids: dict[int, str | None], first: int, left_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    numbers = _usable(state, _numbers(state, kept_ids, first))
    numbers[state.counts == 0] = -1
    numbers[np.isin(numbers, left_out)] = -1
    return band_columns(state.band_keys, numbers)


def _rows_for(job: tuple, states: tuple[ShardState, ...]) -> dict[int, tuple[int, int, int]]:
    """``number -> (slot, row, record)`` of the documents of a job made by
    ``ShardedCorpus._job_for``, where ``states[slot]`` holds the document."""
    _, where, places = job
    views = [_view(state, kept_ids) for state, (kept_ids, _) in zip(states, places)]
    kept_rows = [np.flatnonzero(keep) for keep, _ in views]
    out = {}
    for d, s in where.items():
        row = int(kept_rows[s][d - places[s][1]])
        out[d] = (s, row, int(views[s][1][row]))
    return out


def _verify_rows(job: tuple, *states: ShardState, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    rows = _rows_for(job, states)
    return verified_columns(verify_pairs(job[0], {d: states[s].shingles[row] for d, (s, row, _) in rows.items()}, threshold))


def _fields_at(job: tuple, *states: ShardState) -> dict[int, tuple[str, str | None, int]]:
    out = {}
    places = job[2]
    starts = [np.concatenate(([0], np.cumsum(state.parts))) for state in states]
    for d, (s, row, record) in _rows_for(job, states).items():
        state = states[s]
        doc_id = places[s][0].get(record, state.ids[record])
        if state.parts[record] > 1:
            doc_id = f"{doc_id}#{row - int(starts[s][record]) + 1}"
        out[d] = (doc_id, state.metadata[record].get("date"), int(state.chars[row]))
    return out


def _rows_of(job: tuple, state: ShardState) -> tuple[str, int]:
    """The shard's document rows as JSON lines (ASCII, so that any id
    survives the round trip), and how many are empty."""
    kept_ids, first, clusters = job
    keep, records = _view(state, kept_ids)
    failed = np.zeros(keep.size, dtype=bool)
    failed[state.failed] = True
    lines, empty, number = [], 0, first
    part = 0
    for row in range(keep.size):
        record = int(records[row])
        part = part + 1 if row and records[row - 1] == record else 1
        if not keep[row]:
            continue
        doc_id = kept_ids.get(record, state.ids[record])
        parts = int(state.parts[record])
        count = int(state.counts[row])
        row_id = doc_id if parts == 1 else f"{doc_id}#{part}"
        cluster, representative = clusters.get(number, (None, None))
        duplicate_of = representative if representative != row_id else None
        result = DocumentResult(row_id, int(state.chars[row]), count, cluster, duplicate_of, dict(state.metadata[record]), {})
        if count == 0 and not failed[row]:
            result.extra["empty"] = True
            empty += 1
        lines.append(json.dumps(result.to_dict()))
        number += 1
    return "".join(line + "\n" for line in lines), empty

