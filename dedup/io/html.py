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

import functools
import itertools
import re

from dedup.document import Document
from dedup.io.decoding import decode_html  # noqa: F401  (re-exported: part of this module's API)

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
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Where a block sits in the page, as bit flags (``DOM_FLAGS[i]`` is bit ``i``):
# the elements around it, the words in the class and id of those elements,
# its own element, whether it is hidden, and whether it lies inside the
# element that holds most of the page's prose (see :func:`_main_container`).
_TAG_FLAGS = {
    "article": "in_article", "main": "in_main", "aside": "in_aside", "nav": "in_nav",
    "footer": "in_footer", "header": "in_header", "form": "in_form", "figure": "in_figure",
    "figcaption": "in_figure", "li": "in_list", "dd": "in_list", "dt": "in_list",
    "blockquote": "in_blockquote", "table": "in_table", "td": "in_table", "th": "in_table",
    "h1": "in_heading", "h2": "in_heading", "h3": "in_heading", "h4": "in_heading",
    "h5": "in_heading", "h6": "in_heading",
}
_ATTRIBUTE_WORDS = (
    ("attr_comment", r"comment|disqus|respond|reply"),
    ("attr_share", r"shar(?:e|ing)|social|follow"),
    ("attr_related", r"related|recommend|popular|trending|read-?more|more-?(?:news|stories)|outbrain|taboola|teaser"),
    ("attr_navigation", r"nav|menu|breadcrumb|paginat|pager"),
    ("attr_footer", r"foot"),
    ("attr_sidebar", r"sidebar|widget|rail|aside"),
    ("attr_promo", r"promo|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|banner|newsletter|subscri|sponsor|signup"),
    ("attr_meta", r"byline|author|date|time|tags?(?:$|[\s_-])|meta"),
    ("attr_content", r"article|content|post|entry|story|body|text"),
    ("attr_caption", r"caption|credit|figure|photo|image|media|gallery"),
    ("attr_header", r"head|masthead|title"),
)
_ATTRIBUTE_PATTERNS = tuple(re.compile(pattern) for _, pattern in _ATTRIBUTE_WORDS)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
# The ``own_*`` flags describe the block's own element (and the inline
# elements inside it), not its wrappers: a class word on a wrapper sets
# ``attr_*`` on every block under it, ``own_attr_*`` only on its own text.
_OWN_TAGS = {"p": "own_paragraph", "li": "own_list_item", "figcaption": "own_caption", "caption": "own_caption",
             "td": "own_table_cell", "th": "own_table_cell", "dd": "own_list_item", "dt": "own_list_item"}
_OWN_TAGS.update({h: "own_heading" for h in _HEADINGS})
DOM_FLAGS = tuple(dict.fromkeys(_TAG_FLAGS.values())) + tuple(name for name, _ in _ATTRIBUTE_WORDS) + (
    "hidden", "own_paragraph", "own_heading", "own_list_item", "in_main_container", "near_main_container",
    "own_caption", "own_table_cell", "own_h1",
) + tuple(f"own_{name}" for name, _ in _ATTRIBUTE_WORDS)
_BIT = {name: 1 << i for i, name in enumerate(DOM_FLAGS)}
_OWN_ATTRIBUTE_SHIFT = DOM_FLAGS.index(f"own_{_ATTRIBUTE_WORDS[0][0]}") - DOM_FLAGS.index(_ATTRIBUTE_WORDS[0][0])
# Blocks of prose that vote for the element holding them (the main container).
_VOTE_WORDS = 8
_VOTE_LINK_DENSITY = 0.34


# A page whose visible text has fewer words than this reads its fallback
# content too (``<noscript>``, ``<template>`` and script templates), when
# that holds more than this many times as many words.
FALLBACK_MIN_WORDS = 50
FALLBACK_SHARE = 2
_FALLBACK_SKIP = SKIP_TAGS - {"noscript", "template"}
_SCRIPT_TEMPLATE = re.compile(r"template|html|x-tmpl|handlebars|mustache|jsrender|underscore", re.IGNORECASE)
_TEMPLATE_TAG = re.compile(r"^<template[^>]*>|</template>$", re.IGNORECASE)
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
# A title that holds a closing tag was never closed itself.
_CLOSING_TAG = re.compile(r"</[a-zA-Z]")


