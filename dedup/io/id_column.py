"""Document ids packed in one buffer.

A list of ids costs a Python string and a pointer a document (about 65
bytes for an id of ten characters); a scan that keeps every id for its
whole run (the document store) holds them here instead: the ids' UTF-8
bytes one after another and where each ends (the id's length plus 8 bytes).
"""

from __future__ import annotations

from array import array
from typing import Iterable, Iterator, Sequence, overload

# Lone surrogates (JSON allows them in strings) survive the round trip.
_ERRORS = "surrogatepass"


class IdColumn(Sequence[str]):
    """Ids appended in order, read back by position.

    Examples:
        >>> ids = IdColumn(["a", "été"])
        >>> ids.append("b")
        >>> [len(ids), ids[1], ids[-1], ids[:2]]
        [3, 'été', 'b', ['a', 'été']]
    """

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._data = bytearray()
        self._ends = array("q", [0])
        self.extend(ids)

    def append(self, doc_id: str) -> None:
        """Add ``doc_id`` at the end."""
        self._data += doc_id.encode("utf-8", _ERRORS)
        self._ends.append(len(self._data))

    def extend(self, ids: Iterable[str]) -> None:
        """:meth:`append` each of ``ids``."""
        for doc_id in ids:
            self.append(doc_id)

    def __len__(self) -> int:
        return len(self._ends) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("id index out of range")
        return self._data[self._ends[index] : self._ends[index + 1]].decode("utf-8", _ERRORS)

    def __iter__(self) -> Iterator[str]:
        data, ends = self._data, self._ends
        for k in range(len(ends) - 1):
            yield data[ends[k] : ends[k + 1]].decode("utf-8", _ERRORS)

    def __repr__(self) -> str:
        return repr(list(self))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

