"""Result rows kept in a temporary file instead of memory.

A scan whose workers make the document rows (:mod:`dedup.near.shard_scan`)
appends them here as JSON lines, one shard at a time; the report reads them
back in order (:meth:`SpilledRows.dicts`), so the process that writes the
report never holds every row.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from typing import Any, Callable, Iterator


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
        """Append rows: JSON lines, each ending with a line break, ASCII only."""
        self._file.write(lines.encode("ascii"))
        self._count += lines.count("\n")

    def dicts(self) -> Iterator[dict[str, Any]]:
        """The rows as dicts, in order."""
        self._file.flush()
        with open(self._file.name, "rb") as handle:
            for line in handle:
                yield json.loads(line)

    def close(self) -> None:
        self._file.close()

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
