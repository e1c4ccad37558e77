"""Verbatim and near-verbatim shared passages between two prepared texts.

Seeds are word n-grams found in both texts (masked tokens never match).
Seeds on the same diagonal (same offset between the two texts) that touch
or overlap form exact runs; runs that follow each other in both texts with
at most a few differing tokens between them are merged into one
near-verbatim passage. All of it is array work except the final merge,
which walks the (few) runs in order; where the compiled loops were built
(``dedup/text/_loops.c``) both the runs and the merge are taken there, with
the same integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.text.ngrams import by_hash
from dedup.text.sentences import PreparedText, masked_windows
from dedup.text.shingles import compiled_loop, shingle_hashes_from_tokens

# A seed n-gram repeated more often than this in one text is not a seed.
_MAX_REPEATS = 8
# The compiled runs and merge, or None (then the numpy and Python code below).
_diagonal_runs = compiled_loop("diagonal_runs")
_merged_runs = compiled_loop("merged_runs")
_seed_table = compiled_loop("seed_table")


@dataclass(frozen=True)
class TokenMatch:
    """A near-verbatim match, in token positions ``[start, end)`` of each text.

    Attributes:
        a_start: First token in text a.
        a_end: One past the last token in text a.
        b_start: First token in text b.
        b_end: One past the last token in text b.
        matched: Tokens of a covered by exact runs.
        quoted: Every token lies inside quotation marks in both texts.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int
    quoted: bool = False

    @property
    def score(self) -> float:
        """Share of the longer side covered by exact runs."""
        return self.matched / max(self.a_end - self.a_start, self.b_end - self.b_start, 1)


@dataclass(frozen=True)
class SeedTable:
    """A text's seed n-grams sorted by hash, computed once per text.

    Attributes:
        hashes: Hash of each n-gram holding no masked token, sorted.
        positions: Token position where each of them starts (equal hashes
            in position order).
    """

    hashes: np.ndarray
    positions: np.ndarray


def seed_table(text: PreparedText, n: int, compiled: bool = True) -> SeedTable:
    """The :class:`SeedTable` of ``text`` for seeds of ``n`` tokens (in one
    call of the compiled loop where it was built and ``compiled`` is true)."""
    if text.n_tokens < n:
        return SeedTable(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    if compiled and _seed_table is not None:
        room = text.n_tokens - n + 1
        hashes, positions = np.empty(room, dtype=np.uint64), np.empty(room, dtype=np.int64)
        count = _seed_table(text.hashes, np.ascontiguousarray(text.masked, dtype=bool), n, hashes, positions)
        return SeedTable(hashes[:count], positions[:count])
    hashes = shingle_hashes_from_tokens(text.hashes, n)
    # by_hash: a stable sort by hash carrying the positions (compiled where built)
    if not text.masked.any():  # every n-gram is a seed
        return SeedTable(*by_hash(hashes, np.arange(hashes.size, dtype=np.int64)))
    valid = np.flatnonzero(~masked_windows(text.masked, n))
    return SeedTable(*by_hash(hashes[valid], valid.astype(np.int64)))


def seed_pairs(a: PreparedText, b: PreparedText, n: int, tables: tuple[SeedTable, SeedTable] | None = None) -> np.ndarray:
    """Positions ``(i, j)`` where the same ``n`` tokens start in a and in b.

    Args:
        a: First text.
        b: Second text.
        n: Tokens per seed.
        tables: The texts' :func:`seed_table` for ``n``, when already at hand.

    Returns:
        ``(k, 2)`` int64 array sorted by diagonal ``j - i``, then ``i``.
    """
    ta, tb = tables or (seed_table(a, n), seed_table(b, n))
    if ta.hashes.size == 0 or tb.hashes.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    left = np.searchsorted(tb.hashes, ta.hashes, side="left")
    counts = np.searchsorted(tb.hashes, ta.hashes, side="right") - left
    keep = (counts > 0) & (counts <= _MAX_REPEATS)
    ia, left, counts = ta.positions[keep], left[keep], counts[keep]
    if ia.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    rep_i = np.repeat(ia, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rep_j = tb.positions[np.repeat(left, counts) + offsets]
    pairs = np.stack([rep_i, rep_j], axis=1).astype(np.int64)
    order = np.lexsort((pairs[:, 0], pairs[:, 1] - pairs[:, 0]))
    return pairs[order]


def exact_runs(seeds: np.ndarray, n: int) -> np.ndarray:
    """Merge seeds on one diagonal that touch into runs.

    Returns:
        ``(r, 3)`` array of ``(a_start, a_end, diagonal)`` sorted by ``a_start``.
    """
    if seeds.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    i = seeds[:, 0]
    diag = seeds[:, 1] - seeds[:, 0]
    breaks = np.flatnonzero((np.diff(diag) != 0) | (np.diff(i) > 1)) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(i)])) - 1
    runs = np.stack([i[starts], i[ends] + n, diag[starts]], axis=1)
    return runs[np.lexsort((runs[:, 2], runs[:, 0]))]


