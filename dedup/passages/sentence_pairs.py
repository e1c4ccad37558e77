"""Which sentence pairs may align, beyond a cosine above the threshold.

**Wordless sentences** (a list's "1.", "2.", a lone "*") share their few
character n-grams with any other list's numbering: their cosines of 1.0
say nothing about the text, so they are dropped before alignment (a
verbatim passage still covers them where the text around them is copied).

**Merged sentences**: two consecutive sentences of one text that together say
what one sentence of the other says (one-to-many alignment). A rewrite often splits a long sentence in two, and a summary or a merge
joins two in one: each half then shares only part of the other sentence's
words, and neither reaches the sentence threshold alone, though together
they do. For every sentence pair below ``strong`` but at or above ``weak``
whose neighbour (the next sentence of the same text) also lies at or above
``weak`` against the same sentence, the two neighbours are read as one
sentence (their character n-gram counts added up) and compared with it,
with the IDF of the pair's sentences (:func:`dedup.text.vectors.pair_idf`). Where the
merged pair reaches ``strong``, both sentence pairs take its cosine
(they align as strong pairs, and their score says how well the merge matches).

Both texts are merged in turn, so swapping the documents mirrors the
answer. Only candidates that two weak cosines already point at are
scored: a handful per pair of documents.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from dedup.passages.scores import ScoreEntries
from dedup.text.distinct import distinct
from dedup.text.vectors import SentenceVectors, pair_idf


# An ASCII character is a letter (str.isalpha) when it is one of these.
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def has_words(sentences: Sequence[str]) -> np.ndarray:
    """Per sentence: it holds a letter (of any script). An ASCII sentence is
    searched for an ASCII letter in one call rather than a character at a time."""
    return np.array([_ASCII_LETTER.search(sentence) is not None if sentence.isascii() else any(ch.isalpha() for ch in sentence)
                     for sentence in sentences], dtype=bool)


def worded_entries(raw: ScoreEntries, words_a: np.ndarray, words_b: np.ndarray) -> ScoreEntries:
    """``raw`` without the entries of a wordless sentence (see the module doc)."""
    if words_a.all() and words_b.all():
        return raw
    keep = words_a[raw.rows] & words_b[raw.cols]
    return ScoreEntries(raw.keys[keep], raw.values[keep], raw.shape)


def _row(v: SentenceVectors, idf: np.ndarray, rows: tuple[int, ...]) -> dict[int, float]:
    """TF-IDF weights by feature of ``rows`` read as one sentence: their counts
    added (``log(1 + tf)`` of the sum), not normalised."""
    entries = np.concatenate([np.arange(v.indptr[r], v.indptr[r + 1]) for r in rows])
    positions, which = np.unique(v.entry_feature[entries], return_inverse=True)
    counts = np.bincount(which, weights=np.expm1(v.log_tf[entries]), minlength=positions.size)
    return dict(zip(v.features[positions].tolist(), (np.log1p(counts) * idf[positions]).tolist()))


def _cosine(x: dict[int, float], y: dict[int, float]) -> float:
    dot = sum(w * y[f] for f, w in x.items() if f in y)
    norm = np.sqrt(sum(w * w for w in x.values()) * sum(w * w for w in y.values()))
    return float(dot / norm) if norm else 0.0


def _neighbours(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(k, j)`` where both ``(k, j)`` and ``(k + 1, j)`` are among the entries, sorted."""
    width = int(cols.max(initial=0)) + 1
    keys = distinct(rows.astype(np.int64) * width + cols)
    found = keys[np.isin(keys + width, keys)]
    return found // width, found % width


def merged_pairs(va: SentenceVectors, vb: SentenceVectors, raw: ScoreEntries, strong: float, weak: float) -> ScoreEntries:
    """Sentence pairs whose sentence and its neighbour, read as one, reach
    ``strong`` against the same sentence, each scored with that merged cosine.

    Args:
        va: Sentence vectors of a.
        vb: Sentence vectors of b.
        raw: The pair's sentence cosines (every entry at or above ``weak``).
        strong: The sentence threshold.
        weak: The context threshold.

    Returns:
        The pairs (both sentences of each merge) with their merged cosine;
        a pair in two merges keeps the larger.
    """
    between = (raw.values >= weak) & (raw.values < strong)
    rows, cols = raw.rows[between], raw.cols[between]
    found: list[tuple[int, int, float]] = []
    if rows.size >= 2:
        idf_a, idf_b = pair_idf(va, vb), pair_idf(vb, va)
        k, j = _neighbours(rows, cols)
        for ka, jb in zip(k.tolist(), j.tolist()):
            score = _cosine(_row(va, idf_a, (ka, ka + 1)), _row(vb, idf_b, (jb,)))
            if score >= strong:
                found += [(ka, jb, score), (ka + 1, jb, score)]
        k, i = _neighbours(cols, rows)
        for kb, ia in zip(k.tolist(), i.tolist()):
            score = _cosine(_row(vb, idf_b, (kb, kb + 1)), _row(va, idf_a, (ia,)))
            if score >= strong:
                found += [(ia, kb, score), (ia, kb + 1, score)]
    i, j, scores = (np.array(column) for column in zip(*found)) if found else (np.zeros(0), np.zeros(0), np.zeros(0))
    return ScoreEntries.of(i.astype(np.int64), j.astype(np.int64), scores.astype(np.float32), raw.shape)
