"""HTML pages as documents: the visible text, split into blocks.

A block is the text between two block-level boundaries (the start or end of
a ``<p>``, ``<div>``, ``<li>``, heading, table cell, ``<br>``, ...). Script,
style and form controls are dropped. Each block keeps its link density: the
share of its characters that sit inside ``<a>`` elements, which is what
tells a menu or a list of teaser links from a paragraph of prose.

The document text is the blocks, each with its whitespace collapsed, joined
by blank lines; :attr:`dedup.document.Document.blocks` holds their offsets
into that text, so every later stage can report spans that show exactly as
the text reads.
"""

from __future__ import annotations

import re

from dedup.document import Document

BLOCK_TAGS = frozenset(
    """address article aside blockquote body br caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html li
    main menu nav ol p pre section summary table tbody td tfoot th thead tr ul legend""".split()
)
SKIP_TAGS = frozenset(
    """script style noscript template head svg math iframe object embed canvas select option
    button input textarea audio video map title meta link""".split()
)
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """Decode HTML bytes: UTF-8 when valid, else the charset the page declares.

    Args:
        data: The raw page.

    Returns:
        The page as text (undecodable bytes replaced).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(data[:4096])
    for encoding in ([match.group(1).decode("ascii")] if match else []) + ["cp1252"]:
        try:
            return data.decode(encoding, errors="replace")
        except LookupError:
            continue
    return data.decode("latin-1")


def html_blocks(html: str) -> tuple[list[tuple[str, float]], str | None]:
    """The visible text blocks of a page and its ``<title>``.

    Args:
        html: The page source.

    Returns:
        ``([(block_text, link_density), ...], title)``; block texts have
        their whitespace collapsed and are never empty.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = _collapse(title_node.text()) if title_node is not None else None
    root = tree.body if tree.body is not None else tree.root
    blocks: list[tuple[str, float]] = []
    pieces: list[tuple[str, bool]] = []
    if root is None:
        return blocks, title or None
    # Depth-first walk with explicit exit markers, so deep pages cannot
    # exhaust the recursion limit.
    stack: list[tuple[object, bool, bool]] = [(root, False, False)]
    while stack:
        node, in_link, leaving = stack.pop()
        tag = node.tag or "-"
        if leaving:
            _flush(pieces, blocks)
            continue
        if tag == "-text":
            text = node.text_content
            if text:
                pieces.append((text, in_link))
            continue
        if tag in SKIP_TAGS or tag.startswith("-"):
            continue
        is_block = tag in BLOCK_TAGS
        if is_block:
            _flush(pieces, blocks)
            stack.append((node, in_link, True))
        link = in_link or tag == "a"
        children = list(node.iter(include_text=True))
        for child in reversed(children):
            stack.append((child, link, False))
    _flush(pieces, blocks)
    return blocks, title or None


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _visible(text: str) -> int:
    return len("".join(text.split()))


def _flush(pieces: list[tuple[str, bool]], blocks: list[tuple[str, float]]) -> None:
    """Close the current block: collapse its text and measure its links."""
    if not pieces:
        return
    text = _collapse("".join(p for p, _ in pieces))
    if text:
        total = sum(_visible(p) for p, _ in pieces)
        linked = sum(_visible(p) for p, is_link in pieces if is_link)
        density = round(linked / total, 4) if total else 0.0
        blocks.append((text, density))
    pieces.clear()


def document_from_html(html: str, doc_id: str, origin: str = "") -> Document:
    """Build a :class:`Document` from an HTML page.

    Args:
        html: The page source.
        doc_id: The document id.
        origin: Where the page was read from, for messages.

    Returns:
        A document whose text is the page's visible blocks joined by blank
        lines, whose ``blocks`` are ``(start, end, link_density)`` offsets
        into that text, and whose ``title`` is the page's ``<title>``.
    """
    blocks, title = html_blocks(html)
    parts: list[str] = []
    offsets: list[tuple[int, int, float]] = []
    pos = 0
    for text, density in blocks:
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(text)
        offsets.append((pos, pos + len(text), density))
        pos += len(text)
    return Document(id=doc_id, text="".join(parts), origin=origin, title=title, blocks=tuple(offsets))
