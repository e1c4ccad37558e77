"""What the boilerplate stage reads of a batch's ASCII blocks, in one compiled pass.

Each pass over a batch cuts the blocks of its documents, normalises them
(the keys), counts their words, keys them for the corpus repeat index
(without digits), tests the documents for a repeated sentence and counts
what the block features need. For ASCII text each of these was a loop of
its own over the batch, each joining and encoding the blocks again, with
Python per block between them. Here:

- :func:`batch_blocks` cuts the blocks of plain ASCII text that is not
  hard-wrapped (one block per non-empty line, trimmed) with the compiled
  ``ascii_lines``, and of every other document with
  :func:`dedup.boilerplate.blocks.document_blocks`;
- :func:`batch_figures` encodes the batch's ASCII documents once and
  ``ascii_block_pass`` (``dedup/text/_loops.c``) reads each block once:
  its key, its key without digits, its word count, the counts behind its
  features and its endings, then each document's sentence-repeat test over
  the keys it has just written.

Every figure equals its definition (:func:`~dedup.text.normalize.normalize_text`,
:func:`~dedup.boilerplate.repeats.key_of_normalized`,
:func:`~dedup.boilerplate.sentence_hashes.may_repeat_sentences`, the
features' counts); documents that are not ASCII, and every document where
the loops were not built, take those definitions.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from dedup.boilerplate.ascii_stats import KEY_WORDS
from dedup.boilerplate.batches import keys_and_words
from dedup.boilerplate.blocks import Block, document_blocks, wrap_width
from dedup.boilerplate.features import compiled_pass_tables
from dedup.boilerplate.repeats import key_of_normalized
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.document import Document
from dedup.engine.faults import StageFault, describe
from dedup.text.normalize import normalize_text
from dedup.text.shingles import compiled_loop

_pass_loop = compiled_loop("ascii_block_pass")
_lines_loop = compiled_loop("ascii_lines")

_COLUMNS = 12  # per block (:mod:`dedup.boilerplate.ascii_stats`' columns)
# Fewer line breaks than this: not hard-wrapped (:func:`dedup.boilerplate.blocks.wrap_width`'s own first test).
_WRAP_BREAKS = 5


@dataclass
class BatchFigures:
    """What the passes read of each document's blocks.

    Attributes:
        keys: Each document's normalised block texts (:func:`~dedup.text.normalize.normalize_text`).
        words: Each document's block word counts (``len(text.split())``), ``None`` where not ASCII.
        bare: Each document's block keys as the repeat index hashes them
            (:func:`~dedup.boilerplate.repeats.key_of_normalized`).
        repeats: Whether each document may repeat a sentence
            (:func:`~dedup.boilerplate.sentence_hashes.may_repeat_sentences`).
        counts: Per document, its blocks' figures from the compiled pass
            (``(blocks, 12)`` int64: the feature counts, the key's words,
            the two endings), ``None`` where the pass did not read it.
    """

    keys: list[list[str]]
    words: list[list[int] | None]
    bare: list[list[bytes]]
    repeats: list[bool]
    counts: list[np.ndarray | None]


def _plain_lines(doc: Document) -> bool:
    """Whether the document's blocks are its trimmed non-empty lines, cut in C."""
    text = doc.text
    return not doc.blocks and text.isascii() and (text.count("\n") < _WRAP_BREAKS or wrap_width(text) is None)


def batch_blocks(docs: Sequence[Document], faults: list[StageFault] | None = None) -> list[list[Block] | None]:
    """:func:`~dedup.boilerplate.blocks.document_blocks` of each document,
    the lines of plain ASCII text that is not hard-wrapped cut all at once;
    with ``faults``, ``None`` for a document whose blocks cannot be cut (and
    a fault for it, in the documents' order); without, its error is raised."""
    out: list[list[Block] | None] = [None] * len(docs)
    lines = [i for i, doc in enumerate(docs) if _lines_loop is not None and _plain_lines(doc)]
    if lines:
        texts = [docs[i].text for i in lines]
        codes = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
        ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
        bounds = np.empty((codes.size // 2 + len(texts), 2), dtype=np.int64)
        counts = np.empty(len(texts), dtype=np.int64)
        found = _lines_loop(codes, ends, bounds, counts)
        flat = bounds[:found].ravel().tolist()
        at = 0
        for i, start, size in zip(lines, (ends - np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))).tolist(), counts.tolist()):
            out[i] = [Block(flat[k] - start, flat[k + 1] - start) for k in range(at, at + 2 * size, 2)]
            at += 2 * size
    for i, doc in enumerate(docs):
        if out[i] is not None:
            continue
        try:
            out[i] = document_blocks(doc)
        except Exception as error:  # noqa: BLE001 - one document never costs the run
            if faults is None:
                raise
            faults.append(StageFault("boilerplate", (doc.id,), describe(error), traceback.format_exc()))
    return out


