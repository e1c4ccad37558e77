"""Features of a document's blocks, for the boilerplate classifier.

Every feature is something a plain text corpus has: the length of a block,
its stopword, punctuation, digit and capital ratios, whether it ends like a
sentence or with an ellipsis, its position in the document, the length of
its neighbours, how often it repeats in the document, whether its wording
names a boilerplate kind. HTML input adds link density (of the block and
its neighbours) and where the block sits in the page (:data:`DOM_FEATURES`,
from :data:`dedup.html.DOM_FLAGS`): :data:`TEXT_FEATURES` is the set
without them, :data:`HTML_FEATURES` the set with them.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from dedup.block_rules import block_kind, section_header_kind
from dedup.blocks import Block
from dedup.html import DOM_FLAGS
from dedup.normalize import normalize_text

# Common function words of English and the main Western European languages:
# a high share marks running prose. (Other languages lean on the other features.)
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
    de het een en is dat van te in op niet met voor zijn er die aan ook als maar om""".split()
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


def _block_stats(text: str) -> list[float]:
    """The features of one block that depend on its text alone."""
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = max(len(text), 1)
    lowered = [w.lower() for w in words]
    denom = max(n_words, 1)
    return [
        math.log1p(len(text)),
        math.log1p(n_words),
        sum(w in STOPWORDS for w in lowered) / denom,
        len(_PUNCT.findall(text)) / n_chars,
        len(_DIGIT.findall(text)) / n_chars,
        sum(w[0].isupper() for w in words) / denom,
        sum(len(w) > 1 and w.isupper() for w in words) / denom,
        sum(map(len, words)) / denom,
        math.log1p(len(_SENTENCE_END.findall(text))),
        float(bool(_ENDS_SENTENCE.search(text))),
        float(bool(_ENDS_ELLIPSIS.search(text))),
        float(bool(_SEPARATORS.search(text))),
        float(block_kind(text, n_words) is not None),
        float(section_header_kind(text, n_words) is not None),
    ]


def block_features(text: str, blocks: Sequence[Block], links: bool) -> np.ndarray:
    """The feature matrix of one document's blocks.

    Args:
        text: The document's original text.
        blocks: Its blocks, in order.
        links: Whether to add the link-density features (HTML input).

    Returns:
        ``(len(blocks), n_features)`` float64 matrix, columns in the order of
        :data:`HTML_FEATURES` if ``links`` else :data:`TEXT_FEATURES`.
    """
    n = len(blocks)
    names = HTML_FEATURES if links else TEXT_FEATURES
    out = np.zeros((n, len(names)), dtype=np.float64)
    if n == 0:
        return out
    texts = [b.text(text) for b in blocks]
    stats = np.array([_block_stats(t) for t in texts], dtype=np.float64)
    k = stats.shape[1]
    out[:, :k] = stats
    log_words, stop = stats[:, 1], stats[:, 2]
    out[:, k] = np.arange(n) / max(n - 1, 1)
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    out[:, k + 1] = (np.cumsum(lengths) - lengths) / max(lengths.sum(), 1.0)
    out[:, k + 2] = math.log1p(float(np.expm1(log_words).sum()))
    out[:, k + 3] = np.concatenate(([0.0], log_words[:-1]))
    out[:, k + 4] = np.concatenate((log_words[1:], [0.0]))
    out[:, k + 5] = _window_mean(log_words)
    out[:, k + 6] = _window_mean(stop)
    header = stats[:, 13] > 0
    out[:, k + 7] = np.maximum.accumulate(header) & ~header
    out[:, k + 8] = np.log(_repeat_counts(texts))
    density = np.array([b.link_density or 0.0 for b in blocks], dtype=np.float64)
    out[:, k + 9 : k + 17] = _layout_features(log_words, stop, density)
    if links:
        j = len(BASE_FEATURES)
        out[:, j] = density
        out[:, j + 1] = np.concatenate(([0.0], density[:-1]))
        out[:, j + 2] = np.concatenate((density[1:], [0.0]))
        out[:, j + 3] = _window_mean(density)
        out[:, j + 4] = _window_mean(density, _WIDE_WINDOW)
        out[:, j + len(LINK_FEATURES) :] = _dom_features(blocks)
    return out


def _layout_features(log_words: np.ndarray, stop: np.ndarray, density: np.ndarray) -> np.ndarray:
    """Where each block sits relative to the document's run of prose."""
    n = len(log_words)
    words = np.expm1(log_words)
    out = np.zeros((n, 8), dtype=np.float64)
    out[:, 0] = np.argsort(np.argsort(words, kind="stable"), kind="stable") / max(n - 1, 1)
    out[:, 1] = (np.cumsum(words) - words) / max(words.sum(), 1.0)
    out[:, 2] = (np.arange(n) - int(np.argmax(words))) / max(n, 1)
    out[:, 3] = _window_mean(log_words, _WIDE_WINDOW)
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


def _window_mean(values: np.ndarray, window: int = _WINDOW) -> np.ndarray:
    """Mean of each value with its neighbours up to ``window`` blocks away."""
    padded = np.concatenate(([0.0] * window, values, [0.0] * window))
    counts = np.concatenate(([0.0] * window, np.ones(len(values)), [0.0] * window))
    kernel = np.ones(2 * window + 1)
    return np.convolve(padded, kernel, "valid") / np.convolve(counts, kernel, "valid")


def _repeat_counts(texts: Sequence[str]) -> np.ndarray:
    """How many blocks of the document have each block's normalised text."""
    keys = [normalize_text(t) for t in texts]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return np.array([counts[key] for key in keys], dtype=np.float64)
