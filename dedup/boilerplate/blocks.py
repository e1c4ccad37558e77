"""Blocks and sentences of a document, as offsets into its original text.

A block is the unit boilerplate is judged by: a paragraph, a heading, a
caption, a menu line. HTML documents bring their blocks (see
:mod:`dedup.io.html`); plain text is split here: one block per non-empty line,
or, when the text is hard-wrapped (paragraphs of several lines broken at a
fixed width), one block per paragraph as its layout shows it: a blank line,
a line that ends short of the width, a list item or an indented first line
starts a new one, whether or not blank lines separate the paragraphs.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from typing import Sequence

from dedup.boilerplate.rules import block_kind
from dedup.document import Document
from dedup.engine.faults import StageFault, describe


@dataclass(frozen=True)
class Block:
    """One block of a document.

    Attributes:
        start: Offset of its first character in the original text.
        end: Offset just past its last character.
        link_density: Share of its characters inside links (HTML input),
            ``None`` for plain text.
        dom_flags: Where it sits in the page (HTML input): bit ``i`` set
            when :data:`dedup.io.html.DOM_FLAGS` ``[i]`` applies; ``0`` for
            plain text.
    """

    start: int
    end: int
    link_density: float | None = None
    dom_flags: int = 0

    def text(self, document_text: str) -> str:
        """The block's characters in ``document_text``."""
        return document_text[self.start : self.end]

    @classmethod
    def plain(cls, start: int, end: int) -> Block:
        """``Block(start, end)`` (a block of plain text), made at a third of
        the cost: the frozen class's ``__init__`` sets each field through
        ``object.__setattr__``, and a batch cuts a block per line."""
        block = _new_object(cls)
        fields = block.__dict__
        fields["start"], fields["end"], fields["link_density"], fields["dom_flags"] = start, end, None, 0
        return block


_new_object = object.__new__


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# A hard-wrapped text has at least this many lines, a wrap width in this
# range (its longest line that is not an outlier: at most a quarter longer
# than the 90th percentile of its line lengths), and this share of its lines
# broken only because the next word did not fit.
_WRAP_MIN_LINES = 6
_WRAP_WIDTH = (30, 110)
_WRAP_CONTINUED = 0.3
# The next line's first word counts up to this many characters (a long URL
# or compound does not make every line before it look full).
_NEXT_WORD_CAP = 12
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A line that ends early but mid-sentence, followed by a lower-case word, is
# a ragged wrap when it is at least this share of the width.
_RAGGED_SHARE = 0.6
_SENTENCE_SLACK = 4
_BULLET = re.compile(r"(?:[-*\u2022\u00b7\u2013\u2014>+]|\d{1,3}[.)]|[a-zA-Z][.)])\s")
_LINE_ENDS_SENTENCE = re.compile(r"[.!?:;\u3002\uff01\uff1f\u061f\u06d4\u2026]['\"\u2019\u201d\u00bb)\]]*$")


def _line_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line (blank ones too), without the break."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _first_word(line: str) -> int:
    word = line.split(None, 1)
    if not word:
        return 0
    # Chinese and Japanese lines may break after any character.
    return 1 if _CJK.match(word[0]) else min(len(word[0]), _NEXT_WORD_CAP)


def _continued(lines: list[str], width: int) -> list[bool]:
    """Per line: whether the next line's first word would not have fitted
    on it (so the break was the wrap's, not the writer's)."""
    out = [False] * len(lines)
    for i in range(len(lines) - 1):
        here, after = lines[i].rstrip(), lines[i + 1]
        if here.strip() and after.strip():
            # The width is estimated from the longest line, so it may be a
            # little short: after a sentence end, a line must be nearly full
            # to run on.
            slack = _SENTENCE_SLACK if _LINE_ENDS_SENTENCE.search(here) else 0
            out[i] = len(here) + 1 + _first_word(after) > width + slack
    return out


