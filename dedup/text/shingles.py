"""Word n-gram shingles and their 64-bit hashes, for whole batches of texts.

Definitions (the plain-Python reference is :func:`shingle_hash`):

- A token is what :func:`dedup.text.normalize.tokenize` returns.
- A token's hash is ``mix64(sum(ord(c_i) * P**i) mod 2**64)`` over its
  characters ``c_0 .. c_k`` (``P`` odd, ``mix64`` the SplitMix64 finaliser).
- A shingle of ``n`` tokens hashes to ``h(t0)*Q**(n-1) + ... + h(tn-1)``
  modulo 2**64. A text with fewer than ``n`` tokens is one shingle of all
  its tokens; a text with none has no shingles.
- The 32-bit hash fed to MinHash is :func:`fold32` of the 64-bit one.

:func:`shingle_batch` computes all of this for many texts at once without a
Python loop over tokens: the texts become one array of code points, a lookup
table of character classes reproduces the token pattern, token hashes are
segment sums of ``c_i * P**i``, and shingles are a rolling polynomial.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from dedup.text.normalize import UNSEGMENTED_RANGES, mark_ranges, tokenize



def compiled_loop(name: str, module: str = "_loops"):
    """A function of the compiled loops (``dedup/text/_loops.c``, or
    ``dedup/text/_cosines.c`` for ``module="_cosines"``), or ``None`` where
    they were not built (no C compiler at install): the caller then computes
    the same integers (and floats) with numpy."""
    try:
        compiled = importlib.import_module(f"dedup.text.{module}")
    except ImportError:  # pragma: no cover - depends on the build
        return None
    return getattr(compiled, name)


_ascii_token_hashes = compiled_loop("ascii_token_hashes")
_ascii_text_tokens = compiled_loop("ascii_text_tokens")
_segment_shingles = compiled_loop("segment_shingles")
ascii_collapsed = compiled_loop("ascii_collapsed")
"""``ascii_collapsed(codes, lengths, out, ends)``: each text's whitespace runs
made one space, none at either end (``None`` where not built)."""

_P = 0x100000001B3  # character multiplier (the 64-bit FNV prime: odd)
_Q = 0x9E3779B97F4A7C15  # token multiplier (odd)
_MASK64 = (1 << 64) - 1
_MAX_CODE = 0x110000

# Character classes, as bits of the lookup table.
_WORD = 1  # a letter or digit of a script with spaces: [^\W_] minus unsegmented
_MARK = 2  # a combining mark: never splits a word, attaches to a preceding token
_UNSEG = 4  # a character of a script without spaces: a token of its own


def _mix64_int(value: int) -> int:
    value ^= value >> 30
    value = (value * 0xBF58476D1CE4E5B9) & _MASK64
    value ^= value >> 27
    value = (value * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise on a uint64 array (a new array)."""
    z = values ^ (values >> np.uint64(30))
    with np.errstate(over="ignore"):
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def token_hash(token: str) -> int:
    """The 64-bit hash of one token (plain-Python reference)."""
    value, power = 0, 1
    for char in token:
        value = (value + ord(char) * power) & _MASK64
        power = (power * _P) & _MASK64
    return _mix64_int(value)


def shingle_hash(tokens: tuple[str, ...] | list[str]) -> int:
    """The 64-bit hash of one shingle, one token at a time (the reference)."""
    value = 0
    for token in tokens:
        value = (value * _Q + token_hash(token)) & _MASK64
    return value


def shingle_hash32(tokens: tuple[str, ...] | list[str]) -> int:
    """The 32-bit hash of one shingle that MinHash is fed (the reference)."""
    value = shingle_hash(tokens)
    return (value >> 32) ^ (value & 0xFFFFFFFF)


def fold32(hashes: np.ndarray) -> np.ndarray:
    """Fold 64-bit hashes to 32 bits (high word xor low word), for MinHash."""
    # The two 32-bit halves of each hash, side by side (in either byte
    # order: xor does not care which is which), in one pass.
    words = np.ascontiguousarray(hashes, dtype=np.uint64).view(np.uint32).reshape(-1, 2)
    return words[:, 0] ^ words[:, 1]


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """uint8 class bits (word, mark, unsegmented) of every code point.

    Built from the same character classes as
    :data:`dedup.text.normalize.TOKEN_PATTERN`, so the two cannot drift apart.
    """
    every = "".join(map(chr, range(_MAX_CODE)))
    table = np.zeros(_MAX_CODE, dtype=np.uint8)
    for bit, body in ((_WORD, rf"[^\W_{UNSEGMENTED_RANGES}]"), (_MARK, rf"[{mark_ranges()}]"), (_UNSEG, rf"[{UNSEGMENTED_RANGES}]")):
        for match in re.finditer(body + "+", every):
            table[match.start() : match.end()] |= bit
    return table


