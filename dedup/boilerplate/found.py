"""The boilerplate spans found so far, kept lean.

Most documents of a corpus have no boilerplate, so a map of every document
id to its spans is mostly empty lists (about 160 bytes a document). Here
only the documents with spans have an entry; which documents are done is
one byte each.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Sequence

import numpy as np

from dedup.boilerplate.spans import BoilerplateSpan


class FoundSpans(Mapping[str, list[BoilerplateSpan]]):
    """Each document's spans, read as a mapping of every id of the corpus.

    Args:
        ids: The corpus's document ids (unique), in order.

    Attributes:
        done: Whether each document's spans are known.
    """

    def __init__(self, ids: Sequence[str]) -> None:
        self._ids = ids
        self._spans: dict[str, list[BoilerplateSpan]] = {}
        self.done = np.zeros(len(ids), dtype=bool)

    def add_run(self, first: int, count: int, spans: Mapping[str, list[BoilerplateSpan]]) -> None:
        """The spans of the documents ``first`` to ``first + count - 1``
        that ``spans`` has; those documents are done."""
        for k in range(first, first + count):
            found = spans.get(self._ids[k])
            if found is not None:
                self.done[k] = True
                if found:
                    self._spans[self._ids[k]] = found

    def add_marked(self, marked: np.ndarray, spans: Sequence[list[BoilerplateSpan]]) -> None:
        """The spans of the documents at ``marked`` (their indices), in
        order; those documents are done."""
        self.done[marked] = True
        self._spans.update((self._ids[k], found) for k, found in zip(marked.tolist(), spans) if found)

    def add(self, spans: Mapping[str, list[BoilerplateSpan]]) -> None:
        """The spans of documents found by id (their ``done`` is not kept)."""
        self._spans.update((doc_id, found) for doc_id, found in spans.items() if found)

    def reopen(self, k: int) -> None:
        """Document ``k`` is not done: its spans are found again."""
        self.done[k] = False
        self._spans.pop(self._ids[k], None)

    def left(self) -> list[int]:
        """The documents not done, in order."""
        return np.flatnonzero(~self.done).tolist()

    def as_dict(self) -> dict[str, list[BoilerplateSpan]]:
        """``dict(self.items())``, made in one pass over the ids."""
        spans = self._spans
        return {doc_id: spans.get(doc_id) or [] for doc_id in self._ids}

    def __getitem__(self, doc_id: str) -> list[BoilerplateSpan]:
        # Any id of the corpus without an entry has no spans (ids are not checked: that set is what this saves).
        return self._spans.get(doc_id) or []

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
