"""Passage reuse at corpus scale: candidate pairs from a fingerprint index,
each verified by alignment before it is reported.

Whole-document similarity misses a rewrite that keeps a few sentences and
quotations; a shared passage leaves shared word n-grams, however small a
part of the documents they are. Every document contributes a sample of its
word ``index_ngram``-gram hashes (those whose hash is 0 modulo
``index_sample``, so that two copies of a passage keep the same ones);
n-grams inside boilerplate masks are left out and n-grams found in more
than ``index_max_docs`` documents are dropped as common phrases. Pairs of
documents sharing at least ``min_shared_fingerprints`` sampled n-grams are
candidates; no pair is compared unless it shares some. Each candidate is
then aligned (:mod:`dedup.align`) and labelled (:mod:`dedup.relations`);
only pairs with a label are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from dedup.align import Alignment, Passage, Prepared, align_prepared, prepare
from dedup.config import Settings
from dedup.document import Document, Span
from dedup.normalize import normalize_text
from dedup.relations import classify, verbatim_share
from dedup.sentences import mask_array, masked_windows
from dedup.shingles import shingle_hashes_from_tokens, token_hashes


@dataclass
class PassagePair:
    """A verified pair of documents that share passages.

    Attributes:
        i: Index of the first document (``i < j``).
        j: Index of the second document.
        relation: ``near_duplicate``, ``partial_copy`` or ``rewrite``.
        alignment: What they share.
    """

    i: int
    j: int
    relation: str
    alignment: Alignment

    @property
    def passages(self) -> list[Passage]:
        return self.alignment.passages

    def fields(self) -> dict[str, Any]:
        """The :class:`dedup.results.PairResult` fields this pair fills."""
        al = self.alignment
        return {
            "shared_chars_a": al.shared_chars_a,
            "shared_chars_b": al.shared_chars_b,
            "shared_share_a": round(al.share_a, 4),
            "shared_share_b": round(al.share_b, 4),
            "passages": [p.to_dict() for p in al.passages],
        }

    def extra(self) -> dict[str, Any]:
        """Further JSON fields: sentence and passage counts, verbatim share."""
        al = self.alignment
        return {
            "aligned_sentences": len(al.sentence_pairs),
            "verbatim_passages": al.count("verbatim"),
            "reworded_passages": al.count("reworded"),
            "verbatim_share": verbatim_share(al),
        }


def _doc_fingerprints(doc: Document, spans: Sequence[Span] | None, settings: Settings) -> np.ndarray:
    """Sampled unique n-gram hashes of one document (masked n-grams left out)."""
    ps = settings.passages
    if spans:
        from dedup.sentences import prepare_text

        prepared = prepare_text(doc.text, list(spans))
        hashes = shingle_hashes_from_tokens(prepared.hashes, ps.index_ngram)
        if prepared.n_tokens >= ps.index_ngram:
            hashes = hashes[~masked_windows(prepared.masked, ps.index_ngram)]
    else:
        from dedup.normalize import tokenize

        tokens = tokenize(normalize_text(doc.text))
        if len(tokens) < ps.index_ngram:
            return np.zeros(0, dtype=np.uint64)
        hashes = shingle_hashes_from_tokens(token_hashes(tokens), ps.index_ngram)
    keep = (hashes >> np.uint64(23)) % np.uint64(ps.index_sample) == 0
    return np.unique(hashes[keep])


def candidate_pairs(fingerprints: Sequence[np.ndarray], settings: Settings) -> np.ndarray:
    """Pairs of documents sharing enough sampled fingerprints.

    Args:
        fingerprints: Sorted unique uint64 hashes of each document.
        settings: ``passages.index_max_docs`` and ``passages.min_shared_fingerprints``.

    Returns:
        ``(k, 2)`` int64 array of document indices ``i < j``, sorted.
    """
    ps = settings.passages
    sizes = np.fromiter((f.size for f in fingerprints), dtype=np.int64, count=len(fingerprints))
    if sizes.sum() == 0:
        return np.zeros((0, 2), dtype=np.int64)
    hashes = np.concatenate(fingerprints)
    owners = np.repeat(np.arange(len(fingerprints), dtype=np.int64), sizes)
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    lengths = np.diff(np.concatenate((starts, [hashes.size])))
    codes: list[np.ndarray] = []
    n = np.int64(len(fingerprints))
    for size in np.unique(lengths[(lengths > 1) & (lengths <= ps.index_max_docs)]).tolist():
        group_starts = starts[lengths == size]
        left, right = np.triu_indices(size, k=1)
        first = owners[group_starts[:, None] + left[None, :]]
        second = owners[group_starts[:, None] + right[None, :]]
        codes.append((first * n + second).ravel())
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    unique, counts = np.unique(np.concatenate(codes), return_counts=True)
    chosen = unique[counts >= ps.min_shared_fingerprints]
    return np.stack([chosen // n, chosen % n], axis=1)


def find_passage_pairs(
    docs: Sequence[Document],
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    skip: set[tuple[int, int]] | None = None,
) -> list[PassagePair]:
    """Documents that share passages, verified and labelled.

    Args:
        docs: The documents (ids unique).
        settings: What to look for (``settings.passages``).
        masks: Boilerplate spans per document id, left out of matches and shares.
        skip: Index pairs ``(i, j)``, ``i < j``, already reported (exact or
            near duplicates); they are not aligned again.

    Returns:
        Pairs with a relation, ordered by ``(i, j)``.
    """
    masks = masks or {}
    skip = skip or set()
    fingerprints = [_doc_fingerprints(d, masks.get(d.id), settings) for d in docs]
    prepared: dict[int, Prepared] = {}
    found: list[PassagePair] = []
    for i, j in candidate_pairs(fingerprints, settings).tolist():
        if (i, j) in skip:
            continue
        for k in (i, j):
            if k not in prepared:
                prepared[k] = prepare(docs[k].text, masks.get(docs[k].id))
        alignment = align_prepared(prepared[i], prepared[j], settings)
        relation = classify(alignment, settings.passages)
        if relation is not None:
            found.append(PassagePair(i, j, relation, alignment))
    return found


def masked_share(doc: Document, spans: Sequence[Span] | None) -> float:
    """Share of ``doc``'s characters inside ``spans`` (for reports)."""
    if not doc.text:
        return 0.0
    return float(mask_array(len(doc.text), list(spans or ())).mean())
