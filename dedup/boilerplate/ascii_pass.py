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
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import xxhash

from dedup.boilerplate.ascii_stats import BARE_WORDS, KEY_WORDS
from dedup.boilerplate.batches import keys_and_words
from dedup.boilerplate.blocks import Block, document_blocks, wrap_width
from dedup.boilerplate.features import compiled_pass_tables
from dedup.boilerplate.repeats import BlockFingerprints, key_of_normalized, key_signatures
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.document import Document
from dedup.engine.faults import StageFault, describe
from dedup.text.normalize import normalize_text
from dedup.text.shingles import compiled_loop

_pass_loop = compiled_loop("ascii_block_pass")
_lines_loop = compiled_loop("ascii_lines")
_pieces_loop = compiled_loop("ascii_pieces")

_COLUMNS = 13  # per block (:mod:`dedup.boilerplate.ascii_stats`' columns)
# Fewer line breaks than this: not hard-wrapped (:func:`dedup.boilerplate.blocks.wrap_width`'s own first test).
_WRAP_BREAKS = 5


@dataclass
class BatchFigures:
    """What the passes read of each document's blocks.

    Attributes:
        keys: Each document's normalised block texts (:func:`~dedup.text.normalize.normalize_text`).
        words: Each document's block word counts (``len(text.split())``), ``None`` where not ASCII.
        repeats: Whether each document may repeat a sentence
            (:func:`~dedup.boilerplate.sentence_hashes.may_repeat_sentences`).
        counts: Per document, its blocks' figures from the compiled pass
            (``(blocks, 13)`` int64, :mod:`dedup.boilerplate.ascii_stats`'
            columns), ``None`` where the pass did not read it.
        bare: Every block's key as the repeat index hashes it
            (:func:`~dedup.boilerplate.repeats.key_of_normalized`), the
            documents' blocks one document after the other.
        bare_words: The words of each of those keys.
    """

    keys: list[list[str]]
    words: list[list[int] | None]
    repeats: list[bool]
    counts: list[np.ndarray | None]
    bare: list[bytes] = field(default_factory=list)
    bare_words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def marking(self, positions: Sequence[int]) -> BatchFigures:
        """What marking the documents at ``positions`` reads of their
        figures (their keys for the repeat index are left out)."""
        return BatchFigures(*([column[d] for d in positions] for column in (self.keys, self.words, self.repeats, self.counts)))


def _plain_lines(doc: Document) -> bool:
    """Whether the document's blocks are its trimmed non-empty lines, cut in C."""
    text = doc.text
    return not doc.blocks and text.isascii() and (not _breaks_at_least(text, _WRAP_BREAKS) or wrap_width(text) is None)


def _breaks_at_least(text: str, count: int) -> bool:
    """Whether ``text`` holds ``count`` line breaks (``text.count("\n") >= count``):
    a search for each (a text of one line is read once, and faster than
    counting) instead of counting all of a long text's."""
    at = -1
    for _ in range(count):
        at = text.find("\n", at + 1)
        if at < 0:
            return False
    return True


@dataclass
class CutLines:
    """The documents of a batch whose blocks :func:`cut_blocks` cut in C,
    as the compiled pass reads them.

    Attributes:
        positions: Their places in the batch, in order.
        codes: Their texts' ASCII codes, one text after the other.
        bounds: Their blocks' ``(start, end)`` in ``codes`` (int64, one row a block).
        sizes: How many blocks each has.
        edges: Their blocks' ``(start, end)`` in their own text (int64, one row a block).
    """

    positions: list[int]
    codes: np.ndarray
    bounds: np.ndarray
    sizes: np.ndarray
    edges: np.ndarray


def batch_blocks(docs: Sequence[Document], faults: list[StageFault] | None = None) -> list[list[Block] | None]:
    """:func:`~dedup.boilerplate.blocks.document_blocks` of each document,
    the lines of plain ASCII text that is not hard-wrapped cut all at once;
    with ``faults``, ``None`` for a document whose blocks cannot be cut (and
    a fault for it, in the documents' order); without, its error is raised."""
    return cut_blocks(docs, faults)[0]


