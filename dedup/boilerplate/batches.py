"""The per-document boilerplate pass in batches: documents and their corpus marks.

A batch is cut by the documents' lengths alone, so that from a store
(:class:`dedup.io.store.DocumentStore`) its documents travel as a view and
are read in the process that runs it, never decoded here only to be sent;
their blocks are cut there too.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from dedup.document import Document, document_lengths, take
from dedup.engine import runs_by_size

# A batch: its documents, the corpus marks of each, and whether each is
# known to have no blocks (its blocks could not be cut).
Batch = tuple[Sequence[Document], list, list]

BATCH_CHARS = 1 << 20


def document_batches(docs: Sequence[Document], marks: dict, unsplit: frozenset[int], documents: int, indices: Sequence[int] | None = None) -> Iterator[Batch]:
    """Batches of at most ``documents`` documents and about a megabyte of text.

    Args:
        docs: The documents (a list or a store).
        marks: ``document index -> corpus marks`` for the documents that have any.
        unsplit: The documents whose blocks could not be cut.
        documents: Most documents in a batch.
        indices: The documents to batch, in order (by default all).
    """
    lengths = document_lengths(docs)
    for _, run in runs_by_size(range(len(docs)) if indices is None else indices, lengths.__getitem__, BATCH_CHARS, documents):
        yield take(docs, run), [marks.get(k) for k in run], [k in unsplit for k in run]


def batch_size(batch: Batch) -> int:
    """Documents in a batch (for :class:`~dedup.engine.FaultBarrier`)."""
    return len(batch[1])


def without_documents(batch: Batch, positions: set[int]) -> Batch:
    """The batch without the documents at ``positions``."""
    docs, marks, unsplit = batch
    kept = [k for k in range(len(marks)) if k not in positions]
    return [docs[k] for k in kept], [marks[k] for k in kept], [unsplit[k] for k in kept]


def batch_document_id(batch: Batch, position: int) -> tuple[str, ...]:
    """The id of the document at ``position``."""
    return (batch[0][position].id,)


def ascii_word_counts(doc: Document, keys: Sequence[str]) -> list[int] | None:
    """``len(text.split())`` of each block of an ASCII document, from its
    key: the key joins the block's words by single spaces (case and white
    space are all that normalising changes in ASCII), so no block is split
    again. ``None`` for other documents.

    Args:
        doc: The document.
        keys: Its blocks' normalised texts (:func:`dedup.text.normalize.normalize_text`).
    """
    if not doc.text.isascii():
        return None
    return [key.count(" ") + 1 if key else 0 for key in keys]
