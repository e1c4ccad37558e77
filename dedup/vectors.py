"""Sentence vectors: character n-gram TF-IDF, for reworded-sentence matching.

Each sentence becomes a vector of hashed character 3- to 5-grams taken
within word boundaries (scikit-learn's ``char_wb`` analyser; hashing keeps
it stateless, so a document's counts are computed once and reused for
every pair it takes part in). The IDF weights are those of the sentences of
the two documents being compared: a name that fills both articles weighs
little, a phrase two sentences share weighs much. The cosine of two such
vectors is the sentence similarity the aligner thresholds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 1 << 20


@lru_cache(maxsize=4)
def _vectorizer(low: int, high: int) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(low, high),
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )


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
    counts = _vectorizer(*ngram_range).transform(sentences).tocsr()
    counts.sum_duplicates()
    return counts


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    out = counts.copy()
    out.data = np.log1p(out.data) * idf[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ out)


def cosine_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Cosine of every sentence of ``a`` with every sentence of ``b``.

    IDF (smoothed, as scikit-learn computes it) is taken over the rows of
    both matrices together; term frequencies are sublinear (``1 + log tf``).

    Returns:
        Dense ``(a.shape[0], b.shape[0])`` float32 matrix.
    """
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.float32)
    n = a.shape[0] + b.shape[0]
    df = np.bincount(np.concatenate([a.indices, b.indices]), minlength=N_FEATURES)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    wa, wb = _weigh(a, idf), _weigh(b, idf)
    return np.asarray((wa @ wb.T).todense(), dtype=np.float32)
