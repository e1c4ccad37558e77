"""The ranking of each document's passage candidates: its partners ordered
by the fingerprints they share (:func:`partner_order`), the strongest few
of them (:func:`strongest_partners`) and a partner that stands out from
the rest (:func:`clear_strongest`)."""

from __future__ import annotations

import numpy as np


def partner_order(pairs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each pair as two directed edges (edge ``e < m`` from ``pairs[e, 0]``,
    edge ``m + e`` from ``pairs[e, 1]``), ordered by their first document,
    then by the fingerprints shared, most first, then by their second
    document: the ranking :func:`strongest_partners` and
    :func:`clear_strongest` read, taken once for both.

    The three keys and the edge's index are packed into one int64 when they
    fit (a sort of one key is several times faster than ``np.lexsort`` of
    three, or than an argsort: millions of edges on a corpus of much reused
    text), which orders them the same.

    Args:
        pairs: ``(m, 2)`` candidate pairs of non-negative document indices.
        counts: Fingerprints each pair shares.

    Returns:
        Indices of the ``2 m`` edges, in that order.
    """
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64)
    doc_bits = int(max(pairs.max(), 1)).bit_length()
    weak_bits = int(max(counts.max() - counts.min(), 1)).bit_length()
    if pairs.min() < 0 or 2 * doc_bits + weak_bits > 63:
        first, second = np.concatenate((pairs[:, 0], pairs[:, 1])), np.concatenate((pairs[:, 1], pairs[:, 0]))
        return np.lexsort((second, -np.concatenate((counts, counts)), first))
    # the key built in place: each of its arrays is 16 bytes a candidate
    key = np.concatenate((counts, counts)).astype(np.int64)
    np.subtract(key.max(), key, out=key)
    key <<= doc_bits
    key |= np.concatenate((pairs[:, 1], pairs[:, 0]))
    key |= np.concatenate((pairs[:, 0], pairs[:, 1])).astype(np.int64) << (doc_bits + weak_bits)
    edge_bits = int(2 * len(pairs) - 1).bit_length()
    if 2 * doc_bits + weak_bits + edge_bits > 63:
        return np.argsort(key, kind="stable")
    # each edge's index below its key: sorting the keys alone (several times faster than an argsort)
    # gives the edges in the stable order, ties (a pair given twice) by their index
    key <<= edge_bits
    key |= np.arange(2 * len(pairs), dtype=np.int64)
    key.sort()
    key &= (1 << edge_bits) - 1
    return key


def strongest_partners(pairs: np.ndarray, counts: np.ndarray, k: int, order: np.ndarray | None = None) -> np.ndarray:
    """Which candidate pairs are among the ``k`` strongest partners of either document.

    A document's partners are ranked by the fingerprints they share with
    it, most first (ties: the partner that comes first in the corpus). A
    pair is kept when either document ranks the other among its first
    ``k``, so every document with a candidate keeps at least one pair
    (``min(k, its candidates)`` of them), and the pairs kept number at most
    ``k`` times the documents, however many candidates popular text makes.

    Args:
        pairs: ``(m, 2)`` candidate pairs from :func:`candidate_pairs`.
        counts: Fingerprints each pair shares.
        k: Partners per document; 0 keeps every pair.
        order: :func:`partner_order` of the pairs, when already taken.

    Returns:
        Boolean mask over ``pairs``.
    """
    m = len(pairs)
    if k <= 0 or m == 0:
        return np.ones(m, dtype=bool)
    order = partner_order(pairs, counts) if order is None else order
    ordered = np.concatenate((pairs[:, 0], pairs[:, 1]))[order]
    rank = np.empty(2 * m, dtype=np.int64)
    rank[order] = np.arange(2 * m) - np.searchsorted(ordered, ordered, side="left")
    top = rank < k
    return top[:m] | top[m:]


def clear_strongest(pairs: np.ndarray, counts: np.ndarray, factor: float = 2.0, order: np.ndarray | None = None) -> np.ndarray:
    """Which pairs are a document's strongest partner by a clear margin.

    A pair is marked when either document shares with the other at least
    ``factor`` times the fingerprints it shares with its second strongest
    partner (or has no other): a source reused in a rewrite stands out
    among a document's partners; one shared sentence among many does not.

    Args:
        pairs: ``(m, 2)`` candidate pairs.
        counts: Fingerprints each pair shares.
        factor: The margin.
        order: :func:`partner_order` of the pairs, when already taken.

    Returns:
        Boolean mask over ``pairs``.
    """
    m = len(pairs)
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = partner_order(pairs, counts) if order is None else order
    ordered = np.concatenate((pairs[:, 0], pairs[:, 1]))[order]
    ranked = np.concatenate((counts, counts))[order]
    top = np.ones(2 * m, dtype=bool)
    top[1:] = ordered[1:] != ordered[:-1]
    # the second strongest count of each edge's document, 0 without one
    second = np.zeros(2 * m, dtype=np.int64)
    has_second = top[:-1] & ~top[1:]
    second[:-1][has_second] = ranked[1:][has_second]
    clear = np.zeros(2 * m, dtype=bool)
    clear[order] = top & (ranked >= factor * second)
    return clear[:m] | clear[m:]
