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
candidates; no pair is compared unless it shares some. A candidate is
aligned only when the words around one of its shared n-grams agree in both
documents (``min_anchor_overlap`` within ``anchor_window`` words): a stock
phrase two unrelated texts both use is not a passage. Each candidate left is
then aligned (:mod:`dedup.passages.align`) and labelled (:mod:`dedup.passages.relations`);
only pairs with a label are returned.
"""

from __future__ import annotations

import gc
import heapq
from contextlib import contextmanager
from functools import partial
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings, Settings
from dedup.document import Document, Span
from dedup.engine import Engine, StageFault
from dedup.engine.alongside import Alongside
from dedup.near.clusters import component_labels
from dedup.results import GroupResult, collection_paused
from dedup.passages.candidates import candidate_pairs, candidates_and_shares, fingerprints
from dedup.passages.estimates import IndexPair, estimated_shares, index_pairs
from dedup.passages.group_rows import shared_passage_groups
from dedup.passages.groups import GroupCollector
from dedup.passages.partners import clear_strongest, partner_order, strongest_partners
from dedup.passages.pair_rows import PairTuples
from dedup.passages.verify import ANCHORS_ENOUGH, PassagePair, pair_documents, verify_pairs, verify_pairs_pooled


__all__ = [
    "ANCHORS_ENOUGH", "PassagePair", "candidate_pairs", "find_passage_pairs", "fingerprints", "verify_pairs", "verify_pairs_pooled",
]


def find_passage_pairs(
    docs: Sequence[Document],
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    skip: set[tuple[int, int]] | np.ndarray | None = None,
    index: tuple[np.ndarray, np.ndarray] | None = None,
    sentences: bool = True,
    engine: Engine | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    faults: list[StageFault] | None = None,
    tally: dict[str, int] | None = None,
    shared_shares: list[np.ndarray] | None = None,
    groups: list[GroupResult] | None = None,
    spill: bool = False,
) -> Iterable[PassagePair | IndexPair]:
    """Documents that share passages, verified and labelled.

    Each document's ``passages.align_partners`` strongest candidates are
    aligned (:func:`dedup.passages.partners.strongest_partners`), and every
    candidate with an estimated share of ``passages.align_share``; every other
    candidate among its ``passages.max_partners`` strongest (0: every one)
    that passes the floors on the index's figures is reported without an
    alignment (:class:`~dedup.passages.estimates.IndexPair`).

    Args:
        docs: The documents (ids unique).
        settings: What to look for (``settings.passages``).
        masks: Boilerplate spans per document id, left out of matches and shares.
        skip: Index pairs ``(i, j)``, ``i < j``, already reported (exact or
            near duplicates), as a set or an ``(n, 2)`` array. Documents
            they connect, directly or through others, form one duplicate
            cluster; no pair inside a cluster is aligned again.
        index: ``(hashes, owners)`` of :func:`fingerprints` of ``docs``
            without masks, when already taken (the document-level scan
            takes them from its own tokens).
        sentences: Keep the sentences and aligned sentence pairs in each
            alignment; without them (:meth:`PassagePair.slim`) the results
            come back from worker processes several times faster.
        engine: What runs the batches of documents and of pairs; by
            default a :class:`~dedup.engine.LocalEngine` of ``settings.workers``.
        progress: Called as ``progress("passages", pairs aligned, candidate pairs)``.
        faults: Receives a :class:`~dedup.engine.StageFault` per pair whose
            alignment raises (the pair is left out; the others are as they
            would be without it). Without it, the first such error is raised.
        tally: Receives ``passage_candidates`` (candidate pairs outside
            duplicate clusters), ``passage_candidates_unaligned`` (those
            beyond every document's ``align_partners`` strongest partners)
            and, when there are any, ``passage_pairs_from_index`` (those
            reported without an alignment).
        shared_shares: Receives one array: per document, the share of its sampled
            fingerprints (outside masks) that another document holds
            (:func:`dedup.passages.index.shared_fingerprints`): an estimate
            from the index, for aligned and unaligned documents alike.
        groups: Receives the shared-passage groups
            (:mod:`dedup.passages.groups`, with ``passages.group_min_docs``):
            a candidate whose shared text lies wholly in groups and whose
            estimated shares stay below ``align_share`` is reported through
            them, not as a pair (``tally``'s ``passage_pairs_in_groups``
            counts them). Without it, no groups are formed.
        spill: Keep the aligned pairs in files as they come
            (:func:`~dedup.passages.verify.verify_pairs_pooled`), not in memory.

    Returns:
        Pairs with a relation, aligned or from the index, ordered by ``(i,
        j)``: a list, or with ``spill`` an iterable to read once.
    """
    ps = settings.passages
    collector = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs) if groups is not None and ps.group_min_docs else None
    pairs, counts, (held, held_elsewhere) = candidates_and_shares(docs, settings, masks, index, engine, faults, shares=True, collector=collector)
    if shared_shares is not None:
        shared_shares.append(np.round(held_elsewhere / np.maximum(held, 1), 4))
    del held_elsewhere
    # every array of the candidates is let go as soon as it is read: the stage's driver holds a few at a time
    apart = _outside_clusters(len(docs), skip, pairs)
    own = collector.own_counts(pairs)[apart] if collector is not None else None
    pairs, counts = pairs[apart], counts[apart]
    del apart
    strong, strongest, within_max, paired = _ranked(pairs, counts, held, own, ps)
    del own
    with _set_aside_from_collections() as set_aside:
        group_rows = _grouped(docs, collector, pairs, paired, settings, masks, engine) if collector is not None else None
        kept = paired & within_max
        aligned = kept & (strongest | strong)
        del within_max, strongest, strong
        candidates = PairTuples(pairs[aligned])  # an array: tuples are made where the pairs are cut into chunks, and go with them
        # the workers align the pairs while this process makes the groups' rows and the pairs from the index:
        # neither waits on the other
        verifying = Alongside(partial(
            verify_pairs_pooled, docs, candidates, settings, masks, counts[aligned].tolist(), sentences, engine, progress=progress, faults=faults, spill=spill,
        ), "dedup-verify").start()
        del candidates
        with collection_paused():  # rows of many groups and pairs, none of them cyclic garbage
            if group_rows is not None:
                groups.extend(group_rows())
                set_aside()
            del group_rows
            unaligned = kept & ~aligned
            estimated = index_pairs(docs, pairs[unaligned], counts[unaligned], held, ps, masks)
        if tally is not None:
            tally.update(_stage_counts(pairs, aligned, paired, estimated, groups))
        del pairs, counts, held, paired, kept, aligned, unaligned  # not held while the pairs are aligned
        found = verifying.result()
        if not estimated:
            return found
        if not spill:
            return sorted([*found, *estimated], key=pair_documents)
        return heapq.merge(found, estimated, key=pair_documents)  # no pair is in both: the order of a stable sort


def _ranked(pairs: np.ndarray, counts: np.ndarray, held: np.ndarray, own: np.ndarray | None, ps: PassageSettings) -> tuple[np.ndarray, ...]:
    """Masks over the candidates: ``strong`` (an estimated share of
    ``align_share``), ``strongest`` (among a document's ``align_partners``),
    ``within_max`` (among its ``max_partners``) and ``paired`` (reported as a
    pair, not through groups; every pair without ``own`` counts)."""
    strong = estimated_shares(pairs, counts, held, ps).max(axis=1) >= ps.align_share
    # a pair is reported as a pair when it is a near copy or shares text of its own, or when it is a document's
    # strongest partner by a clear margin (a rewrite's source, whose reworded text the index does not see);
    # else through its groups
    order = partner_order(pairs, counts)  # one ranking of every document's partners, read four times
    strongest = strongest_partners(pairs, counts, ps.align_partners, order)
    within_max = strongest_partners(pairs, counts, ps.max_partners, order)
    paired = strong | (own > 0) | (strongest & clear_strongest(pairs, counts, order=order)) if own is not None else np.ones(len(pairs), dtype=bool)
    return strong, strongest, within_max, paired


def _outside_clusters(n_docs: int, skip, pairs: np.ndarray) -> np.ndarray:
    """Which candidate ``pairs`` join two duplicate clusters (``skip``, as
    for :func:`find_passage_pairs`); the clusters' labels live only here."""
    group = component_labels(n_docs, _pair_array(skip))
    return group[pairs[:, 0]] != group[pairs[:, 1]]


def _pair_array(pairs: set[tuple[int, int]] | np.ndarray | None) -> np.ndarray:
    if isinstance(pairs, np.ndarray):
        return pairs.reshape(-1, 2)
    return np.array(list(pairs or ()), dtype=np.int64).reshape(-1, 2)


def _stage_counts(pairs: np.ndarray, aligned: np.ndarray, paired: np.ndarray, estimated: list, groups: list | None) -> dict[str, int]:
    """The counts :func:`find_passage_pairs` gives its ``tally``."""
    counts = {"passage_candidates": len(pairs), "passage_candidates_unaligned": int(len(pairs) - aligned.sum())}
    if estimated:  # only then, so that a scan whose candidates are all aligned reads as it did
        counts["passage_pairs_from_index"] = len(estimated)
    if groups:
        counts["passage_pairs_in_groups"] = int((~paired).sum())
        counts["shared_passage_groups"] = len(groups)
    return counts


def _grouped(docs, collector: GroupCollector, pairs: np.ndarray, paired: np.ndarray, settings: Settings, masks, engine) -> Callable[[], list[GroupResult]]:
    """The shared-passage groups of the candidate ``pairs`` not ``paired``
    (:func:`~dedup.passages.group_rows.shared_passage_groups`), as a
    call that makes their rows; ``paired`` is updated in place."""
    left_out = np.flatnonzero(~paired)
    with collection_paused():
        rows, within = shared_passage_groups(docs, collector, pairs[left_out], len(docs), settings.passages, masks, engine, settings.workers)
    # a pair no reported group holds (its groups fell below the floors: text quoted in overlapping pieces)
    # is a pair again, as it would be without groups, so that nothing shared goes unreported
    paired[left_out[~within]] = True
    return rows


@contextmanager
def _set_aside_from_collections() -> Iterator[Callable[[], None]]:
    """A call that sets every object alive aside from the garbage collector's
    passes (:func:`gc.freeze`) until the block ends. A scan's groups hold
    millions of small objects that live on to the report: every full
    collection while the pairs are verified walked them all again, in this
    process, while the workers waited for their chunks. In a process that
    froze objects before (:func:`~dedup.engine.memory.collect_less`) they
    stay set aside: :func:`gc.unfreeze` would give back its objects too."""
    frozen = False
    process_freezes = gc.get_freeze_count() > 0

    def set_aside() -> None:
        nonlocal frozen
        gc.freeze()
        frozen = True

    try:
        yield set_aside
    finally:
        if frozen and not process_freezes:
            gc.unfreeze()
