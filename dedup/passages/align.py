"""Alignment of one pair of documents: the passages they share, exactly.

Two layers, both reported as original-text character spans of each side:

1. **verbatim** — near-verbatim passages from shared word n-grams
   (:mod:`dedup.passages.verbatim`), each scored by the share of its tokens in exact
   runs and flagged ``quoted`` when it lies inside quotation marks in both
   texts;
2. **reworded** — runs of sentences that say the same thing in other words:
   sentence pairs whose character n-gram TF-IDF cosine (:mod:`dedup.text.vectors`)
   reaches ``sentence_threshold`` (or ``context_threshold`` beside an
   aligned pair), merged into maximal passages while they follow each other
   in both texts, each scored by its mean cosine.

A reworded passage mostly covered by verbatim passages is left out (the
verbatim ones stand for it); mostly covered on one side only, it is cut to
the stretch its verbatim passages span (the other side's text beyond them
is that document's own), unless it is a summary chain; otherwise a verbatim
passage may lie inside a reworded one, and shares count the union of both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence

import numpy as np
import xxhash

from dedup.config import Settings
from dedup.document import Document, Span, span_mask, union_length
from dedup.passages.aligned_sentences import AlignedSentences, SentencePair
from dedup.passages.sentence_pairs import has_words, merged_pairs, worded_entries
from dedup.passages.scores import ScoreEntries, best_stored
from dedup.passages.reworded import VERBATIM_COVERED, reworded_passages
from dedup.passages.selection import select_sentence_pairs, selected_entries
from dedup.passages.verbatim import SeedTable, TokenMatch, capped_verbatim_matches, seed_table
from dedup.text.distinct import distinct
from dedup.text.quotes import quoted_mask
from dedup.text.sentences import PreparedText, prepare_text
from dedup.text.shingles import compiled_loop, shingle_hashes_from_tokens
from dedup.text.similarity import set_similarity, similarity_of_counts
from dedup.text.vectors import SentenceVectors, cosine_entries, document_vectors

VERBATIM = "verbatim"
REWORDED = "reworded"
# The compiled verbatim cover (dedup/text/_loops.c) and its entries, and the
# compiled whole-document shingle overlap, or None.
_compiled_cover = compiled_loop("verbatim_cover")
_shared_shingles = compiled_loop("shared_shingles")
_COVER = np.dtype([("key", np.int64), ("share", np.float64)])


@dataclass(frozen=True)
class Passage:
    """A passage shared by two documents.

    Attributes:
        a: Span in the first document's original text.
        b: Span in the second document's original text.
        kind: ``"verbatim"`` or ``"reworded"``.
        score: Verbatim: share of tokens in exact runs; reworded: mean cosine
            of its aligned sentences.
        quoted: Lies wholly inside quotation marks in both documents.
    """

    a: Span
    b: Span
    kind: str
    score: float
    quoted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_start": self.a.start,
            "a_end": self.a.end,
            "b_start": self.b.start,
            "b_end": self.b.end,
            "kind": self.kind,
            "score": round(self.score, 4),
            "quoted": self.quoted,
        }


@dataclass
class Alignment:
    """Everything two documents share.

    Attributes:
        passages: Shared passages, ordered by position in a.
        sentence_pairs: Aligned sentences, ordered by position in a.
        shared_chars_a: Characters of a inside some passage (masks excluded).
        shared_chars_b: The same for b.
        share_a: ``shared_chars_a`` over a's unmasked characters.
        share_b: The same for b.
        stats: Exact Jaccard and containments, when computed.
        sentences_a: Every sentence of a (long ones cut in pieces), in order.
        sentences_b: The same for b.
        capped: Exact runs or sentence pairs were left out (``passages.max_pair_matches``).
    """

    passages: list[Passage]
    sentence_pairs: Sequence[SentencePair]
    shared_chars_a: int
    shared_chars_b: int
    share_a: float
    share_b: float
    stats: dict[str, float] = field(default_factory=dict)
    sentences_a: list[Span] = field(default_factory=list, repr=False)
    sentences_b: list[Span] = field(default_factory=list, repr=False)
    capped: bool = False

    def count(self, kind: str) -> int:
        return sum(p.kind == kind for p in self.passages)


@dataclass
class Prepared:
    """A document prepared for alignment.

    Its sentence counts and vectors are computed on first use and kept, so a
    document met in many pairs is vectorised once, and one only ever aligned
    on the near-verbatim fast path (see :func:`align_prepared`) never.

    Attributes:
        text: The prepared text.
        quoted: Per token: it begins inside a quotation.
    """

    text: PreparedText
    quoted: np.ndarray
    _seeds: dict[int, SeedTable] = field(default_factory=dict, repr=False)
    _shingles: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def seeds(self, n: int) -> SeedTable:
        """The verbatim seed table for ``n``-token seeds, computed on first use."""
        if n not in self._seeds:
            self._seeds[n] = seed_table(self.text, n)
        return self._seeds[n]

    def shingle_set(self, n: int) -> np.ndarray:
        """Sorted distinct word ``n``-gram hashes of the whole text (masks
        included): the prepared tokens are those of
        :func:`dedup.text.normalize.normalize_text`, so this is
        :func:`dedup.text.similarity.shingle_set` of the original text. Computed
        on first use."""
        if n not in self._shingles:
            self._shingles[n] = distinct(shingle_hashes_from_tokens(self.text.hashes, n))
        return self._shingles[n]

    @cached_property
    def vectors(self) -> SentenceVectors:
        return document_vectors(self.text.sentence_texts)

    @cached_property
    def worded(self) -> np.ndarray:
        """Per sentence: it holds a letter (:func:`has_words`)."""
        return has_words(self.text.sentence_texts)

    @cached_property
    def open_tokens(self) -> int:
        """Tokens outside masks."""
        return int(self.text.n_tokens - self.text.masked.sum())

    @cached_property
    def masked_char_count(self) -> int:
        """Characters inside masks."""
        return int(self.text.masked_chars.sum())

    @cached_property
    def order_key(self) -> tuple[int, int, int]:
        """A key that depends on the document only: its length, its text, its masks."""
        return len(self.text.text), xxhash.xxh64_intdigest(self.text.text.encode("utf-8", "surrogatepass")), self.masked_char_count

    def orders_before(self, other: "Prepared") -> bool:
        """``self.order_key < other.order_key``, the texts hashed only when
        their lengths tie (most pairs differ in length already)."""
        if len(self.text.text) != len(other.text.text):
            return len(self.text.text) < len(other.text.text)
        return self.order_key < other.order_key


def prepare(text: str, masks: Sequence[Span] | None = None) -> Prepared:
    """Prepare one original text (and its boilerplate masks) for alignment."""
    masks = list(masks or ())
    prepared = prepare_text(text, masks)
    out = Prepared(prepared, quoted_mask(text)[prepared.token_starts])
    if not masks:  # nothing masked: the counts without a pass over the flags
        out.masked_char_count, out.open_tokens = 0, prepared.n_tokens
    return out


def _token_span(p: PreparedText, first: int, last: int) -> Span:
    return Span(int(p.token_starts[first]), int(p.token_ends[last - 1]))


def _verbatim_passages(pa: Prepared, pb: Prepared, matches: list[TokenMatch]) -> list[Passage]:
    out = []
    for m in matches:
        a = _token_span(pa.text, m.a_start, m.a_end)
        b = _token_span(pb.text, m.b_start, m.b_end)
        out.append(Passage(a, b, VERBATIM, m.score, m.quoted))
    return out


def _verbatim_cover(pa: PreparedText, pb: PreparedText, matches: list[TokenMatch], compiled: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sentence pairs that a verbatim match joins, and how much (by the
    compiled loop when there is one and ``compiled`` is true, else numpy).

    For a match, the share of the smaller of two sentences that the match
    lays onto the other (a's part of the match, shifted to b). Only the b
    sentences overlapping each a sentence's shifted part are visited: a band
    along the match, never the block of all their sentences.

    Returns:
        ``(rows, cols, shares)``: each pair once, with its largest share (> 0),
        ordered by row then column.
    """
    if _compiled_cover is not None and compiled:
        keys, shares = _cover_entries(pa, pb, matches)
        width = max(1, len(pb.sentence_tokens))
        return keys // width, keys % width, shares
    ta, tb = pa.sentence_tokens, pb.sentence_tokens
    rows, cols, shares = [], [], []
    # Sentence token ranges follow each other (both columns never decrease),
    # so the sentences a match touches are a run: [first ending after its
    # start, first starting at or after its end).
    for m in matches:
        a0, a1 = np.searchsorted(ta[:, 1], m.a_start, side="right"), np.searchsorted(ta[:, 0], m.a_end, side="left")
        if a0 >= a1:
            continue
        shift = m.b_start - m.a_start
        lo = np.maximum(ta[a0:a1, 0], m.a_start) + shift
        hi = np.minimum(ta[a0:a1, 1], m.a_end) + shift
        # ... and within the b sentences the match touches (a gap may make
        # its two sides of different lengths).
        b0, b1 = np.searchsorted(tb[:, 1], m.b_start, side="right"), np.searchsorted(tb[:, 0], m.b_end, side="left")
        first = np.maximum(np.searchsorted(tb[:, 1], lo, side="right"), b0)
        last = np.minimum(np.searchsorted(tb[:, 0], hi, side="left"), b1)
        count = np.maximum(last - first, 0)
        i = np.repeat(np.arange(a0, a1), count)
        j = np.repeat(first, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        k = i - a0
        common = np.minimum(hi[k], tb[j, 1]) - np.maximum(lo[k], tb[j, 0])
        smaller = np.minimum(ta[i, 1] - ta[i, 0], tb[j, 1] - tb[j, 0])
        ok = common > 0
        rows.append(i[ok])
        cols.append(j[ok])
        shares.append(np.minimum(1.0, common[ok] / smaller[ok]))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    keys = np.concatenate(rows) * max(1, len(tb)) + np.concatenate(cols)
    values = np.concatenate(shares)
    order = np.lexsort((-values, keys))
    keys, values = keys[order], values[order]
    first_of_key = np.concatenate(([True], keys[1:] != keys[:-1])) if keys.size else np.zeros(0, dtype=bool)
    keys, values = keys[first_of_key], values[first_of_key]
    return keys // max(1, len(tb)), keys % max(1, len(tb)), values


def _cover_entries(pa: PreparedText, pb: PreparedText, matches: list[TokenMatch]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_verbatim_cover` as keys ``row * (b's sentences) + column``
    (sorted, distinct: the keys of :class:`ScoreEntries`) and shares."""
    if _compiled_cover is None:
        rows, cols, shares = _verbatim_cover(pa, pb, matches, compiled=False)
        return rows * max(1, len(pb.sentence_tokens)) + cols, shares
    spans = np.array([(m.a_start, m.a_end, m.b_start, m.b_end) for m in matches], dtype=np.int64).reshape(-1, 4)
    ta, tb = (np.ascontiguousarray(p.sentence_tokens, dtype=np.int64) for p in (pa, pb))
    cover = np.frombuffer(_compiled_cover(ta, tb, spans), dtype=_COVER)
    return cover["key"], cover["share"]


def _verbatim_boost(sims: np.ndarray, pa: PreparedText, pb: PreparedText, matches: list[TokenMatch]) -> np.ndarray:
    """Raise the similarity of sentence pairs that a verbatim match joins (a dense matrix of cosines)."""
    rows, cols, shares = _verbatim_cover(pa, pb, matches)
    out = sims.copy()
    np.maximum.at(out, (rows, cols), shares.astype(sims.dtype))
    return out


def _boosted(raw: ScoreEntries, pa: PreparedText, pb: PreparedText, matches: list[TokenMatch], floor: float) -> ScoreEntries:
    """:func:`_verbatim_boost` of sparse cosines, keeping the entries at or above ``floor``."""
    keys, shares = _cover_entries(pa, pb, matches)
    keep = shares >= floor
    return raw.maximum(ScoreEntries(keys[keep], shares[keep].astype(np.float32), raw.shape))


# Verbatim passages covering this share of both sides' unmasked tokens leave
# the reworded-sentence pass nothing to find: the sentence cosines are skipped.
FAST_PATH_SHARE = 0.95


def _near_verbatim(pa: Prepared, pb: Prepared, matches: list[TokenMatch]) -> bool:
    """Do ``matches`` cover at least :data:`FAST_PATH_SHARE` of both texts?"""
    if not matches:
        return False
    for p, spans in ((pa, [(m.a_start, m.a_end) for m in matches]), (pb, [(m.b_start, m.b_end) for m in matches])):
        covered = (union_length(p.text.n_tokens, spans) if p.open_tokens == p.text.n_tokens  # nothing masked: no mask needed
                   else int((span_mask(p.text.n_tokens, spans) & ~p.text.masked).sum()))
        if covered < FAST_PATH_SHARE * max(p.open_tokens, 1):
            return False
    return True


# Off for the differential test: every alignment then looks for reworded passages.
SKIP_COVERED_REWORDED = True


def _room_for_reworded(pa: Prepared, pb: Prepared, verbatim: list[Passage], min_chars: int) -> bool:
    """Can :func:`reworded_passages` keep a passage beside ``verbatim``?

    It keeps one only where verbatim passages cover less than
    ``VERBATIM_COVERED`` of one of its sides, and both sides span
    ``min_chars`` or more. A stretch of ``min_chars`` or more so covered
    holds a piece shorter than ``2 * min_chars`` (and at least ``min_chars``)
    as little covered, so some ``2 * min_chars`` characters of that side hold
    more than ``(1 - VERBATIM_COVERED) * min_chars`` outside the verbatim
    passages. A near copy mostly has no such stretch on either side: its
    sentence pairs are still selected (their count and scores are
    reported), its reworded passages not looked for.
    """
    if not (SKIP_COVERED_REWORDED and verbatim):
        return True
    room = (1 - VERBATIM_COVERED) * min_chars  # a side needs fewer left over: never on the edge, where floats round
    return any(uncovered_peak(len(p.text.text), spans, 2 * min_chars) >= room
               for p, spans in ((pa, [v.a for v in verbatim]), (pb, [v.b for v in verbatim])))


def uncovered_peak(length: int, spans: list[Span], width: int) -> int:
    """The most characters outside ``spans`` within ``width`` consecutive
    characters of a text of ``length``: a window holding the most starts at
    an uncovered stretch (moved on while its first character is covered, it
    loses nothing), so only those windows are counted, each over the
    stretches it reaches."""
    gaps, reach = [], 0
    for start, end in sorted((max(0, s.start), min(length, s.end)) for s in spans):
        if start > reach:
            gaps.append((reach, start))
        reach = max(reach, end)
    if reach < length:
        gaps.append((reach, length))
    best = 0
    for k, (first, _) in enumerate(gaps):
        limit, held = first + width, 0
        for start, end in itertools.islice(gaps, k, None):
            if start >= limit:
                break
            held += min(end, limit) - start
        best = max(best, held)
    return best


def _shares(pa: Prepared, pb: Prepared, passages: list[Passage]) -> tuple[int, int, float, float]:
    ca, cb = _unmasked_chars(pa, [p.a for p in passages]), _unmasked_chars(pb, [p.b for p in passages])
    na, nb = (max(1, len(p.text.text) - p.masked_char_count) for p in (pa, pb))
    return ca, cb, ca / na, cb / nb


def _unmasked_chars(p: Prepared, spans: list[Span]) -> int:
    """Characters of ``p`` inside ``spans`` and outside its masks."""
    if p.masked_char_count == 0:  # the spans' union, without a mask as long as the text
        return union_length(len(p.text.text), [(s.start, s.end) for s in spans])
    return int((span_mask(len(p.text.text), spans) & ~p.text.masked_chars).sum())


def align_prepared(pa: Prepared, pb: Prepared, settings: Settings) -> Alignment:
    """Align two prepared documents (see the module doc).

    Args:
        pa: First document, from :func:`prepare`.
        pb: Second document.
        settings: ``settings.passages`` drives every threshold.

    Returns:
        An :class:`Alignment`.
    """
    ps = settings.passages
    matches, capped = capped_verbatim_matches(
        pa.text, pb.text, ps.verbatim_ngram, ps.verbatim_gap, ps.min_verbatim_tokens, (pa.quoted, pb.quoted),
        (pa.seeds(ps.verbatim_ngram), pb.seeds(ps.verbatim_ngram)), ps.max_pair_matches,
    )
    verbatim = _verbatim_passages(pa, pb, matches)
    # Cosines below the context threshold never align (select_sentence_pairs):
    # they are not kept, so the sentence pairs stay sparse.
    floor = max(ps.context_threshold, 1e-6)
    shape = (len(pa.text.sentences), len(pb.text.sentences))
    near_verbatim = _near_verbatim(pa, pb, matches)
    if near_verbatim:
        empty = np.zeros(0, dtype=np.int64)
        raw = ScoreEntries(empty, np.zeros(0, dtype=np.float32), shape)
    else:
        cosines, capped_cosines = best_stored(ScoreEntries(*cosine_entries(pa.vectors, pb.vectors, floor), shape), ps.max_pair_matches)
        capped = capped or capped_cosines
        raw = worded_entries(cosines, pa.worded, pb.worded)
        raw = raw.maximum(merged_pairs(pa.vectors, pb.vectors, raw, ps.sentence_threshold, ps.context_threshold))
    sims = _boosted(raw, pa.text, pb.text, matches, floor)
    rows, cols, scores = selected_entries(sims, ps.sentence_threshold, ps.context_threshold)
    raw_scores = raw.at(rows, cols) if raw.keys.size else np.zeros(rows.size, dtype=np.float32)  # the near copies' path: no cosines
    reworded = []
    # an alignment short of the near-verbatim share leaves room (not measured: many passages make it dear)
    if not near_verbatim or _room_for_reworded(pa, pb, verbatim, ps.min_passage_chars):
        pairs = list(zip(rows.tolist(), cols.tolist()))
        reworded = [Passage(a, b, REWORDED, score)
                    for a, b, score in reworded_passages(pa.text, pb.text, pairs, dict(zip(pairs, scores.tolist())), verbatim, ps)]
    passages = sorted(verbatim + reworded, key=lambda p: (p.a.start, p.b.start, p.kind))
    sentence_pairs = AlignedSentences(pa.text.sentences, pb.text.sentences, rows.tolist(), cols.tolist(), scores.tolist(),
                                      (scores > raw_scores).tolist())
    ca, cb, share_a, share_b = _shares(pa, pb, passages)
    return Alignment(
        passages, sentence_pairs, ca, cb, share_a, share_b,
        sentences_a=pa.text.sentences, sentences_b=pb.text.sentences, capped=capped,
    )


def whole_document_stats(pa: Prepared, pb: Prepared, ngram: int) -> dict[str, float]:
    """Exact Jaccard and containments of two prepared texts' word ``ngram``-grams
    (their sets and overlap in one call of the compiled loop where it is
    built: a near copy's two sets are not kept, so not made as arrays)."""
    if _shared_shingles is None:
        return {**set_similarity(pa.shingle_set(ngram), pb.shingle_set(ngram)), "ngram": ngram}
    return {**similarity_of_counts(*_shared_shingles(pa.text.hashes, pb.text.hashes, ngram)), "ngram": ngram}


def align_documents(a: Document, b: Document, settings: Settings, masks=None) -> Alignment:
    """Align two documents, with exact whole-document figures in ``stats``.

    Args:
        a: First document.
        b: Second document.
        settings: What to look for.
        masks: Optional mapping from document id to boilerplate spans that
            are left out of matches and shares.

    Returns:
        An :class:`Alignment` whose ``stats`` hold ``jaccard``,
        ``containment_a`` and ``containment_b`` over word ``settings.ngram``-grams.
    """
    masks = masks or {}
    pa, pb = prepare(a.text, masks.get(a.id)), prepare(b.text, masks.get(b.id))
    alignment = align_prepared(pa, pb, settings)
    alignment.stats = whole_document_stats(pa, pb, settings.ngram)
    return alignment
