"""Where named documents stand among a scan's documents, by hash, with no
object per named document held.

The provenance stage finds each paired document's position from its id.
A dict from id to position held a ``str``, an ``int`` and a slot per paired
document (about 150 bytes); here the names are hashed as they are read
(8 bytes each), the distinct hashes sorted, and the scan's ids hashed a
chunk at a time against them. Two ids with one hash would be told apart
only by their text: if the ids hashed to any wanted hash more than once,
the names are read again and looked up in a dict (exact, whatever the
hashes).
"""

from __future__ import annotations

from array import array
from itertools import islice
from typing import Callable, Hashable, Iterable, Sequence

import numpy as np

from dedup.text.distinct import distinct

# Ids hashed at a time.
_CHUNK = 8192


class NameHashes:
    """The hashes of names, appended as they are read (8 bytes each, in
    one array), for :func:`positions`."""

    def __init__(self, hash_of: Callable[[Hashable], int] = hash) -> None:
        self.hash_of = hash_of
        self._values = array("q")

    def add(self, name: str) -> None:
        """Append the hash of ``name``."""
        self._values.append(self.hash_of(name))

    def extend(self, names: Iterable[str]) -> None:
        """Append the hash of each of ``names``."""
        self._values.extend(map(self.hash_of, names))

    def __len__(self) -> int:
        return len(self._values)

    @property
    def values(self) -> np.ndarray:
        return np.frombuffer(self._values, dtype=np.int64) if self._values else np.zeros(0, dtype=np.int64)


def positions(hashes: NameHashes, ids: Sequence[str], names: Callable[[], Iterable[str]]) -> np.ndarray:
    """The position in ``ids`` of each name whose hash is in ``hashes``, in
    their order (of a repeated id, its last position).

    Args:
        hashes: The names' hashes, in order.
        ids: The documents' ids.
        names: Gives the names again, in the same order: read only if two
            ids share a wanted hash, or to name one not found.

    Raises:
        KeyError: A name is not among ``ids`` (found by its hash: one
            whose hash is that of an id is not, and is given that id's
            position; callers that may name other documents check).
    """
    wanted = distinct(hashes.values)
    found = np.full(len(wanted), -1, dtype=np.int64)
    hits = np.zeros(len(wanted), dtype=np.int64)
    if len(wanted):
        hash_of, every = hashes.hash_of, iter(ids)
        start = 0
        while len(chunk := np.fromiter(map(hash_of, islice(every, _CHUNK)), dtype=np.int64)):
            at = np.minimum(np.searchsorted(wanted, chunk), len(wanted) - 1)
            hit = np.flatnonzero(wanted[at] == chunk)
            found[at[hit]] = start + hit
            np.add.at(hits, at[hit], 1)  # a bincount here would walk every wanted hash a chunk
            start += len(chunk)
    if (hits > 1).any():  # two ids, one hash: only their text tells them apart
        return exact_positions(ids, names())
    if (hits == 0).any():
        absent = set(wanted[hits == 0].tolist())
        raise KeyError(next(name for name in names() if hashes.hash_of(name) in absent))
    return found[np.searchsorted(wanted, hashes.values)]


def exact_positions(ids: Sequence[str], names: Iterable[str]) -> np.ndarray:
    """As :func:`positions`, by a dict of the named ids."""
    names = list(names)
    named = set(names)
    position = {doc_id: k for k, doc_id in enumerate(ids) if doc_id in named}
    return np.fromiter((position[name] for name in names), dtype=np.int64, count=len(names))
