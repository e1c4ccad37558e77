"""The per-document boilerplate pass in batches: documents and their corpus marks.

A batch is cut by the documents' lengths alone, so that from a store
(:class:`dedup.io.store.DocumentStore`) its documents travel as a view and
are read in the process that runs it, never decoded here only to be sent;
their blocks are cut there too.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from dedup.boilerplate.blocks import Block
from dedup.document import Document, document_lengths, take
from dedup.engine import runs_by_size
from dedup.text import shingles
from dedup.text.normalize import normalize_text

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


def block_keys(docs: Sequence[Document], blocks: Sequence[Sequence[Block]]) -> list[list[str]]:
    """Each document's normalised block texts (:func:`keys_and_words`)."""
    return keys_and_words(docs, blocks)[0]


def keys_and_words(docs: Sequence[Document], blocks: Sequence[Sequence[Block]]) -> tuple[list[list[str]], list[list[int] | None]]:
    """Each document's normalised block texts (:func:`normalize_text` of
    each block) and, for an ASCII document, its blocks' word counts
    (:func:`ascii_word_counts`). ASCII blocks, whose normalising is lower
    case and single spaces, are lowered and collapsed all at once by the
    compiled loop ``ascii_collapsed`` (``dedup/text/_loops.c``), where it
    was built, and their words counted from the spaces of the result.

    Args:
        docs: The documents.
        blocks: Each one's blocks.

    Returns:
        ``(keys, words)``: ``words`` is ``None`` for a document that is not ASCII.
    """
    collapse = shingles.ascii_collapsed
    ascii_docs = [i for i, doc in enumerate(docs) if collapse is not None and doc.text.isascii() and blocks[i]]
    texts = [b.text(docs[i].text) for i in ascii_docs for b in blocks[i]]
    keys: list[list[str]] = [[] for _ in docs]
    words: list[list[int] | None] = [None] * len(docs)
    if texts:
        codes = np.frombuffer(("\n".join(texts) + "\n").encode("ascii").lower(), dtype=np.uint8)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        out, ends = np.empty(codes.size, dtype=np.uint8), np.empty(len(texts), dtype=np.int64)
        collapse(codes, lengths, out, ends)
        collapsed = out[: ends[-1]].tobytes().decode("ascii")
        bounds = np.concatenate(([0], ends))
        # A key's words are its spaces and one (none in an empty key; the
        # padding byte gives an empty key at the end a place to start).
        is_space = np.append(out[: ends[-1]] == 32, False)
        spaces = np.add.reduceat(is_space, bounds[:-1], dtype=np.int64)
        counts = np.where(ends > bounds[:-1], spaces + 1, 0).tolist()
        bounds = bounds.tolist()
        at = 0
        for i in ascii_docs:
            size = len(blocks[i])
            keys[i] = [collapsed[bounds[k] : bounds[k + 1]] for k in range(at, at + size)]
            words[i] = counts[at : at + size]
            at += size
    done = set(ascii_docs)
    for i, doc in enumerate(docs):
        if i not in done:
            keys[i] = [normalize_text(b.text(doc.text)) for b in blocks[i]]
            words[i] = ascii_word_counts(doc, keys[i])
    return keys, words