def _codes(text: str) -> np.ndarray:
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def token_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the tokens of :func:`tokenize` start and end, for an array of code points.

    Returns:
        ``(starts, ends)``: int64 offsets of each token's first character and
        one past its last.
    """
    if codes.dtype == np.uint8:  # ASCII: tokens are runs of letters and digits
        # A token starts and ends where the run flag changes; with a
        # non-token on either side, the changes alternate start, end.
        padded = np.zeros(codes.size + 2, dtype=bool)
        padded[1:-1] = ((codes - np.uint8(48)) <= 9) | (((codes | np.uint8(32)) - np.uint8(97)) <= 25)
        changes = np.flatnonzero(padded[1:] != padded[:-1])
        return changes[0::2], changes[1::2]
    in_token, is_start = _token_marks(codes)
    is_end = in_token.copy()
    is_end[:-1] &= ~(in_token[1:] & ~is_start[1:])
    return np.flatnonzero(is_start), np.flatnonzero(is_end) + 1


def _token_marks(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(in_token, is_start)`` boolean arrays over any code points."""
    cls = char_classes()[codes]
    mark = (cls & _MARK) != 0
    unseg_any = (cls & _UNSEG) != 0
    unseg = unseg_any & ~mark
    word = ((cls & _WORD) != 0) & ~mark
    in_token = cls != 0
    prev = np.zeros_like(in_token)
    prev[1:] = in_token[:-1]
    # Whether the token holding each character is a word (not a single
    # unsegmented character with its marks): set at anchors, inherited by
    # marks that continue a token.
    anchor = ~(mark & prev)
    anchor_word = word | (mark & ~unseg_any)
    last = np.maximum.accumulate(np.where(anchor, np.arange(codes.size), 0))
    is_word = anchor_word[last]
    prev_word = np.zeros_like(in_token)
    prev_word[1:] = is_word[:-1] & in_token[:-1]
    is_start = unseg | (mark & ~prev) | (word & ~prev_word)
    return in_token, is_start


class _Powers:
    """Cached ``P**j`` and ``P**-j`` modulo 2**64 for ``j < size``."""

    forward = np.ones(1, dtype=np.uint64)
    inverse = np.ones(1, dtype=np.uint64)

    @classmethod
    def upto(cls, size: int) -> tuple[np.ndarray, np.ndarray]:
        if cls.forward.size < size:
            size = 1 << max(size - 1, 1).bit_length()
            cls.forward = _power_table(_P, size)
            cls.inverse = _power_table(pow(_P, -1, 1 << 64), size)
        return cls.forward, cls.inverse


def _power_table(base: int, size: int) -> np.ndarray:
    out = np.full(size, base, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=np.uint64)