def html_blocks(html: str) -> tuple[list[tuple[str, float, int]], str | None]:
    """The visible text blocks of a page and its ``<title>``.

    Broken pages are read as a browser would show them: a ``<title>`` that
    is never closed ends at the next tag (instead of swallowing the page);
    an ``<a>`` without ``href`` (an anchor left open) is no link; and when
    the page shows almost no text, the (much longer) content of its ``<noscript>``,
    ``<template>`` and script templates (a post body kept there, or a body
    inside a ``<noscript>`` left open) is read as well.

    Args:
        html: The page source.

    Returns:
        ``([(block_text, link_density, dom_flags), ...], title)``; block
        texts have their whitespace collapsed and are never empty;
        ``dom_flags`` holds bit ``i`` when ``DOM_FLAGS[i]`` applies.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = _collapse(title_node.text()) if title_node is not None else None
    if title and _CLOSING_TAG.search(title):
        tree, title = _with_title_closed(html, tree, title)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return [], title or None
    blocks = _walk(root, SKIP_TAGS)
    shown = sum(len(text.split()) for text, *_ in blocks)
    if shown < FALLBACK_MIN_WORDS:
        fallback = _fallback_blocks(root)
        # Only a body kept there, not a "please enable JavaScript" notice.
        if sum(len(text.split()) for text, *_ in fallback) > FALLBACK_SHARE * shown:
            blocks += fallback
    return _with_main_container(blocks), title or None


def _with_title_closed(html: str, tree, title: str):
    """The page parsed again with its unclosed ``<title>`` ending at the next tag."""
    from selectolax.lexbor import LexborHTMLParser

    opened = _TITLE_OPEN.search(html)
    end = html.find("<", opened.end()) if opened else -1
    if end < 0:
        return tree, title
    tree = LexborHTMLParser(html[:end] + "</title>" + html[end:])
    title_node = tree.css_first("title")
    return tree, _collapse(title_node.text()) if title_node is not None else None


def _fallback_blocks(root) -> list["_RawBlock"]:
    """The blocks of the page's ``<noscript>``, ``<template>`` and script
    template content, read as one more page."""
    from selectolax.lexbor import LexborHTMLParser

    parts = []
    for node in root.css("noscript, template, script"):
        if node.tag == "noscript":
            parts.append(node.html or "")
        elif node.tag == "template":
            parts.append(_TEMPLATE_TAG.sub("", node.html or ""))
        elif _SCRIPT_TEMPLATE.search(node.attributes.get("type") or ""):
            parts.append(node.text() or "")
    if not parts:
        return []
    fallback = LexborHTMLParser("<html><body>" + "\n".join(parts) + "</body></html>")
    body = fallback.body if fallback.body is not None else fallback.root
    return [] if body is None else _walk(body, _FALLBACK_SKIP)


def _walk(root, skip: frozenset) -> list["_RawBlock"]:
    """The raw blocks under ``root``, elements in ``skip`` left out."""
    blocks: list[_RawBlock] = []
    pieces: list[tuple[str, bool, _Context]] = []
    # Depth-first walk with explicit exit markers, so deep pages cannot
    # exhaust the recursion limit.
    stack: list[tuple[object, _Context, bool]] = [(root, _Context(False, 0, None), False)]
    while stack:
        node, context, leaving = stack.pop()
        tag = node.tag or "-"
        if leaving:
            _flush(pieces, blocks)
            continue
        if tag == "-text":
            text = node.text_content
            if text:
                pieces.append((text, context.in_link, context))
            continue
        if tag in skip or tag.startswith("-"):
            continue
        is_block = tag in BLOCK_TAGS
        if is_block:
            _flush(pieces, blocks)
            stack.append((node, context, True))
        inner = context.enter(node, tag, is_block)
        children = list(node.iter(include_text=True))
        for child in reversed(children):
            stack.append((child, inner, False))
    _flush(pieces, blocks)
    return blocks


class _Context:
    """What surrounds a text node: inside a link, the DOM flags gathered from
    its ancestors, and the block elements it sits in, innermost first, as a
    linked list ``(element_id, outer)`` (shared by siblings, so deep pages
    stay linear)."""

    __slots__ = ("in_link", "flags", "chain")

    def __init__(self, in_link: bool, flags: int, chain: tuple | None) -> None:
        self.in_link = in_link
        self.flags = flags
        self.chain = chain

    def enter(self, node, tag: str, is_block: bool) -> "_Context":
        """The context of the children of ``node``."""
        flags = self.flags & ~_OWN_BITS if is_block else self.flags
        name = _TAG_FLAGS.get(tag)
        if name is not None:
            flags |= _BIT[name]
        attributes = node.attributes
        words = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
        if not words.isspace():
            bits = _attribute_bits(words)
            flags |= bits | (bits << _OWN_ATTRIBUTE_SHIFT)
        style = attributes.get("style")
        if "hidden" in attributes or (style and _HIDDEN_STYLE.search(style.lower())):
            flags |= _BIT["hidden"]
        chain = self.chain
        if is_block:
            chain = (node.mem_id, chain)
            own = _OWN_TAGS.get(tag)
            if own is not None:
                flags |= _BIT[own] | (_BIT["own_h1"] if tag == "h1" else 0)
        # An <a> without href is an anchor (often left open), not a link.
        return _Context(self.in_link or (tag == "a" and "href" in attributes), flags, chain)


@functools.lru_cache(maxsize=4096)
def _attribute_bits(words: str) -> int:
    """The ``attr_*`` flags of an element's class and id (pages repeat them)."""
    words = words.lower()
    bits = 0
    for (name, _), pattern in zip(_ATTRIBUTE_WORDS, _ATTRIBUTE_PATTERNS):
        if pattern.search(words):
            bits |= _BIT[name]
    return bits


