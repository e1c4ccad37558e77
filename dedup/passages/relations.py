"""Pair labels from an alignment, the same whichever document comes first.

A pair is measured on each side (:class:`SideMeasure`): how much of the
document lies in shared passages (its *coverage*), and how: verbatim,
reworded, or inside a quotation both documents hold. Only evidence of
copying makes a pair: a verbatim passage inside quotation marks in both
documents is what two independent reports quoting the same speaker share,
so its characters neither make a pair nor decide its label.

The label (see the README table) reads the two sides through symmetric
functions only (sums, minima, maxima), and :func:`align_symmetric` aligns
every pair in one canonical order and mirrors the result, so swapping the
documents mirrors every per-side figure and never changes a label.

* **near_duplicate** — both documents are mostly shared
  (``near_duplicate_share``), and mostly verbatim;
* **partial_copy** — at least half of the shared text is verbatim, or one
  verbatim passage reaches ``verbatim_floor_chars`` however small a share of
  either document it is;
* **rewrite** — the shared text is mostly reworded.

``extent`` (per side) follows the COUNTER/METER scheme: ``wholly`` when the
side is covered at ``wholly_share`` or more, ``partially`` when the pair is
related, ``none`` otherwise; read on the derived side it says how much of
the copy comes from the source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from dedup.config import PassageSettings, Settings
from dedup.document import Document, span_mask, union_length
from dedup.passages.align import VERBATIM, Alignment, Passage, Prepared, align_prepared, prepare, whole_document_stats
from dedup.passages.aligned_sentences import mirrored_pairs
from dedup.results import NEAR_DUPLICATE, PARTIAL_COPY, REWRITE

WHOLLY, PARTIALLY, NONE = "wholly", "partially", "none"


@dataclass(frozen=True)
class SideMeasure:
    """How much of one document lies in shared passages, and how.

    Attributes:
        chars: The side's measured characters (boilerplate left out).
        shared: Characters inside any shared passage.
        evidence: Shared characters outside shared quotations.
        verbatim: Of ``evidence``, those inside unquoted verbatim passages.
        reworded: Of ``evidence``, those only inside reworded passages.
        quoted: Characters inside shared quotations.
        longest_verbatim: The longest unquoted verbatim passage, in characters.
        weight: ``evidence`` with each character of a script written without
            spaces (Chinese, Japanese, Korean, Thai, ...) counted three times, as
            much as a word of a spaced script holds (0 when the text was not given).
    """

    chars: int
    shared: int
    evidence: int
    verbatim: int
    reworded: int
    quoted: int
    longest_verbatim: int
    weight: int = 0

    @property
    def coverage(self) -> float:
        """Share of the side inside shared passages."""
        return self.shared / self.chars if self.chars else 0.0

    @property
    def evidence_coverage(self) -> float:
        """Share of the side inside shared passages that are not shared quotations."""
        return self.evidence / self.chars if self.chars else 0.0

    def shares(self) -> dict[str, float]:
        """Verbatim, reworded and quoted characters as shares of the side."""
        n = max(self.chars, 1)
        return {"verbatim": round(self.verbatim / n, 4), "reworded": round(self.reworded / n, 4), "quoted": round(self.quoted / n, 4)}


def _side_chars(alignment: Alignment, side: str) -> int:
    shared = alignment.shared_chars_a if side == "a" else alignment.shared_chars_b
    share = alignment.share_a if side == "a" else alignment.share_b
    return int(round(shared / share)) if share > 0 else 0


def _is_verbatim(p: Passage, settings: PassageSettings | None, texts: tuple[str, str] | None) -> bool:
    """A verbatim passage; in a script written without spaces, where a token
    is a character and a reworded sentence keeps many of them in short runs,
    only one with ``dense_verbatim_score`` of its characters in exact runs
    (otherwise it counts as reworded)."""
    if p.kind != VERBATIM:
        return False
    if settings is None or texts is None or p.score >= settings.dense_verbatim_score:
        return True
    if texts[0].isascii() and texts[1].isascii():  # no dense script (and str.isascii is a flag, not a scan)
        return True
    return not all(_dense_chars(text[span.start : span.end], np.ones(len(span), dtype=bool)) * 2 > len(span)
                   for text, span in zip(texts, (p.a, p.b)))


def _dense_chars(text: str, mask: np.ndarray) -> int:
    """Characters of ``text`` under ``mask`` in scripts written without spaces."""
    if not mask.any() or text.isascii():
        return 0
    codes = np.frombuffer(text[: len(mask)].encode("utf-32-le"), dtype=np.uint32)
    dense = np.zeros(len(codes), dtype=bool)
    for lo, hi in _DENSE_RANGES:
        dense |= (codes >= lo) & (codes <= hi)
    return int((dense & mask[: len(codes)]).sum())


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer,
# CJK (with kana, Hangul and full-width forms).
_DENSE_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x4DBF),
                 (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F))


def measure_side(alignment: Alignment, side: str, chars: int | None = None, settings: PassageSettings | None = None,
                 texts: tuple[str, str] | None = None) -> SideMeasure:
    """Measure side ``"a"`` or ``"b"`` of an alignment.

    Args:
        alignment: The pair's alignment.
        side: ``"a"`` or ``"b"``.
        chars: The side's measured characters, when known (otherwise derived
            from the alignment's shared characters and share).
        settings: ``dense_verbatim_score`` (none: every verbatim passage counts as verbatim).
        texts: Both original texts, for :attr:`SideMeasure.weight` and passages in dense scripts.

    Returns:
        The side's :class:`SideMeasure`.
    """
    flags = [_is_verbatim(p, settings, texts) for p in alignment.passages]
    return _measure(alignment, side, chars, flags, texts)


def measure_sides(alignment: Alignment, settings: PassageSettings | None = None, texts: tuple[str, str] | None = None,
                  chars: tuple[int, int] | None = None) -> tuple[SideMeasure, SideMeasure]:
    """Both sides' :func:`measure_side`, each passage's verbatim test taken once.

    What :func:`classify`, :func:`pair_fields` and
    :func:`dedup.passages.pair_model.pair_features` read, measured once for
    all of them (they take it as ``sides``).

    Args:
        alignment, settings, texts: As for :func:`measure_side`.
        chars: Measured characters of each side, when known.

    Returns:
        The measures of sides a and b.
    """
    flags = [_is_verbatim(p, settings, texts) for p in alignment.passages]
    a, b = (_measure(alignment, side, chars[k] if chars else None, flags, texts) for k, side in enumerate("ab"))
    return a, b


def _measure(alignment: Alignment, side: str, chars: int | None, flags: Sequence[bool], texts: tuple[str, str] | None) -> SideMeasure:
    """:func:`measure_side` with each passage's :func:`_is_verbatim` given as ``flags``."""
    spans = [(p.a if side == "a" else p.b, p, verbatim) for p, verbatim in zip(alignment.passages, flags)]
    shared = alignment.shared_chars_a if side == "a" else alignment.shared_chars_b
    n = chars if chars is not None else _side_chars(alignment, side)
    if not spans:
        return SideMeasure(n, 0, 0, 0, 0, 0, 0)
    length = max(span.end for span, _, _ in spans)
    unquoted = [(s, verbatim) for s, p, verbatim in spans if not p.quoted]
    longest = max((len(s) for s, v in unquoted if v), default=0)
    text = texts["ab".index(side)] if texts is not None else None
    if len(unquoted) == len(spans) and (text is None or text.isascii()):
        # Nothing quoted and no dense script: the same counts from the spans' unions, without masks.
        n_evidence, n_verbatim = union_length(length, [(s.start, s.end) for s, _ in unquoted]), union_length(length, [(s.start, s.end) for s, v in unquoted if v])
        weight = n_evidence if text is not None else 0
        return SideMeasure(n, shared, n_evidence, n_verbatim, n_evidence - n_verbatim, 0, longest, weight)
    quoted = span_mask(length, [s for s, p, _ in spans if p.quoted])
    evidence = span_mask(length, [s for s, _ in unquoted]) & ~quoted
    verbatim = span_mask(length, [s for s, v in unquoted if v]) & ~quoted
    n_evidence, n_verbatim = int(evidence.sum()), int(verbatim.sum())
    weight = n_evidence + 2 * _dense_chars(text, evidence) if text is not None else 0
    return SideMeasure(n, shared, n_evidence, n_verbatim, n_evidence - n_verbatim, int(quoted.sum()), longest, weight)