def split_runs(runs: np.ndarray, qa: np.ndarray, qb: np.ndarray) -> list[tuple[int, int, int, bool]]:
    """Cut exact runs where their tokens enter or leave a quotation.

    Args:
        runs: ``(a_start, a_end, diagonal)`` rows from :func:`exact_runs`.
        qa: Per token of a: inside a quotation.
        qb: Per token of b: inside a quotation.

    Returns:
        ``(a_start, a_end, diagonal, quoted)`` pieces, in the order of ``runs``.
    """
    if len(runs) == 0:
        return []
    a0, a1, d = runs[:, 0], runs[:, 1], runs[:, 2]
    lengths = a1 - a0
    first = np.cumsum(lengths) - lengths  # where each run starts among all their tokens
    step = np.arange(int(lengths.sum())) - np.repeat(first, lengths)
    pos_a = np.repeat(a0, lengths) + step
    flags = qa[pos_a] & qb[pos_a + np.repeat(d, lengths)]
    # a piece starts where a run starts or where the flag changes inside a run
    starts = np.zeros(flags.size, dtype=bool)
    starts[first] = True
    starts[1:] |= flags[1:] != flags[:-1]
    begin = np.flatnonzero(starts)
    end = np.concatenate((begin[1:], [flags.size]))
    run_of = np.repeat(np.arange(len(runs)), lengths)[begin]
    return list(zip(pos_a[begin].tolist(), (pos_a[end - 1] + 1).tolist(), d[run_of].tolist(), flags[begin].tolist()))


def longest_runs(runs: np.ndarray, cap: int) -> tuple[np.ndarray, bool]:
    """At most ``cap`` of :func:`exact_runs`: the longest (ties: first in a,
    then by diagonal), in their order.

    Two long texts made of a few words share a seed by chance at nearly
    every position; those runs are a seed long, while copied text makes
    longer ones, so the longest are what a cap keeps.

    Returns:
        ``(runs, capped)``: ``runs`` itself when there are no more than
        ``cap`` (0: no cap), and whether runs were left out.
    """
    if cap <= 0 or len(runs) <= cap:
        return runs, False
    best = np.lexsort((runs[:, 2], runs[:, 0], runs[:, 0] - runs[:, 1]))[:cap]
    return runs[np.sort(best)], True


