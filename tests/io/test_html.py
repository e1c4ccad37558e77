"""HTML input: visible text in blocks, with link density."""

from __future__ import annotations

import pytest

from dedup.boilerplate.blocks import document_blocks
from dedup.document import Document
from dedup.io.corpus import read_corpus
from dedup.io.html import DOM_FLAGS, decode_html, document_from_html

PAGE = """<!doctype html><html><head><title>River  floods town</title>
<style>p { color: red }</style><script>var tracking = "do not show";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>
<article><h1>River floods town</h1>
<p>The river rose by two metres overnight, flooding the <a href="/town">lower town</a> and closing roads.</p>
<p>Farmers said the harvest was lost.<br>They asked for help.</p>
<ul><li><a href="/a">Ten things to do this weekend</a></li><li><a href="/b">Weather: more rain</a></li></ul>
</article><footer>&copy; 2026 The Gazette. <a href="/privacy">Privacy</a></footer>
<noscript>Enable JavaScript</noscript></body></html>"""


@pytest.fixture(scope="module")
def doc():
    return document_from_html(PAGE, "page.html")


def _blocks(doc):
    return [(doc.text[s:e], d) for s, e, d, _ in doc.blocks]


def _bits(*names: str) -> int:
    return sum(1 << DOM_FLAGS.index(name) for name in names)


def _flags(doc) -> dict[str, set[str]]:
    """Each block's text -> the names of its DOM flags."""
    return {doc.text[s:e]: {n for i, n in enumerate(DOM_FLAGS) if f >> i & 1} for s, e, _, f in doc.blocks}


def test_blocks_are_the_visible_text_split_at_block_elements(doc):
    texts = [t for t, _ in _blocks(doc)]
    assert texts == [
        "Home | News | Sport",
        "River floods town",
        "The river rose by two metres overnight, flooding the lower town and closing roads.",
        "Farmers said the harvest was lost.",
        "They asked for help.",
        "Ten things to do this weekend",
        "Weather: more rain",
        "© 2026 The Gazette. Privacy",
    ]
    assert "tracking" not in doc.text and "color" not in doc.text and "JavaScript" not in doc.text
    assert doc.title == "River floods town"
    assert doc.text == "\n\n".join(texts)


def test_link_density_per_block(doc):
    density = dict(_blocks(doc))
    assert density["Home | News | Sport"] == pytest.approx(13 / 15, abs=1e-3)
    assert density["Ten things to do this weekend"] == 1.0
    assert density["Farmers said the harvest was lost."] == 0.0
    paragraph = "The river rose by two metres overnight, flooding the lower town and closing roads."
    linked = len("lowertown")
    assert density[paragraph] == pytest.approx(linked / len("".join(paragraph.split())), abs=1e-3)


def test_document_blocks_carry_link_density(doc):
    blocks = document_blocks(doc)
    assert [b.link_density for b in blocks] == [d for _, _, d, _ in doc.blocks]
    assert [b.dom_flags for b in blocks] == [f for _, _, _, f in doc.blocks]
    assert all(doc.text[b.start : b.end].strip() == doc.text[b.start : b.end] for b in blocks)


def test_html_files_are_read_as_documents(tmp_path):
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.htm").write_text("<p>Only <b>one</b> block.</p>", encoding="utf-8")
    docs, problems = read_corpus([tmp_path])
    assert not problems
    assert [d.id for d in docs] == ["a.html", "b.htm"]
    assert docs[1].text == "Only one block." and docs[1].blocks == ((0, 15, 0.0, _bits("own_paragraph")),)


def test_declared_charset_is_used_when_not_utf8():
    data = '<meta charset="windows-1252"><p>Café – “quoted”</p>'.encode("cp1252")
    assert document_from_html(decode_html(data), "x").text == "Café – “quoted”"


def test_deeply_nested_page_does_not_hit_recursion_limit():
    page = "<div>" * 3000 + "deep text" + "</div>" * 3000
    assert document_from_html(page, "deep").text == "deep text"


def test_dom_flags_name_the_elements_around_a_block(doc):
    flags = _flags(doc)
    assert {"in_nav"} <= flags["Home | News | Sport"]
    assert not flags["Home | News | Sport"] & {"in_article", "in_main_container"}
    assert {"in_article", "in_heading", "own_heading"} <= flags["River floods town"]
    assert {"in_article", "own_paragraph", "in_main_container"} <= flags["Farmers said the harvest was lost."]
    # The text after a <br> is still inside its paragraph.
    assert "own_paragraph" in flags["They asked for help."]
    assert {"in_list", "own_list_item"} <= flags["Weather: more rain"]
    assert "in_footer" in flags["© 2026 The Gazette. Privacy"]
    assert "in_main_container" not in flags["© 2026 The Gazette. Privacy"]


def test_dom_flags_read_class_and_id_words_and_hidden_elements():
    page = """<body><div class="story-body"><p>First paragraph of the story, long enough to vote for it.</p>
    <p>Second paragraph of the story, also long enough to count as prose here.</p></div>
    <div id="comments"><p>Great article, <span>thanks</span> for writing it.</p></div>
    <div class="share-tools">Share this</div><div style="display: none">Hidden text</div>
    <aside class="sidebar-widget"><p>Most read today</p></aside></body>"""
    flags = _flags(document_from_html(page, "p.html"))
    story = "First paragraph of the story, long enough to vote for it."
    assert {"attr_content", "own_paragraph", "in_main_container"} <= flags[story]
    assert "attr_comment" not in flags[story]
    assert {"attr_comment", "own_paragraph"} <= flags["Great article, thanks for writing it."]
    assert "in_main_container" not in flags["Great article, thanks for writing it."]
    assert "attr_share" in flags["Share this"]
    assert "hidden" in flags["Hidden text"]
    assert {"in_aside", "attr_sidebar"} <= flags["Most read today"]


def test_plain_text_blocks_have_no_dom_flags():
    assert all(b.dom_flags == 0 for b in document_blocks(Document(id="t", text="One line.\nAnother line.")))