def evidence(alignment: Alignment) -> tuple[int, int, int]:
    """What speaks for copying, measured on side a.

    Returns:
        Characters of a covered by passages but not by shared quotations;
        those of them covered by unquoted verbatim passages; the number of
        unquoted verbatim passages.
    """
    side = measure_side(alignment, "a")
    return side.evidence, side.verbatim, sum(p.kind == VERBATIM and not p.quoted for p in alignment.passages)


def verbatim_share(alignment: Alignment, sides: tuple[SideMeasure, SideMeasure] | None = None) -> float:
    """Share of the unquoted shared text, both sides together, that is verbatim.

    Args:
        alignment: The pair's alignment.
        sides: Both sides measured with every verbatim passage counted as
            verbatim (:func:`measure_sides` without settings), when taken.
    """
    a, b = sides if sides is not None else (measure_side(alignment, "a"), measure_side(alignment, "b"))
    total = a.evidence + b.evidence
    # the scalar's own round: np.round's rounding, without its wrappers
    return float(np.float64((a.verbatim + b.verbatim) / total).round(4)) if total else 0.0


def classify(alignment: Alignment, settings: PassageSettings, texts: tuple[str, str] | None = None,
             sides: tuple[SideMeasure, SideMeasure] | None = None) -> str | None:
    """The relation of an aligned pair, or ``None`` when it is not reuse.

    Symmetric: every test reads both sides through a sum, a minimum or a
    maximum, so the answer is the same for the mirrored alignment.

    Args:
        alignment: The pair's alignment.
        settings: Thresholds (``min_shared_chars``, ``min_shared_share``,
            ``min_aligned_sentences``, ``short_story_share``,
            ``verbatim_floor_chars``, ``near_duplicate_share``, ``dense_verbatim_score``).
        texts: The two original texts: with them, a character of a script
            written without spaces counts three times towards ``min_shared_chars``.
        sides: :func:`measure_sides` of the alignment with these settings and
            texts, when taken (otherwise measured here).

    Returns:
        ``"near_duplicate"``, ``"partial_copy"``, ``"rewrite"`` or ``None``.
    """
    a, b = sides if sides is not None else measure_sides(alignment, settings, texts)
    size = min(a.weight, b.weight) if texts else min(a.evidence, b.evidence)
    if size < settings.min_shared_chars:
        return None
    n_verbatim = sum(_is_verbatim(p, settings, texts) and not p.quoted for p in alignment.passages)
    n_reworded = len(alignment.passages) - n_verbatim - sum(p.quoted for p in alignment.passages)
    if n_verbatim == 0 and n_reworded == 0:
        return None
    # one long verbatim passage is a copy, however small a share of either side
    floor = min(a.longest_verbatim, b.longest_verbatim) >= settings.verbatim_floor_chars
    if not floor and max(a.evidence_coverage, b.evidence_coverage) < settings.min_shared_share:
        return None
    # a short story told again in one or two sentences has few to align, but
    # they cover most of both sides
    short_story = min(a.evidence_coverage, b.evidence_coverage) >= settings.short_story_share
    if n_verbatim == 0 and len(alignment.sentence_pairs) < settings.min_aligned_sentences and not short_story:
        return None
    share = (a.verbatim + b.verbatim) / max(a.evidence + b.evidence, 1)
    if min(a.coverage, b.coverage) >= settings.near_duplicate_share and share >= 0.8:
        return NEAR_DUPLICATE
    if share >= 0.5 or (floor and max(a.evidence_coverage, b.evidence_coverage) < settings.min_shared_share):
        return PARTIAL_COPY
    return REWRITE


