"""Acceptance on the sample corpus: what must be marked, and what must not."""

from __future__ import annotations

import random

import pytest
from conftest import CORPUS

from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import boilerplate_mask, document_boilerplate, find_boilerplate
from dedup.config import BoilerplateSettings, Settings
from dedup.document import Document
from dedup.io.corpus import read_corpus


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


def _needle_to_end(doc, spans, needle):
    """The boilerplate mask of ``doc``, where ``needle`` starts and where the text ends (before trailing space)."""
    return boilerplate_mask(len(doc.text), spans), doc.text.index(needle), len(doc.text.rstrip())


def test_both_share_and_follow_lines_are_marked(sample):
    docs, found = sample
    assert _covered(docs["001"], found["001"], "Share and Follow", 0)
    assert _covered(docs["001"], found["001"], "Share and Follow", 1)


def test_you_may_also_like_block_is_marked_to_the_end(sample):
    docs, found = sample
    mask, start, end = _needle_to_end(docs["001"], found["001"], "You May Also Like")
    assert mask[start:end].all()
    kinds = {s.kind for s in found["001"] if s.start <= start < s.end}
    assert kinds == {"recirculation"}


def test_comments_block_of_004_is_marked(sample):
    docs, found = sample
    mask, start, end = _needle_to_end(docs["004"], found["004"], "5 Comments")
    assert mask[start:end].all()
    assert not mask[:start].any()


def test_second_copy_of_each_caption_is_marked(sample):
    docs, found = sample
    doc = docs["001"]
    lines = [line for line in doc.text.split("\n") if line.strip()]
    from dedup.text.normalize import normalize_text

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


def test_sentence_repeat_filter_keeps_every_document_with_a_repeated_sentence():
    from dedup.boilerplate.sentence_hashes import may_repeat_sentences as _may_repeat_sentences
    from dedup.text.normalize import normalize_text as normalized

    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(400)]

    def sentence():
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 9))).capitalize() + "."

    settings = BoilerplateSettings(classifier=False, corpus_repeats=False)
    docs, found = [], 0
    for k in range(300):
        sentences = [sentence() for _ in range(rng.randint(2, 12))]
        if k % 3 == 0:  # a later copy, in another case and spacing, maybe in another block
            copy = sentences[rng.randrange(len(sentences))]
            sentences.append(copy.upper() if k % 2 else copy.replace(" ", "  "))
        lines, line = [], []
        for s in sentences:
            line.append(s)
            if rng.random() < 0.4:
                lines.append(" ".join(line))
                line = []
        text = "\n".join(lines + [" ".join(line)]) if line else "\n".join(lines)
        docs.append(Document(id=str(k), text=text or "Empty."))
    blocks = [document_blocks(d) for d in docs]
    keys = [[normalized(b.text(d.text)) for b in bs] for d, bs in zip(docs, blocks)]
    flags = _may_repeat_sentences(docs, keys, settings.sentence_min_words)
    for doc, doc_blocks, doc_keys, flag in zip(docs, blocks, keys, flags):
        spans = document_boilerplate(doc, settings, doc_blocks, keys=doc_keys)
        if any(s.reason.startswith("a second copy of a sentence") for s in spans):
            found += 1
            assert flag, doc.text
    assert found >= 50
    # Documents without a repeated run of words are left out of the search.
    assert sum(flags) < len(docs) * 0.6
    assert _may_repeat_sentences([Document(id="u", text="Caf\u00e9 one two three four five six.")], [["x"]], 6) == [True]


def test_word_counts_from_keys_are_the_split_counts():
    """An ASCII block's word count read off its key is ``len(text.split())``,
    whatever white space or control characters the text holds."""
    from dedup.boilerplate.batches import ascii_word_counts as _ascii_word_counts
    from dedup.text.normalize import normalize_text as normalized

    rng = random.Random(11)
    pieces = ["word", "Two", "x", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\x07", ".", "-", "5"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        doc = Document(id="d", text=text)
        blocks = document_blocks(doc)
        texts = [b.text(text) for b in blocks] + [text]
        assert _ascii_word_counts(doc, [normalized(t) for t in texts]) == [len(t.split()) for t in texts]
    assert _ascii_word_counts(Document(id="u", text="Caf\u00e9 au lait"), ["cafe au lait"]) is None


def test_boilerplate_chars_are_the_mask_sum():
    from dedup.boilerplate.detect import BoilerplateSpan, boilerplate_mask, summarize

    rng = random.Random(12)
    for _ in range(500):
        length = rng.randint(0, 60)
        spans = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randint(3, 70)  # offsets are never negative
            spans.append(BoilerplateSpan(start, start + rng.randint(-3, 30), "other", "r"))
        assert summarize(length, spans)["boilerplate_chars"] == int(boilerplate_mask(length, spans).sum())


def test_a_span_record_has_every_field_in_order():
    from dataclasses import asdict

    from dedup.boilerplate.detect import BoilerplateSpan

    span = BoilerplateSpan(3, 9, "other", "a reason")
    assert list(span.to_dict().items()) == list(asdict(span).items())
