"""Features of plain-text blocks that read as rows of a table or items of a list.

In plain text a table comes out one cell or one row a line, and a list one
item a line: short lines, often numbered or holding figures, in a run of
lines shaped alike. A menu is short lines in a run too, but its lines hold
words, not figures, and do not number themselves. These features let the
plain-text model tell a standings table or a race calendar (an article
whose only content is such rows) from a menu. The HTML model does not use
them: its markup says what is a table or a list.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

TABLE_FEATURES = (
    "starts_numbered",
    "starts_bullet",
    "numeric_token_share",
    "log_short_run",
    "log_figure_run",
    "log_shape_run",
    "window_figure_share",
)
# A short line: a cell or a row; a line with figures this short or shorter
# can be a table row.
_SHORT_WORDS = 8
_ROW_WORDS = 15
_WINDOW = 3
_NUMBERED = re.compile(r"\W{0,2}\d")
_BULLET = re.compile(r"[-*\u2022\u00b7\u2013\u2014\u25aa\u25cf\u25a0>]\s")
_HAS_DIGIT = re.compile(r"\d")


def table_features(texts: Sequence[str], words: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The :data:`TABLE_FEATURES` of every block of a batch.

    Args:
        texts: The blocks' texts, the documents' blocks one document after
            the other.
        words: Each block's word count.
        sizes: Blocks per document, in order.

    Returns:
        ``(len(texts), len(TABLE_FEATURES))`` float64 matrix.
    """
    n = len(texts)
    out = np.zeros((n, len(TABLE_FEATURES)), dtype=np.float64)
    if not n:
        return out
    words = np.asarray(words, dtype=np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    starts = np.zeros(n, dtype=bool)
    first = (np.cumsum(sizes) - sizes)[sizes > 0]
    starts[first] = True
    out[:, 0] = [bool(_NUMBERED.match(t)) for t in texts]
    out[:, 1] = [bool(_BULLET.match(t)) for t in texts]
    # Figures are counted in lines short enough to be a row (a paragraph's
    # figures say nothing of a table, and counting them costs most).
    row = (words > 0) & (words <= _ROW_WORDS)
    figures = np.zeros(n)
    for i in np.flatnonzero(row).tolist():
        figures[i] = sum(1 for w in texts[i].split() if _HAS_DIGIT.search(w))
    out[:, 2] = figures / np.maximum(words, 1)
    has_figure = figures > 0
    out[:, 3] = np.log1p(_run_lengths(row & (words <= _SHORT_WORDS), starts))
    out[:, 4] = np.log1p(_run_lengths(has_figure, starts))
    shape = np.array([_shape(t, w, f > 0) for t, w, f in zip(texts, words.tolist(), figures.tolist())], dtype=np.int64)
    same = np.concatenate(([False], shape[1:] == shape[:-1])) & ~starts
    out[:, 5] = np.log1p(_run_lengths(np.ones(n, dtype=bool), starts | ~same))
    out[:, 6] = _window_share(has_figure, sizes)
    return out


def _shape(text: str, words: int, figures: bool) -> int:
    """A small key of how a line looks: the class of its first character,
    whether it holds a figure (counted in rows only), its length in words (capped)."""
    head = text[:1]
    kind = 0 if not head else 1 if head.isdigit() else 2 if head.isupper() else 3 if head.isalpha() else 4
    return kind * 32 + figures * 16 + min(words, _ROW_WORDS + 1)


def _run_lengths(flag: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Per block, the length of the run of consecutive ``flag`` blocks that
    holds it (0 where ``flag`` is false); a run also ends before a ``breaks``
    block."""
    n = len(flag)
    previous = np.concatenate(([False], flag[:-1]))
    opens = flag & (~previous | breaks)
    run = np.cumsum(opens)
    lengths = np.bincount(run[flag], minlength=run[-1] + 1 if n else 1)
    return np.where(flag, lengths[run], 0)


def _window_share(flag: np.ndarray, sizes: np.ndarray, window: int = _WINDOW) -> np.ndarray:
    """Per block, the share of ``flag`` blocks among those up to ``window``
    away in its document."""
    n = len(flag)
    document = np.repeat(np.arange(len(sizes)), sizes)
    first = (np.cumsum(sizes) - sizes)[document]
    last = first + sizes[document] - 1
    here = np.arange(n)
    low = np.maximum(here - window, first)
    high = np.minimum(here + window, last) + 1
    sums = np.concatenate(([0], np.cumsum(flag)))
    return (sums[high] - sums[low]) / (high - low)