def extent(side: SideMeasure, relation: str | None, settings: PassageSettings) -> str:
    """``wholly``, ``partially`` or ``none``: how much of this side is derived
    from the other, if it is the copy."""
    if relation is None:
        return NONE
    return WHOLLY if side.coverage >= settings.wholly_share else PARTIALLY


def pair_fields(alignment: Alignment, relation: str | None, settings: PassageSettings, chars: tuple[int, int] | None = None,
                texts: tuple[str, str] | None = None, sides: tuple[SideMeasure, SideMeasure] | None = None) -> dict[str, Any]:
    """The per-side figures of a pair, as JSON fields ``*_a`` and ``*_b``.

    Args:
        alignment: The pair's alignment.
        relation: Its label (``None``: unrelated).
        settings: ``wholly_share``.
        chars: Measured characters of each side, when known.
        texts: Both original texts (as for :func:`classify`).
        sides: :func:`measure_sides` with these settings, chars and texts, when taken.

    Returns:
        ``verbatim_share_a``, ``reworded_share_a``, ``quoted_share_a``,
        ``extent_a`` and the same for b.
    """
    out: dict[str, Any] = {}
    measures = sides if sides is not None else measure_sides(alignment, settings, texts, chars)
    for m, side in zip(measures, "ab"):
        for name, value in m.shares().items():
            out[f"{name}_share_{side}"] = value
        out[f"extent_{side}"] = extent(m, relation, settings)
    return out


@dataclass(frozen=True)
class PairMask:
    """A span of a document left out of its pairs' alignments.

    Attributes:
        start: Offset of its first character.
        end: Offset just past its last character.
        soft: Only a block classifier's guess: text here that the other
            document of a pair shares is reuse, not boilerplate
            (:func:`lift_soft_masks`). Hard masks (rules, repeats in the
            document or across the corpus) always hold. Boilerplate spans
            carry ``soft`` too.
    """

    start: int
    end: int
    soft: bool = False


def hard_masks(spans: Sequence[Any] | None) -> list[Any]:
    """The spans that always hold (anything without ``soft`` set)."""
    return [s for s in spans or () if not getattr(s, "soft", False)]


