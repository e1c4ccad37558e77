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

from dedup.boilerplate.blocks import Block
from dedup.boilerplate.rules import block_kind, section_header_kind
from dedup.io.html import DOM_FLAGS
from dedup.text.normalize import normalize_text

# Common function words of English, the main Western European languages,
# Russian, Arabic and Urdu: a high share marks running prose. (Chinese and
# Japanese, written without spaces, lean on the other features.)
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor
    not now of off on once only or other our out over own said same she should so some such than that
    the their them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your
    der die das den dem des ein eine einer eines einem und ist nicht mit sich auf für von zu im ist es
    sie wir ich auch als wie aber oder wenn noch nach bei aus so dass werden wird wurde sind hat haben
    le la les un une des du de et est en que qui dans pour pas sur au aux ce cette il elle ils nous vous
    avec par plus mais ou se son sa ses leur été être
    el los las una uno y es en que de del por para con no se su sus al lo como pero más o este esta
    ha fue son muy ya también entre
    o os as um uma e é em que de do da dos das no na nos nas por para com não se seu sua ao à mais mas
    foi são como ou
    il lo gli di che è per non con una sono del della dei nel alla anche come più ma
    de het een en is dat van te in op niet met voor zijn er die aan ook als maar om
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него до вас нибудь
    уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
    чтобы без будто чего раз тоже себе под будет ж кто этот того потому этого какой ним здесь этом
    один мой тем чтобы нее были куда зачем всех можно при об хоть после над больше тот через эти нас
    про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    также это года который которые которых
    في من على إلى عن أن إن مع هذا هذه ذلك التي الذي الذين كان كانت لا ما لم لن قد ثم أو بين كل بعد
    قبل حتى عند وقد وفي ومن وأن هو هي هم نحن أنا فيها فيه منها منه إلا أي أيضا وهو وهي كما لكن
    کے کی کا میں سے نے کو اور ہے ہیں تھا تھی تھے پر بھی یہ وہ کہ جو ایک اس ان کر کیا گیا ہو نہیں
    لیے لئے کہا تک بعد ساتھ جس جب اپنے اپنی""".split()
)
_WORD = re.compile(r"[^\W_]+")
_PUNCT = re.compile(r"[^\w\s]")
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*(?:\s|$)")
_SEPARATORS = re.compile(r"[|\u2022\u00b7\u00bb\u203a/>]")
_ENDS_SENTENCE = re.compile(r"[.!?:;]['\"\u2019\u201d)\]]*$")
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
_MAX_CODE = 0x110000
_JOIN = "\n"  # between blocks: white space, so no word, punctuation or sentence end crosses it


_PAGE_BITS = 8  # the table is filled 256 code points at a time, as texts need them


def _class_bits(chars: str) -> np.ndarray:
    """uint8 class bits of each character of ``chars``, from the same
    patterns and string methods the per-block definitions use, so they
    cannot drift apart (each pattern is one character class, so a
    character's bits do not depend on its neighbours)."""
    bits = np.zeros(len(chars), dtype=np.uint8)
    for bit, pattern in ((_IS_WORD, _WORD), (_IS_PUNCT, _PUNCT), (_IS_DIGIT, _DIGIT), (_IS_SEPARATOR, _SEPARATORS)):
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
        self.filled = np.zeros(_MAX_CODE >> _PAGE_BITS, dtype=bool)
        self._fill(np.zeros(1, dtype=np.int64))

    def _fill(self, pages: np.ndarray) -> None:
        for page in pages.tolist():
            first = page << _PAGE_BITS
            self.bits[first : first + (1 << _PAGE_BITS)] = _class_bits("".join(map(chr, range(first, first + (1 << _PAGE_BITS)))))
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


def _block_stats(texts: Sequence[str]) -> np.ndarray:
    """The features of each block that depend on its text alone.

    The blocks are joined by line breaks and classified one code point at a
    time with a table; each value equals the per-block definition (the
    counts of :data:`_WORD` words, stopwords, capitalised and upper-case
    words, :data:`_PUNCT` and :data:`_DIGIT` characters, :data:`_SENTENCE_END`
    matches, divided as ratios), to the bit.

    Returns:
        ``(len(texts), 14)`` float64 matrix, columns in the order of
        :data:`BASE_FEATURES` (its first 14).
    """
    n = len(texts)
    joined = _JOIN.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    ends = np.cumsum(lengths + 1) - 1  # each block's end offset in ``joined``
    cls = char_table().classes(_codes(joined))
    # Words: runs of word characters; their own class bits or-ed together.
    edges = np.diff((cls & _IS_WORD).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    word_block = np.searchsorted(ends, first, side="right")
    word_bits = np.bitwise_or.reduceat(cls * (cls & _IS_WORD), first) if first.size else cls[:0]
    # A word is upper case when it holds an upper-case and no lower- or title-case character.
    allcaps = (last - first > 1) & ((word_bits & (_IS_UPPER | _IS_UNCASED_UPPER)) == _IS_UPPER)
    n_words = np.bincount(word_block, minlength=n)
    denom = np.maximum(n_words, 1).astype(np.float64)
    n_chars = np.maximum(lengths, 1).astype(np.float64)
    sentence_ends = np.array([m.start() for m in _SENTENCE_END.finditer(joined)], dtype=np.int64)
    out = np.empty((n, 14), dtype=np.float64)
    out[:, 0] = [math.log1p(x) for x in lengths.tolist()]
    out[:, 1] = [math.log1p(x) for x in n_words.tolist()]
    out[:, 2] = np.bincount(word_block, _stopword_flags(joined, len(first)), minlength=n) / denom
    out[:, 3] = _counts(np.flatnonzero(cls & _IS_PUNCT), ends) / n_chars
    out[:, 4] = _counts(np.flatnonzero(cls & _IS_DIGIT), ends) / n_chars
    out[:, 5] = np.bincount(word_block, (cls[first] & _IS_UPPER) > 0, minlength=n) / denom
    out[:, 6] = np.bincount(word_block, allcaps, minlength=n) / denom
    out[:, 7] = np.bincount(word_block, last - first, minlength=n) / denom
    out[:, 8] = [math.log1p(x) for x in _counts(sentence_ends, ends).tolist()]
    out[:, 9] = [_ends_with(_ENDS_SENTENCE, t) for t in texts]
    out[:, 10] = [_ends_with(_ENDS_ELLIPSIS, t) for t in texts]
    out[:, 11] = _counts(np.flatnonzero(cls & _IS_SEPARATOR), ends) > 0
    words = n_words.tolist()
    out[:, 12] = [block_kind(t, w) is not None for t, w in zip(texts, words)]
    out[:, 13] = [section_header_kind(t, w) is not None for t, w in zip(texts, words)]
    return out


_TAIL = 64


def _ends_with(pattern: re.Pattern, text: str) -> bool:
    """Whether an end-anchored ``pattern`` (one character, then closers)
    matches ``text``, looking at its last characters only unless they are
    all closers."""
    if len(text) > _TAIL and not text[-_TAIL:].strip("'\"\u2019\u201d)]\n"):
        return bool(pattern.search(text))
    return bool(pattern.search(text, max(len(text) - _TAIL, 0)))


_ASCII_WORDS = bytes.maketrans(
    bytes(range(128)),
    bytes(c if chr(c).isalnum() and c != 95 else 32 for c in range(128)).lower(),
)
_ASCII_STOPWORDS = frozenset(w.encode("ascii") for w in STOPWORDS if w.isascii())


def _stopword_flags(joined: str, n_words: int) -> np.ndarray:
    """Per word of ``joined``: is it, lower-cased, a stopword?"""
    if joined.isascii():
        # ASCII: the words are the runs of letters and digits, lowered byte-wise.
        words = joined.encode("ascii").translate(_ASCII_WORDS).split()
        flags = map(_ASCII_STOPWORDS.__contains__, words)
    else:
        lowered = joined.lower()
        if len(lowered) == len(joined):
            # One character for one: the words of the lowered text are the
            # words lowered, at the same offsets (only a final sigma lowers
            # by context, and no stopword holds a sigma).
            words = _WORD.findall(lowered)
        else:
            words = [w.lower() for w in _WORD.findall(joined)]
        flags = map(STOPWORDS.__contains__, words)
    if len(words) != n_words:  # the word classes of the lowered text differ
        flags = (w.lower() in STOPWORDS for w in _WORD.findall(joined))
    return np.fromiter(flags, dtype=bool, count=n_words)


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
) -> list[np.ndarray]:
    """:func:`block_features` of many documents, their text statistics
    computed in one pass (the same values as one document at a time).

    Args:
        texts: The documents' original texts.
        blocks: Each document's blocks.
        links: Whether to add the link-density features (HTML input).
        keys: Each document's normalised block texts, if already computed.

    Returns:
        One feature matrix per document.
    """
    block_texts = [[b.text(text) for b in doc_blocks] for text, doc_blocks in zip(texts, blocks)]
    stats = _block_stats([t for doc_texts in block_texts for t in doc_texts])
    sizes = [len(doc_texts) for doc_texts in block_texts]
    density = np.array([b.link_density or 0.0 for doc_blocks in blocks for b in doc_blocks], dtype=np.float64)
    # The means over neighbouring blocks, for all documents at once.
    columns = [(stats[:, 1], _WINDOW), (stats[:, 2], _WINDOW), (stats[:, 1], _WIDE_WINDOW)]
    if links:
        columns += [(density, _WINDOW), (density, _WIDE_WINDOW)]
    windows = np.column_stack([_window_means(values, sizes, window) for values, window in columns])
    out, start = [], 0
    for i, doc_texts in enumerate(block_texts):
        end = start + len(doc_texts)
        doc_keys = None if keys is None else keys[i]
        out.append(_document_features(doc_texts, blocks[i], stats[start:end], links, doc_keys, windows[start:end], density[start:end]))
        start = end
    return out


def _document_features(
    texts: list[str], blocks: Sequence[Block], stats: np.ndarray, links: bool, keys, windows: np.ndarray, density: np.ndarray
) -> np.ndarray:
    """One document's feature matrix, from its blocks' text statistics,
    window means (:func:`_window_means` columns) and link densities."""
    n = len(blocks)
    names = HTML_FEATURES if links else TEXT_FEATURES
    out = np.zeros((n, len(names)), dtype=np.float64)
    if n == 0:
        return out
    k = stats.shape[1]
    out[:, :k] = stats
    log_words, stop = stats[:, 1], stats[:, 2]
    out[:, k] = np.arange(n) / max(n - 1, 1)
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    out[:, k + 1] = (np.cumsum(lengths) - lengths) / max(lengths.sum(), 1.0)
    out[:, k + 2] = math.log1p(float(np.expm1(log_words).sum()))
    out[:, k + 3] = np.concatenate(([0.0], log_words[:-1]))
    out[:, k + 4] = np.concatenate((log_words[1:], [0.0]))
    out[:, k + 5] = windows[:, 0]
    out[:, k + 6] = windows[:, 1]
    header = stats[:, 13] > 0
    out[:, k + 7] = np.maximum.accumulate(header) & ~header
    out[:, k + 8] = np.log(_repeat_counts(texts, keys))
    out[:, k + 9 : k + 17] = _layout_features(log_words, stop, density, windows[:, 2])
    if links:
        j = len(BASE_FEATURES)
        out[:, j] = density
        out[:, j + 1] = np.concatenate(([0.0], density[:-1]))
        out[:, j + 2] = np.concatenate((density[1:], [0.0]))
        out[:, j + 3] = windows[:, 3]
        out[:, j + 4] = windows[:, 4]
        out[:, j + len(LINK_FEATURES) :] = _dom_features(blocks)
    return out


def _layout_features(log_words: np.ndarray, stop: np.ndarray, density: np.ndarray, wide_window: np.ndarray) -> np.ndarray:
    """Where each block sits relative to the document's run of prose."""
    n = len(log_words)
    words = np.expm1(log_words)
    out = np.zeros((n, 8), dtype=np.float64)
    out[:, 0] = np.argsort(np.argsort(words, kind="stable"), kind="stable") / max(n - 1, 1)
    out[:, 1] = (np.cumsum(words) - words) / max(words.sum(), 1.0)
    out[:, 2] = (np.arange(n) - int(np.argmax(words))) / max(n, 1)
    out[:, 3] = wide_window
    out[:, 4] = np.concatenate(([0.0], stop[:-1]))
    out[:, 5] = np.concatenate((stop[1:], [0.0]))
    prose = np.flatnonzero((words >= _PROSE_WORDS) & (stop >= _PROSE_STOPWORDS) & (density < 0.3))
    if prose.size:
        index = np.arange(n)
        out[:, 6] = (index >= prose[0]) & (index <= prose[-1])
        nearest = np.abs(index[:, None] - prose[None, :]).min(axis=1) if n * prose.size < 4_000_000 else 0
        out[:, 7] = np.log1p(nearest)
    else:
        out[:, 7] = np.log1p(n)
    return out


def _dom_features(blocks: Sequence[Block]) -> np.ndarray:
    """One 0/1 column per DOM flag of the blocks (all zero for plain text)."""
    flags = np.array([b.dom_flags for b in blocks], dtype=np.int64)
    return ((flags[:, None] >> np.arange(len(DOM_FLAGS))) & 1).astype(np.float64)


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


def _repeat_counts(texts: Sequence[str], keys: Sequence[str] | None = None) -> np.ndarray:
    """How many blocks of the document have each block's normalised text
    (``keys``, when already computed)."""
    if len(texts) == 1:
        return np.ones(1)
    if keys is None:
        keys = [normalize_text(t) for t in texts]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return np.array([counts[key] for key in keys], dtype=np.float64)
