"""Result rows kept in a temporary file instead of memory.

A scan whose workers make the document rows (:mod:`dedup.near.shard_scan`)
appends them here as JSON lines, one shard at a time; the report reads them
back in order (:meth:`SpilledRows.dicts`), so the process that writes the
report never holds every row. A scan on a distributed engine keeps its
rows here between its text stages too: each stage that adds fields to the
rows rewrites the file in one pass (:func:`updated_rows`).
"""

from __future__ import annotations

import heapq
import io
import json
import pickle
import tempfile
from functools import partial
from itertools import islice
from collections.abc import Sequence
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np

from dedup.io.json_text import dumps_lines
from dedup.results import PairResult, collection_paused

# Rows encoded and written at a time: encoding a chunk holds several times
# its JSON text at once (a chunk of 2,000 pair rows with passages, about
# 20 MB), so chunks are kept small.
ROWS_PER_WRITE = 500


class SpilledRows(Sequence):
    """A sequence of rows written once as JSON lines and read back in order.

    Args:
        make: Builds a row object from its dict (e.g. a ``DocumentResult``).

    The file is removed when the object is closed or collected. Indexing
    reads the file up to the row asked for: meant for the few lookups of a
    view, not for random access.
    """

    def __init__(self, make: Callable[[dict[str, Any]], Any]) -> None:
        self._make = make
        self._file = tempfile.NamedTemporaryFile(prefix="dedup-rows-", suffix=".jsonl")
        self._count = 0

    def write(self, lines: str) -> None:
        """Append rows: JSON lines, each ending with a line break."""
        self._file.write(lines.encode("utf-8"))
        self._count += lines.count("\n")

    def dicts(self) -> Iterator[dict[str, Any]]:
        """The rows as dicts, in order."""
        self._file.flush()
        with open(self._file.name, "rb") as handle:
            for line in handle:
                yield json.loads(line)

    def close(self) -> None:
        self._file.close()

    def extend(self, rows: Iterable[Any]) -> None:
        """Append row objects (each with ``to_dict``), a chunk at a time
        (encoded by :func:`dedup.io.json_text.dumps_lines`; read back by the
        standard library, which reads every integer exactly)."""
        rows = iter(rows)
        while chunk := list(islice(rows, ROWS_PER_WRITE)):
            with collection_paused():
                self.write(dumps_lines([row.to_dict() for row in chunk]))

    def rewritten(self, update: Callable[[int, Any], None]) -> "SpilledRows":
        """The rows, each given to ``update(position, row)`` to change in
        place, in a new file (this one is closed): one pass, one row at a
        time in memory."""
        out = SpilledRows(self._make)
        out.extend(_updated(iter(self), update))
        self.close()
        return out

    def rewritten_in_batches(self, update: Callable[[list[Any]], None], size: int) -> "SpilledRows":
        """As :meth:`rewritten`, ``update(batch)`` given ``size`` rows at a time."""
        out = SpilledRows(self._make)
        out.extend(_updated_batches(iter(self), update, size))
        self.close()
        return out

    def __iter__(self) -> Iterator[Any]:
        return map(self._make, self.dicts())

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._make(row) for k, row in enumerate(self.dicts()) if k in range(*index.indices(self._count))]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(index)
        for k, row in enumerate(self.dicts()):
            if k == position:
                return self._make(row)
        raise IndexError(index)


class SortedRuns:
    """Items that arrive in runs, each run written to a temporary file in
    ``key`` order, read back in one pass merged in ``key`` order (on equal
    keys, runs in the order they came): a sort that holds one item of each
    run at a time.

    Args:
        key: The order of the items.

    Examples:
        >>> runs = SortedRuns(key=abs)
        >>> runs.add([3, -1])
        >>> runs.add([2])
        >>> [len(runs), list(runs)]
        [3, [-1, 2, 3]]
    """

    def __init__(self, key: Callable[[Any], Any]) -> None:
        self._key = key
        self._files: list = []
        self._count = 0

    def add(self, run: Iterable[Any]) -> None:
        """Write a run (sorted here, stably)."""
        out = tempfile.TemporaryFile(prefix="dedup-runs-")
        for item in sorted(run, key=self._key):
            _dump(item, out)
            self._count += 1
        self._files.append(out)

    def add_encoded(self, run: "EncodedRun") -> None:
        """Write a run already sorted and pickled (:func:`encoded_run`, with
        this object's ``key``) as it is: its items are not unpickled here."""
        out = tempfile.TemporaryFile(prefix="dedup-runs-")
        out.write(memoryview(run.data))
        self._count += run.count
        self._files.append(out)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        """Every item in order; the files are closed once read."""
        return heapq.merge(*map(_pickled, self._files), key=self._key)