def cut_blocks(docs: Sequence[Document], faults: list[StageFault] | None = None) -> tuple[list[list[Block] | None], CutLines | None]:
    """:func:`batch_blocks`, and what :func:`batch_figures` may read of the
    documents cut in C instead of encoding and gathering them again
    (``None`` when none was)."""
    out: list[list[Block] | None] = [None] * len(docs)
    lines = [i for i, doc in enumerate(docs) if _lines_loop is not None and _plain_lines(doc)]
    cut = None
    if lines:
        texts = [docs[i].text for i in lines]
        codes = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lengths)
        bounds = np.empty((codes.size // 2 + len(texts), 2), dtype=np.int64)
        counts = np.empty(len(texts), dtype=np.int64)
        found = _lines_loop(codes, ends, bounds, counts)
        edges = bounds[:found] - np.repeat(ends - lengths, counts)[:, None]
        cut = CutLines(lines, codes, bounds[:found], counts, edges)
        starts, stops, last = edges[:, 0].tolist(), edges[:, 1].tolist(), np.cumsum(counts).tolist()
        plain = Block.plain
        for i, a, b in zip(lines, [0] + last[:-1], last):
            out[i] = list(map(plain, starts[a:b], stops[a:b]))
    for i, doc in enumerate(docs):
        if out[i] is not None:
            continue
        try:
            out[i] = document_blocks(doc)
        except Exception as error:  # noqa: BLE001 - one document never costs the run
            if faults is None:
                raise
            faults.append(StageFault("boilerplate", (doc.id,), describe(error), traceback.format_exc()))
    return out, cut


def batch_figures(docs: Sequence[Document], blocks: Sequence[Sequence[Block]], min_words: int, lines: CutLines | None = None) -> BatchFigures:
    """The :class:`BatchFigures` of a batch's documents and their blocks.

    Args:
        docs: The documents.
        blocks: Each one's blocks.
        min_words: ``sentence_min_words``.
        lines: What :func:`cut_blocks` gave with these blocks, if they were
            cut so; read when its documents are the batch's ASCII ones.
    """
    if _pass_loop is None:
        keys, words = keys_and_words(docs, blocks)
        bare = [key_of_normalized(key) for doc_keys in keys for key in doc_keys]
        return BatchFigures(keys, words, may_repeat_sentences(docs, keys, min_words), [None] * len(docs), bare, _words_of(bare))
    if lines is not None and len(lines.positions) == len(docs):
        ascii_docs = lines.positions  # (the lines of every document were cut: all are ASCII)
    else:
        ascii_docs = [i for i, doc in enumerate(docs) if doc.text.isascii()]
    figures = BatchFigures([[] for _ in docs], [None] * len(docs), [True] * len(docs), [None] * len(docs))
    if lines is not None and lines.positions != ascii_docs:
        lines = None
    ascii_bare, ascii_words = _ascii_figures(docs, blocks, ascii_docs, min_words, figures, lines) if ascii_docs else ([], [])
    if len(ascii_docs) == len(docs):
        figures.bare, figures.bare_words = ascii_bare, np.array(ascii_words, dtype=np.int64)
        return figures
    # Documents that are not ASCII take the definitions, in the documents' order.
    bare: list[bytes] = []
    at = 0
    for i, doc in enumerate(docs):
        if doc.text.isascii():
            bare += ascii_bare[at : at + len(blocks[i])]
            at += len(blocks[i])
        else:
            figures.keys[i] = [normalize_text(b.text(doc.text)) for b in blocks[i]]
            bare += [key_of_normalized(key) for key in figures.keys[i]]
    figures.bare, figures.bare_words = bare, _words_of(bare)
    return figures


def _block_edges(blocks: Sequence[Sequence[Block]], count: int) -> np.ndarray:
    """The ``(start, end)`` of the ``count`` blocks of the documents, one
    document after the other (int64, one row a block)."""
    return np.fromiter((x for doc_blocks in blocks for b in doc_blocks for x in (b.start, b.end)), dtype=np.int64, count=2 * count).reshape(-1, 2)


def _words_of(keys: list[bytes]) -> np.ndarray:
    """The words of each single-spaced key."""
    return np.fromiter((key.count(b" ") + 1 if key else 0 for key in keys), dtype=np.int64, count=len(keys))


def _ascii_figures(
    docs: Sequence[Document], blocks: Sequence[Sequence[Block]], ascii_docs: list[int], min_words: int, figures: BatchFigures, lines: CutLines | None = None
) -> tuple[list[bytes], list[int]]:
    """The figures of the ASCII documents, from one call of the compiled
    pass, into ``figures``; their blocks' keys without digits and the words
    of each are returned (``lines``: the same documents' codes and bounds,
    when :func:`cut_blocks` cut them)."""
    if lines is not None:
        codes, bounds, sizes = lines.codes, lines.bounds, lines.sizes
    else:
        texts = [docs[i].text for i in ascii_docs]
        codes = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
        starts = np.cumsum([0] + [len(text) for text in texts[:-1]])
        sizes = np.fromiter((len(blocks[i]) for i in ascii_docs), dtype=np.int64, count=len(ascii_docs))
        bounds = _block_edges([blocks[i] for i in ascii_docs], int(sizes.sum())) + np.repeat(starts, sizes)[:, None]
    n = int(sizes.sum())
    chars = int((bounds[:, 1] - bounds[:, 0]).sum())
    keys = np.empty(chars + n + len(ascii_docs), dtype=np.uint8)
    key_bounds, bare, bare_ends = np.empty((n, 2), dtype=np.int64), np.empty(chars, dtype=np.uint8), np.empty(n, dtype=np.int64)
    out, repeats = np.empty((n, _COLUMNS), dtype=np.int64), np.empty(len(ascii_docs), dtype=np.uint8)
    written = _pass_loop(codes, bounds, sizes, *compiled_pass_tables(), keys, key_bounds, bare, bare_ends, out, repeats, max(min_words, 1))
    all_keys = ascii_pieces(keys[:written], key_bounds[:, 0], key_bounds[:, 1], True)
    words = out[:, KEY_WORDS].tolist()
    ends = np.cumsum(sizes).tolist()
    cuts = list(map(slice, [0] + ends[:-1], ends))  # each document's blocks
    if len(ascii_docs) == len(docs):
        figures.keys, figures.words = list(map(all_keys.__getitem__, cuts)), list(map(words.__getitem__, cuts))
        figures.repeats, figures.counts = repeats.astype(bool).tolist(), list(map(out.__getitem__, cuts))
    else:
        for i, cut, flag in zip(ascii_docs, cuts, repeats.tolist()):
            figures.keys[i], figures.words[i], figures.repeats[i], figures.counts[i] = all_keys[cut], words[cut], bool(flag), out[cut]
    bare_starts = np.concatenate((np.zeros(min(n, 1), dtype=np.int64), bare_ends[:-1]))
    return ascii_pieces(bare, bare_starts, bare_ends, False), out[:, BARE_WORDS].tolist()


def ascii_pieces(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, text: bool) -> list:
    """``codes[starts[k]:ends[k]]`` for each ``k``, as ``str`` (ASCII) when
    ``text``, else as ``bytes``: the compiled ``ascii_pieces`` copies each
    piece once, where :func:`pieces_of` (its definition, which runs where
    the loops were not built) decodes the whole buffer and slices it."""
    starts, ends = np.ascontiguousarray(starts, dtype=np.int64), np.ascontiguousarray(ends, dtype=np.int64)
    if _pieces_loop is not None:
        return _pieces_loop(codes, starts, ends, text)
    return pieces_of(codes, starts, ends, text)


def pieces_of(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, text: bool) -> list:
    """:func:`ascii_pieces` in Python (its definition)."""
    whole = codes.tobytes()
    if text:
        whole = whole.decode("ascii")
    return [whole[a:b] for a, b in zip(starts.tolist(), ends.tolist())]


def batch_fingerprints(
    places: Sequence[int],
    blocks: Sequence[Sequence[Block]],
    keys: Sequence[bytes],
    words: np.ndarray,
    unsplit: list[tuple[int, StageFault]],
    near_words: int | None,
    near_max_words: int | None,
    edges: np.ndarray | None = None,
) -> BlockFingerprints:
    """:func:`~dedup.boilerplate.repeats.keyed_fingerprints` of a batch whose
    keys are one list, in whole-batch arrays instead of a loop over its blocks.

    Args:
        places: Each document's index.
        blocks: Each document's blocks.
        keys: Every block's key (:func:`~dedup.boilerplate.repeats.block_key`, UTF-8), one document after the other.
        words: The words of each key.
        unsplit: ``(document index, fault)`` of the documents whose blocks could not be cut.
        near_words: Words a key needs for near matching; ``None``: no near matching.
        near_max_words: Words above which a key is matched only exactly (``None``: no limit).
        edges: The blocks' ``(start, end)``, when known (:attr:`CutLines.edges`).
    """
    sizes = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    rows = np.flatnonzero(np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)))  # (no empty key)
    if edges is None:
        edges = _block_edges(blocks, len(keys))
    digest = xxhash.xxh3_64_intdigest
    kept_words = words[rows]
    if near_words is None:
        long_rows = np.zeros(0, dtype=np.int64)
    else:
        most = near_max_words if near_max_words is not None else np.iinfo(np.int64).max
        long_rows = np.flatnonzero((kept_words >= near_words) & (kept_words <= most))
    return BlockFingerprints(
        np.repeat(np.asarray(places, dtype=np.int64), sizes)[rows],
        (np.arange(len(keys)) - np.repeat(np.cumsum(sizes) - sizes, sizes))[rows],
        edges[rows, 0],
        edges[rows, 1],
        np.fromiter(map(digest, keys if rows.size == len(keys) else [keys[k] for k in rows.tolist()]), dtype=np.uint64, count=rows.size),
        long_rows,
        key_signatures([keys[k].decode("utf-8") for k in rows[long_rows].tolist()]),
        unsplit,
    )
