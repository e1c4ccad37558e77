"""Candidate pairs reported from the passage index, without an alignment.

Aligning a pair costs milliseconds; on a corpus where many documents share
a sentence or two with many others the pairs, and so the alignments, grow
far faster than the documents. Only each document's strongest partners are
aligned (``passages.align_partners``); every other candidate is reported
from what the index already knows: the sampled word n-grams (fingerprints)
the two documents share, against the fingerprints each holds. A shared
fingerprint is a word n-gram both texts contain verbatim, so these pairs
are partial copies; their figures are estimates, their passages unknown
(no spans), and each carries ``aligned: false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings
from dedup.document import Document, Span, covered_chars, document_ids, document_lengths
from dedup.passages.relations import PARTIALLY, WHOLLY
from dedup.results import PARTIAL_COPY, PairResult


@dataclass(frozen=True, slots=True)
class IndexPair:
    """A candidate pair reported from the index's figures, not aligned.

    Attributes:
        i: Index of the first document (``i < j``).
        j: Index of the second document.
        shared_fingerprints: Sampled fingerprints both hold.
        share_a: Estimated share of ``i``'s text (outside boilerplate)
            found in ``j`` (see :func:`index_pairs`).
        share_b: The same for ``j``.
        chars_a: Estimated characters of ``i`` shared (``share_a`` of its
            text outside boilerplate).
        chars_b: The same for ``j``.
        jaccard: Shared fingerprints over those either holds (a containment
            of ``i`` and of ``j`` are ``share_a`` and ``share_b``).
        wholly_share: ``passages.wholly_share``, from which a side is ``wholly`` derived.
    """

    i: int
    j: int
    shared_fingerprints: int
    share_a: float
    share_b: float
    chars_a: int
    chars_b: int
    jaccard: float
    wholly_share: float = 0.8

    relation = PARTIAL_COPY
    capped = False

    def document_figures(self) -> dict[str, float]:
        """``jaccard`` and the containments, from the fingerprints."""
        return {"jaccard": self.jaccard, "containment_a": self.share_a, "containment_b": self.share_b}

    def fields(self) -> dict[str, Any]:
        """The :class:`dedup.results.PairResult` fields this pair fills: no
        passages, the shares estimated (a shared fingerprint is verbatim text)."""
        # one literal: many thousand estimated pairs are reported, and building it key by key cost more than the row
        a, b = self.share_a, self.share_b
        return {
            "shared_chars_a": self.chars_a, "shared_chars_b": self.chars_b, "shared_share_a": a, "shared_share_b": b,
            "passages": [],
            "verbatim_share_a": a, "reworded_share_a": 0.0, "quoted_share_a": 0.0,
            "extent_a": WHOLLY if a >= self.wholly_share else PARTIALLY,
            "verbatim_share_b": b, "reworded_share_b": 0.0, "quoted_share_b": 0.0,
            "extent_b": WHOLLY if b >= self.wholly_share else PARTIALLY,
        }

    def extra(self) -> dict[str, Any]:
        """Further JSON fields: ``aligned`` (false) and ``shared_fingerprints``."""
        return {"aligned": False, "shared_fingerprints": self.shared_fingerprints}

    def row(self, ids: Sequence[str]) -> PairResult:
        """The result row, as :func:`dedup.passages.pair_rows.passage_row`
        makes it from :meth:`document_figures`, :meth:`fields` and
        :meth:`extra`, the first two spelled out in one call: a scan reports
        a hundred thousand (their dicts and unpacking doubled a row's cost)."""
        a, b = self.share_a, self.share_b
        wholly = self.wholly_share
        return PairResult(
            a=ids[self.i], b=ids[self.j], relation=PARTIAL_COPY, jaccard=self.jaccard, containment_a=a, containment_b=b,
            extra=self.extra(),
            shared_chars_a=self.chars_a, shared_chars_b=self.chars_b, shared_share_a=a, shared_share_b=b, passages=[], found_by="passages",
            verbatim_share_a=a, verbatim_share_b=b, extent_a=WHOLLY if a >= wholly else PARTIALLY, extent_b=WHOLLY if b >= wholly else PARTIALLY,
        )


def text_chars(docs: Sequence[Document], chosen: np.ndarray, masks: Mapping[str, Sequence[Span]]) -> np.ndarray:
    """Characters outside boilerplate masks of the documents at ``chosen``,
    from their lengths (a store knows them without reading its documents);
    only the masked ones' masks are walked."""
    out = np.asarray(document_lengths(docs), dtype=np.int64)[chosen]
    if masks:
        ids = document_ids(docs)
        for at, k in enumerate(chosen.tolist()):
            if spans := masks.get(ids[k]):
                out[at] -= covered_chars(int(out[at]), spans)
    return out


def unmasked_chars(doc: Document, masks: Mapping[str, Sequence[Span]]) -> int:
    """Characters of ``doc`` outside its boilerplate masks."""
    spans = masks.get(doc.id)
    return len(doc.text) - (covered_chars(len(doc.text), spans) if spans else 0)


def estimated_shares(pairs: np.ndarray, counts: np.ndarray, held: np.ndarray, settings: PassageSettings) -> np.ndarray:
    """Each side's estimated share found in the other (see :func:`index_pairs`).

    Args:
        pairs: ``(m, 2)`` candidate pairs.
        counts: Fingerprints each pair shares.
        held: Distinct fingerprints each document holds.
        settings: ``index_sample`` and ``index_ngram``.

    Returns:
        ``(m, 2)`` float array: the shares of the first and of the second document.
    """
    return fingerprint_share(counts[:, None], held[pairs], settings)


def fingerprint_share(shared: np.ndarray, held: np.ndarray, settings: PassageSettings) -> np.ndarray:
    """The share of a document's text estimated from the sampled fingerprints
    it shares and holds: each counts ``index_sample`` n-grams, and a
    passage's last n-gram brings ``index_ngram - 1`` words more."""
    sample, tail = settings.index_sample, settings.index_ngram - 1
    return np.minimum((shared * sample + tail) / (np.maximum(held, 1) * sample + tail), 1.0)


def index_pairs(
    docs: Sequence[Document], pairs: np.ndarray, counts: np.ndarray, held: np.ndarray,
    settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None,
) -> list[IndexPair]:
    """The candidates ``pairs`` that pass the reporting floor on their estimated figures.

    A side's shared share is estimated as its shared n-grams over its
    n-grams, each count taken from the sampled fingerprints (one in
    ``index_sample``) plus the ``index_ngram - 1`` words a passage's last
    n-gram adds: on the high-reuse bench corpus the shared characters so
    estimated have the median of the aligned figures (within a third
    either way for four pairs in five). A pair is reported when the
    estimated characters of its smaller side reach ``min_shared_chars``:
    an aligned pair sharing that much verbatim text is reported too
    (by the rules, or by the pair model where its share is small). The
    context check of aligned candidates is not made: the floor asks several
    shared fingerprints of a document, which a stock phrase does not give.

    Args:
        docs: The documents.
        pairs: ``(m, 2)`` candidate pairs ``i < j``.
        counts: Fingerprints each pair shares.
        held: Distinct fingerprints each document holds (outside masks).
        settings: The floors.
        masks: Boilerplate spans per document id (left out of the characters).

    Returns:
        The pairs reported, in the order of ``pairs``.
    """
    if len(pairs) == 0:
        return []
    involved = np.zeros(len(docs), dtype=bool)  # marked, not sorted as np.unique would
    involved[pairs.ravel()] = True
    chars = text_chars(docs, np.flatnonzero(involved), masks or {})[(np.cumsum(involved) - 1)[pairs]]
    holds = np.maximum(held[pairs], 1)
    shares = estimated_shares(pairs, counts, held, settings)
    shared_chars = np.rint(shares * chars).astype(np.int64)
    keep = shared_chars.min(axis=1) >= settings.min_shared_chars
    jaccard = counts / np.maximum(holds.sum(axis=1) - counts, 1)
    return [
        IndexPair(i, j, c, round(sa, 4), round(sb, 4), ca, cb, round(jc, 6), settings.wholly_share)
        for i, j, c, sa, sb, ca, cb, jc in zip(
            pairs[keep, 0].tolist(), pairs[keep, 1].tolist(), counts[keep].tolist(), shares[keep, 0].tolist(),
            shares[keep, 1].tolist(), shared_chars[keep, 0].tolist(), shared_chars[keep, 1].tolist(), jaccard[keep].tolist(),
        )
    ]
