"""Corpus strings made safe for a terminal.

Ids, paths, titles, document text and problem messages come from the corpus
and may hold anything: rich markup (``[/red]`` ends a style that was never
opened and stops the report; ``[link=…]`` makes a hyperlink), escape
sequences (``\\x1b[2J`` clears the screen, OSC 8 makes hyperlinks, OSC 52
writes the clipboard) and bidirectional overrides that show text in another
order than it has. Every such string reaches rich through these functions:
as a :class:`~rich.text.Text`, never parsed as markup, with each control
character shown as a visible escape (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

from rich.text import Text

# Bidirectional controls: marks, embeddings, overrides, isolates.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _escapes(keep: str) -> dict[int, str]:
    """``str.translate`` table: C0, DEL, C1 and bidi controls to visible
    escapes, except the characters of ``keep``."""
    codes = [*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI]
    table = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in codes}
    for char in keep:
        del table[ord(char)]
    return table


_LINE = _escapes("")
_BODY = _escapes("\n\t")


def visible_line(value: object) -> str:
    """``value`` as one line of inert characters: every control character,
    line breaks and tabs included, written as an escape."""
    return str(value).translate(_LINE)


def visible_body(value: object) -> str:
    """Text that keeps its line breaks and tabs (``\\r\\n`` read as a line
    break); every other control character written as an escape."""
    text = str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_BODY)


def line_text(value: object, style: str = "") -> Text:
    """:func:`visible_line` as a rich ``Text`` (never parsed as markup)."""
    return Text(visible_line(value), style=style)


def body_text(value: object, style: str = "") -> Text:
    """:func:`visible_body` as a rich ``Text`` (never parsed as markup)."""
    return Text(visible_body(value), style=style)
