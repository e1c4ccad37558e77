"""The second pass of a stacked block model: where each block sits among its
neighbours' first-pass verdicts.

The first pass judges one block at a time from its own text and a few
neighbours' lengths. Plain text has no markup to say where the article
ends, but the sequence of first-pass probabilities does: a short line
between two confident article paragraphs is likely the article's, one past
the last of them likely not. The second pass sees, for every block, the
first pass's probability of it and of its neighbours, how far it is from
the nearest block the first pass was confident was article text, and how
much of that confident text lies before and after it.

All features are computed for a batch of documents at once (their blocks
laid one document after the other, ``sizes`` blocks each), each document
read only within its own stretch.
"""

from __future__ import annotations

import numpy as np

STACKED_FEATURES = (
    "stack_probability",
    "stack_prev_probability",
    "stack_prev2_probability",
    "stack_next_probability",
    "stack_next2_probability",
    "stack_window_probability",
    "stack_wide_window_probability",
    "stack_words_window_probability",
    "stack_blocks_since_content",
    "stack_blocks_until_content",
    "stack_inside_content_span",
    "stack_content_words_before",
    "stack_content_words_after",
    "stack_page_content_share",
)
# A first-pass probability of boilerplate below this is confident article text.
CONFIDENT_CONTENT = 0.3
# Where a neighbour does not exist (before the first block, past the last).
_MISSING = -1.0
_WINDOW = 2
_WIDE_WINDOW = 6
_WORDS_WINDOW = 3
# Blocks to the nearest confident article block when the page has none.
_FAR = 1000


def stacked_features(probability: np.ndarray, log_words: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The second pass's features of every block of a batch.

    Args:
        probability: The first pass's probability of boilerplate per block.
        log_words: ``log1p`` of each block's word count.
        sizes: Blocks per document, in order (summing to the rows).

    Returns:
        ``(rows, len(STACKED_FEATURES))`` float64 matrix.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    out = np.zeros((n, len(STACKED_FEATURES)), dtype=np.float64)
    if not n:
        return out
    p = np.asarray(probability, dtype=np.float64)
    first = np.cumsum(sizes) - sizes
    document = np.repeat(np.arange(len(sizes)), sizes)
    index = np.arange(n) - first[document]
    size = sizes[document]
    out[:, 0] = p
    for column, shift in ((1, -1), (2, -2), (3, 1), (4, 2)):
        out[:, column] = _shifted(p, index, size, shift)
    out[:, 5] = _window_mean(p, np.ones(n), index, size, _WINDOW)
    out[:, 6] = _window_mean(p, np.ones(n), index, size, _WIDE_WINDOW)
    # Whole words, summed as integers: the same sums in any batch.
    words = np.rint(np.expm1(log_words)).astype(np.int64)
    out[:, 7] = _window_mean(p, words + 1.0, index, size, _WORDS_WINDOW)
    confident = p < CONFIDENT_CONTENT
    since, until = _distances(confident, document)
    out[:, 8] = np.log1p(since)
    out[:, 9] = np.log1p(until)
    out[:, 10] = (since < _FAR) & (until < _FAR)
    content_words = np.where(confident, words, 0)
    running = np.cumsum(content_words) - content_words
    before = running - running[first[document]]
    totals = np.zeros(len(sizes), dtype=np.int64)
    nonempty = sizes > 0
    totals[nonempty] = np.add.reduceat(content_words, first[nonempty])
    total = totals[document]
    out[:, 11] = before / np.maximum(total, 1.0)
    out[:, 12] = (total - before - content_words) / np.maximum(total, 1.0)
    all_words = np.zeros(len(sizes), dtype=np.int64)
    all_words[nonempty] = np.add.reduceat(words, first[nonempty])
    out[:, 13] = total / np.maximum(all_words[document], 1.0)
    return out


def _shifted(values: np.ndarray, index: np.ndarray, size: np.ndarray, shift: int) -> np.ndarray:
    """Per block, the value ``shift`` blocks away in its document (``_MISSING`` past either end)."""
    n = len(values)
    source = np.arange(n) + shift
    inside = (index + shift >= 0) & (index + shift < size)
    return np.where(inside, values[np.clip(source, 0, n - 1)], _MISSING)


def _window_mean(values: np.ndarray, weights: np.ndarray, index: np.ndarray, size: np.ndarray, window: int) -> np.ndarray:
    """Per block, the ``weights``-weighted mean of ``values`` over the blocks
    up to ``window`` away in its document (summed neighbour by neighbour in
    a fixed order, so a block's value does not depend on the batch around it)."""
    n = len(values)
    sums = np.zeros(n)
    totals = np.zeros(n)
    for shift in range(-window, window + 1):
        inside = (index + shift >= 0) & (index + shift < size)
        source = np.clip(np.arange(n) + shift, 0, max(n - 1, 0))
        sums += np.where(inside, values[source] * weights[source], 0.0)
        totals += np.where(inside, weights[source], 0.0)
    return sums / np.maximum(totals, 1e-12)


def _distances(marked: np.ndarray, document: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block, the blocks back to the nearest ``marked`` block of its
    document at or before it, and on to the nearest at or after it
    (``_FAR`` when there is none)."""
    n = len(marked)
    hits = np.flatnonzero(marked)
    here = np.arange(n)
    right = np.searchsorted(hits, here)
    after = hits[np.minimum(right, hits.size - 1)] if hits.size else here
    before_right = np.searchsorted(hits, here, side="right")
    before = hits[np.maximum(before_right - 1, 0)] if hits.size else here
    has_after = (right < hits.size) & (document[after] == document) if hits.size else np.zeros(n, dtype=bool)
    has_before = (before_right > 0) & (document[before] == document) if hits.size else np.zeros(n, dtype=bool)
    since = np.where(has_before, here - before, _FAR)
    until = np.where(has_after, after - here, _FAR)
    return since.astype(np.float64), until.astype(np.float64)