def wrap_width(text: str) -> int | None:
    """The width ``text`` is hard-wrapped at, or ``None`` when its line
    breaks are the writer's (one paragraph per line, a list, a menu)."""
    if text.count("\n") < _WRAP_MIN_LINES - 1:
        return None
    lines = [line.rstrip() for line in text.split("\n")]
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < _WRAP_MIN_LINES:
        return None
    typical = lengths[int(0.9 * (len(lengths) - 1))]
    width = max(length for length in lengths if length <= 1.25 * typical)
    if not _WRAP_WIDTH[0] <= width <= _WRAP_WIDTH[1]:
        return None
    if sum(_continued(lines, width)) < _WRAP_CONTINUED * len(lengths):
        return None
    return width


def is_hard_wrapped(text: str) -> bool:
    """Whether ``text`` is hard-wrapped: its paragraphs run over several
    lines broken at a fixed width (as in e-mail or plain-text archives),
    with or without blank lines between them."""
    return wrap_width(text) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _breaks_before(lines: list[str], width: int) -> list[bool]:
    """Per line: whether a new paragraph starts there. It does after a blank
    line, after a line the next word would have fitted on (a short line)
    unless that line is a ragged wrap in mid-sentence, before a list item,
    where the indentation grows (an indented first line) and around a line
    that reads as boilerplate by itself."""
    continued = _continued(lines, width)
    # A line that reads as boilerplate on its own (a byline, a teaser, a
    # sharing prompt) stands alone, however long.
    named = [bool(line.strip()) and block_kind(line.strip(), len(line.split())) is not None for line in lines]
    out = [True] * len(lines)
    for j in range(1, len(lines)):
        before, line = lines[j - 1], lines[j]
        if not before.strip() or not line.strip():
            continue
        stripped = line.lstrip()
        if _BULLET.match(stripped) or _indent(line) > _indent(before) or named[j] or named[j - 1]:
            continue
        if continued[j - 1]:
            out[j] = False
            continue
        ragged = len(before.rstrip()) >= _RAGGED_SHARE * width and stripped[:1].islower()
        out[j] = not ragged or bool(_LINE_ENDS_SENTENCE.search(before.rstrip()))
    return out


def split_text_blocks(text: str) -> list[Block]:
    """Split plain text into blocks (see the module doc).

    Args:
        text: Original text.

    Returns:
        The blocks in order, trimmed of surrounding whitespace, none empty.
    """
    width = wrap_width(text)
    spans = _line_spans(text)
    blocks = []
    if width is None:
        for start, end in spans:
            start, end = _trimmed(text, start, end)
            if end > start:
                blocks.append(Block(start, end))
        return blocks
    lines = [text[s:e] for s, e in spans]
    breaks = _breaks_before(lines, width)
    first = None
    for j, (start, end) in enumerate(spans):
        if not lines[j].strip():
            continue
        if first is not None and breaks[j]:
            blocks.append(Block(*_trimmed(text, first, previous_end)))
            first = None
        if first is None:
            first = start
        previous_end = end
    if first is not None:
        blocks.append(Block(*_trimmed(text, first, previous_end)))
    return blocks


def document_blocks(doc: Document) -> list[Block]:
    """The blocks of a document: its HTML blocks if it has them, else
    :func:`split_text_blocks` of its text."""
    if doc.blocks:
        return [Block(int(s), int(e), float(d), int(rest[0]) if rest else 0) for s, e, d, *rest in doc.blocks]
    return split_text_blocks(doc.text)


def documents_blocks(docs: Sequence[Document], faults: list[StageFault] | None = None) -> list[list[Block]]:
    """:func:`document_blocks` of each document; with ``faults``, none for a
    document whose blocks cannot be cut (and a fault for it)."""
    if faults is None:
        return [document_blocks(d) for d in docs]
    out = []
    for doc in docs:
        try:
            out.append(document_blocks(doc))
        except Exception as error:  # noqa: BLE001 - one document never costs the run
            faults.append(StageFault("boilerplate", (doc.id,), describe(error), traceback.format_exc()))
            out.append([])
    return out
