"""Documents longer than ``max_chars`` read as numbered parts, never cut silently.

:func:`~dedup.document.split_document` cuts a long text at a paragraph,
line or space; here each document so cut is named in a warning of kind
:data:`TOO_LONG` (read, not skipped).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from dedup.document import Document, split_document
from dedup.io.problems import InputProblem, ProblemLog

# The kind of the warning about a document read in parts.
TOO_LONG = "too-long"


def split_long(docs: Iterable[Document], max_chars: int, problems: ProblemLog) -> Iterator[Document]:
    """``docs``, each longer than ``max_chars`` characters split into parts
    (:func:`dedup.document.split_document`) with a warning naming it in
    ``problems`` (read, not skipped): never cut silently."""
    for doc in docs:
        if len(doc.text) <= max_chars:
            yield doc
            continue
        parts = split_document(doc, max_chars)
        problems.record(too_long_problem(doc.id, doc.origin, len(doc.text), [part.id for part in parts], max_chars))
        yield from parts


def too_long_problem(doc_id: str, origin: str, chars: int, part_ids: Sequence[str], max_chars: int) -> InputProblem:
    """The warning that a document of ``chars`` characters was read as the parts ``part_ids``."""
    return InputProblem(
        origin or doc_id,
        f"document {doc_id!r} has {chars:,} characters, more than max_chars ({max_chars:,}): "
        f"read as {len(part_ids)} parts, {part_ids[0]!r} to {part_ids[-1]!r}",
        TOO_LONG,
        skipped=False,
    )
