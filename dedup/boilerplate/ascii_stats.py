"""The counts behind the block features of ASCII text, in one compiled pass.

:func:`dedup.boilerplate.features._block_stats` classifies every code point
with numpy, a pass through memory per class (words, their stopwords and
case, punctuation, digits, separators, sentence ends): most of the
boilerplate stage's CPU on a corpus of plain text. For ASCII text the loop
``ascii_block_stats`` of ``dedup/text/_loops.c`` takes the same counts
reading each character once, from the same class table and stopwords; the
numpy code stays the definition, and where the loop was not built (no C
compiler at install) it is what runs. The sentence and ellipsis endings of
ASCII blocks are read from the same codes (:func:`ascii_endings`) instead
of a pattern search per block.
"""

from __future__ import annotations

import numpy as np

from dedup.text.shingles import compiled_loop

_block_stats_loop = compiled_loop("ascii_block_stats")

# The columns of the loop's output, in its order.
WORDS, STOPWORD_HITS, UPPER_FIRST, ALLCAPS, WORD_CHARS, PUNCT, DIGITS, SEPARATORS, SENTENCE_ENDS = range(9)
# And those the compiled pass of :mod:`dedup.boilerplate.ascii_pass` adds:
# the key's words, the two endings, the words of the key without digits.
KEY_WORDS, ENDS_SENTENCE, ENDS_ELLIPSIS, BARE_WORDS = range(9, 13)
# The loop packs a word's first characters into a 64-bit key, 8 bits each.
_KEY_CHARS = 8


def compiled_tables(bits: np.ndarray, lower: np.ndarray, stopwords: frozenset[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the loop reads: the class bits and lower case of the first 256
    code points, and the sorted keys of the ASCII stopwords.

    Args:
        bits: The class bits of every code point
            (:class:`dedup.boilerplate.features._CharTable`).
        lower: The lower-cased code point of every code point.
        stopwords: The stopwords.

    Raises:
        AssertionError: If an ASCII stopword is too long for the loop's keys.
    """
    ascii_stops = [w for w in stopwords if w.isascii()]
    if any(len(w) > _KEY_CHARS for w in ascii_stops):
        raise AssertionError("an ASCII stopword is longer than the compiled loop's keys")
    keys = np.array(sorted(sum(ord(c) << (8 * k) for k, c in enumerate(w)) for w in ascii_stops), dtype=np.uint64)
    # Only the ASCII entries are read (the codes are ASCII); the rest are clipped to fit a byte.
    return np.ascontiguousarray(bits[:256], dtype=np.uint8), np.minimum(lower[:256], 255).astype(np.uint8), keys


def ascii_block_counts(codes: np.ndarray, ends: np.ndarray, tables: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Per block, the counts of the columns above, or ``None`` where the
    loop was not built or the codes are not ASCII.

    Args:
        codes: The blocks' joined text, one separator between blocks
            (uint8 codes of ASCII text; other arrays are left to numpy).
        ends: Where each block stops in ``codes`` (int64).
        tables: :func:`compiled_tables`.

    Returns:
        ``(len(ends), 9)`` int64 counts.
    """
    if _block_stats_loop is None or codes.dtype != np.uint8:
        return None
    out = np.empty((len(ends), 9), dtype=np.int64)
    _block_stats_loop(np.ascontiguousarray(codes), *tables, np.ascontiguousarray(ends, dtype=np.int64), out)
    return out


_ASCII_CLOSERS = np.frombuffer(b"'\")]", dtype=np.uint8)
_ASCII_STOPS = np.frombuffer(b".!?:;", dtype=np.uint8)


def ascii_endings(codes: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block of ASCII ``codes`` (block ``k`` the ``lengths[k]`` codes
    before ``ends[k]``), whether :data:`dedup.boilerplate.features._ENDS_SENTENCE`
    and ``_ENDS_ELLIPSIS`` match it: its end (or, as ``$`` allows, the
    place before a last line break), stepped back over closing quotes and
    brackets, follows a stop (an ellipsis: three full stops)."""
    if not codes.size:
        return np.zeros(len(ends), dtype=bool), np.zeros(len(ends), dtype=bool)
    starts = ends - lengths
    end = ends - ((ends > starts) & (codes[np.maximum(ends - 1, 0)] == 10))
    pending = np.flatnonzero(end > starts)
    while pending.size:  # step back over the closers
        pending = pending[np.isin(codes[end[pending] - 1], _ASCII_CLOSERS)]
        end[pending] -= 1
        pending = pending[end[pending] > starts[pending]]
    last = codes[np.maximum(end - 1, 0)]
    sentence = (end > starts) & np.isin(last, _ASCII_STOPS)
    dots = end - starts >= 3
    dots &= (last == 46) & (codes[np.maximum(end - 2, 0)] == 46) & (codes[np.maximum(end - 3, 0)] == 46)
    return sentence, dots
