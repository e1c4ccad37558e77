"""The corpus-wide word n-gram index that proposes passage candidates.

Fingerprints (sampled word n-grams) come from :mod:`dedup.text.ngrams`;
here they become anchors with their context, and pairs of documents that
share enough of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.passages.groups import GroupCollector, triangle
from dedup.text.ngrams import by_hash, ngram_hashes, sampled, word_hashes
from dedup.text.shingles import shingle_hashes_from_tokens


@dataclass(frozen=True)
class Anchors:
    """One text's fingerprints with the words around them.

    Attributes:
        words: Hash of every word of the text, in order.
        hashes: Distinct fingerprint hashes, sorted.
        positions: Word position where each fingerprint first starts.
        n: Words per fingerprint.
    """

    words: np.ndarray
    hashes: np.ndarray
    positions: np.ndarray
    n: int

    def context(self, position: int, window: int) -> set[int]:
        """Distinct words within ``window`` words before and after the n-gram
        at ``position`` (a set: a few dozen words cost less than array calls)."""
        before = self.words[max(0, position - window) : position].tolist()
        return set(before + self.words[position + self.n : position + self.n + window].tolist())


def anchors(text: str, n: int, sample: int) -> Anchors:
    """The :class:`Anchors` of one normalised text, as :func:`ngram_hashes` and
    :func:`sampled` take its fingerprints."""
    return batch_anchors([text], n, sample)[0]


def batch_anchors(texts: Sequence[str], n: int, sample: int) -> list[Anchors]:
    """:func:`anchors` of each of many normalised texts, their words hashed
    in one pass and their fingerprints ranked in one sort: the same arrays
    as text by text, without the per-call cost of a few hundred words."""
    if not texts:
        return []
    words, owners = word_hashes(list(texts))
    starts = np.searchsorted(owners, np.arange(len(texts) + 1))
    grams = shingle_hashes_from_tokens(words, n) if words.size >= n else np.zeros(0, dtype=np.uint64)
    # an n-gram inside one text, and a fingerprint
    first = np.flatnonzero((owners[: grams.size] == owners[n - 1 : n - 1 + grams.size]) & sampled(grams, sample))
    # each text's distinct fingerprints, sorted, at their first position:
    # ordered by text, hash and position as np.lexsort orders them, by two
    # stable sorts (by hash, the positions rising; then by text, on 16 bits
    # a counting sort) that take a third of its time
    hashes, first = by_hash(grams[first], first)
    owner = owners[first]
    order = np.argsort(owner.astype(np.uint16) if len(texts) <= 1 << 16 else owner, kind="stable")
    hashes, owner, first = hashes[order], owner[order], first[order]
    new = np.ones(hashes.size, dtype=bool)
    new[1:] = (hashes[1:] != hashes[:-1]) | (owner[1:] != owner[:-1])
    hashes, owner, first = hashes[new], owner[new], first[new]
    bounds = np.searchsorted(owner, np.arange(len(texts) + 1))
    return [
        Anchors(words[starts[k] : starts[k + 1]], hashes[bounds[k] : bounds[k + 1]], first[bounds[k] : bounds[k + 1]] - starts[k], n)
        for k in range(len(texts))
    ]


def word_anchors(words: np.ndarray, n: int, sample: int) -> Anchors:
    """:func:`anchors` from the hashes of a text's words."""
    grams, _ = ngram_hashes(words, np.zeros(words.size, dtype=np.int64), n)
    positions = np.flatnonzero(sampled(grams, sample))
    hashes, first = np.unique(grams[positions], return_index=True)
    return Anchors(words, hashes, positions[first], n)


def context_overlap(a: Anchors, b: Anchors, window: int, enough: float = 1.0) -> float:
    """The best agreement of the contexts of a fingerprint both texts hold.

    For each shared fingerprint, the share of the distinct words within
    ``window`` words of it (the n-gram itself left out) in the text with
    fewer such words that the other text also has there. Copies of a
    passage agree around every n-gram they share; texts that only use the
    same phrase agree no more than any two texts do.

    Args:
        a: First text's anchors.
        b: Second text's anchors.
        window: Words on each side.
        enough: Stop at the first fingerprint reaching this share.

    Returns:
        The highest share, 0.0 when no fingerprint is shared.
    """
    if a.hashes.size == 0 or b.hashes.size == 0:
        return 0.0
    # both sorted and distinct: the shared ones in order of hash, as np.intersect1d finds them, without its sort
    at = np.minimum(np.searchsorted(b.hashes, a.hashes), b.hashes.size - 1)
    ia = np.flatnonzero(b.hashes[at] == a.hashes)
    ib = at[ia]
    best = 0.0
    for pa, pb in zip(a.positions[ia].tolist(), b.positions[ib].tolist()):
        wa, wb = a.context(pa, window), b.context(pb, window)
        if wa and wb:
            best = max(best, len(wa & wb) / min(len(wa), len(wb)))
            if best >= enough:
                break
    return best


