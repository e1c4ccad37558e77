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
from functools import cached_property, lru_cache
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from dedup.text.distinct import distinct
from dedup.text.shingles import compiled_loop

N_FEATURES = 1 << 20
_MIX = np.uint64(0x9E3779B97F4A7C15)
_P = np.uint64(1_000_003)
_SPACE, _BREAK = 32, 10


def _polynomial(codes: np.ndarray, n: int) -> np.ndarray:
    """Polynomial hash of every window of ``n`` code points (mixed and cut to
    20 bits where it is used)."""
    count = codes.size - n + 1
    out = codes[:count].astype(np.uint64)
    with np.errstate(over="ignore"):
        for k in range(1, n):
            out = out * _P + codes[k : k + count]
    return out


def _longer(polynomial: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """:func:`_polynomial` of windows of ``n`` from that of windows of ``n - 1``:
    the same sums, one more code point each."""
    count = codes.size - n + 1
    with np.errstate(over="ignore"):
        return polynomial[:count] * _P + codes[n - 1 : n - 1 + count]


# Characters of sentences counted at once: the n-gram arrays of a chunk take
# about 150 bytes per character, so a long document is counted in pieces.
COUNT_CHUNK_CHARS = 1 << 18


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
    parts, lo, size = [], 0, 0
    for k, sentence in enumerate(sentences):
        size += len(sentence) + 3
        if size >= COUNT_CHUNK_CHARS:
            parts.append(_chunk_counts(sentences[lo : k + 1], ngram_range))
            lo, size = k + 1, 0
    if lo < len(sentences) or not parts:
        parts.append(_chunk_counts(sentences[lo:], ngram_range))
    return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")


def _chunk_counts(sentences: Sequence[str], ngram_range: tuple[int, int]) -> sp.csr_matrix:
    """:func:`sentence_counts` of a few sentences at once."""
    joined = "\n".join(" " + s + " " for s in sentences)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_space = codes == _SPACE
    is_break = codes == _BREAK
    row_of = np.cumsum(is_break)
    inner_space = np.concatenate(([0], np.cumsum(is_space)))
    breaks = np.concatenate(([0], np.cumsum(is_break)))
    rows, cols = [], []
    polynomial = None  # the windows' polynomial hashes, one code point longer each round
    for n in range(ngram_range[0], ngram_range[1] + 1):
        count = codes.size - n + 1
        if count <= 0:
            continue
        polynomial = _polynomial(codes, n) if polynomial is None else _longer(polynomial, codes, n)
        # no break in the window, no space strictly inside it
        ok = (breaks[n : n + count] - breaks[:count]) == 0
        ok &= (inner_space[n - 1 : n - 1 + count] - inner_space[1 : 1 + count]) == 0
        starts = np.flatnonzero(ok)
        rows.append(row_of[starts])
        with np.errstate(over="ignore"):
            cols.append((polynomial[starts] * _MIX) >> np.uint64(64 - 20))
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

    About 8 bytes per stored entry (2 to 3 entries a character): the counts
    themselves are not kept, only their row pointers and the ``log(1 + tf)``.

    Attributes:
        indptr: Row pointers of the counts from :func:`sentence_counts`.
        features: Sorted distinct features of the document.
        df: Sentences of the document holding each feature.
        entry_feature: Position in ``features`` of each stored entry of the counts.
        log_tf: ``log(1 + count)`` of each stored entry.
    """

    indptr: np.ndarray
    features: np.ndarray
    df: np.ndarray
    entry_feature: np.ndarray
    log_tf: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.indptr.size - 1)

    @cached_property
    def entry_row(self) -> np.ndarray:
        """Row of each stored entry (computed on first use: every pair reads it)."""
        return np.repeat(np.arange(self.n_rows, dtype=np.int32), np.diff(self.indptr))


# The compiled vectors and cosines (dedup/text/_cosines.c), or None.
_compiled_vectors = compiled_loop("document_vectors", "_cosines")
_compiled_cosines = compiled_loop("pair_cosines", "_cosines")


def document_vectors(sentences: Sequence[str], compiled: bool = True) -> SentenceVectors:
    """``sentence_vectors(sentence_counts(sentences))``, by the compiled loop
    when there is one and ``compiled`` is true (the same arrays).

    Args:
        sentences: Normalised sentences.
        compiled: Use the compiled loop where it was built.

    Returns:
        The sentences' :class:`SentenceVectors`.
    """
    if _compiled_vectors is None or not compiled or not sentences:
        return sentence_vectors(sentence_counts(sentences))
    joined = " " + " \n ".join(sentences) + " "  # each padded, one line break between two, as _chunk_counts joins them
    if joined.count("\n") != len(sentences) - 1:  # a sentence holds a line break: the compiled loop would split it
        return sentence_vectors(sentence_counts(sentences))
    codes = joined.encode("utf-32-le")
    del joined
    indptr, counts, features, df, entry_feature = _compiled_vectors(codes, 3, 5)
    del codes
    # the counts come writable: their logarithm in place, not beside them
    log_tf = np.frombuffer(counts, dtype=np.float32)
    np.log1p(log_tf, out=log_tf)
    return SentenceVectors(np.frombuffer(indptr, dtype=np.int32).copy(), np.frombuffer(features, dtype=np.int64),
                           np.frombuffer(df, dtype=np.int64), np.frombuffer(entry_feature, dtype=np.int32), log_tf)


def sentence_vectors(counts: sp.csr_matrix) -> SentenceVectors:
    """Precompute what :func:`cosine_vectors` needs of one document."""
    # Sorting a document's entries costs far less than counting into all
    # N_FEATURES buckets (a megabyte-sized array per document).
    features, position, df = np.unique(counts.indices, return_inverse=True, return_counts=True)
    # int32 positions: a document's features number far fewer than 2**31.
    return SentenceVectors(counts.indptr.copy(), features.astype(np.int64), df.astype(np.int64),
                           position.astype(np.int32), np.log1p(counts.data))


def _lookup(features: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``features`` in ``other`` (both sorted) and whether it is there."""
    if other.size == 0:
        return np.zeros(features.size, dtype=np.int64), np.zeros(features.size, dtype=bool)
    pos = np.minimum(np.searchsorted(other, features), other.size - 1)
    return pos, other[pos] == features


def _shared_features(a: SentenceVectors, b: SentenceVectors) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """:func:`_lookup` of ``a``'s features in ``b``'s and of ``b``'s in ``a``'s,
    from one search (both sorted and distinct)."""
    pos_a, found_a = _lookup(a.features, b.features)
    pos_b = np.zeros(b.features.size, dtype=np.int64)
    found_b = np.zeros(b.features.size, dtype=bool)
    shared = np.flatnonzero(found_a)
    pos_b[pos_a[shared]] = shared
    found_b[pos_a[shared]] = True
    return (pos_a, found_a), (pos_b, found_b)


def pair_idf(v: SentenceVectors, other: SentenceVectors, lookup: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Smoothed IDF of each of ``v``'s features over the sentences of both documents.

    ``lookup``: :func:`_lookup` of ``v``'s features in ``other``'s, if taken.
    """
    pos, found = lookup if lookup is not None else _lookup(v.features, other.features)
    # ``pos`` is only meaningful where ``found``; ``other`` may hold no feature
    # at all (every sentence masked as boilerplate).
    df = v.df + (np.where(found, other.df[pos], 0) if other.df.size else 0)
    return idf_table(v.n_rows + other.n_rows)[df]


def idf_table(n: int) -> np.ndarray:
    """Smoothed IDF of each document frequency ``0..n`` over ``n`` sentences.

    A df counts sentences, so it takes at most ``n + 1`` values: the
    logarithm of each once (the same arithmetic per value), then looked up
    per feature. Kept per ``n`` up to :data:`KEPT_IDF_SENTENCES` (read-only):
    pairs of documents of the same sentence count share it.
    """
    return _kept_idf_table(int(n)) if n <= KEPT_IDF_SENTENCES else _idf_table(int(n))


# Sentence counts up to which IDF tables are kept (at most 16 kB each), and
# how many of them: a few megabytes at most.
KEPT_IDF_SENTENCES = 2048


@lru_cache(maxsize=256)
def _kept_idf_table(n: int) -> np.ndarray:
    return _idf_table(n)


def _idf_table(n: int) -> np.ndarray:
    table = np.log((1.0 + n) / (1.0 + np.arange(n + 1, dtype=np.int64))) + 1.0
    table.flags.writeable = False
    return table


def _pair_rows(v: SentenceVectors, other: SentenceVectors, lookup: tuple[np.ndarray, np.ndarray] | None = None) -> sp.csr_matrix:
    """Unit-length TF-IDF rows of ``v`` over the features both documents hold
    (weighed by :func:`pair_idf`; ``lookup`` as there)."""
    pos, found = lookup if lookup is not None else _lookup(v.features, other.features)
    idf = pair_idf(v, other, (pos, found))
    column = np.cumsum(found) - 1
    # A few rows at a time, into arrays of the kept entries made once: the
    # float64 weights and their temporaries take some 40 bytes an entry, too
    # many at once for a document of millions of characters. Each row's norm
    # sums its own entries in order either way.
    shared_entry = found[v.entry_feature]
    values = np.empty(int(np.count_nonzero(shared_entry)), dtype=np.float32)
    columns = np.empty(values.size, dtype=np.int32)
    indptr = np.zeros(v.n_rows + 1, dtype=np.int64)
    done = 0
    for lo, hi in _row_chunks(v.indptr, PAIR_ROWS_CHUNK_ENTRIES) if v.n_rows else ():
        first, last = int(v.indptr[lo]), int(v.indptr[hi])
        feature = v.entry_feature[first:last]
        data = v.log_tf[first:last] * idf[feature]
        row = np.repeat(np.arange(hi - lo, dtype=np.int32), np.diff(v.indptr[lo : hi + 1]))
        norms = np.sqrt(np.bincount(row, weights=data * data, minlength=hi - lo))
        norms[norms == 0] = 1.0
        # Only the entries of features the other document holds are divided and
        # kept (the same arithmetic per entry, on fewer entries).
        kept = np.flatnonzero(shared_entry[first:last])
        kept_row = row[kept]
        values[done : done + kept.size] = (data[kept] / norms[kept_row]).astype(np.float32)
        columns[done : done + kept.size] = column[feature[kept]]
        indptr[lo + 1 : hi + 1] = np.bincount(kept_row, minlength=hi - lo)
        done += kept.size
    shape = (v.n_rows, int(column[-1] + 1) if column.size else 0)
    # int32 indices, as the matrix would take them anyway: given so, it does
    # not scan them to choose
    return sp.csr_matrix((values, columns, np.cumsum(indptr).astype(np.int32)), shape=shape)


# Stored entries of a document weighed at once by _pair_rows.
PAIR_ROWS_CHUNK_ENTRIES = 1 << 18


def cosine_vectors(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """:func:`cosine_matrix` of two documents' precomputed :class:`SentenceVectors`."""
    if a.n_rows == 0 or b.n_rows == 0:
        return np.zeros((a.n_rows, b.n_rows), dtype=np.float32)
    wa, wb = _pair_rows(a, b), _pair_rows(b, a)
    return (wa @ wb.T).toarray().astype(np.float32)


# Sentence pairs up to which the cosines are taken exactly (every pair that
# shares a feature): all of them in pairs of documents of up to a couple of
# thousand sentences each, such as news stories and the PAN corpus (the same
# work as a dense product, in bounded memory).
EXACT_PAIRS = 25_000_000
# Entries of a product computed at once (rows of ``a`` per chunk times the
# sentences of ``b``, or candidate pairs per chunk): bounds the memory.
CHUNK_ENTRIES = 2_000_000
# Beyond EXACT_PAIRS, the candidates of each sentence are the sentences of
# the other document sharing the most of its rare features: those held by at
# most RARE_DF sentences on each side ...
RARE_DF = 32
# ... this many best per sentence, on each side.
TOP_K = 8
# Entries of a candidate product made at once (with its sort, some 60 bytes
# an entry): a quarter of CHUNK_ENTRIES.
CANDIDATE_CHUNK_ENTRIES = CHUNK_ENTRIES // 4


def cosine_pairs(a: SentenceVectors, b: SentenceVectors, floor: float, compiled: bool = True) -> sp.csr_matrix:
    """The sentence pairs of ``a`` and ``b`` whose cosine reaches ``floor``, sparse.

    Never builds an all-sentences-by-all-sentences matrix. Up to
    :data:`EXACT_PAIRS` sentence pairs, every pair sharing a feature is
    scored (the cosines are those of :func:`cosine_vectors`), in row chunks.
    Beyond that, each sentence is scored only against the :data:`TOP_K`
    sentences of the other document that share most of its rare features
    (held by at most :data:`RARE_DF` sentences on each side): a sentence and
    its copy or rewording share names, numbers and uncommon words, while
    the common n-grams that make a dense product quadratic add to every
    pair alike.

    Args:
        a: First document's vectors.
        b: Second document's vectors.
        floor: Smallest cosine kept (above 0).
        compiled: Take the exact cosines by the compiled loop where it was
            built (the same floats as SciPy's product: see :func:`cosine_entries`).

    Returns:
        ``(a.n_rows, b.n_rows)`` float32 CSR matrix of the cosines at or
        above ``floor``, in canonical form.
    """
    shape = (a.n_rows, b.n_rows)
    if a.n_rows == 0 or b.n_rows == 0 or a.features.size == 0 or b.features.size == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    if compiled and _compiled_cosines is not None and a.n_rows * b.n_rows <= EXACT_PAIRS:
        keys, values = cosine_entries(a, b, floor)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(keys // b.n_rows, minlength=a.n_rows)))).astype(np.int32)
        return sp.csr_matrix((values, (keys % b.n_rows).astype(np.int32), indptr), shape=shape)
    in_b, in_a = _shared_features(a, b)
    wa, wb = _pair_rows(a, b, in_b), _pair_rows(b, a, in_a)
    if a.n_rows * b.n_rows <= EXACT_PAIRS:
        return _exact_pairs(wa, wb.T.tocsr(), floor)
    rows, cols = _candidates(wa, wb)
    return _scored_pairs(wa, wb, rows, cols, floor, shape)


def _side(v: SentenceVectors) -> tuple[np.ndarray, ...]:
    """The arrays of ``v`` the compiled cosines read, in their types."""
    return (np.ascontiguousarray(v.indptr, dtype=np.int32), np.ascontiguousarray(v.features, dtype=np.int64),
            np.ascontiguousarray(v.df, dtype=np.int64), np.ascontiguousarray(v.entry_feature, dtype=np.int32),
            np.ascontiguousarray(v.log_tf, dtype=np.float32))


def cosine_entries(a: SentenceVectors, b: SentenceVectors, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """The stored entries of :func:`cosine_pairs` as plain arrays (no matrix built).

    The compiled loop (``dedup/text/_cosines.c``), where it was built and
    the pair is scored exactly, computes each float as the numpy and SciPy
    code does: the same operations in the same order (each side's weights
    and norms in float64, each cosine a float32 sum over the shared
    features in increasing order, as SciPy's sparse product sums it).

    Returns:
        ``(keys, values)``: ``row * b.n_rows + column`` sorted, and float32 cosines.
    """
    if _compiled_cosines is not None and a.n_rows * b.n_rows <= EXACT_PAIRS and a.features.size and b.features.size:
        keys, values = _compiled_cosines(_side(a), _side(b), idf_table(a.n_rows + b.n_rows), floor)
        return np.frombuffer(keys, dtype=np.int64), np.frombuffer(values, dtype=np.float32)
    m = cosine_pairs(a, b, floor, compiled=False)
    m.sum_duplicates()
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    return rows * max(1, b.n_rows) + m.indices, m.data.astype(np.float32)


def _exact_pairs(wa: sp.csr_matrix, wbt: sp.csr_matrix, floor: float) -> sp.csr_matrix:
    """``wa @ wbt`` a chunk of rows at a time, keeping the entries at or above ``floor``."""
    step = max(1, CHUNK_ENTRIES // max(1, wbt.shape[1]))
    parts = []
    for lo in range(0, wa.shape[0], step):
        part = (wa[lo : lo + step] if step < wa.shape[0] else wa) @ wbt
        part.data[part.data < floor] = 0
        part.eliminate_zeros()
        parts.append(part)
    if len(parts) == 1 and parts[0].dtype == np.float32:
        return parts[0]  # most pairs of documents: no copies
    return sp.vstack(parts, format="csr").astype(np.float32)


def _candidates(wa: sp.csr_matrix, wb: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(rows, cols)``: each sentence's :data:`TOP_K` best by shared rare features, both ways."""
    dfa, dfb = _column_counts(wa), _column_counts(wb)
    rare = (dfa <= RARE_DF) & (dfb <= RARE_DF)
    ra, rb = _binary_columns(wa, rare), _binary_columns(wb, rare)
    rows_ab, cols_ab = _top_per_row(ra, rb)
    rows_ba, cols_ba = _top_per_row(rb, ra)
    keys = distinct(np.concatenate((rows_ab * wb.shape[0] + cols_ab, cols_ba * wb.shape[0] + rows_ba)))
    return keys // wb.shape[0], keys % wb.shape[0]


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    out = m.tocsr(copy=True)
    out.data = np.ones_like(out.data, dtype=np.float32)
    return out


def _column_counts(m: sp.csr_matrix) -> np.ndarray:
    """``np.bincount(m.indices, minlength=m.shape[1])``, a slice at a time
    (bincount makes an int64 copy of the int32 indices it is given)."""
    counts = np.zeros(m.shape[1], dtype=np.int64)
    for lo in range(0, m.indices.size, CHUNK_ENTRIES):
        counts += np.bincount(m.indices[lo : lo + CHUNK_ENTRIES], minlength=m.shape[1])
    return counts


def _binary_columns(m: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """``_binary(m[:, np.flatnonzero(columns)])`` for a boolean ``columns``,
    taken from the stored entries directly (SciPy's column selection copies
    the whole matrix along the way: hundreds of megabytes for a long document)."""
    kept = np.flatnonzero(columns[m.indices])  # few: the rare features' entries
    new_column = np.cumsum(columns, dtype=np.int64) - 1
    indices = new_column[m.indices[kept]].astype(np.int32)
    indptr = np.searchsorted(kept, m.indptr).astype(np.int32)  # kept entries before each row
    return sp.csr_matrix((np.ones(indices.size, dtype=np.float32), indices, indptr), shape=(m.shape[0], int(columns.sum())))


def _top_per_row(ra: sp.csr_matrix, rb: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``ra``, the :data:`TOP_K` rows of ``rb`` sharing the most columns (ties: lower row)."""
    rbt = rb.T.tocsr()
    rows, cols = [], []
    # A row's product holds at most RARE_DF entries per feature it has.
    for lo, hi in _row_chunks(ra.indptr, CANDIDATE_CHUNK_ENTRIES // RARE_DF):
        part = (ra[lo:hi] @ rbt).tocoo()
        if part.nnz == 0:
            continue
        order = np.lexsort((part.col, -part.data, part.row))
        r, c = part.row[order], part.col[order]
        starts = np.searchsorted(r, r, side="left")
        keep = np.arange(r.size) - starts < TOP_K
        rows.append(r[keep].astype(np.int64) + lo)
        cols.append(c[keep].astype(np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _row_chunks(indptr: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Row ranges ``[lo, hi)`` holding at most ``budget`` stored entries each (at least one row)."""
    bounds, lo, n = [], 0, indptr.size - 1
    while lo < n:
        hi = max(lo + 1, int(np.searchsorted(indptr, indptr[lo] + budget, side="right")) - 1)
        bounds.append((lo, min(hi, n)))
        lo = min(hi, n)
    return bounds


def _scored_pairs(wa: sp.csr_matrix, wb: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, floor: float, shape) -> sp.csr_matrix:
    """The exact cosines of the candidate pairs ``(rows, cols)``, those at or above ``floor``."""
    per_pair = max(1, int(np.diff(wa.indptr).max(initial=1)) + int(np.diff(wb.indptr).max(initial=1)))
    step = max(1, CHUNK_ENTRIES // per_pair)
    values = [
        np.asarray(wa[rows[lo : lo + step]].multiply(wb[cols[lo : lo + step]]).sum(axis=1), dtype=np.float32).reshape(-1)
        for lo in range(0, rows.size, step)
    ]
    data = np.concatenate(values) if values else np.zeros(0, dtype=np.float32)
    keep = data >= floor
    return sp.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=shape, dtype=np.float32)


def cosine_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Cosine of every sentence of ``a`` with every sentence of ``b``.

    IDF (smoothed, as scikit-learn computes it) is taken over the rows of
    both matrices together; term frequencies are sublinear (``log(1 + tf)``).
    Only the n-grams both documents hold enter the product.

    Returns:
        Dense ``(a.shape[0], b.shape[0])`` float32 matrix.
    """
    return cosine_vectors(sentence_vectors(a), sentence_vectors(b))