def soft_masks(spans: Sequence[Any] | None) -> list[Any]:
    """The spans that are only a classifier's guess."""
    return [s for s in spans or () if getattr(s, "soft", False)]


def measured_chars(alignment: Alignment, texts: tuple[str, str], masks: tuple[Sequence[Any] | None, Sequence[Any] | None]
                   ) -> tuple[int, int]:
    """The characters each side's shares are taken of: all of them, less the
    hard masks, less the soft masks outside the passages the pair shares
    (shared text is not boilerplate on a classifier's guess alone).

    Args:
        alignment: The pair's alignment (made with the hard masks only).
        texts: Both original texts.
        masks: Each side's masks, hard and soft.
    """
    out = []
    for k, side in enumerate("ab"):
        n = len(texts[k])
        hard = span_mask(n, hard_masks(masks[k]))
        soft = soft_masks(masks[k])
        if soft:
            shared = span_mask(n, [p.a if side == "a" else p.b for p in alignment.passages])
            out.append(n - int(hard.sum()) - int((span_mask(n, soft) & ~hard & ~shared).sum()))
        else:
            out.append(n - int(hard.sum()))
    return out[0], out[1]


def lift_soft_masks(alignment: Alignment, texts: tuple[str, str], masks: tuple[Sequence[Any] | None, Sequence[Any] | None]
                    ) -> Alignment:
    """The alignment with its shares taken over :func:`measured_chars`
    (unchanged without soft masks).

    Args:
        alignment: The pair's alignment, made with the hard masks only (so
            its shared characters already leave them out).
        texts: Both original texts.
        masks: Each side's masks, hard and soft.
    """
    if not (soft_masks(masks[0]) or soft_masks(masks[1])):
        return alignment
    chars = measured_chars(alignment, texts, masks)
    return replace(alignment, share_a=alignment.shared_chars_a / max(chars[0], 1), share_b=alignment.shared_chars_b / max(chars[1], 1))


def mirror(alignment: Alignment) -> Alignment:
    """The same alignment seen from the other side (a and b swapped)."""
    passages = sorted([Passage(p.b, p.a, p.kind, p.score, p.quoted) for p in alignment.passages], key=lambda p: (p.a.start, p.b.start, p.kind))
    pairs = mirrored_pairs(alignment.sentence_pairs)
    stats = dict(alignment.stats)
    if "containment_a" in stats:
        stats["containment_a"], stats["containment_b"] = alignment.stats["containment_b"], alignment.stats["containment_a"]
    return Alignment(
        passages, pairs, alignment.shared_chars_b, alignment.shared_chars_a, alignment.share_b, alignment.share_a,
        stats, alignment.sentences_b, alignment.sentences_a, alignment.capped,
    )


def align_symmetric(pa: Prepared, pb: Prepared, settings: Settings, aligner=align_prepared) -> Alignment:
    """Align two prepared documents in an order that does not depend on the
    order given, and return the alignment as seen from ``pa``.

    The aligner's greedy choices depend on which side comes first; aligning
    every pair one canonical way and mirroring it makes ``(a, b)`` and
    ``(b, a)`` exact mirrors of each other.

    Args:
        pa: One prepared document.
        pb: The other.
        settings: What to look for.
        aligner: The function that aligns two prepared documents.
    """
    if pb.orders_before(pa):  # by a key of the document only, taken once a document
        return mirror(aligner(pb, pa, settings))
    return aligner(pa, pb, settings)


def align_documents_symmetric(a: Document, b: Document, settings: Settings, masks=None) -> Alignment:
    """:func:`dedup.passages.align.align_documents`, the same seen from either side.

    Args:
        a: First document.
        b: Second document.
        settings: What to look for.
        masks: Boilerplate spans per document id, left out; soft ones
            (:class:`PairMask`) only where the pair shares no passage.

    Returns:
        The alignment as seen from ``a``, with the exact Jaccard and
        containments in ``stats``.
    """
    masks = masks or {}
    pa, pb = prepare(a.text, hard_masks(masks.get(a.id))), prepare(b.text, hard_masks(masks.get(b.id)))
    alignment = align_symmetric(pa, pb, settings)
    alignment.stats = whole_document_stats(pa, pb, settings.ngram)
    return lift_soft_masks(alignment, (a.text, b.text), (masks.get(a.id), masks.get(b.id)))


__all__ = [
    "WHOLLY", "PARTIALLY", "NONE", "SideMeasure", "measure_side", "measure_sides", "evidence", "verbatim_share", "classify",
    "extent", "pair_fields", "mirror", "align_symmetric", "align_documents_symmetric",
    "PairMask", "hard_masks", "soft_masks", "measured_chars", "lift_soft_masks",
]
