"""Text shared verbatim by several documents, reported once per group of them.

A sentence quoted by 30 articles makes 435 pairs, each to be aligned,
directed and written; it is one finding. The passage index already knows
it: every sampled word n-gram (fingerprint) of the sentence is held by the
same 30 documents. Fingerprints are grouped by the set of documents that
hold them (from the sort that finds the candidate pairs, so in time linear
in the index); a set of ``passages.group_min_docs`` or more documents and
its fingerprints is a **shared-passage group**. A candidate pair whose
shared fingerprints all lie in groups (none held by the two alone), and
whose estimated share stays below ``passages.align_share``, is reported
through its groups only; near copies (high shares) and pairs that share
text of their own stay pairs.

:class:`GroupCollector` gathers, per part of the index, the grouped
fingerprints and the pairs' fingerprints held by fewer documents; the
groups' spans come from the positions of their fingerprints in each
document (:mod:`dedup.passages.group_spans`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Sequence

import numpy as np

# Odd 64-bit constants mixing a document's index into a set signature
# (a sum over the set: the same for any order, and for any part of the index).
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)

# Parts whose sets are kept before those seen again are dropped (bounds
# what the sets of the parts repeat; each drop sorts what is kept).
_SETS_PER_COMPACTION = 64


def set_signatures(owners: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A 64-bit signature of each run of ``owners`` (runs begin at ``starts``):
    the wrapped sum of a mix of each member, equal for equal sets."""
    x = owners.astype(np.uint64) * _MIX_A
    x ^= x >> np.uint64(29)
    x *= _MIX_B
    x ^= x >> np.uint64(32)
    return np.add.reduceat(x, starts) if starts.size else np.zeros(0, dtype=np.uint64)


class Members:
    """Each group's documents, as one flat array of every group's members
    and the count of each: a scan holds hundreds of thousands of groups, and
    an array per group cost more to make, reorder and join again than the
    passes that read them all at once.

    Args:
        flat: The members, group after group (sorted within a group).
        sizes: Members of each group.
    """

    def __init__(self, flat: np.ndarray, sizes: np.ndarray) -> None:
        self.flat = np.asarray(flat, dtype=np.int64)
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.starts = np.cumsum(self.sizes) - self.sizes

    @classmethod
    def of(cls, members: "Members | Sequence[np.ndarray]") -> "Members":
        """``members`` as they are, or made from an array per group."""
        if isinstance(members, Members):
            return members
        sizes = np.fromiter((m.size for m in members), dtype=np.int64, count=len(members))
        return cls(np.concatenate(members) if len(members) else np.zeros(0, dtype=np.int64), sizes)

    @classmethod
    def joined(cls, parts: "Sequence[Members]") -> "Members":
        """The groups of ``parts``, one part after the other."""
        if not parts:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return cls(np.concatenate([p.flat for p in parts]), np.concatenate([p.sizes for p in parts]))

    def __len__(self) -> int:
        return int(self.sizes.size)

    def __getitem__(self, k: int) -> np.ndarray:
        start = int(self.starts[k])
        return self.flat[start : start + int(self.sizes[k])]

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.flat[a:b] for a, b in zip(self.starts.tolist(), (self.starts + self.sizes).tolist()))

    def taking(self, chosen: np.ndarray | Sequence[int]) -> "Members":
        """The groups at ``chosen`` (any order), in that order."""
        chosen = np.asarray(chosen, dtype=np.int64)
        return Members(self.flat[run_positions(self.starts[chosen], self.sizes[chosen])], self.sizes[chosen])


