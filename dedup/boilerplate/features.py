"""Features of a document's blocks, for the boilerplate classifier.

Every feature is something a plain text corpus has: the length of a block,
its stopword, punctuation, digit and capital ratios, whether it ends like a
sentence or with an ellipsis, its position in the document, the length of
its neighbours, how often it repeats in the document, whether its wording
names a boilerplate kind. HTML input adds link density (of the block and
its neighbours) and where the block sits in the page (:data:`DOM_FEATURES`,
from :data:`dedup.io.html.DOM_FLAGS`): :data:`TEXT_FEATURES` is the set
without them, :data:`HTML_FEATURES` the set with them.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from dedup.boilerplate.ascii_stats import ALLCAPS, DIGITS, ENDS_ELLIPSIS, ENDS_SENTENCE, PUNCT, SENTENCE_ENDS, SEPARATORS, STOPWORD_HITS, UPPER_FIRST, WORD_CHARS, WORDS, ascii_block_counts, ascii_endings, compiled_tables
from dedup.boilerplate.blocks import Block
from dedup.boilerplate.rules import SECTION_MAX_WORDS, block_kinds, section_header_kind
from dedup.boilerplate.stopwords import STOPWORDS
from dedup.io.html import DOM_FLAGS
from dedup.text.normalize import normalize_text

_WORD = re.compile(r"[^\W_]+")
_PUNCT = re.compile(r"[^\w\s]")
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*(?:\s|$)")
_SEPARATORS = re.compile(r"[|\u2022\u00b7\u00bb\u203a/>]")
_ENDS_SENTENCE = re.compile(r"[.!?:;]['\"\u2019\u201d)\]]*$")
_SPACE = re.compile(r"\s")
_ENDS_ELLIPSIS = re.compile(r"(?:\u2026|\.\.\.)['\"\u2019\u201d)\]]*$")

BASE_FEATURES = (
    "log_chars",
    "log_words",
    "stopword_ratio",
    "punct_ratio",
    "digit_ratio",
    "capital_ratio",
    "allcaps_ratio",
    "mean_word_len",
    "log_sentences",
    "ends_sentence",
    "ends_ellipsis",
    "separators",
    "named_kind",
    "section_header",
    "position",
    "char_position",
    "log_doc_words",
    "prev_log_words",
    "next_log_words",
    "window_log_words",
    "window_stopword_ratio",
    "after_section_header",
    "log_repeats",
    "length_rank",
    "words_before_share",
    "offset_from_longest",
    "wide_window_log_words",
    "prev_stopword_ratio",
    "next_stopword_ratio",
    "in_prose_region",
    "blocks_to_prose",
)
LINK_FEATURES = (
    "link_density",
    "prev_link_density",
    "next_link_density",
    "window_link_density",
    "wide_window_link_density",
)
DOM_FEATURES = tuple(f"dom_{name}" for name in DOM_FLAGS)
TEXT_FEATURES = BASE_FEATURES
HTML_FEATURES = BASE_FEATURES + LINK_FEATURES + DOM_FEATURES
_WINDOW = 2
_WIDE_WINDOW = 6
# A block of running prose: long enough, rich in function words.
_PROSE_WORDS = 25
_PROSE_STOPWORDS = 0.25


# Bits of the per-code-point table behind :func:`_block_stats`.
_IS_WORD = 1  # [^\W_]: a character of a word (:data:`_WORD`)
_IS_PUNCT = 2  # [^\w\s] (:data:`_PUNCT`)
_IS_DIGIT = 4  # \d (:data:`_DIGIT`)
_IS_UPPER = 8  # str.isupper() of the character alone
_IS_UNCASED_UPPER = 16  # lower or title case: a word holding one is not str.isupper()
_IS_SEPARATOR = 32  # (:data:`_SEPARATORS`)
_IS_SPACE = 64  # \s
_MAX_CODE = 0x110000
_JOIN = "\n"  # between blocks: white space, so no word, punctuation or sentence end crosses it


_NO_CHAR = _MAX_CODE
_PAGE_BITS = 8  # the table is filled 256 code points at a time, as texts need them


def _class_bits(chars: str) -> np.ndarray:
    """uint8 class bits of each character of ``chars``, from the same
    patterns and string methods the per-block definitions use, so they
    cannot drift apart (each pattern is one character class, so a
    character's bits do not depend on its neighbours)."""
    bits = np.zeros(len(chars), dtype=np.uint8)
    patterns = ((_IS_WORD, _WORD), (_IS_PUNCT, _PUNCT), (_IS_DIGIT, _DIGIT), (_IS_SEPARATOR, _SEPARATORS), (_IS_SPACE, _SPACE))
    for bit, pattern in patterns:
        for match in re.finditer(pattern.pattern + "+", chars):
            bits[match.start() : match.end()] |= bit
    bits[np.fromiter(map(str.isupper, chars), dtype=bool, count=len(chars))] |= _IS_UPPER
    # str.isupper() fails on the first lower- or title-case character: c + "A"
    # is upper case exactly when c is not one.
    spoils = np.fromiter((not (c + "A").isupper() for c in chars), dtype=bool, count=len(chars))
    bits[spoils] |= _IS_UNCASED_UPPER
    return bits


class _CharTable:
    """Class bits of every code point, computed a page of 256 code points at
    a time when a text first holds one of them (ASCII at once)."""

    def __init__(self) -> None:
        self.bits = np.zeros(_MAX_CODE, dtype=np.uint8)
        self.lower = np.zeros(_MAX_CODE, dtype=np.uint32)
        self.filled = np.zeros(_MAX_CODE >> _PAGE_BITS, dtype=bool)
        self._fill(np.zeros(1, dtype=np.int64))

    def _fill(self, pages: np.ndarray) -> None:
        for page in pages.tolist():
            first = page << _PAGE_BITS
            chars = "".join(map(chr, range(first, first + (1 << _PAGE_BITS))))
            self.bits[first : first + (1 << _PAGE_BITS)] = _class_bits(chars)
            # (A character that lowers to two, such as a dotted capital I,
            # lowers to no character: no stopword holds it.)
            self.lower[first : first + (1 << _PAGE_BITS)] = [ord(low) if len(low := c.lower()) == 1 else _NO_CHAR for c in chars]
        self.filled[pages] = True

    def classes(self, codes: np.ndarray) -> np.ndarray:
        """The class bits of each code point of ``codes``."""
        if codes.dtype != np.uint8:
            present = np.bincount(codes >> _PAGE_BITS, minlength=self.filled.size) > 0
            missing = np.flatnonzero(present & ~self.filled)
            if missing.size:
                self._fill(missing)
        return self.bits[codes]


@lru_cache(maxsize=1)
def char_table() -> _CharTable:
    """The process's table of code point classes (see :class:`_CharTable`)."""
    return _CharTable()


def _codes(text: str) -> np.ndarray:
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _counts(positions: np.ndarray, block_ends: np.ndarray) -> np.ndarray:
    """How many of ``positions`` (offsets in the joined text) fall in each block."""
    return np.bincount(np.searchsorted(block_ends, positions, side="right"), minlength=len(block_ends))


def _block_stats(texts: Sequence[str], counts: bool = False, figures: np.ndarray | None = None):
    """The features of each block that depend on its text alone.

    The blocks are joined by line breaks and classified one code point at a
    time with a table; each value equals the per-block definition (the
    counts of :data:`_WORD` words, stopwords, capitalised and upper-case
    words, :data:`_PUNCT` and :data:`_DIGIT` characters, :data:`_SENTENCE_END`
    matches, divided as ratios), to the bit.

    Args:
        texts: The blocks' texts.
        counts: Also return each block's number of words.
        figures: The blocks' counts and endings from the compiled pass
            (:mod:`dedup.boilerplate.ascii_pass`), if it read them.

    Returns:
        ``(len(texts), 14)`` float64 matrix, columns in the order of
        :data:`BASE_FEATURES` (its first 14); with ``counts``, the matrix
        and an int64 array of word counts.
    """
    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    ends = np.cumsum(lengths + 1) - 1  # each block's end offset in the joined text
    if figures is not None:
        codes, counts_of = None, figures
    else:
        codes = _codes(_JOIN.join(texts))
        counts_of = ascii_block_counts(codes, ends, compiled_pass_tables()) if codes.dtype == np.uint8 else None
        if counts_of is None:  # not ASCII, or the loop not built
            counts_of = _class_counts(codes, ends)
    n_words = counts_of[:, WORDS]
    denom = np.maximum(n_words, 1).astype(np.float64)
    n_chars = np.maximum(lengths, 1).astype(np.float64)
    out = np.empty((n, 14), dtype=np.float64)
    out[:, 0] = [math.log1p(x) for x in lengths.tolist()]
    out[:, 1] = [math.log1p(x) for x in n_words.tolist()]
    out[:, 2] = counts_of[:, STOPWORD_HITS] / denom
    out[:, 3] = counts_of[:, PUNCT] / n_chars
    out[:, 4] = counts_of[:, DIGITS] / n_chars
    out[:, 5] = counts_of[:, UPPER_FIRST] / denom
    out[:, 6] = counts_of[:, ALLCAPS] / denom
    out[:, 7] = counts_of[:, WORD_CHARS] / denom
    out[:, 8] = [math.log1p(x) for x in counts_of[:, SENTENCE_ENDS].tolist()]
    if codes is None:
        out[:, 9], out[:, 10] = figures[:, ENDS_SENTENCE], figures[:, ENDS_ELLIPSIS]
    elif codes.dtype == np.uint8:
        out[:, 9], out[:, 10] = ascii_endings(codes, ends, lengths)
    else:
        out[:, 9] = [_ends_with(_ENDS_SENTENCE, t) for t in texts]
        out[:, 10] = [_ends_with(_ENDS_ELLIPSIS, t) for t in texts]
    out[:, 11] = counts_of[:, SEPARATORS] > 0
    words = n_words.tolist()
    # Neither names a block past its word limit: most blocks of prose skip the call.
    out[:, 12] = [kind is not None for kind in block_kinds(texts, words)]
    out[:, 13] = [w <= SECTION_MAX_WORDS and section_header_kind(t, w) is not None for t, w in zip(texts, words)]
    return (out, n_words) if counts else out


def _class_counts(codes: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per block (``ends``: where each stops in ``codes``), the counts of
    :mod:`dedup.boilerplate.ascii_stats`' columns, with numpy: a pass per
    class of code points, for any text."""
    n = len(ends)
    cls = char_table().classes(codes)
    # Words: runs of word characters; their own class bits or-ed together.
    edges = np.diff((cls & _IS_WORD).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    word_block = np.searchsorted(ends, first, side="right")
    word_bits = np.bitwise_or.reduceat(cls * (cls & _IS_WORD), first) if first.size else cls[:0]
    # A word is upper case when it holds an upper-case and no lower- or title-case character.
    allcaps = (last - first > 1) & ((word_bits & (_IS_UPPER | _IS_UNCASED_UPPER)) == _IS_UPPER)
    out = np.empty((n, 9), dtype=np.int64)
    out[:, WORDS] = np.bincount(word_block, minlength=n)
    out[:, STOPWORD_HITS] = np.bincount(word_block, _stopword_flags(codes, first, last), minlength=n)
    out[:, UPPER_FIRST] = np.bincount(word_block, (cls[first] & _IS_UPPER) > 0, minlength=n)
    out[:, ALLCAPS] = np.bincount(word_block, allcaps, minlength=n)
    out[:, WORD_CHARS] = np.bincount(word_block, last - first, minlength=n)
    out[:, PUNCT] = _counts(np.flatnonzero(cls & _IS_PUNCT), ends)
    out[:, DIGITS] = _counts(np.flatnonzero(cls & _IS_DIGIT), ends)
    out[:, SEPARATORS] = _counts(np.flatnonzero(cls & _IS_SEPARATOR), ends)
    out[:, SENTENCE_ENDS] = _counts(_sentence_ends(codes, cls), ends)
    return out


@lru_cache(maxsize=1)
def compiled_pass_tables():
    """The class table, lower case and stopwords as the compiled loop reads them."""
    table = char_table()
    ascii_bits = table.bits[:128]
    # The loop counts punctuation and separators outside words only.
    if np.any((ascii_bits & _IS_WORD > 0) & (ascii_bits & (_IS_PUNCT | _IS_SEPARATOR) > 0)):
        raise AssertionError("an ASCII word character is punctuation or a separator")
    return compiled_tables(table.bits, table.lower, STOPWORDS)


_TAIL = 64


def _ends_with(pattern: re.Pattern, text: str) -> bool:
    """Whether an end-anchored ``pattern`` (one character, then closers)
    matches ``text``, looking at its last characters only unless they are
    all closers."""
    if len(text) > _TAIL and not text[-_TAIL:].strip("'\"\u2019\u201d)]\n"):
        return bool(pattern.search(text))
    return bool(pattern.search(text, max(len(text) - _TAIL, 0)))


# Stopwords are looked up by their lower-cased code points, packed three to
# a 64-bit key part (21 bits each): a word of up to _STOP_CHARS characters
# is three parts, compared all at once after a lookup by their hash.
_STOP_CHARS = max(map(len, STOPWORDS))
_PART_CHARS = 3
_PARTS = -(-_STOP_CHARS // _PART_CHARS)
_PART_HASH = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(1))


def _pack(codes: np.ndarray, first: np.ndarray, lengths: np.ndarray, lower: np.ndarray | None = None) -> np.ndarray:
    """``(_PARTS, len(first))`` uint64 keys of the words of ``lengths`` (at
    most :data:`_STOP_CHARS`) code points starting at ``first`` in
    ``codes``, each code point mapped through ``lower`` when given."""
    offsets = np.arange(_PARTS * _PART_CHARS)[:, None]
    at = np.minimum(first[None, :] + offsets, len(codes) - 1)
    chars = (codes[at] if lower is None else lower[codes[at]]).astype(np.uint64)
    chars[offsets >= lengths[None, :]] = 0
    shifts = (np.uint64(21) * (offsets % _PART_CHARS).astype(np.uint64)).reshape(_PARTS, _PART_CHARS, 1)
    return (chars.reshape(_PARTS, _PART_CHARS, -1) << shifts).sum(axis=1, dtype=np.uint64)


def _key_hash(parts: np.ndarray) -> np.ndarray:
    out = np.zeros(parts.shape[1], dtype=np.uint64)
    for part, factor in zip(parts, _PART_HASH):
        out = out * factor + part  # (wraps around, modulo 2**64)
    return out


def _stopword_table() -> tuple[np.ndarray, np.ndarray]:
    """The stopwords' key hashes (sorted) and their keys in the same order."""
    words = sorted(STOPWORDS)
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    parts = _pack(codes, np.cumsum(lengths) - lengths, lengths)
    hashes = _key_hash(parts)
    order = np.argsort(hashes, kind="stable")
    if np.unique(hashes).size != hashes.size:  # (a lookup finds the first of equal hashes)
        raise AssertionError("two stopwords share a key hash")
    return hashes[order], parts[:, order]


_STOP_HASHES, _STOP_KEYS = _stopword_table()


def _shape_keys(lengths: np.ndarray, first_low: np.ndarray, last_low: np.ndarray) -> np.ndarray:
    """uint64 keys of a word's length and its lower-cased first and last code points."""
    return (lengths.astype(np.uint64) << np.uint64(42)) | (first_low.astype(np.uint64) << np.uint64(21)) | last_low.astype(np.uint64)


# The (length, first, last) shapes of the stopwords, sorted: a word of
# another shape is no stopword, so only the few words of a stopword's
# shape are packed and compared in full.
_STOP_SHAPES = np.unique(
    _shape_keys(*(np.array(column) for column in zip(*((len(w), ord(w[0]), ord(w[-1])) for w in STOPWORDS))))
)


def _stopword_flags(codes: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Per word (code points ``first`` to ``last`` of ``codes``): is it,
    lower-cased, a stopword?"""
    flags = np.zeros(len(first), dtype=bool)
    lengths = last - first
    short = np.flatnonzero(lengths <= _STOP_CHARS)
    lower = char_table().lower
    if short.size:
        shapes = _shape_keys(lengths[short], lower[codes[first[short]]], lower[codes[last[short] - 1]])
        at = np.minimum(np.searchsorted(_STOP_SHAPES, shapes), _STOP_SHAPES.size - 1)
        short = short[_STOP_SHAPES[at] == shapes]
    if not short.size:
        return flags
    parts = _pack(codes, first[short], lengths[short], lower)
    hashes = _key_hash(parts)
    at = np.minimum(np.searchsorted(_STOP_HASHES, hashes), _STOP_HASHES.size - 1)
    flags[short] = (_STOP_HASHES[at] == hashes) & (_STOP_KEYS[:, at] == parts).all(axis=0)
    return flags


_STOPS = np.array([ord(c) for c in ".!?"])
_CLOSERS = np.array([ord(c) for c in "'\"\u2019\u201d)"])


def _sentence_ends(codes: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """Offsets of the :data:`_SENTENCE_END` matches in the text of ``codes``:
    a full stop, exclamation or question mark whose closing quotes and
    brackets are followed by white space or the end."""
    stops = np.flatnonzero(np.isin(codes, _STOPS))
    after = stops + 1
    pending = np.arange(len(after))
    while pending.size:  # step over the closers
        pending = pending[after[pending] < len(codes)]
        pending = pending[np.isin(codes[after[pending]], _CLOSERS)]
        after[pending] += 1
    at_end = after >= len(codes)
    space = (cls[np.minimum(after, len(codes) - 1)] & _IS_SPACE) > 0 if len(codes) else at_end
    return stops[at_end | space]


def block_features(text: str, blocks: Sequence[Block], links: bool, keys: Sequence[str] | None = None) -> np.ndarray:
    """The feature matrix of one document's blocks.

    Args:
        text: The document's original text.
        blocks: Its blocks, in order.
        links: Whether to add the link-density features (HTML input).
        keys: The blocks' normalised texts
            (:func:`dedup.text.normalize.normalize_text`), if already computed.

    Returns:
        ``(len(blocks), n_features)`` float64 matrix, columns in the order of
        :data:`HTML_FEATURES` if ``links`` else :data:`TEXT_FEATURES`.
    """
    return documents_block_features([text], [blocks], links, None if keys is None else [keys])[0]


def documents_block_features(
    texts: Sequence[str],
    blocks: Sequence[Sequence[Block]],
    links: bool,
    keys: Sequence[Sequence[str]] | None = None,
    figures: Sequence[np.ndarray | None] | None = None,
) -> list[np.ndarray]:
    """:func:`block_features` of many documents, computed over all their
    blocks at once: one array per feature for the whole batch, each
    document's sums, ranks and neighbours taken within its own stretch of
    it (the same values as one document at a time).

    Args:
        texts: The documents' original texts.
        blocks: Each document's blocks.
        links: Whether to add the link-density features (HTML input).
        keys: Each document's normalised block texts, if already computed.
        figures: Each document's block figures from the compiled pass (:mod:`dedup.boilerplate.ascii_pass`), used when all have them.

    Returns:
        One feature matrix per document.
    """
    block_texts = [b.text(text) for text, doc_blocks in zip(texts, blocks) for b in doc_blocks]
    sizes = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    batch = _Batch(sizes)
    known = figures is not None and len(figures) > 0 and all(f is not None for f in figures)
    stats, n_words = _block_stats(block_texts, counts=True, figures=np.concatenate(figures) if known else None)
    density = np.fromiter((b.link_density or 0.0 for doc_blocks in blocks for b in doc_blocks), dtype=np.float64, count=batch.n)
    names = HTML_FEATURES if links else TEXT_FEATURES
    out = np.zeros((batch.n, len(names)), dtype=np.float64)
    k = stats.shape[1]
    out[:, :k] = stats
    log_words, stop = stats[:, 1], stats[:, 2]
    lengths = np.fromiter(map(len, block_texts), dtype=np.int64, count=batch.n)
    doc_words = batch.sums(n_words)
    out[:, k] = batch.index / np.maximum(batch.size - 1, 1)
    out[:, k + 1] = batch.before(lengths) / np.maximum(batch.sums(lengths), 1)
    out[:, k + 2] = np.log1p(doc_words)
    out[:, k + 3] = batch.previous(log_words)
    out[:, k + 4] = batch.following(log_words)
    out[:, k + 5] = _window_means(log_words, sizes, _WINDOW)
    out[:, k + 6] = _window_means(stop, sizes, _WINDOW)
    header = stats[:, 13] > 0
    out[:, k + 7] = (batch.before(header.astype(np.int64)) > 0) & ~header
    out[:, k + 8] = np.log(_repeat_counts(block_texts, sizes, keys))
    out[:, k + 9 : k + 17] = _layout_features(batch, n_words, doc_words, stop, density, _window_means(log_words, sizes, _WIDE_WINDOW))
    if links:
        j = len(BASE_FEATURES)
        out[:, j] = density
        out[:, j + 1] = batch.previous(density)
        out[:, j + 2] = batch.following(density)
        out[:, j + 3] = _window_means(density, sizes, _WINDOW)
        out[:, j + 4] = _window_means(density, sizes, _WIDE_WINDOW)
        flags = np.fromiter((b.dom_flags for doc_blocks in blocks for b in doc_blocks), dtype=np.int64, count=batch.n)
        out[:, j + len(LINK_FEATURES) :] = (flags[:, None] >> np.arange(len(DOM_FLAGS))) & 1
    bounds = np.cumsum(sizes).tolist()  # (slices: np.split takes a few calls per document)
    return [out[a:b] for a, b in zip([0] + bounds[:-1], bounds)]


class _Batch:
    """Where each block of a batch sits: the batch holds the documents'
    blocks one document after the other (``sizes`` blocks each)."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.n = int(sizes.sum())
        self.first = np.cumsum(sizes) - sizes  # each document's first block
        self.document = np.repeat(np.arange(len(sizes)), sizes)
        self.index = np.arange(self.n) - self.first[self.document]  # in its document
        self.size = sizes[self.document]  # of its document
        self.nonempty = sizes > 0
        self.starts = self.first[self.nonempty]  # of the documents with blocks

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per block, the sum of ``values`` (integers) over its document."""
        if not self.n:
            return values[:0]
        totals = np.zeros(len(self.first), dtype=values.dtype)
        totals[self.nonempty] = np.add.reduceat(values, self.starts)
        return totals[self.document]

    def before(self, values: np.ndarray) -> np.ndarray:
        """Per block, the sum of ``values`` (integers) over the blocks before
        it in its document."""
        running = np.cumsum(values) - values
        return running - running[self.first[self.document]] if self.n else running

    def previous(self, values: np.ndarray) -> np.ndarray:
        """Per block, the value of the block before it (0 for the first)."""
        out = np.concatenate(([0.0], values[:-1])) if self.n else values.copy()
        out[self.index == 0] = 0.0
        return out

    def following(self, values: np.ndarray) -> np.ndarray:
        """Per block, the value of the block after it (0 for the last)."""
        out = np.concatenate((values[1:], [0.0])) if self.n else values.copy()
        out[self.index == self.size - 1] = 0.0
        return out


def _layout_features(
    batch: _Batch, words: np.ndarray, doc_words: np.ndarray, stop: np.ndarray, density: np.ndarray, wide_window: np.ndarray
) -> np.ndarray:
    """Where each block sits relative to its document's run of prose."""
    n = batch.n
    out = np.zeros((n, 8), dtype=np.float64)
    if not n:
        return out
    # The rank of each block's length in its document (ties in order).
    order = np.lexsort((words, batch.document))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - batch.first[batch.document[order]]
    out[:, 0] = rank / np.maximum(batch.size - 1, 1)
    out[:, 1] = batch.before(words) / np.maximum(doc_words, 1)
    out[:, 2] = (batch.index - _first_longest(batch, words)) / np.maximum(batch.size, 1)
    out[:, 3] = wide_window
    out[:, 4] = batch.previous(stop)
    out[:, 5] = batch.following(stop)
    # Prose: long blocks rich in function words, with few links.
    prose = np.flatnonzero((words >= _PROSE_WORDS) & (stop >= _PROSE_STOPWORDS) & (density < 0.3))
    # The nearest prose block of the same document on either side.
    right = np.searchsorted(prose, np.arange(n))
    after = prose[np.minimum(right, prose.size - 1)] if prose.size else np.zeros(n, dtype=np.int64)
    before = prose[np.maximum(right - 1, 0)] if prose.size else np.zeros(n, dtype=np.int64)
    has_after = (right < prose.size) & (batch.document[after] == batch.document)
    has_before = (right > 0) & (batch.document[before] == batch.document)
    here = np.arange(n)
    distance = np.minimum(np.where(has_after, after - here, n), np.where(has_before, here - before, n))
    out[:, 6] = has_after & has_before | (has_after & (after == here))
    out[:, 7] = np.log1p(np.where(has_after | has_before, distance, batch.size))
    return out


def _first_longest(batch: _Batch, words: np.ndarray) -> np.ndarray:
    """Per block, the index in its document of the document's first longest block."""
    longest = np.zeros(len(batch.first), dtype=words.dtype)
    longest[batch.nonempty] = np.maximum.reduceat(words, batch.starts)
    hits = np.flatnonzero(words == longest[batch.document])
    documents, first = np.unique(batch.document[hits], return_index=True)
    at = np.zeros(len(batch.first), dtype=np.int64)
    at[documents] = batch.index[hits[first]]
    return at[batch.document]


def _window_means(values: np.ndarray, sizes: Sequence[int], window: int = _WINDOW) -> np.ndarray:
    """Mean of each value with its neighbours up to ``window`` blocks away
    in the same document, ``values`` holding the documents' blocks one
    document after the other (``sizes`` blocks each).

    Each document is padded with ``window`` zeros on either side, so that
    one convolution takes, for every block, the same sum as over its
    document alone.
    """
    if len(values) == 0:
        return np.zeros(0)
    sizes_array = np.asarray(sizes, dtype=np.int64)
    place = np.arange(len(values)) + np.repeat(np.arange(sizes_array.size) * 2 * window + window, sizes_array)
    padded = np.zeros(len(values) + 2 * window * sizes_array.size)
    counts = np.zeros_like(padded)
    padded[place] = values
    counts[place] = 1.0
    kernel = np.ones(2 * window + 1)
    sums, numbers = np.convolve(padded, kernel, "valid")[place - window], np.convolve(counts, kernel, "valid")[place - window]
    return sums / numbers


def _repeat_counts(texts: Sequence[str], sizes: np.ndarray, keys: Sequence[Sequence[str]] | None = None) -> np.ndarray:
    """Per block, how many blocks of its document have its normalised text
    (``keys``, each document's, when already computed); ``texts`` holds the
    documents' blocks one document after the other (``sizes`` each)."""
    out = np.ones(len(texts), dtype=np.float64)
    counts: dict[tuple[int, str], int] = {}
    tagged: list[tuple[int, str]] = []
    start = 0
    for d, size in enumerate(sizes.tolist()):
        if size > 1:  # (a single block repeats nothing)
            doc_keys = keys[d] if keys is not None else [normalize_text(t) for t in texts[start : start + size]]
            for key in doc_keys:
                counts[d, key] = counts.get((d, key), 0) + 1
            tagged.extend((d, key) for key in doc_keys)
        else:
            tagged.extend([None] * size)
        start += size
    if counts:
        out[:] = [1 if tag is None else counts[tag] for tag in tagged]
    return out
