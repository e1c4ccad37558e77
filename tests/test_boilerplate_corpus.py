"""Acceptance on the sample corpus: what must be marked, and what must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.boilerplate import boilerplate_mask, find_boilerplate
from dedup.config import Settings
from dedup.corpus import read_corpus

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def sample():
    docs, problems = read_corpus([CORPUS])
    assert not problems
    by_id = {d.id[:3]: d for d in docs}
    found = find_boilerplate(docs, Settings())
    return by_id, {d.id[:3]: found[d.id] for d in docs}


def _covered(doc, spans, needle, occurrence=0):
    """Whether the ``occurrence``-th copy of ``needle`` in ``doc`` is entirely inside boilerplate."""
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(needle, start + 1)
    mask = boilerplate_mask(len(doc.text), spans)
    return bool(mask[start : start + len(needle)].all())


def test_both_share_and_follow_lines_are_marked(sample):
    docs, found = sample
    assert _covered(docs["001"], found["001"], "Share and Follow", 0)
    assert _covered(docs["001"], found["001"], "Share and Follow", 1)


def test_you_may_also_like_block_is_marked_to_the_end(sample):
    docs, found = sample
    doc = docs["001"]
    start = doc.text.index("You May Also Like")
    mask = boilerplate_mask(len(doc.text), found["001"])
    assert mask[start : len(doc.text.rstrip())].all()
    kinds = {s.kind for s in found["001"] if s.start <= start < s.end}
    assert kinds == {"recirculation"}


def test_comments_block_of_004_is_marked(sample):
    docs, found = sample
    doc = docs["004"]
    start = doc.text.index("5 Comments")
    mask = boilerplate_mask(len(doc.text), found["004"])
    assert mask[start : len(doc.text.rstrip())].all()
    assert not mask[:start].any()


def test_second_copy_of_each_caption_is_marked(sample):
    docs, found = sample
    doc = docs["001"]
    lines = [line for line in doc.text.split("\n") if line.strip()]
    from dedup.normalize import normalize_text

    seen, second_copies = set(), []
    offset = 0
    for line in doc.text.split("\n"):
        key = normalize_text(line)
        if key and key in seen and len(key.split()) > 5:
            second_copies.append((offset, offset + len(line)))
        seen.add(key)
        offset += len(line) + 1
    assert len(second_copies) == 6, lines
    mask = boilerplate_mask(len(doc.text), found["001"])
    for start, end in second_copies:
        assert mask[start:end].all(), doc.text[start:end]
    kinds = {s.kind for s in found["001"] if (s.start, s.end) in second_copies}
    assert kinds == {"repeat_in_document"}


def test_bodies_of_002_and_003_are_not_marked(sample):
    docs, found = sample
    assert found["002"] == []
    doc = docs["003"]
    assert [s.kind for s in found["003"]] == ["metadata"]
    span = found["003"][0]
    assert doc.text[span.start : span.end] == "date 2026-02-04"


def test_at_most_one_sentence_of_000_is_marked(sample):
    docs, found = sample
    spans = found["000"]
    assert len(spans) <= 1
    for span in spans:
        text = docs["000"].text[span.start : span.end]
        assert "\n" not in text and text.count(". ") == 0