def token_hash_array(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every token of ``text`` and the position where each starts.

    A token's sum ``c_s + c_{s+1}*P + ...`` is a difference of prefix sums of
    ``c_j * P**j`` over the whole text, times ``P**-s``.

    Returns:
        ``(hashes, starts)``: uint64 token hashes and int64 code-point offsets.
    """
    hashes, starts, _ = token_hash_spans(text)
    return hashes, starts


def token_hash_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`token_hash_array`, and where each token ends.

    Returns:
        ``(hashes, starts, ends)``: uint64 token hashes and int64 code-point offsets.
    """
    if len(text) > HASH_CHUNK_CHARS:
        return _chunked_token_hash_spans(text)
    return code_token_spans(_codes(text))


def code_token_spans(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`token_hash_spans` of a text given as its code points (uint8 for
    ASCII, else uint32), at most :data:`HASH_CHUNK_CHARS` of them. ASCII
    text takes the compiled loop when it is built (the same integers in
    one pass instead of prefix sums over every character)."""
    if codes.dtype == np.uint8 and _ascii_token_hashes is not None:
        room = codes.size // 2 + 1
        hashes, starts, ends = np.empty(room, dtype=np.uint64), np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
        count = _ascii_token_hashes(np.ascontiguousarray(codes), hashes, starts, ends)
        return hashes[:count], starts[:count], ends[:count]
    return numpy_token_spans(codes)


def numpy_token_spans(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`code_token_spans` with numpy alone (any code points; the only way where the loop is not built)."""
    starts, ends = token_bounds(codes)
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64), starts, ends
    forward, inverse = _Powers.upto(codes.size + 1)
    prefix = np.empty(codes.size + 1, dtype=np.uint64)
    prefix[0] = 0
    with np.errstate(over="ignore"):
        np.multiply(codes, forward[: codes.size], out=prefix[1:], dtype=np.uint64)
        np.cumsum(prefix, out=prefix)
        sums = np.subtract(prefix[ends], prefix[starts])
        sums *= inverse[starts]
    return mix64(sums), starts, ends


# Characters hashed at once: the per-character arrays (code points, prefix
# sums, the cached power tables) take about 60 bytes a character, so a long
# text is taken in pieces cut at a space, where no token runs across.
HASH_CHUNK_CHARS = 1 << 20


def _chunked_token_hash_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`token_hash_spans` of a long text, a piece at a time. A token's
    hash depends only on its own characters, so the pieces give the same."""
    hashes, starts, ends = [], [], []
    lo = 0
    while lo < len(text):
        hi = min(len(text), lo + HASH_CHUNK_CHARS)
        if hi < len(text):
            cut = max(text.rfind(" ", lo, hi), text.rfind("\n", lo, hi))
            if cut <= lo:  # no space in the window: the piece runs to the next one
                found = [at for at in (text.find(" ", hi), text.find("\n", hi)) if at >= 0]
                cut = min(found) if found else len(text)
            hi = cut + 1 if cut < len(text) else cut
        h, s, e = token_hash_spans(text[lo:hi])
        hashes.append(h)
        starts.append(s + lo)
        ends.append(e + lo)
        lo = hi
    return np.concatenate(hashes), np.concatenate(starts), np.concatenate(ends)


def batch_token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`token_hash_array` of many texts in one pass.

    Returns:
        ``(hashes, owners)``: uint64 token hashes in text order, and the
        index of the text each token belongs to.
    """
    hashes, first = batch_tokens(texts)
    return hashes, np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(first))


def token_hashes(tokens: list[str]) -> np.ndarray:
    """:func:`token_hash` of each token, as a uint64 array."""
    return np.fromiter((token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))


