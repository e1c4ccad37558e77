"""Quotations: the stretches of a text that stand inside quotation marks.

Two reports that quote the same speaker share the quotation without
copying each other; the aligner marks a shared passage that lies wholly
inside quotation marks on both sides so that readers can tell.

An opening mark follows white space, an opening bracket or a dash (or
starts the text); a closing mark of the same family follows a non-space
character and precedes white space, punctuation or the end. Apostrophes
inside words (``it's``) are neither. A quotation does not run past a blank
line.
"""

from __future__ import annotations

import re

import numpy as np

from dedup.text.shingles import compiled_loop

# The compiled pass (dedup/text/_sentences.c), or None where it was not built.
_compiled_mask = compiled_loop("quotation_mask", "_sentences")

# family of each mark: 0 double quotes, 1 single quotes, 2 guillemets, 3 CJK corner brackets
_OPEN = {'"': 0, "\u201c": 0, "\u201e": 0, "'": 1, "\u2018": 1, "\u00ab": 2, "\u300c": 3, "\u300e": 3}
_CLOSE = {'"': 0, "\u201d": 0, "\u201c": 0, "'": 1, "\u2019": 1, "\u00bb": 2, "\u300d": 3, "\u300f": 3}
_MARK = re.compile("[\"'\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb\u300c\u300d\u300e\u300f]")
_BEFORE_OPEN = set(" \t\n\r([{\u2014\u2013-:\u00a0")
_AFTER_CLOSE = set(" \t\n\r.,;:!?)]}\u2014\u2013-\u2026\u00a0")


def _role(text: str, i: int) -> tuple[bool, bool]:
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if ch in "\u300c\u300e":
        return True, False
    if ch in "\u300d\u300f":
        return False, True
    can_open = ch in _OPEN and prev in _BEFORE_OPEN and not nxt.isspace()
    can_close = ch in _CLOSE and not prev.isspace() and (nxt in _AFTER_CLOSE or nxt in _CLOSE)
    return can_open, can_close


def quoted_mask(text: str, compiled: bool = True) -> np.ndarray:
    """A boolean per character of ``text``: inside a quotation (marks included).

    Args:
        text: Original text.
        compiled: Take the compiled pass where it was built (``False``: the
            Python reference; the mask is the same).
    """
    if compiled and _compiled_mask is not None:
        return np.frombuffer(_compiled_mask(text), dtype=bool)
    mask = np.zeros(len(text), dtype=bool)
    open_at: int | None = None
    family = -1
    for match in _MARK.finditer(text):
        i = match.start()
        can_open, can_close = _role(text, i)
        ch = text[i]
        if open_at is not None and "\n\n" in text[open_at:i]:
            open_at = None
        if open_at is not None and can_close and _CLOSE.get(ch) == family:
            mask[open_at : i + 1] = True
            open_at = None
        elif can_open and open_at is None:
            open_at, family = i, _OPEN.get(ch, 3)
    return mask