@dataclass(frozen=True)
class Groups:
    """The shared-passage groups of a corpus, before their spans.

    Attributes:
        members: Per group, its documents' indices, sorted (:class:`Members`;
            an array per group is taken as one).
        hashes: Every grouped fingerprint hash, sorted.
        group_of: The group of each of ``hashes``.
        fingerprints: Per group, its fingerprints.
    """

    members: Members
    hashes: np.ndarray
    group_of: np.ndarray
    fingerprints: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", Members.of(self.members))

    def __len__(self) -> int:
        return len(self.members)

    def taking(self, chosen: np.ndarray) -> "Groups":
        """The groups at ``chosen`` (sorted indices), numbered again from 0."""
        renumber = np.full(len(self.members), -1, dtype=np.int64)
        renumber[chosen] = np.arange(chosen.size)
        keep = renumber[self.group_of] >= 0
        return Groups(self.members.taking(chosen), self.hashes[keep], renumber[self.group_of[keep]], self.fingerprints[chosen])


class GroupCollector:
    """What the candidate sort passes on about grouped text, part by part of the index.

    Args:
        n_docs: Documents in the corpus.
        min_docs: Documents a group needs (``passages.group_min_docs``).
        max_docs: Fingerprints held by more documents are common phrases
            (``passages.index_max_docs``), neither grouped nor paired.
    """

    def __init__(self, n_docs: int, min_docs: int, max_docs: int) -> None:
        self.n_docs, self.min_docs, self.max_docs = n_docs, min_docs, max_docs
        # pair codes, once per fingerprint held by fewer than min_docs (counts None), or distinct with their counts
        self._own: list[tuple[np.ndarray, np.ndarray | None]] = []
        self._hashes: list[np.ndarray] = []
        self._signatures: list[np.ndarray] = []
        # per part, its distinct signatures and the holders of the first run of each, one after the other
        # (flat arrays, not an array per set: a dict of a few hundred thousand small arrays cost more than the sort)
        self._sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._spill: Any = None  # a GroupSpill once spill_to is called

    def spill_to(self, folder: str) -> None:
        """From now on, keep what is added in files of ``folder``
        (:mod:`dedup.passages.group_spill`, which removes it once done
        with), not in memory; the counts and groups read back are the same."""
        from dedup.passages.group_spill import GroupSpill  # it imports this module

        self._spill = GroupSpill(folder, self.n_docs)
        self._to_spill(self)

    def _to_spill(self, other: "GroupCollector") -> None:
        """Write what ``other`` (this collector or another) holds to the spill, and let it go."""
        if other._hashes:
            self._spill.add_fingerprints(np.concatenate(other._hashes), np.concatenate(other._signatures))
        for sets in other._sets:
            self._spill.add_sets(*sets)
        if other._own:
            self._spill.add_own(*other._own_totals())
        if other is self:
            self._own, self._hashes, self._signatures, self._sets = [], [], [], []

    def add_runs(self, hashes: np.ndarray, owners: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> None:
        """One part's fingerprints held by several documents.

        Args:
            hashes: The hash of each run.
            owners: Its holders, run after run, distinct and sorted within a run.
            starts: Where each run begins in ``owners``.
            lengths: Holders of each run.
        """
        grouped = (lengths >= self.min_docs) & (lengths <= self.max_docs)
        if not grouped.any():
            return
        signatures = set_signatures(owners, starts)[grouped] ^ lengths[grouped].astype(np.uint64)
        self._hashes.append(hashes[grouped])
        self._signatures.append(signatures)
        distinct, first = np.unique(signatures, return_index=True)
        run_lengths = lengths[grouped][first]
        self._sets.append((distinct, run_lengths, owners[run_positions(starts[grouped][first], run_lengths)]))
        if self._spill is not None:
            self._to_spill(self)
        elif len(self._sets) >= _SETS_PER_COMPACTION:
            self._sets = [self._holder_sets()]

    def _holder_sets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every set signature once, sorted, with the lengths and the holders
        (flat) of the first run that had it, as the parts came."""
        if not self._sets:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        signatures = np.concatenate([s for s, _, _ in self._sets])
        lengths = np.concatenate([n for _, n, _ in self._sets])
        holders = np.concatenate([h for _, _, h in self._sets])
        distinct, first = np.unique(signatures, return_index=True)  # the first occurrence of each
        starts = np.cumsum(lengths) - lengths
        return distinct, lengths[first], holders[run_positions(starts[first], lengths[first])]

    def add_own(self, codes: np.ndarray) -> None:
        """Pair codes ``i * n_docs + j``, one per fingerprint the pair shares
        with fewer than ``min_docs`` documents holding it."""
        self._own.append((codes, None))
        if self._spill is not None:
            self._to_spill(self)

    def compacted(self) -> "GroupCollector":
        """This collector, what it holds twice held once (before it is sent
        from the process that searched a part of the index)."""
        if self._sets:
            self._sets = [self._holder_sets()]
        if self._own:
            self._own = [self._own_totals()]
        return self

    def extend(self, other: "GroupCollector") -> None:
        """Add what ``other`` gathered from the parts after those added so far."""
        if self._spill is not None:
            self._to_spill(other)
            return
        self._own.extend(other._own)
        self._hashes.extend(other._hashes)
        self._signatures.extend(other._signatures)
        self._sets.extend(other._sets)
        if len(self._sets) >= _SETS_PER_COMPACTION:
            self._sets = [self._holder_sets()]

    def _own_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair code of ``_own`` once, sorted, with its count."""
        codes = np.concatenate([c for c, _ in self._own])
        counts = np.concatenate([np.ones(c.size, dtype=np.int64) if n is None else n for c, n in self._own])
        return code_totals(codes, counts)

    def own_counts(self, pairs: np.ndarray) -> np.ndarray:
        """Per candidate pair, its shared fingerprints held by fewer than
        ``min_docs`` documents (text it shares beyond any group)."""
        wanted = pairs[:, 0] * np.int64(self.n_docs) + pairs[:, 1]
        if self._spill is not None:
            return self._spill.own_counts(wanted)
        if not self._own or len(pairs) == 0:
            return np.zeros(len(pairs), dtype=np.int64)
        return counts_of(*self._own_totals(), wanted)

    def groups(self, min_fingerprints: int) -> Groups:
        """The groups of ``min_fingerprints`` fingerprints or more, in order of
        their first document, then of their members."""
        if self._spill is not None:
            return self._spilled_groups(min_fingerprints)
        if not self._hashes:
            return Groups([], np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        hashes, signatures = np.concatenate(self._hashes), np.concatenate(self._signatures)
        distinct, group_of, sizes = np.unique(signatures, return_inverse=True, return_counts=True)
        kept = np.flatnonzero(sizes >= min_fingerprints)
        self._sets = [self._holder_sets()]
        members = set_members(*self._sets[0], distinct[kept])
        order = lexicographic_order(members)
        renumber = np.full(distinct.size, -1, dtype=np.int64)
        renumber[kept[order]] = np.arange(len(order))
        group_of = renumber[group_of]
        keep = group_of >= 0
        by_hash = np.argsort(hashes[keep], kind="stable")
        return Groups(members.taking(order), hashes[keep][by_hash], group_of[keep][by_hash], sizes[kept[order]])

    def _spilled_groups(self, min_fingerprints: int) -> "SpilledGroups":
        """:meth:`groups` from the spill, one range of signatures at a time:
        what stays in memory is the groups' members, not every grouped
        fingerprint (their hashes wait in files until groups are taken)."""
        parts: list[Members] = []
        sizes = []
        held = 0
        self._spill.forget_kept()  # those of an earlier call (the groups taken from it read them no more)
        for found, fingerprints, found_hashes, found_group in self._spill.signature_groups(min_fingerprints):
            self._spill.keep_hashes(found_hashes, found_group + held)
            parts.append(found)
            held += len(found)
            sizes.append(fingerprints)
        members = Members.joined(parts)
        order = lexicographic_order(members)
        renumber = np.empty(len(order), dtype=np.int64)
        renumber[order] = np.arange(len(order))
        fingerprints = np.concatenate(sizes)[order] if sizes else np.zeros(0, dtype=np.int64)
        return SpilledGroups(members.taking(order), fingerprints, self._spill, renumber)


class SpilledGroups:
    """:class:`Groups` whose fingerprint hashes wait in a collector's spill:
    :meth:`taking` reads those of the groups taken only.

    Attributes:
        members, fingerprints: As :class:`Groups`'.
    """

    def __init__(self, members: Members, fingerprints: np.ndarray, spill, renumber: np.ndarray) -> None:
        self.members, self.fingerprints = members, fingerprints
        self._spill, self._renumber = spill, renumber

    def __len__(self) -> int:
        return len(self.members)

    def taking(self, chosen: np.ndarray) -> Groups:
        """The groups at ``chosen`` (sorted indices), numbered again from 0, with their hashes."""
        renumber = np.full(len(self.members), -1, dtype=np.int64)
        renumber[chosen] = np.arange(chosen.size)
        hashes, group_of = self._spill.kept_hashes(renumber[self._renumber])
        by_hash = np.argsort(hashes, kind="stable")
        return Groups(self.members.taking(chosen), hashes[by_hash], group_of[by_hash], self.fingerprints[chosen])

    @property
    def hashes(self) -> np.ndarray:
        return self.taking(np.arange(len(self.members))).hashes

    @property
    def group_of(self) -> np.ndarray:
        return self.taking(np.arange(len(self.members))).group_of


# Leading members compared by one sort of columns; longer sets equal in those are ordered in Python.
_ORDER_COLUMNS = 8


def lexicographic_order(members: Members | Sequence[np.ndarray], columns: int = _ORDER_COLUMNS) -> list[int]:
    """``sorted(range(len(members)), key=lambda k: members[k].tolist())``
    (``members``: arrays of non-negative integers), from one stable sort of
    their first ``columns`` values (a missing one below any value, as a
    shorter list comes first); sets equal in those and longer are then
    ordered as lists. Several hundred thousand groups are ordered so a few
    times faster than by a list per group."""
    n = len(members)
    if n == 0:
        return []
    members = Members.of(members)
    sizes, flat, starts = members.sizes, members.flat, members.starts
    keys = []
    for c in range(columns):
        key = np.full(n, -1, dtype=np.int64)
        has = sizes > c
        key[has] = flat[starts[has] + c]
        keys.append(key)
    order = np.lexsort(keys[::-1])
    tied = np.ones(n - 1, dtype=bool)
    for key in keys:
        ranked = key[order]
        tied &= ranked[1:] == ranked[:-1]
    out = order.tolist()
    at = np.flatnonzero(tied)
    if at.size:
        # runs of sets equal in every column: the same list unless one is longer than the columns
        breaks = np.flatnonzero(np.diff(at) > 1)
        longest = sizes[order].tolist()
        for first, last in zip(at[np.append(0, breaks + 1)].tolist(), (at[np.append(breaks, at.size - 1)] + 2).tolist()):
            if max(longest[first:last]) > columns:
                out[first:last] = sorted(out[first:last], key=lambda k: members[k].tolist())
    return out


def code_totals(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every code of ``codes`` once, sorted, with its ``counts`` summed."""
    order = np.argsort(codes)  # sums do not depend on the order of a code's counts: no stable sort needed
    codes, counts = codes[order], counts[order]
    if codes.size == 0:
        return codes, counts
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], np.add.reduceat(counts, starts)


def set_members(signatures: np.ndarray, lengths: np.ndarray, holders: np.ndarray, wanted: np.ndarray) -> Members:
    """The holders of each set signature of ``wanted`` (every one of them
    among ``signatures``), from the first set added with it.

    Args:
        signatures: Each set's signature, as the sets were added.
        lengths: Each set's length.
        holders: The sets' holders, one set after the other.
        wanted: The signatures whose holders are wanted.
    """
    if wanted.size == 0:
        return Members.joined([])
    sets, first = np.unique(signatures, return_index=True)  # the first occurrence of each
    at = first[np.searchsorted(sets, wanted)]
    return Members(holders[run_positions((np.cumsum(lengths) - lengths)[at], lengths[at])], lengths[at])


def counts_of(codes: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per code of ``wanted``, its count in ``counts`` (``codes`` sorted and
    distinct, as :func:`code_totals` gives them), 0 for a code not there."""
    if codes.size == 0:
        return np.zeros(wanted.size, dtype=np.int64)
    at = np.minimum(np.searchsorted(codes, wanted), codes.size - 1)
    return np.where(codes[at] == wanted, counts[at], 0).astype(np.int64)


def run_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of every element of the runs at ``starts`` of ``lengths``, run after run."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


def marked_numbers(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of indices below ``size``,
    by marking them in a table of ``size`` rather than sorting them (the
    values run to millions, repeated, where ``size`` is a few hundred
    thousand): the distinct values, sorted, and the number of each value
    among them."""
    marked = np.zeros(size, dtype=bool)
    marked[values] = True
    return np.flatnonzero(marked), (np.cumsum(marked) - 1)[values]


@lru_cache(maxsize=256)
def triangle(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(size, k=1)``, made once per size (the candidate sort
    asks for the same few sizes in every part of the index)."""
    left, right = np.triu_indices(size, k=1)
    left.flags.writeable = right.flags.writeable = False
    return left, right


def pair_codes_within(members: Members | Sequence[np.ndarray], n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of documents inside each group (``members``: each group's
    sorted document indices), as codes ``i * n_docs + j``, and the group of
    each (a group of ``k`` documents gives ``k(k-1)/2``)."""
    codes, owners = [], []
    members = Members.of(members)
    sizes, flat, starts = members.sizes, members.flat, members.starts
    by_size = np.argsort(sizes, kind="stable")  # the groups of each size, in order: one pass, not one per size
    bounds = np.flatnonzero(np.diff(sizes[by_size])) + 1
    for chosen in np.split(by_size, bounds) if by_size.size else []:
        size = int(sizes[chosen[0]])
        block = flat[starts[chosen][:, None] + np.arange(size)]  # the groups' members, a row each
        left, right = triangle(size)
        codes.append((block[:, left] * np.int64(n_docs) + block[:, right]).ravel())
        owners.append(np.repeat(chosen.astype(np.int64), left.size))
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(codes), np.concatenate(owners)


def pairs_within(members: Members | Sequence[np.ndarray], n_docs: int, pairs: np.ndarray) -> np.ndarray:
    """Whether both documents of each of ``pairs`` (``(m, 2)`` indices, the
    smaller first) are among the ``members`` (sorted document indices) of one group."""
    codes = pair_codes_within(members, n_docs)[0]  # repeats and all: np.isin sorts them once, as np.unique did again
    if codes.size == 0 or len(pairs) == 0:
        return np.zeros(len(pairs), dtype=bool)
    return np.isin(pairs[:, 0] * np.int64(n_docs) + pairs[:, 1], codes)


def left_out_pairs_in_groups(groups: Groups, n_docs: int, left_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of a group's members that is in ``left_out`` (sorted pair
    codes of the candidates reported through groups only): a group holding
    none of them adds nothing, as its every pair is reported as a pair or is
    a duplicate.

    Returns:
        ``(at, group)``: where each such pair is in ``left_out``, and the
        group whose members hold it (a pair in several groups comes once per group).
    """
    codes, owner = pair_codes_within(groups.members, n_docs)
    if codes.size == 0 or left_out.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = np.minimum(sorted_lookup(left_out, codes), left_out.size - 1)
    hit = left_out[at] == codes
    return at[hit], owner[hit]


def sorted_lookup(table: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.searchsorted(table, keys)``, the keys looked up in sorted order:
    the binary searches then walk the table in one direction and stay in
    cache, which for random keys (hashes, pair codes) pays more than the
    sort costs.

    Args:
        table: Sorted values.
        keys: Values to place, in any order.

    Returns:
        Per key, its insertion index in ``table``.
    """
    order = np.argsort(keys)
    at = np.empty(keys.size, dtype=np.intp)
    at[order] = np.searchsorted(table, keys[order])
    return at