def batch_figures(docs: Sequence[Document], blocks: Sequence[Sequence[Block]], min_words: int) -> BatchFigures:
    """The :class:`BatchFigures` of a batch's documents and their blocks.

    Args:
        docs: The documents.
        blocks: Each one's blocks.
        min_words: ``sentence_min_words``.
    """
    if _pass_loop is None:
        keys, words = keys_and_words(docs, blocks)
        bare = [[key_of_normalized(key) for key in doc_keys] for doc_keys in keys]
        return BatchFigures(keys, words, bare, may_repeat_sentences(docs, keys, min_words), [None] * len(docs))
    figures = BatchFigures([[] for _ in docs], [None] * len(docs), [[] for _ in docs], [True] * len(docs), [None] * len(docs))
    ascii_docs = []
    for i, doc in enumerate(docs):
        if doc.text.isascii():
            ascii_docs.append(i)
        else:
            keys = figures.keys[i] = [normalize_text(b.text(doc.text)) for b in blocks[i]]
            figures.bare[i] = [key_of_normalized(key) for key in keys]
    if ascii_docs:
        _ascii_figures(docs, blocks, ascii_docs, min_words, figures)
    return figures


def _ascii_figures(docs: Sequence[Document], blocks: Sequence[Sequence[Block]], ascii_docs: list[int], min_words: int, figures: BatchFigures) -> None:
    """The figures of the ASCII documents, from one call of the compiled pass."""
    texts = [docs[i].text for i in ascii_docs]
    codes = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
    flat: list[int] = []
    start = 0
    for i, text in zip(ascii_docs, texts):
        for b in blocks[i]:
            flat += (start + b.start, start + b.end)
        start += len(text)
    sizes = np.fromiter((len(blocks[i]) for i in ascii_docs), dtype=np.int64, count=len(ascii_docs))
    n = int(sizes.sum())
    bounds = np.array(flat, dtype=np.int64).reshape(n, 2)
    chars = int((bounds[:, 1] - bounds[:, 0]).sum())
    keys = np.empty(chars + n + len(ascii_docs), dtype=np.uint8)
    key_bounds, bare, bare_ends = np.empty((n, 2), dtype=np.int64), np.empty(chars, dtype=np.uint8), np.empty(n, dtype=np.int64)
    out, repeats = np.empty((n, _COLUMNS), dtype=np.int64), np.empty(len(ascii_docs), dtype=np.uint8)
    written = _pass_loop(codes, bounds, sizes, *compiled_pass_tables(), keys, key_bounds, bare, bare_ends, out, repeats, max(min_words, 1))
    key_text = keys[:written].tobytes().decode("ascii")
    edges = key_bounds.ravel().tolist()
    bare_bytes = bare[: int(bare_ends[-1])].tobytes() if n else b""
    bare_edges = [0] + bare_ends.tolist()
    words = out[:, KEY_WORDS].tolist()
    at = 0
    for i, size, flag in zip(ascii_docs, sizes.tolist(), repeats.tolist()):
        figures.keys[i] = [key_text[edges[2 * k] : edges[2 * k + 1]] for k in range(at, at + size)]
        figures.bare[i] = [bare_bytes[bare_edges[k] : bare_edges[k + 1]] for k in range(at, at + size)]
        figures.words[i] = words[at : at + size]
        figures.repeats[i] = bool(flag)
        figures.counts[i] = out[at : at + size]
        at += size