def candidate_pairs(
    hashes: np.ndarray, owners: np.ndarray, n_docs: int, max_docs: int, min_shared: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents sharing at least ``min_shared`` distinct hashes.

    Args:
        hashes: Fingerprint hashes (any order, repeats allowed; fastest
            sorted, when they are not sorted again).
        owners: Document index of each hash.
        n_docs: Number of documents.
        max_docs: Hashes held by more documents are ignored.
        min_shared: Distinct shared hashes a pair needs.

    Returns:
        ``(k, 2)`` int64 array of document indices ``i < j``, sorted, and
        the int64 count of hashes each pair shares.
    """
    pairs, counts, _ = candidates_and_holders(hashes, owners, n_docs, max_docs, min_shared, holders=False)
    return pairs, counts


def candidates_and_holders(
    hashes: np.ndarray, owners: np.ndarray, n_docs: int, max_docs: int, min_shared: int, holders: bool = True,
    collector: GroupCollector | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`candidate_pairs` and, with ``holders``, :func:`shared_fingerprints`
    of the same index, from one sort of it instead of two; ``collector``
    receives the fingerprints several documents hold and the pairs' own
    (:class:`~dedup.passages.groups.GroupCollector`)."""
    empty = np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    if hashes.size == 0:
        return (*empty, (np.zeros(n_docs, dtype=np.int64), np.zeros(n_docs, dtype=np.int64)) if holders else None)
    codes, holding = _piece_codes(hashes, owners, n_docs, max_docs, holders, collector)
    chosen, counts = counted_codes(codes, min_shared)
    counted = (np.bincount(np.concatenate(holding[:2]), minlength=n_docs), np.bincount(holding[2], minlength=n_docs)) if holding else None
    return np.stack([chosen // n_docs, chosen % n_docs], axis=1), counts, counted


def _piece_codes(
    hashes: np.ndarray, owners: np.ndarray, n_docs: int, max_docs: int, holders: bool, collector: GroupCollector | None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """The pair code ``i * n_docs + j`` (``i < j``) of every pair of documents
    holding a fingerprint of the index (or of a piece of it), once per
    fingerprint the pair shares, in no particular order; with ``holders``,
    the owners that count each document's held and shared fingerprints
    (those of the hashes held once, those of the others once each, those
    of the shared ones: their ``np.bincount``, left to the caller to take
    once for many pieces); ``collector`` as for :func:`candidates_and_holders`.

    Every figure depends only on which (hash, owner) pairs there are, not on
    their order: the hashes are sorted by a plain (unstable) sort, skipped
    when they come sorted, and the owners of a hash by the sort of the keys.
    """
    if hashes.size > 1 and np.any(hashes[1:] < hashes[:-1]):
        order = np.argsort(hashes)
        hashes, owners = hashes[order], owners[order]
    # Most hashes belong to one document: leave those out first.
    repeated = np.zeros(hashes.size, dtype=bool)
    repeated[1:] = hashes[1:] == hashes[:-1]
    repeated[:-1] |= repeated[1:]
    # a hash held once is one fingerprint its owner holds and no other does
    held_once = owners[~repeated] if holders else None
    hashes, owners = hashes[repeated], owners[repeated]
    if hashes.size == 0:
        return np.zeros(0, dtype=np.int64), ((held_once, owners, owners) if holders else None)
    # order by (hash, owner) as one int64 key: the hash's rank among the
    # repeated hashes above the owner's bits
    new_hash = np.empty(hashes.size, dtype=bool)
    new_hash[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=new_hash[1:])
    rank = np.cumsum(new_hash)
    rank -= 1
    owner_bits = max(int(n_docs) - 1, 1).bit_length()
    if int(rank[-1]).bit_length() + owner_bits <= 63:
        rank <<= owner_bits
        rank |= owners
        rank.sort()
        keys = rank[np.concatenate(([True], rank[1:] != rank[:-1]))]
        rank, owners = keys >> owner_bits, keys & ((1 << owner_bits) - 1)
    else:  # pragma: no cover - some billions of repeated hashes in one piece
        order = np.lexsort((owners, rank))
        rank, owners = rank[order], owners[order]
        first = np.concatenate(([True], (rank[1:] != rank[:-1]) | (owners[1:] != owners[:-1])))
        rank, owners = rank[first], owners[first]
    run_start = np.concatenate(([True], rank[1:] != rank[:-1]))
    starts = np.flatnonzero(run_start)
    lengths = np.diff(np.append(starts, rank.size))
    paired = (lengths > 1) & (lengths <= max_docs)
    holding = (held_once, owners, owners[np.repeat(paired, lengths)]) if holders else None
    if collector is not None:
        collector.add_runs(hashes[new_hash][rank[starts]], owners, starts, lengths)
    return run_pair_codes(owners, starts[paired], lengths[paired], n_docs, collector), holding


def run_pair_codes(
    owners: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n_docs: int, collector: GroupCollector | None = None
) -> np.ndarray:
    """The pair codes ``owners[a] * n_docs + owners[b]`` (``a < b``) of every
    pair of positions inside each run ``owners[start : start + length]``
    (lengths 2 or more), runs of one length at a time; runs of fewer than
    ``collector.min_docs`` give theirs to :meth:`~dedup.passages.groups.GroupCollector.add_own`."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    by_length = np.argsort(lengths.astype(np.uint16) if lengths.max() < 1 << 16 else lengths, kind="stable")  # a radix sort on 16 bits
    sizes = np.flatnonzero(np.bincount(lengths))
    bounds = np.searchsorted(lengths[by_length], np.append(sizes, sizes[-1] + 1)).tolist()
    codes: list[np.ndarray] = []
    for k, size in enumerate(sizes.tolist()):
        group = starts[by_length[bounds[k] : bounds[k + 1]]]
        if size == 2:
            found = owners[group] * np.int64(n_docs) + owners[group + 1]
        else:
            left, right = triangle(size)
            found = (owners[group[:, None] + left] * np.int64(n_docs) + owners[group[:, None] + right]).ravel()
        codes.append(found)
        if collector is not None and size < collector.min_docs:
            collector.add_own(found)
    return np.concatenate(codes) if len(codes) > 1 else codes[0]


def counted_codes(codes: np.ndarray, min_shared: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct code of ``codes`` (int64, any order), sorted, with the
    times it comes, of those that come at least ``min_shared`` times (one
    sort and its run boundaries: ``np.unique(codes, return_counts=True)``)."""
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes = np.sort(codes)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    counts = np.diff(np.append(starts, codes.size))
    if min_shared > 1:
        starts = starts[counts >= min_shared]
        counts = counts[counts >= min_shared]
    return codes[starts], counts


@dataclass
class PartFindings:
    """What the candidate search finds in one part of the index (a partition
    of a spilled one): summed over the parts, the whole index's figures.

    Attributes:
        codes: Pair codes ``i * n_docs + j`` of the pairs sharing a fingerprint here, sorted.
        counts: The fingerprints each shares here.
        held: With holders, each document's distinct fingerprints here, else ``None``.
        shared: With holders, those of them another document holds.
        groups: What a :class:`~dedup.passages.groups.GroupCollector` gathered here, or ``None``.

    The counts, held and shared come in the narrowest unsigned type that
    holds them (:func:`narrowest`): the findings of a partition go from
    worker to driver, and these are mostly 1 or a few.
    """

    codes: np.ndarray
    counts: np.ndarray
    held: np.ndarray | None = None
    shared: np.ndarray | None = None
    groups: GroupCollector | None = None


def part_findings(
    pieces: Iterable[tuple[np.ndarray, np.ndarray]], n_docs: int, max_docs: int, holders: bool = False, min_docs: int = 0,
) -> PartFindings:
    """The :class:`PartFindings` of a part of the index, read in pieces.

    Args:
        pieces: ``(hashes, owners)`` of each piece; no hash is in two pieces.
        n_docs, max_docs: As for :func:`candidate_pairs`.
        holders: Count each document's held and shared fingerprints.
        min_docs: With 1 or more, gather the groups' fingerprints
            (``passages.group_min_docs``) in the findings' own collector.
    """
    collector = GroupCollector(n_docs, min_docs, max_docs) if min_docs else None
    # each piece's codes, once per fingerprint, and its holders: counted once, for the whole part
    coded: list[np.ndarray] = []
    held: list[np.ndarray] = []
    shared: list[np.ndarray] = []
    for hashes, owners in pieces:
        if hashes.size == 0:
            continue
        codes, holding = _piece_codes(hashes, owners, n_docs, max_docs, holders, collector)
        coded.append(codes)
        if holding is not None:
            held.extend(holding[:2])
            shared.append(holding[2])
    codes, counts = counted_codes(_joined(coded))
    groups = collector.compacted() if collector is not None else None
    if not holders:
        return PartFindings(codes, narrowest(counts), groups=groups)
    held_counts, shared_counts = np.bincount(_joined(held), minlength=n_docs), np.bincount(_joined(shared), minlength=n_docs)
    return PartFindings(codes, narrowest(counts), narrowest(held_counts), narrowest(shared_counts), groups)


def narrowest(counts: np.ndarray) -> np.ndarray:
    """Non-negative integers in the narrowest unsigned type that holds them
    (uint8 for counts below 256: an eighth of their int64 bytes)."""
    if counts.size == 0:
        return counts
    return counts.astype(np.min_scalar_type(int(counts.max())), copy=False)


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays one after the other (an int64 array, empty for none)."""
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0] if arrays else np.zeros(0, dtype=np.int64)


def partitioned_candidate_pairs(
    parts: Iterable[tuple[np.ndarray, np.ndarray]], n_docs: int, max_docs: int, min_shared: int, folder: str | None = None,
    holders: tuple[np.ndarray, np.ndarray] | None = None, collector: GroupCollector | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`candidate_pairs` of an index read in parts, one in memory at a time.

    Args:
        parts: ``(hashes, owners)`` of each part; no hash is in two parts
            (e.g. :class:`dedup.near.index_spill.IndexSpill` partitions).
        n_docs, max_docs, min_shared: As for :func:`candidate_pairs`.
        folder, holders, collector: As for :func:`merged_candidates`.

    Returns:
        As :func:`candidate_pairs` over all the parts at once: a pair's
        shared hashes are the sum of those it shares in each part.
    """
    min_docs = collector.min_docs if collector is not None else 0
    findings = (part_findings([part], n_docs, max_docs, holders is not None, min_docs) for part in parts)
    return merged_candidates(findings, n_docs, min_shared, folder, holders, collector)


def merged_candidates(
    findings: Iterable[PartFindings], n_docs: int, min_shared: int, folder: str | None = None,
    holders: tuple[np.ndarray, np.ndarray] | None = None, collector: GroupCollector | None = None,
    run: Callable[[Callable, list], Iterable] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of an index from the :class:`PartFindings` of its
    parts, taken in the order they come (so the same for any order in which
    the parts were searched, when they come in order).

    Args:
        findings: Each part's findings.
        n_docs, min_shared: As for :func:`candidate_pairs`.
        folder: Where the pairs that share a fingerprint in some part wait
            for their sums, by ranges of their first document (one range in
            memory at a time); in memory when not given. They are many more
            than the candidates (every pair that shares one fingerprint, once
            per part) and grow faster than the corpus.
        holders: ``(held, shared)`` int64 arrays of ``n_docs`` that receive
            :func:`shared_fingerprints` of the whole index (the findings'
            figures summed).
        collector: Receives each part's grouped fingerprints, in order.
        run: Maps a function over a list of jobs, results in order (an
            engine's ``map``), for the sums of the ranges in ``folder``
            (read from there); by default, in this process.

    Returns:
        As :func:`candidate_pairs` over all the parts at once.
    """

    def coded() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for found in findings:
            if holders is not None:
                holders[0][:] += found.held
                holders[1][:] += found.shared
            if collector is not None and found.groups is not None:
                collector.extend(found.groups)
            yield found.codes, found.counts

    if folder is None:
        return _summed_pairs(coded(), n_docs, min_shared)
    buckets = _PairBuckets(folder, n_docs)
    for codes, counts in coded():
        buckets.add(codes, counts)
    summing = partial(summed_bucket, n_docs=n_docs, min_shared=min_shared)
    found = list((run or map)(summing, buckets.close()))
    if not found:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([p for p, _ in found]), np.concatenate([c for _, c in found])


def summed_bucket(path: str, n_docs: int, min_shared: int) -> tuple[np.ndarray, np.ndarray]:
    """The candidates among the pairs of one range of first documents (a
    file of codes and counts, removed once read): :func:`_summed_pairs`."""
    entries = np.fromfile(path, dtype=np.int64).reshape(-1, 2)
    os.remove(path)
    return _summed_pairs([(entries[:, 0].copy(), entries[:, 1].copy())], n_docs, min_shared)


def _summed_pairs(coded: Iterable[tuple[np.ndarray, np.ndarray]], n_docs: int, min_shared: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose counts, summed over ``coded`` (pair codes ``i * n + j``
    and counts, in parts), reach ``min_shared``; in order of code."""
    chosen, totals = _summed_codes(coded, n_docs, min_shared)
    return np.stack([chosen // n_docs, chosen % n_docs], axis=1), totals


def _summed_codes(coded: Iterable[tuple[np.ndarray, np.ndarray]], n_docs: int, min_shared: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_summed_pairs` as pair codes."""
    # Each (pair, count) of a part is one uint64, the pair's code above its
    # count: one array of 8 bytes an entry, sorted in place, where a pair
    # code, a count and a sort order of 8 bytes each would take 40 at the
    # peak. Counts too large for their bits (a part where two very long
    # documents share thousands of fingerprints) are summed apart.
    code_bits = max(int(n_docs) * int(n_docs) - 1, 1).bit_length()
    count_bits = max(64 - code_bits, 0)
    most = (1 << count_bits) - 1 if count_bits > 0 else 0
    packed: list[np.ndarray] = []
    over: list[tuple[np.ndarray, np.ndarray]] = []
    for codes, counts in coded:
        big = counts > most
        if big.any():
            over.append((codes[big], counts[big]))
            codes, counts = codes[~big], counts[~big]
        packed.append((codes.astype(np.uint64) << np.uint64(count_bits)) | counts.astype(np.uint64))
    keys = np.concatenate(packed) if packed else np.zeros(0, dtype=np.uint64)
    del packed
    keys.sort()
    all_codes = (keys >> np.uint64(count_bits)).astype(np.int64)
    keys &= np.uint64(most)
    if over:
        all_codes = np.concatenate([all_codes] + [c for c, _ in over])
        keys = np.concatenate([keys.astype(np.int64)] + [n for _, n in over])
        order = np.argsort(all_codes, kind="stable")
        all_codes, keys = all_codes[order], keys[order]
    if all_codes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], all_codes[1:] != all_codes[:-1])))
    totals = np.add.reduceat(keys.astype(np.int64, copy=False), starts)
    keep = totals >= min_shared
    return all_codes[starts][keep], totals[keep].astype(np.int64)


class _PairBuckets:
    """Pair codes (``i * n + j``) and shared counts, by ranges of ``i``, in
    files of ``folder`` (one range read back at a time). The files stay open
    while pairs are added: a part adds to most ranges."""

    ranges = 64

    def __init__(self, folder: str, n_docs: int) -> None:
        self.folder = folder
        self.width = np.int64(max(1, -(-n_docs // self.ranges)) * n_docs)
        self.files: dict[int, Any] = {}

    def _path(self, bucket: int) -> str:
        return os.path.join(self.folder, f"pairs-{bucket:02d}.bin")

    def add(self, codes: np.ndarray, counts: np.ndarray) -> None:
        """Append pairs, ``codes`` sorted (as :func:`candidate_pairs` gives them)."""
        bounds = np.searchsorted(codes, np.arange(self.ranges + 1, dtype=np.int64) * self.width).tolist()
        # each entry as its code then its count, one write per range
        entries = np.stack((codes.astype(np.int64, copy=False), counts.astype(np.int64, copy=False)), axis=1)
        for b in range(self.ranges):
            lo, hi = bounds[b], bounds[b + 1]
            if hi > lo:
                if b not in self.files:
                    self.files[b] = open(self._path(b), "ab")
                self.files[b].write(entries[lo:hi].tobytes())

    def close(self) -> list[str]:
        """The files of the ranges that hold pairs, ranges in order (read
        each with :func:`summed_bucket`)."""
        for out in self.files.values():
            out.close()
        return [self._path(b) for b in sorted(self.files)]


def shared_fingerprints(hashes: np.ndarray, owners: np.ndarray, n_docs: int, max_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per document, its distinct fingerprints and how many of them another document holds.

    Linear in the fingerprints (one sort): every document's share of text
    found elsewhere, estimated from the index, whether or not any of its
    pairs is aligned.

    Args:
        hashes: Fingerprint hashes (repeats allowed).
        owners: Document index of each hash.
        n_docs: Number of documents.
        max_docs: Hashes held by more documents are common phrases and do
            not count as shared (as in :func:`candidate_pairs`).

    Returns:
        ``(held, shared)``: int64 counts per document.
    """
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    distinct_pair = np.ones(hashes.size, dtype=bool)
    distinct_pair[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
    hashes, owners = hashes[distinct_pair], owners[distinct_pair]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1]))) if hashes.size else np.zeros(0, dtype=np.int64)
    holders = np.diff(np.concatenate((starts, [hashes.size])))
    per_hash = np.repeat(holders, holders)
    shared = (per_hash > 1) & (per_hash <= max_docs)
    return np.bincount(owners, minlength=n_docs), np.bincount(owners[shared], minlength=n_docs)
