"""Pair labels from an alignment: near duplicate, partial copy, rewrite.

Only evidence of copying counts: a verbatim passage that lies inside
quotation marks in both documents is what two independent reports quoting
the same speaker share, so its characters neither make a pair nor decide
its label (also where a reworded sentence around the quotation holds them).

* **near_duplicate** — both documents are mostly shared
  (``near_duplicate_share``), and mostly verbatim;
* **partial_copy** — at least half of the shared text is verbatim;
* **rewrite** — the shared text is mostly reworded.
"""

from __future__ import annotations

import numpy as np

from dedup.config import PassageSettings
from dedup.document import span_mask
from dedup.passages.align import REWORDED, VERBATIM, Alignment
from dedup.results import NEAR_DUPLICATE, PARTIAL_COPY, REWRITE


def evidence(alignment: Alignment) -> tuple[int, int, int]:
    """What speaks for copying, measured on side a.

    Returns:
        Characters of a covered by passages but not by shared quotations;
        those of them covered by unquoted verbatim passages; the number of
        unquoted verbatim passages.
    """
    if not alignment.passages:
        return 0, 0, 0
    length = max(p.a.end for p in alignment.passages)
    quoted = span_mask(length, [p.a for p in alignment.passages if p.quoted])
    unquoted = [p for p in alignment.passages if not p.quoted]
    shared = span_mask(length, [p.a for p in unquoted]) & ~quoted
    verbatim = [p for p in unquoted if p.kind == VERBATIM]
    copied = span_mask(length, [p.a for p in verbatim]) & ~quoted
    return int(shared.sum()), int(copied.sum()), len(verbatim)


def classify(alignment: Alignment, settings: PassageSettings) -> str | None:
    """The relation of an aligned pair, or ``None`` when it is not reuse.

    Args:
        alignment: The pair's alignment.
        settings: Thresholds (``min_shared_chars``, ``min_shared_share``,
            ``min_aligned_sentences``, ``near_duplicate_share``).

    Returns:
        ``"near_duplicate"``, ``"partial_copy"``, ``"rewrite"`` or ``None``.
    """
    shared, verbatim, n_verbatim = evidence(alignment)
    if min(shared, alignment.shared_chars_b) < settings.min_shared_chars:
        return None
    if max(alignment.share_a, alignment.share_b) < settings.min_shared_share:
        return None
    reworded = alignment.count(REWORDED)
    if n_verbatim == 0 and len(alignment.sentence_pairs) < settings.min_aligned_sentences:
        return None
    if reworded == 0 and n_verbatim == 0:
        return None
    verbatim_share = verbatim / max(shared, 1)
    mostly_shared = min(alignment.share_a, alignment.share_b) >= settings.near_duplicate_share
    if mostly_shared and verbatim_share >= 0.8:
        return NEAR_DUPLICATE
    if verbatim_share >= 0.5:
        return PARTIAL_COPY
    return REWRITE


def verbatim_share(alignment: Alignment) -> float:
    """Share of the unquoted shared text of a that is verbatim."""
    shared, verbatim, _ = evidence(alignment)
    return float(np.round(verbatim / shared, 4)) if shared else 0.0
