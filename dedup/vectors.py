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
    counts = sp.csr_matrix((np.ones(r.size, dtype=np.float32), (r, c)), shape=(len(sentences), N_FEATURES))
    counts.sum_duplicates()
    return counts


def _weighted_rows(counts: sp.csr_matrix, idf: np.ndarray, columns: np.ndarray, width: int) -> sp.csr_matrix:
    """Unit-length TF-IDF rows restricted to the given columns (-1: dropped).

    Args:
        counts: Raw counts.
        idf: IDF of each stored entry of ``counts``.
        columns: Output column of each stored entry, or -1.
        width: Number of output columns.
    """
    data = np.log1p(counts.data) * idf
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    keep = columns >= 0
    values = (data / norms[rows])[keep].astype(np.float32)
    return sp.csr_matrix((values, (rows[keep], columns[keep])), shape=(counts.shape[0], width))


def _columns(indices: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """Position of each feature in ``shared`` (sorted), or -1 if absent."""
    if shared.size == 0:
        return np.full(indices.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(shared, indices), shared.size - 1)
    return np.where(shared[pos] == indices, pos, -1)


def cosine_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Cosine of every sentence of ``a`` with every sentence of ``b``.

    IDF (smoothed, as scikit-learn computes it) is taken over the rows of
    both matrices together; term frequencies are sublinear (``log(1 + tf)``).
    Only the n-grams both documents hold enter the product.

    Returns:
        Dense ``(a.shape[0], b.shape[0])`` float32 matrix.
    """
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.float32)
    n = a.shape[0] + b.shape[0]
    features, df = np.unique(np.concatenate([a.indices, b.indices]), return_counts=True)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    shared = np.intersect1d(a.indices, b.indices)
    wa = _weighted_rows(a, idf[np.searchsorted(features, a.indices)], _columns(a.indices, shared), shared.size)
    wb = _weighted_rows(b, idf[np.searchsorted(features, b.indices)], _columns(b.indices, shared), shared.size)
    return (wa @ wb.T).toarray().astype(np.float32)