class EncodedRun(NamedTuple):
    """A run of :class:`SortedRuns` made where its items are (a worker
    process): their pickles one after another, in order. One array, not an
    object per item and per field of it, so the process that collects the
    runs copies a buffer instead of rebuilding every item only to write it."""

    count: int
    data: np.ndarray  # uint8


def encoded_run(items: Iterable[Any], key: Callable[[Any], Any]) -> EncodedRun:
    """``items`` sorted stably by ``key`` and pickled as :meth:`SortedRuns.add`
    writes them, for :meth:`SortedRuns.add_encoded`."""
    out = io.BytesIO()
    count = 0
    for item in sorted(items, key=key):
        _dump(item, out)
        count += 1
    return EncodedRun(count, np.frombuffer(out.getbuffer(), dtype=np.uint8))


def _dump(item: Any, out) -> None:
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)


def _pickled(file) -> Iterator[Any]:
    with file:
        file.seek(0)
        while True:
            try:
                yield pickle.load(file)
            except EOFError:
                return


def _updated(rows: Iterable[Any], update: Callable[[int, Any], None]) -> Iterator[Any]:
    for position, row in enumerate(rows):
        update(position, row)
        yield row


def _updated_batches(rows: Iterator[Any], update: Callable[[list[Any]], None], size: int) -> Iterator[Any]:
    while batch := list(islice(rows, size)):
        update(batch)
        yield from batch


def updated_batches(rows: Sequence, update: Callable[[list[Any]], None], size: int) -> Sequence:
    """``rows`` with ``update(batch)`` applied to each run of ``size`` rows
    (the last one shorter), in order, changing the rows in place: for work
    done in array passes over a batch. A list is changed in place, spilled
    rows are rewritten to a new file (:meth:`SpilledRows.rewritten_in_batches`)."""
    if isinstance(rows, SpilledRows):
        return rows.rewritten_in_batches(update, size)
    for start in range(0, len(rows), size):
        update(rows[start : start + size])
    return rows


def updated_rows(rows: Sequence, update: Callable[[int, Any], None]) -> Sequence:
    """``rows`` with ``update(position, row)`` applied to each, in order:
    a list is changed in place, spilled rows are rewritten to a new file
    (:meth:`SpilledRows.rewritten`)."""
    if isinstance(rows, SpilledRows):
        return rows.rewritten(update)
    for position, row in enumerate(rows):
        update(position, row)
    return rows


def with_extra(rows: Sequence, key: str, values: Sequence[Any]) -> Sequence:
    """``rows`` with ``row.extra[key]`` set to ``values[k]`` for the ``k``-th
    row (rows past the end of ``values`` keep theirs), as :func:`updated_rows`.

    ``values`` may be a NumPy array: each row then gets its value as the
    Python number ``tolist`` gives, made as the row is (a list of them
    would hold a Python float a document through a whole stage).
    """
    if len(values) == 0:
        return rows
    return updated_rows(rows, partial(_set_item if hasattr(values, "dtype") else _set_extra, key, values))


def _set_extra(key: str, values: Sequence[Any], position: int, row: Any) -> None:
    if position < len(values):
        row.extra[key] = values[position]


def _set_item(key: str, values: Any, position: int, row: Any) -> None:
    if position < len(values):
        row.extra[key] = values[position].item()


def pair_from_dict(row: dict[str, Any]) -> PairResult:
    """A pair row read back (its extra fields are those no field names)."""
    names = PairResult.__dataclass_fields__
    return PairResult(**{k: v for k, v in row.items() if k in names and k != "extra"}, extra={k: v for k, v in row.items() if k not in names})