def shingle_hashes_from_tokens(hashes: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of every run of ``n`` consecutive token hashes.

    Args:
        hashes: uint64 token hashes in text order.
        n: Tokens per shingle.

    Returns:
        uint64 array of ``max(len(hashes) - n + 1, 1)`` shingle hashes, or
        an empty array when there are no tokens.
    """
    count = len(hashes)
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    n = min(n, count)
    out = hashes[: count - n + 1].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            out *= np.uint64(_Q)
            out += hashes[k : count - n + 1 + k]
    return out


def shingle_hashes(normalized: str, n: int) -> np.ndarray:
    """The 64-bit shingle hashes of a normalised text, in text order."""
    return shingle_hashes_from_tokens(token_hash_array(normalized)[0], n)


@dataclass
class ShingleBatch:
    """The distinct shingle hashes of a batch of texts, in one array.

    Attributes:
        hashes: Each text's sorted unique uint64 shingle hashes, concatenated.
        offsets: ``hashes[offsets[k]:offsets[k + 1]]`` belongs to text ``k``.
    """

    hashes: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return self.offsets.size - 1

    def __getitem__(self, k: int) -> np.ndarray:
        return self.hashes[self.offsets[k] : self.offsets[k + 1]]

    @property
    def counts(self) -> np.ndarray:
        """Distinct shingles per text."""
        return np.diff(self.offsets)


def shingle_batch(normalized: list[str], n: int) -> ShingleBatch:
    """Sorted unique shingle hashes of many normalised texts at once.

    Args:
        normalized: Normalised texts (as from :func:`dedup.text.normalize.normalize_text`).
        n: Tokens per shingle.

    Returns:
        A :class:`ShingleBatch` with one segment per text.
    """
    return shingles_of_tokens(*batch_tokens(normalized), n)


def batch_tokens(normalized: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The token hashes of many normalised texts, and where each text's tokens begin.

    Returns:
        ``(hashes, first)``: uint64 token hashes in text order, and int64
        ``first`` of ``len(normalized) + 1`` entries: text ``k`` holds
        tokens ``first[k]:first[k + 1]``.
    """
    lengths = np.fromiter((len(t) + 1 for t in normalized), dtype=np.int64, count=len(normalized))
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    # A space between texts: tokens never run from one text into the next.
    hashes, starts = token_hash_array(" ".join(normalized))
    return hashes, np.searchsorted(starts, bounds)


def code_tokens(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`batch_tokens` of texts given as one code array, each text
    followed by one separator that is not a token character.

    Args:
        codes: The code points (at most :data:`HASH_CHUNK_CHARS`).
        lengths: Each text's length, without its separator.
    """
    if codes.dtype == np.uint8 and _ascii_text_tokens is not None:
        # Only the hashes and each text's first token (pages of the room the loop leaves untouched cost nothing).
        hashes, first = np.empty(codes.size // 2 + 1, dtype=np.uint64), np.empty(lengths.size + 1, dtype=np.int64)
        count = _ascii_text_tokens(np.ascontiguousarray(codes), np.ascontiguousarray(lengths, dtype=np.int64), hashes, first)
        return hashes[:count], first
    hashes, starts, _ = code_token_spans(codes)
    bounds = np.concatenate(([0], np.cumsum(lengths + 1)))
    return hashes, np.searchsorted(starts, bounds)


def shingles_of_tokens(hashes: np.ndarray, first: np.ndarray, n: int) -> ShingleBatch:
    """:func:`shingle_batch` from :func:`batch_tokens` (in one call of the
    compiled loop where it is built, else :func:`numpy_shingles_of_tokens`)."""
    if _segment_shingles is None:
        return numpy_shingles_of_tokens(hashes, first, n)
    first = np.ascontiguousarray(first, dtype=np.int64)
    out, offsets = np.empty(hashes.size, dtype=np.uint64), np.empty(first.size, dtype=np.int64)
    count = _segment_shingles(np.ascontiguousarray(hashes, dtype=np.uint64), first, n, out, offsets)
    return ShingleBatch(out[:count], offsets)


def numpy_shingles_of_tokens(hashes: np.ndarray, first: np.ndarray, n: int) -> ShingleBatch:
    """:func:`shingles_of_tokens` with numpy alone."""
    ntok = np.diff(first)
    grams = shingle_hashes_from_tokens(hashes, n) if hashes.size >= n else np.zeros(0, dtype=np.uint64)
    per_text = np.where(ntok >= n, ntok - n + 1, np.minimum(ntok, 1))
    offsets = np.concatenate(([0], np.cumsum(per_text)))
    out = np.empty(int(offsets[-1]), dtype=np.uint64)
    long = ntok >= n
    if grams.size:
        # The run starting at token g is a shingle of its text when its
        # text holds n tokens from g on: all but the last n - 1 starts of
        # each text (of a shorter text, none).
        valid = np.ones(grams.size, dtype=bool)
        for back in range(1, n):
            ends = first[1:] - back
            valid[ends[(ends >= first[:-1]) & (ends < grams.size)]] = False
        if long.all():
            out = grams[valid]
        else:
            out[np.repeat(long, per_text)] = grams[valid]
    for k in np.flatnonzero(~long & (ntok > 0)):
        out[offsets[k]] = shingle_hashes_from_tokens(hashes[first[k] : first[k + 1]], n)[0]
    return _sorted_unique(out, offsets)


def _sorted_unique(values: np.ndarray, offsets: np.ndarray) -> ShingleBatch:
    for k in range(offsets.size - 1):
        values[offsets[k] : offsets[k + 1]].sort()
    keep = np.ones(values.size, dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    keep[offsets[:-1][offsets[:-1] < values.size]] = True
    kept = np.concatenate(([0], np.cumsum(keep)))
    return ShingleBatch(values[keep], kept[offsets])


def reference_shingles(normalized: str, n: int) -> list[tuple[str, ...]]:
    """The shingles of a normalised text as token tuples (for references and tests)."""
    tokens = tokenize(normalized)
    if not tokens:
        return []
    n = min(n, len(tokens))
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
