"""Which documents may repeat a sentence: a quick test before the search.

Looking for second copies of sentences costs a sentence split of every
block; :func:`may_repeat_sentences` rules most documents out at once with
hashes of runs of words: in the compiled loop ``ascii_repeated_runs``
(``dedup/text/_loops.c``: a hash per word, a table of runs per document),
else with numpy (prefix hashes of every character, then one sort).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.document import Document
from dedup.text.shingles import compiled_loop

# The compiled test (``dedup/text/_loops.c``), or ``None`` where not built.
_repeated_runs = compiled_loop("ascii_repeated_runs")

# Polynomial hashing of stretches of text (arithmetic modulo 2**64).
_BASE = 0x9E3779B97F4A7C15
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)


_TABLES: list[tuple[np.ndarray, np.ndarray]] = []


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``_BASE ** i`` and ``_BASE_INVERSE ** i`` for ``i`` up to at least ``size``.

    One table per process, grown to the largest batch met (batches of
    about the same size would otherwise rebuild it at every power of two
    they straddle)."""
    if not _TABLES or _TABLES[0][0].size < size:
        length = 1 << max(size - 1, 1).bit_length()
        powers = np.full(length, _BASE, dtype=np.uint64)
        inverse = np.full(length, _BASE_INVERSE, dtype=np.uint64)
        powers[0] = inverse[0] = 1
        _TABLES[:] = [(np.cumprod(powers), np.cumprod(inverse))]
    return _TABLES[0]


def may_repeat_sentences(docs: Sequence[Document], keys: Sequence[Sequence[str]], min_words: int) -> list[bool]:
    """Per document, whether it may hold a second copy of a sentence of at
    least ``min_words`` words: ``False`` only for an ASCII document in
    whose block keys no run of ``min_words`` words occurs twice.

    In ASCII text every sentence starts and ends at white space or at the
    edge of its block, so a sentence's key is a run of its block key's
    words, and a repeated sentence repeats its first ``min_words`` words.
    Runs are compared by a hash of their text (a collision only costs the
    full search).

    Args:
        docs: The documents.
        keys: Each document's normalised block texts (:func:`dedup.boilerplate.repeats.normalized`).
        min_words: ``sentence_min_words``.
    """
    out = [True] * len(docs)
    ascii_docs = [i for i, doc in enumerate(docs) if doc.text.isascii()]
    if not ascii_docs:
        return out
    # One line per document, its block keys (single-spaced) joined by spaces.
    lines = [" ".join(keys[i]) for i in ascii_docs]
    codes = np.frombuffer("\n".join(lines).encode("ascii"), dtype=np.uint8)
    n = max(min_words, 1)
    if _repeated_runs is not None:
        possible = np.zeros(len(ascii_docs), dtype=np.uint8)
        _repeated_runs(codes, n, possible)
    else:
        possible = _repeating_lines(codes, n, len(ascii_docs))
    for k, i in enumerate(ascii_docs):
        out[i] = bool(possible[k])
    return out


def _repeating_lines(codes: np.ndarray, n: int, lines: int) -> np.ndarray:
    """Per line of ``codes``, whether a run of ``n`` words may occur twice
    in it, with numpy alone (where the compiled loop was not built): each
    run's hash from prefix sums of its characters' hashes, then one sort."""
    breaks = codes == 10
    word = (codes != 32) & ~breaks
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    possible = np.zeros(lines, dtype=bool)
    runs = starts.size - n + 1
    if runs <= 0:
        return possible
    powers, inverse = _powers(codes.size + 1)
    prefix = np.zeros(codes.size + 1, dtype=np.uint64)
    # in place: no second array as long as the text
    np.multiply(codes, powers[: codes.size], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    first, last = starts[:runs], ends[n - 1 :]
    grams = (prefix[last] - prefix[first]) * inverse[first]
    # The line (document) of each word: the line breaks before it. A run
    # lies inside one line when its first and last words do.
    line = np.searchsorted(np.flatnonzero(breaks), starts)
    owner = line[:runs]
    inside = owner == line[n - 1 :]
    # The line in the top bits, the hash below: one sort groups both.
    shift = 64 - max(lines.bit_length(), 1)
    tagged = np.sort((grams[inside] >> np.uint64(64 - shift)) | (owner[inside].astype(np.uint64) << np.uint64(shift)))
    twice = tagged[1:][tagged[1:] == tagged[:-1]]
    possible[(twice >> np.uint64(shift)).astype(np.int64)] = True
    return possible
