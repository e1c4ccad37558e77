"""Text normalisation that remembers where every character came from.

Two texts that differ only in Unicode form, quote style, dash style, case or
spacing normalise to the same string. :func:`normalize_text` is the fast path
used for signatures; :func:`normalize_with_offsets` returns the same string
together with, for every normalised character, the range of original
characters it came from, so that any span found in normalised text can be
reported in the original.

Tokens: runs of letters, digits and combining marks in scripts that separate
words by spaces; single characters in scripts that do not (Chinese, Japanese,
Thai, Lao, Khmer, Myanmar), so that word n-grams over them are character
n-grams.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

try:  # the compiled folding (dedup/text/_sentences.c), where it was built
    # (by name: dedup.text.shingles.compiled_loop imports this module)
    _compiled_folded_offsets = importlib.import_module("dedup.text._sentences").folded_offsets
except ImportError:  # pragma: no cover - depends on the build
    _compiled_folded_offsets = None

# Typographic variants that editors and CMSs swap freely: folded to ASCII.
_FOLDS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u02bc\u2035", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2036", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    # Invisible characters that split words without showing.
    **dict.fromkeys("\u00ad\u200b\u2060\ufeff", None),
}
_FOLD_TABLE = str.maketrans(_FOLDS)
_WHITESPACE = re.compile(r"\s+")
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")

# Scripts written without spaces between words: each character is a token.
UNSEGMENTED_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)

# One character of those scripts (each is a token of its own).
UNSEGMENTED_CHAR = re.compile(f"[{UNSEGMENTED_RANGES}]")


@lru_cache(maxsize=1)
def mark_ranges() -> str:
    """A regex class body of the combining marks in the Basic Multilingual Plane
    (made on first use: it takes a look at every code point)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern[str]:
    """The token pattern (compiled on first use, as ``TOKEN_PATTERN``): a
    character of an unsegmented script with its marks, or a run of letters,
    digits and marks. Combining marks count as word characters: Devanagari
    vowel signs or Arabic harakat must not split a word."""
    marks = mark_ranges()
    return re.compile(rf"[{UNSEGMENTED_RANGES}][{marks}]*|(?:[^\W_{UNSEGMENTED_RANGES}]|[{marks}])(?:[^\W_{UNSEGMENTED_RANGES}]|[{marks}])*")


def __getattr__(name: str):
    # TOKEN_PATTERN stays a module attribute without being built at import:
    # a scan of ASCII text never needs it.
    if name == "TOKEN_PATTERN":
        return token_pattern()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fold_text(text: str) -> str:
    """NFKC, quotes and dashes unified, case folded: :func:`normalize_text`
    without the whitespace collapse (for readers that only look at tokens)."""
    if text.isascii():  # NFKC and the table keep ASCII, case folding lowers it: a third of the time
        return text.lower()
    return _fold_any(text)


def _fold_any(text: str) -> str:
    """:func:`fold_text` of any text (the reference for ASCII text too)."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE).casefold()


def normalize_text(text: str) -> str:
    """Normalise ``text``: NFKC, quotes and dashes unified, case folded,
    whitespace collapsed to single spaces and trimmed.

    Args:
        text: Original text.

    Returns:
        The normalised string (identical to ``normalize_with_offsets(text).text``).
    """
    if text.isascii():
        return normalize_ascii(text).decode("ascii")
    return _WHITESPACE.sub(" ", fold_text(text)).strip()


_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
# White space other than the space (what str.split() splits on in ASCII).
_ASCII_BREAKS = b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def normalize_ascii(text: str, drop: bytes = b"") -> bytes:
    """:func:`normalize_text` of ASCII text, as bytes, with the characters
    in ``drop`` removed first. NFKC and the fold table leave ASCII alone,
    so only case and spacing change; text spaced by single spaces (most
    paragraphs) needs no split."""
    key = text.encode("ascii").translate(_ASCII_LOWER, drop)
    if b"  " in key or len(key.translate(None, _ASCII_BREAKS)) != len(key):
        return " ".join(key.decode("ascii").split()).encode("ascii")
    return key.strip(b" ")


@dataclass(frozen=True)
class NormalizedText:
    """A normalised string and the way back to the original.

    Attributes:
        text: The normalised string.
        starts: ``starts[i]`` is the original offset of the first character
            that produced normalised character ``i``.
        ends: ``ends[i]`` is the original offset just past the last
            character that produced normalised character ``i``.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised half-open range to the original text.

        Args:
            start: First normalised character.
            end: One past the last normalised character (``end > start``).

        Returns:
            ``(original_start, original_end)``.

        Raises:
            ValueError: If the range is empty or out of bounds.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"range [{start}, {end}) outside normalised text of {len(self.text)} chars")
        return int(self.starts[start]), int(self.ends[end - 1])


# Bits of a fold table entry besides the code point: the character folds to
# anything but one character; it is no starter.
FOLDS_OTHERWISE = 1 << 30
NON_STARTER = 1 << 31


@lru_cache(maxsize=2)
def fold_table(size: int) -> np.ndarray:
    """What :func:`fold_text` makes of each code point below ``size`` alone,
    for the compiled pass: a uint32 per code point, the code point it folds
    to, or :data:`FOLDS_OTHERWISE` where it folds to none or several; with
    :data:`NON_STARTER` where it joins the cluster before it.

    Folds every code point in one call: NUL, a starter that composes with
    nothing, keeps each character's fold to itself.
    """
    folded = fold_text("\x00".join(map(chr, range(1, size))))
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.concatenate(([-1], np.flatnonzero(codes == 0), [codes.size]))
    if bounds.size != size:
        raise AssertionError("a code point folded to NUL")
    single = np.diff(bounds) == 2
    table = np.full(size, FOLDS_OTHERWISE, dtype=np.uint32)
    table[0] = 0
    table[1:][single] = codes[bounds[:-1][single] + 1]
    starter = np.fromiter(map(_is_starter, map(chr, range(size))), dtype=bool, count=size)
    table[~starter] |= NON_STARTER
    return table


