"""Labelled pages and texts, one file each in ``tests/data/boilerplate_general``:
for each failure class (short articles, class words on wrappers, headings,
lists and tables, broken HTML, rules in the page's language, comment threads
without markup, hard-wrapped text), in plain text and HTML and in several
languages, the text that must be kept and the text that must be marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup.boilerplate.detect import boilerplate_mask, document_boilerplate
from dedup.config import BoilerplateSettings
from dedup.document import Document
from dedup.io.html import document_from_html

CASES = sorted((Path(__file__).parents[1] / "data" / "boilerplate_general").glob("*.json"))


def _document(case: dict) -> Document:
    if case["format"] == "html":
        return document_from_html(case["input"], case["name"])
    # (A plain text may come with its page's title, as a JSONL record can.)
    return Document(id=case["name"], text=case["input"], title=case.get("title"))


def _span(text: str, needle: str, name: str) -> tuple[int, int]:
    start = text.find(needle)
    assert start >= 0, f"{name}: {needle!r} is not in the document's text"
    return start, start + len(needle)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_labelled_case(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    doc = _document(case)
    spans = document_boilerplate(doc, BoilerplateSettings())
    mask = boilerplate_mask(len(doc.text), spans)
    for needle in case["kept"]:
        start, end = _span(doc.text, needle, case["name"])
        assert not mask[start:end].any(), f"{case['name']}: {needle!r} was marked ({case['note']})"
    for needle in case["marked"]:
        start, end = _span(doc.text, needle, case["name"])
        assert mask[start:end].all(), f"{case['name']}: {needle!r} was kept ({case['note']})"


def test_every_class_in_text_and_html_and_five_languages():
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in CASES]
    classes = {c["failure_class"] for c in cases}
    assert classes >= {"short_article", "wrapper_class_words", "headings_lists_tables", "broken_html",
                       "own_language_rules", "comment_thread_unmarked", "hard_wrapped"}
    for klass in classes:
        formats = {c["format"] for c in cases if c["failure_class"] == klass}
        languages = {c["language"] for c in cases if c["failure_class"] == klass}
        # Wrapper classes and broken markup exist only in HTML; hard wrapping only in text.
        expected = {"html"} if klass in ("wrapper_class_words", "broken_html") else {"text"} if klass == "hard_wrapped" else {"text", "html"}
        assert formats == expected, klass
        assert len(languages) >= 5, klass