_OWN_BITS = sum(_BIT[name] for name in DOM_FLAGS if name.startswith("own_"))
_RawBlock = tuple[str, float, int, "tuple | None"]


def _ancestors(chain: tuple | None):
    """The element ids of a chain, innermost first."""
    while chain is not None:
        yield chain[0]
        chain = chain[1]


def _with_main_container(blocks: list[_RawBlock]) -> list[tuple[str, float, int]]:
    """Flag the blocks inside (or next to) the main container: the block
    element whose child blocks hold the most prose (a block's words count
    fully for its parent element and half for its grandparent)."""
    votes: dict[int, float] = {}
    for text, density, _, chain in blocks:
        words = len(text.split())
        if words < _VOTE_WORDS or density >= _VOTE_LINK_DENSITY:
            continue
        outer = list(itertools.islice(_ancestors(chain), 1, 3))
        for weight, element in zip((1.0, 0.5), outer):
            votes[element] = votes.get(element, 0.0) + weight * words
    if not votes:
        return [(text, density, flags) for text, density, flags, _ in blocks]
    best = max(votes, key=votes.__getitem__)
    parent = None
    out = []
    lineages = [list(_ancestors(chain)) for *_, chain in blocks]
    for lineage in lineages:
        if best in lineage[:-1]:
            parent = lineage[lineage.index(best) + 1]
            break
    for (text, density, flags, _), lineage in zip(blocks, lineages):
        if best in lineage:
            flags |= _BIT["in_main_container"]
        if best in lineage or (parent is not None and parent in lineage):
            flags |= _BIT["near_main_container"]
        out.append((text, density, flags))
    return out


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _visible(text: str) -> int:
    return len("".join(text.split()))


def _flush(pieces: list[tuple[str, bool, _Context]], blocks: list[_RawBlock]) -> None:
    """Close the current block: collapse its text, measure its links and
    take its DOM context from its first visible piece."""
    if not pieces:
        return
    text = _collapse("".join(p for p, _, _ in pieces))
    if text:
        total = sum(_visible(p) for p, _, _ in pieces)
        linked = sum(_visible(p) for p, is_link, _ in pieces if is_link)
        density = round(linked / total, 4) if total else 0.0
        context = next((c for p, _, c in pieces if not p.isspace()), pieces[0][2])
        blocks.append((text, density, context.flags, context.chain))
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
    offsets: list[tuple[int, int, float, int]] = []
    pos = 0
    for text, density, flags in blocks:
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(text)
        offsets.append((pos, pos + len(text), density, flags))
        pos += len(text)
    return Document(id=doc_id, text="".join(parts), origin=origin, title=title, blocks=tuple(offsets))
