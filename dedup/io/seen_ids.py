"""The ids a reader has kept, in a file instead of in memory.

The reader's id rules (:func:`dedup.io.corpus.accept_id`) look up every id
read among those kept before, with the file and place where each was read:
held as a dict, that is about 170 bytes a document for as long as the scan
runs. :class:`SeenIds` is the same mapping kept in an SQLite table in a
temporary folder, with a filter of fixed size in memory (two bits an id)
that answers most lookups, those of ids never read before, without the
table. Memory stays the filter's, whatever the corpus; past some millions of
ids more and more lookups reach the table (slower, still right).
"""

from __future__ import annotations

import os
import sqlite3

import xxhash

__all__ = ["SeenIds"]

# Ids written to the table at once.
_FLUSH_EVERY = 4096


def _encoded(text: str) -> bytes:
    # Ids and origins may hold lone surrogates, which SQLite's text refuses.
    return text.encode("utf-8", "surrogatepass")


class SeenIds:
    """``id -> where it was read``, for :func:`~dedup.io.corpus.accept_id`,
    kept in ``folder``.

    Args:
        folder: A temporary folder (the table's file is removed by :meth:`close`).
        filter_bits: The filter holds ``2 ** filter_bits`` bits (1 MiB by default).

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     seen = SeenIds(folder)
        ...     seen["a"] = "f.jsonl\\0f.jsonl:1"
        ...     ["a" in seen, "b" in seen, seen.get("a"), seen.get("b", "none")]
        ...     seen.close()
        [True, False, 'f.jsonl\\x00f.jsonl:1', 'none']
    """

    def __init__(self, folder: str | os.PathLike, filter_bits: int = 23) -> None:
        self.path = os.path.join(os.fspath(folder), "seen-ids.sqlite")
        # One thread writes and reads it: the reader's.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (id BLOB PRIMARY KEY, origin BLOB) WITHOUT ROWID")
        self._mask = (1 << filter_bits) - 1
        self._filter = bytearray(max(1, (1 << filter_bits) // 8))
        self._pending: dict[str, str] = {}

    def _bits(self, key: str) -> tuple[int, int]:
        h = xxhash.xxh64_intdigest(_encoded(key))
        return h & self._mask, (h >> 32) & self._mask

    def _may_hold(self, key: str) -> bool:
        return all(self._filter[bit >> 3] & (1 << (bit & 7)) for bit in self._bits(key))

    def get(self, key: str, default: str | None = None) -> str | None:
        if not self._may_hold(key):
            return default
        if key in self._pending:
            return self._pending[key]
        row = self._db.execute("SELECT origin FROM seen WHERE id = ?", (_encoded(key),)).fetchone()
        return default if row is None else row[0].decode("utf-8", "surrogatepass")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, origin: str) -> None:
        for bit in self._bits(key):
            self._filter[bit >> 3] |= 1 << (bit & 7)
        self._pending[key] = origin
        if len(self._pending) >= _FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        rows = [(_encoded(key), _encoded(origin)) for key, origin in self._pending.items()]
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?)", rows)
        self._db.execute("COMMIT")
        self._pending.clear()

    def close(self) -> None:
        """Close and remove the table (the mapping is unusable after)."""
        self._db.close()
        if os.path.exists(self.path):
            os.remove(self.path)
