"""Documents longer than ``max_chars`` read as numbered parts, never cut silently.

:func:`~dedup.document.split_document` cuts a long text at a paragraph,
line or space; here each document so cut is named in a warning of kind
:data:`TOO_LONG` (read, not skipped).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Container, Iterable, Iterator, MutableMapping, Sequence

from dedup.document import Document, split_document
from dedup.io.problems import InputProblem, ProblemLog, show_id

# The kind of the warning about a document read in parts.
TOO_LONG = "too-long"


def split_long(
    docs: Iterable[Document], max_chars: int, problems: ProblemLog, name_parts: Callable[[Document, int], list[str]] | None = None,
) -> Iterator[Document]:
    """``docs``, each longer than ``max_chars`` characters split into parts
    (:func:`dedup.document.split_document`) with a warning naming it in
    ``problems`` (read, not skipped): never cut silently.

    Args:
        docs: The documents.
        max_chars: Longest document, in characters.
        problems: Where the warnings go.
        name_parts: ``name_parts(doc, parts)``, the ids of a document's
            parts (a reader's :meth:`~dedup.io.corpus.CorpusReader.claim_part_names`).
            By default the parts avoid every id of ``docs`` when it is a
            sequence (those read so far otherwise) and each other's.
    """
    streamed = name_parts is None and not isinstance(docs, Sequence)
    if name_parts is None:
        taken: dict[str, str] = {} if streamed else {doc.id: "" for doc in docs}  # type: ignore[union-attr]

        def name_parts(doc: Document, parts: int) -> list[str]:
            return claim_part_names(taken, "", doc.origin, doc.id, parts)
    for doc in docs:
        if streamed:
            taken[doc.id] = ""
        if len(doc.text) <= max_chars:
            yield doc
            continue
        parts = split_document(doc, max_chars)
        names = name_parts(doc, len(parts))
        parts = [part if part.id == name else replace(part, id=name) for part, name in zip(parts, names)]
        problems.record(too_long_problem(doc.id, doc.origin, len(doc.text), names, max_chars))
        yield from parts


def part_names(doc_id: str, parts: int, taken: Container[str]) -> list[str]:
    """The ids of a document's ``parts`` parts: ``<id>#1`` to ``<id>#<parts>``,
    with one ``#`` more while one of them is ``taken``, so that a part never
    takes the id of another document (``<id>##1``, ... when a record ``<id>#1``
    came before it).

    Examples:
        >>> part_names("L", 2, {"L#2"})
        ['L##1', 'L##2']
    """
    mark = "#"
    while any(f"{doc_id}{mark}{k}" in taken for k in range(1, parts + 1)):
        mark += "#"
    return [f"{doc_id}{mark}{k}" for k in range(1, parts + 1)]


def claim_part_names(seen: MutableMapping[str, str], file: str, origin: str, doc_id: str, parts: int) -> list[str]:
    """:func:`part_names` avoiding the ids in ``seen``, added to it as
    :func:`~dedup.io.corpus.accept_id` adds a kept id: a record read later
    with one of them is a repeated id (skipped, or qualified by its file
    when another record file read it), as if the part were a record.

    Args:
        seen: Ids kept so far: ``id -> "file\\0origin"`` (updated).
        file: The record file the document was read from (``""``: none).
        origin: Where it was read.
        doc_id: The id it is kept under.
        parts: How many parts it has.
    """
    names = part_names(doc_id, parts, seen)
    where = f"{file}\0{origin or doc_id}, as a part of {show_id(doc_id)}"
    for name in names:
        seen[name] = where
    return names


def too_long_problem(doc_id: str, origin: str, chars: int, part_ids: Sequence[str], max_chars: int) -> InputProblem:
    """The warning that a document of ``chars`` characters was read as the parts ``part_ids``."""
    return InputProblem(
        origin or doc_id,
        f"document {doc_id!r} has {chars:,} characters, more than max_chars ({max_chars:,}): "
        f"read as {len(part_ids)} parts, {part_ids[0]!r} to {part_ids[-1]!r}",
        TOO_LONG,
        skipped=False,
    )
