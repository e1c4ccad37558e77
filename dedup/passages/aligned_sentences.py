"""The aligned sentences of a pair: :class:`SentencePair` objects made only
when they are read (see :class:`AlignedSentences`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence, overload

from dedup.document import Span


@dataclass(frozen=True)
class SentencePair:
    """Two aligned sentences and their cosine (1.0 when verbatim)."""

    a: Span
    b: Span
    score: float
    verbatim: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"a_start": self.a.start, "a_end": self.a.end, "b_start": self.b.start,
                "b_end": self.b.end, "score": round(self.score, 4), "verbatim": self.verbatim}


class AlignedSentences(Sequence[SentencePair]):
    """A pair's aligned sentences as columns (sentence numbers, scores,
    verbatim flags), read as a sequence of :class:`SentencePair`.

    A scan reads only how many there are and their scores
    (:func:`sentence_scores`), so the objects, about thirty a near copy, are
    made only when the pairs themselves are read. Equal to any sequence of
    the same :class:`SentencePair` objects.

    Args:
        sentences_a: Every sentence of a.
        sentences_b: Every sentence of b.
        rows: Sentence of a of each pair.
        cols: Sentence of b of each pair.
        scores: Score of each pair.
        verbatim: Whether each pair is verbatim (raised by a verbatim match).
    """

    __slots__ = ("sentences_a", "sentences_b", "rows", "cols", "scores", "verbatim")

    def __init__(self, sentences_a: Sequence[Span], sentences_b: Sequence[Span], rows: list[int], cols: list[int],
                 scores: list[float], verbatim: list[bool]) -> None:
        self.sentences_a, self.sentences_b = sentences_a, sentences_b
        self.rows, self.cols, self.scores, self.verbatim = rows, cols, scores, verbatim

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, k: int) -> SentencePair: ...

    @overload
    def __getitem__(self, k: slice) -> list[SentencePair]: ...

    def __getitem__(self, k):
        if isinstance(k, slice):
            return list(self)[k]
        return SentencePair(self.sentences_a[self.rows[k]], self.sentences_b[self.cols[k]], self.scores[k], self.verbatim[k])

    def __iter__(self) -> Iterator[SentencePair]:
        sa, sb = self.sentences_a, self.sentences_b
        return map(SentencePair, [sa[i] for i in self.rows], [sb[j] for j in self.cols], self.scores, self.verbatim)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable columns, as a list

    def __repr__(self) -> str:
        return repr(list(self))

    def mirrored(self) -> "AlignedSentences":
        """The same pairs seen from b (a and b swapped), ordered by their new
        a's start, then their new b's (as :func:`mirrored_pairs` orders them)."""
        sa, sb, rows, cols = self.sentences_a, self.sentences_b, self.rows, self.cols
        keys = [(sb[j].start, sa[i].start) for i, j in zip(rows, cols)]
        order = sorted(range(len(rows)), key=keys.__getitem__)
        return AlignedSentences(sb, sa, [cols[k] for k in order], [rows[k] for k in order],
                                [self.scores[k] for k in order], [self.verbatim[k] for k in order])


def mirrored_pairs(pairs: Sequence[SentencePair]) -> Sequence[SentencePair]:
    """``pairs`` seen from the other side (a and b swapped), ordered by position in the new a, then b."""
    if isinstance(pairs, AlignedSentences):
        return pairs.mirrored()
    return sorted((SentencePair(s.b, s.a, s.score, s.verbatim) for s in pairs), key=lambda s: (s.a.start, s.b.start))


def sentence_scores(pairs: Sequence[SentencePair]) -> list[float]:
    """The score of each of ``pairs``, in order (without making the objects of :class:`AlignedSentences`)."""
    if isinstance(pairs, AlignedSentences):
        return list(pairs.scores)
    return [s.score for s in pairs]