def _is_starter(char: str) -> bool:
    # Hangul vowel and final jamo compose with the preceding character.
    return unicodedata.combining(char) == 0 and not ("\u1160" <= char <= "\u11ff")


def _clusters(text: str, begin: int, end: int):
    """Yield (start, end) of each starter with its following combining marks."""
    start = begin
    for i in range(begin + 1, end):
        if _is_starter(text[i]):
            yield start, i
            start = i
    if start < end:
        yield start, end


def normalize_with_offsets(text: str, compiled: bool = True) -> NormalizedText:
    """Normalise ``text`` as :func:`normalize_text` does, keeping offsets.

    ASCII stretches map one to one; other characters are normalised one
    cluster (a starter and its combining marks) at a time. The compiled
    pass (where it was built and ``compiled`` is true) gives the same
    string and offsets: each cluster of one character of the Basic
    Multilingual Plane folded by :func:`fold_table`, any other cluster by
    :func:`fold_text`, white space collapsed as it goes.

    Args:
        text: Original text.
        compiled: Take the compiled pass where there is one (``False``:
            the Python reference).

    Returns:
        A :class:`NormalizedText`.
    """
    if compiled and _compiled_folded_offsets is not None:
        table = fold_table(128 if text.isascii() else 0x10000)
        folded, starts, ends = _compiled_folded_offsets(text, table, fold_text, _is_starter)
        return NormalizedText(folded, np.frombuffer(starts, dtype=np.int64), np.frombuffer(ends, dtype=np.int64))
    if text.isascii():
        # Folding ASCII is lowering it, one character for one.
        return _collapse_whitespace(text.lower())
    return _normalize_any(text)


def _normalize_any(text: str) -> NormalizedText:
    """:func:`normalize_with_offsets` for any text (the path non-ASCII text takes).

    The offsets gather in two flat ``array('q')`` (8 bytes per folded
    character): one small numpy array per cluster cost about 200 bytes and
    two microseconds each.
    """
    pieces: list[str] = []
    starts = array("q")
    ends = array("q")
    pos = 0
    for match in _ASCII_RUN.finditer(text):
        a, b = match.span()
        # A base letter followed by a combining mark composes with it.
        if b < len(text) and not _is_starter(text[b]):
            b -= 1
        if a > pos:
            _fold_clusters(text, pos, a, pieces, starts, ends)
        if b > a:
            pieces.append(text[a:b].lower())
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        pos = max(pos, b)
    if pos < len(text):
        _fold_clusters(text, pos, len(text), pieces, starts, ends)
    folded = "".join(pieces)
    return _collapse_whitespace(folded, np.frombuffer(starts, dtype=np.int64), np.frombuffer(ends, dtype=np.int64))


def _fold_clusters(text: str, begin: int, end: int, pieces: list[str], starts: array, ends: array) -> None:
    for a, b in _clusters(text, begin, end):
        out = fold_text(text[a:b])
        if out:
            pieces.append(out)
            if len(out) == 1:
                starts.append(a)
                ends.append(b)
            else:
                starts.extend([a] * len(out))
                ends.extend([b] * len(out))


# Whether str.isspace() is true (what \s matches), by code point; none above.
_SPACE_TABLE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


def _is_space(codes: np.ndarray) -> np.ndarray:
    if codes.dtype == np.uint8:
        return _SPACE_TABLE[codes]
    inside = codes < _SPACE_TABLE.size
    return _SPACE_TABLE[np.where(inside, codes, 0)] & inside


def _kept_characters(codes: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Which characters whitespace collapsing keeps (``None``: none), and which are whitespace."""
    is_space = _is_space(codes)
    # Keep a whitespace character only if it starts a run, then trim both ends.
    keep = ~is_space
    keep[1:] |= is_space[1:] & ~is_space[:-1]
    if is_space.size:
        keep[0] = not is_space[0]
    nonspace = np.flatnonzero(~is_space)
    if nonspace.size == 0:
        return None, is_space
    keep[nonspace[-1] + 1 :] = False
    return keep, is_space


def _collapse_whitespace(folded: str, starts: np.ndarray | None = None, ends: np.ndarray | None = None) -> NormalizedText:
    """Collapse runs of whitespace in ``folded`` to one space and trim both ends.

    Args:
        folded: Folded text.
        starts, ends: Original offsets of each character of ``folded``; ``None``
            for ASCII text whose characters map one to one onto the original.
    """
    one_to_one = starts is None
    encoding, dtype = ("ascii", np.uint8) if one_to_one else ("utf-32-le", np.uint32)
    codes = np.frombuffer(folded.encode(encoding), dtype=dtype)
    keep, is_space = _kept_characters(codes)
    if keep is None:
        return NormalizedText("", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    kept = codes[keep]
    kept[is_space[keep]] = 32
    if one_to_one:
        starts = np.flatnonzero(keep).astype(np.int64, copy=False)
        return NormalizedText(kept.tobytes().decode(encoding), starts, starts + 1)
    return NormalizedText(kept.tobytes().decode(encoding), starts[keep], ends[keep])


def tokenize(normalized: str) -> list[str]:
    """Split normalised text into tokens (words, or characters where a
    script has no spaces)."""
    return token_pattern().findall(normalized)


def token_spans(normalized: str) -> list[tuple[int, int]]:
    """The (start, end) of each token of :func:`tokenize` in ``normalized``."""
    return [m.span() for m in token_pattern().finditer(normalized)]