def capped_verbatim_matches(
    a: PreparedText,
    b: PreparedText,
    n: int,
    gap: int,
    min_tokens: int,
    quoted: tuple[np.ndarray, np.ndarray] | None = None,
    tables: tuple[SeedTable, SeedTable] | None = None,
    max_runs: int = 0,
) -> tuple[list[TokenMatch], bool]:
    """Near-verbatim passages shared by ``a`` and ``b``, from at most
    ``max_runs`` exact runs (:func:`longest_runs`).

    Args:
        a: First text.
        b: Second text.
        n: Tokens per seed.
        gap: Tokens that may be inserted, dropped or changed between two
            exact runs of one passage (in each text).
        min_tokens: Shortest passage kept (tokens of a); a quoted passage
            may be as short as ``n`` tokens.
        quoted: Per-token quotation flags of a and b; a passage never mixes
            quoted and unquoted text.
        tables: The texts' :func:`seed_table` for ``n``, when already at hand.
        max_runs: Exact runs taken at most (0: all).

    Returns:
        ``(matches ordered by position in a, whether runs were left out)``.
    """
    runs, capped = longest_runs(diagonal_runs(a, b, n, tables), max_runs)
    if quoted is None:
        quoted = (np.zeros(a.n_tokens, dtype=bool), np.zeros(b.n_tokens, dtype=bool))
    open_matches = merged_runs(runs, quoted, n, gap)
    out = [TokenMatch(*m[:5], bool(m[5])) for m in open_matches if m[1] - m[0] >= (n if m[5] else min_tokens)]
    return sorted(_drop_nested(out), key=lambda m: (m.a_start, m.b_start)), capped


def diagonal_runs(a: PreparedText, b: PreparedText, n: int, tables: tuple[SeedTable, SeedTable] | None = None,
                  compiled: bool = True) -> np.ndarray:
    """``exact_runs(seed_pairs(a, b, n, tables), n)``, by the compiled loop
    when there is one and ``compiled`` is true.

    Returns:
        ``(r, 3)`` int64 array of ``(a_start, a_end, diagonal)``.
    """
    if not (compiled and _diagonal_runs is not None):
        return exact_runs(seed_pairs(a, b, n, tables), n)
    ta, tb = tables or (seed_table(a, n), seed_table(b, n))
    runs = _diagonal_runs(ta.hashes, ta.positions, tb.hashes, tb.positions, n, _MAX_REPEATS)
    return np.frombuffer(runs, dtype=np.int64).reshape(-1, 3)


def merged_runs(runs: np.ndarray, quoted: tuple[np.ndarray, np.ndarray], n: int, gap: int, compiled: bool = True) -> list[list[int]]:
    """The :func:`split_runs` pieces of ``runs`` merged into passages: each
    piece joins the last of the (at most eight) latest passages that it
    follows within ``gap`` tokens in both texts, with the same quotation
    flag, else it opens a passage of its own.

    Args:
        runs: ``(a_start, a_end, diagonal)`` rows, sorted by ``a_start``.
        quoted: Per-token quotation flags of a and b.
        n: Tokens per seed (pieces may overlap by less).
        gap: Tokens that may differ between two pieces of one passage.
        compiled: Take the compiled loop when there is one.

    Returns:
        ``[a_start, a_end, b_start, b_end, matched, quoted]`` per passage, in the order opened.
    """
    if compiled and _merged_runs is not None:
        qa, qb = (np.ascontiguousarray(q, dtype=bool) for q in quoted)
        merged = _merged_runs(np.ascontiguousarray(runs, dtype=np.int64), qa, qb, n, gap)
        return np.frombuffer(merged, dtype=np.int64).reshape(-1, 6).tolist()
    open_matches: list[list] = []
    for a0, a1, d, q in split_runs(runs, *quoted):
        b0, b1 = a0 + d, a1 + d
        for m in reversed(open_matches[-8:]):
            if m[5] == q and -n < a0 - m[1] <= gap and -n < b0 - m[3] <= gap:
                m[4] += a1 - max(a0, m[1])
                m[1], m[3] = max(m[1], a1), max(m[3], b1)
                break
        else:
            open_matches.append([a0, a1, b0, b1, a1 - a0, q])
    return open_matches


def _drop_nested(matches: list[TokenMatch]) -> list[TokenMatch]:
    """Remove matches lying inside a longer one in both texts."""
    matches = sorted(matches, key=lambda m: -(m.a_end - m.a_start))
    kept: list[TokenMatch] = []
    for m in matches:
        if not any(
            k.a_start <= m.a_start and m.a_end <= k.a_end and k.b_start <= m.b_start and m.b_end <= k.b_end
            for k in kept
        ):
            kept.append(m)
    return kept
