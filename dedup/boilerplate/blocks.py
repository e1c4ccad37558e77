"""Blocks and sentences of a document, as offsets into its original text.

A block is the unit boilerplate is judged by: a paragraph, a heading, a
caption, a menu line. HTML documents bring their blocks (see
:mod:`dedup.io.html`); plain text is split here: one block per non-empty line,
or, when the text is hard-wrapped (paragraphs of several short lines
separated by blank lines), one block per blank-line-separated paragraph.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from typing import Sequence

from dedup.document import Document
from dedup.engine.faults import StageFault, describe

_LINE = re.compile(r"[^\n]+")
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![ \t\r\f\v]*\n))*", re.DOTALL)


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


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_hard_wrapped(text: str) -> bool:
    """Whether ``text`` looks hard-wrapped: paragraphs of several short
    lines separated by blank lines (as in e-mail or plain-text archives)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 6:
        return False
    paragraphs = [p for p in re.split(r"\n[ \t\r\f\v]*\n", text) if p.strip()]
    lengths = sorted(len(line.strip()) for line in lines)
    median = lengths[len(lengths) // 2]
    return len(paragraphs) >= 2 and len(lines) >= 2 * len(paragraphs) and 40 <= median <= 100


def split_text_blocks(text: str) -> list[Block]:
    """Split plain text into blocks (see the module doc).

    Args:
        text: Original text.

    Returns:
        The blocks in order, trimmed of surrounding whitespace, none empty.
    """
    pattern = _PARAGRAPH if is_hard_wrapped(text) else _LINE
    blocks = []
    for match in pattern.finditer(text):
        start, end = _trimmed(text, *match.span())
        if end > start:
            blocks.append(Block(start, end))
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
