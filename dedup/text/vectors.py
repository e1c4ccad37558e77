"""Sentence vectors: character n-gram TF-IDF, for reworded-sentence matching.

Each sentence becomes a vector of hashed character 3- to 5-grams taken
within word boundaries (as scikit-learn's ``char_wb`` analyser does: each
word is padded with one space on either side and only n-grams inside a
padded word count), computed for a whole document at once with array
arithmetic; hashing keeps it stateless, so a document's counts are computed
once and reused for every pair it takes part in. The IDF weights are those
of the sentences of the two documents being compared: a name that fills
both articles weighs little, a phrase two sentences share weighs much. The
cosine of two such vectors is the sentence similarity the aligner thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

N_FEATURES = 1 << 20
_MIX = np.uint64(0x9E3779B97F4A7C15)
_P = np.uint64(1_000_003)
_SPACE, _BREAK = 32, 10


def _window_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """Polynomial hash of every window of ``n`` code points."""
    count = codes.size - n + 1
    out = codes[:count].astype(np.uint64)
    with np.errstate(over="ignore"):
        for k in range(1, n):
            out = out * _P + codes[k : k + count]
        out = out * _MIX
    return out >> np.uint64(64 - 20)


def sentence_counts(sentences: Sequence[str], ngram_range: tuple[int, int] = (3, 5)) -> sp.csr_matrix:
    """Hashed character n-gram counts, one row per sentence.

    Args:
        sentences: Normalised sentences (an empty string gives an empty row).
        ngram_range: Smallest and largest n-gram, in characters.

    Returns:
        ``(len(sentences), N_FEATURES)`` sparse matrix of counts.
    """
    if not sentences:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    joined = "\n".join(" " + s + " " for s in sentences)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_space = codes == _SPACE
    is_break = codes == _BREAK
    row_of = np.cumsum(is_break)
    inner_space = np.concatenate(([0], np.cumsum(is_space)))
    breaks = np.concatenate(([0], np.cumsum(is_break)))
    rows, cols = [], []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        count = codes.size - n + 1
        if count <= 0:
            continue
        starts = np.arange(count)
        # no break in the window, no space strictly inside it
        ok = (breaks[starts + n] - breaks[starts]) == 0
        ok &= (inner_space[starts + n - 1] - inner_space[starts + 1]) == 0
        rows.append(row_of[starts[ok]])
        cols.append(_window_hashes(codes, n)[ok])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, dtype=np.int64)
    keys, counts = np.unique(r * N_FEATURES + c, return_counts=True)
    rows = keys // N_FEATURES
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(sentences)))))
    shape = (len(sentences), N_FEATURES)
    return sp.csr_matrix((counts.astype(np.float32), (keys % N_FEATURES).astype(np.int32), indptr.astype(np.int32)), shape=shape)


@dataclass(frozen=True)
class SentenceVectors:
    """A document's sentence counts with what every pair needs, computed once.

    Attributes:
        counts: The counts from :func:`sentence_counts`.
        features: Sorted distinct features of the document.
        df: Sentences of the document holding each feature.
        entry_feature: Position in ``features`` of each stored entry of ``counts``.
        entry_row: Row of each stored entry.
        log_tf: ``log(1 + count)`` of each stored entry.
    """

    counts: sp.csr_matrix
    features: np.ndarray
    df: np.ndarray
    entry_feature: np.ndarray
    entry_row: np.ndarray
    log_tf: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.counts.shape[0])


def sentence_vectors(counts: sp.csr_matrix) -> SentenceVectors:
    """Precompute what :func:`cosine_vectors` needs of one document."""
    features, entry_feature, df = np.unique(counts.indices, return_inverse=True, return_counts=True)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    return SentenceVectors(counts, features, df, entry_feature.reshape(-1), rows, np.log1p(counts.data))


def _lookup(features: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``features`` in ``other`` (both sorted) and whether it is there."""
    if other.size == 0:
        return np.zeros(features.size, dtype=np.int64), np.zeros(features.size, dtype=bool)
    pos = np.minimum(np.searchsorted(other, features), other.size - 1)
    return pos, other[pos] == features


def _pair_rows(v: SentenceVectors, other: SentenceVectors, n: int) -> sp.csr_matrix:
    """Unit-length TF-IDF rows of ``v`` over the features both documents hold.

    The IDF of a feature counts the sentences of both documents holding it.
    """
    pos, found = _lookup(v.features, other.features)
    # a document whose sentences hold no feature (all masked) shares none
    df = v.df + (np.where(found, other.df[pos], 0) if other.features.size else 0)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    data = v.log_tf * idf[v.entry_feature]
    norms = np.sqrt(np.bincount(v.entry_row, weights=data * data, minlength=v.n_rows))
    norms[norms == 0] = 1.0
    column = np.cumsum(found) - 1
    keep = found[v.entry_feature]
    values = (data / norms[v.entry_row])[keep].astype(np.float32)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(v.entry_row[keep], minlength=v.n_rows))))
    shape = (v.n_rows, int(found.sum()))
    return sp.csr_matrix((values, column[v.entry_feature[keep]], indptr), shape=shape)


def cosine_vectors(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """:func:`cosine_matrix` of two documents' precomputed :class:`SentenceVectors`."""
    if a.n_rows == 0 or b.n_rows == 0:
        return np.zeros((a.n_rows, b.n_rows), dtype=np.float32)
    n = a.n_rows + b.n_rows
    wa = _pair_rows(a, b, n)
    wb = _pair_rows(b, a, n)
    return (wa @ wb.T).toarray().astype(np.float32)


def cosine_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Cosine of every sentence of ``a`` with every sentence of ``b``.

    IDF (smoothed, as scikit-learn computes it) is taken over the rows of
    both matrices together; term frequencies are sublinear (``log(1 + tf)``).
    Only the n-grams both documents hold enter the product.

    Returns:
        Dense ``(a.shape[0], b.shape[0])`` float32 matrix.
    """
    return cosine_vectors(sentence_vectors(a), sentence_vectors(b))
