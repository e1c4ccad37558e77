"""The documents the stage leaves to no rule: each gets exactly the spans
``document_boilerplate`` gives it, and the clean ones are found."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from synthetic_corpus import paragraph, synthetic_docs

from dedup.boilerplate.ascii_pass import batch_figures
from dedup.boilerplate.ascii_stats import WORDS
from dedup.boilerplate.batches import ascii_word_counts, block_keys
from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import document_boilerplate, score_blocks
from dedup.boilerplate.passes import marked_batch
from dedup.boilerplate import rules
from dedup.boilerplate.rules import KIND_MAX_WORDS, KIND_WORD_LIMITS, SECTION_MAX_WORDS, block_kind, block_kinds, comment_signature, same_kind_words, section_header_kind
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.boilerplate.unmarked import surely_unmarked
from dedup.config import BoilerplateSettings
from dedup.document import Document
from dedup.io.html import document_from_html

ROOT = Path(__file__).resolve().parents[2]
LABELLED = sorted((ROOT / "tests" / "data" / "boilerplate_general").glob("*.json"))
# One line each that a rule names, signs a comment or starts a metadata prefix.
RULE_LINES = [
    "Share this article",
    "You May Also Like",
    "5 Comments",
    "Brad says:",
    "Posted by: Brad, Glasgow on 11:16am",
    "Published: 3 May 2019",
    "By Jane Smith",
    "Photo: Reuters",
    "Advertisement",
    "We use cookies to improve your experience. Accept cookies.",
]


def _labelled() -> list[Document]:
    docs = []
    for path in LABELLED:
        case = json.loads(path.read_text(encoding="utf-8"))
        docs.append(document_from_html(case["input"], case["name"]) if case["format"] == "html" else Document(case["name"], case["input"], title=case.get("title")))
    return docs


def _varied(seed: int) -> list[Document]:
    """Clean prose, and prose with one rule line (anywhere), a repeated
    paragraph or sentence, or a date before its first sentence."""
    rng = random.Random(seed)
    docs = []
    for i in range(75):
        parts = [paragraph(rng) for _ in range(rng.randint(1, 4))]
        variant = i % 5
        if variant == 1:
            parts.insert(rng.randint(0, len(parts)), rng.choice(RULE_LINES))
        elif variant == 2:
            parts.append(parts[0])
        elif variant == 3:
            parts.append(parts[-1].split(". ")[0] + ".")
        elif variant == 4:
            parts[0] = "Published: 3 May 2019 " + parts[0]
        docs.append(Document(f"v{i:03d}", "\n\n".join(parts) if i % 3 else "\n".join(parts)))
    return docs


@pytest.mark.parametrize("classifier", [True, False])
def test_batch_spans_equal_document_boilerplate(classifier):
    settings = BoilerplateSettings(classifier=classifier)
    docs = _labelled() + _varied(3) + synthetic_docs(20, seed=4, footer="Share this article")
    blocks = [document_blocks(doc) for doc in docs]
    marks = [{len(blocks[k]) - 1: "a test mark"} if k % 17 == 5 and blocks[k] else None for k in range(len(docs))]
    found = marked_batch(docs, blocks, marks, settings)
    for doc, doc_blocks, doc_marks in zip(docs, blocks, marks):
        assert found[doc.id] == document_boilerplate(doc, settings, doc_blocks, doc_marks), doc.id


def test_clean_documents_skip_the_rules_and_marked_ones_do_not():
    settings = BoilerplateSettings()
    docs = _varied(8)
    blocks = [document_blocks(doc) for doc in docs]
    keys = block_keys(docs, blocks)
    words = [ascii_word_counts(doc, doc_keys) for doc, doc_keys in zip(docs, keys)]
    repeats = may_repeat_sentences(docs, keys, settings.sentence_min_words)
    unmarked = surely_unmarked(docs, blocks, keys, words, score_blocks(docs, blocks, keys=keys), repeats, [None] * len(docs), settings)
    spans = [document_boilerplate(doc, settings, doc_blocks) for doc, doc_blocks in zip(docs, blocks)]
    clean = [k for k in range(len(docs)) if k % 5 == 0]
    assert all(unmarked[k] for k in clean)
    # Every document with a span is left to the rules (a rule line, a repeat).
    assert all(not unmarked[k] for k in range(len(docs)) if spans[k])
    assert sum(bool(s) for s in spans) >= 45
    # A corpus mark, a possible sentence repeat or a plain text's title leave a document to the rules.
    first = clean[0]
    marked = surely_unmarked(docs[:1], blocks[:1], keys[:1], words[:1], [None], [False], [{0: "a test mark"}], BoilerplateSettings(classifier=False))
    titled = Document(docs[first].id, docs[first].text, title="A title")
    assert marked == [False]
    assert surely_unmarked([titled], blocks[first : first + 1], keys[first : first + 1], words[first : first + 1], [None], [False], [None], BoilerplateSettings(classifier=False)) == [False]
    assert surely_unmarked(docs[first : first + 1], blocks[first : first + 1], keys[first : first + 1], words[first : first + 1], [None], [True], [None], BoilerplateSettings(classifier=False)) == [False]


def test_block_kind_changes_only_at_its_word_limits():
    texts = RULE_LINES + ["Read more: the full story", "Related", "Ad", "Image copyright Reuters", "More from o'a o'b", "Plain prose, nothing more."]
    for text in texts:
        kinds = [block_kind(text, words) for words in range(KIND_MAX_WORDS + 3)]
        assert kinds[KIND_MAX_WORDS + 1] is None and section_header_kind(text, SECTION_MAX_WORDS + 1) is None
        for words in range(KIND_MAX_WORDS + 2):
            if same_kind_words(words, words + 1):
                assert kinds[words] == kinds[words + 1], (text, words)
    assert [w for w in range(KIND_MAX_WORDS + 2) if not same_kind_words(w, w + 1)] == list(KIND_WORD_LIMITS)


def test_a_block_the_features_count_other_words_of_is_matched_again():
    # The features count 14 words (the apostrophes split them) where
    # ``block_kind`` reads 8: too many for a recirculation header, which
    # the rules find with 8.
    line = "More from o'a o'b o'c o'd o'e o'f"
    assert block_kind(line, 8) is not None and block_kind(line, 14) is None
    rng = random.Random(5)
    docs = [Document("teaser", "\n".join([paragraph(rng), paragraph(rng), line]))]
    settings = BoilerplateSettings()
    blocks = [document_blocks(doc) for doc in docs]
    figures = batch_figures(docs, blocks, settings.sentence_min_words)
    assert figures.counts[0] is not None and figures.counts[0][-1, WORDS] == 14 and figures.words[0][-1] == 8
    scored = score_blocks(docs, blocks, keys=figures.keys, figures=figures.counts)
    unmarked = surely_unmarked(docs, blocks, figures.keys, figures.words, scored, figures.repeats, [None], settings, figures.counts)
    assert unmarked == [False]
    assert document_boilerplate(docs[0], settings, blocks[0])


def _signature_by_patterns(text: str, words: int) -> int:
    """:func:`comment_signature` as its patterns alone define it."""
    if words > rules.SIGNATURE_MAX_WORDS:
        return 0
    if rules._SIGNATURE_AFTER.match(text):
        return 1
    return -1 if rules._SIGNATURE_BEFORE.match(text) else 0


def test_a_signature_is_what_its_patterns_find():
    rng = random.Random(11)
    names = ["Brad", "Catherine (GiveWell)", "jane_doe", "Mr. O'Neil", "Ana-Maria", "Le Monde", "Jürgen", "Иван", "x"]
    dates = ["", " on September 13, 2018 at 5:23 pm", " le 3 mai 2019 à 10:32", " on Monday"]
    verbs = list(rules._SIGNED_WORDS) + ["SAYS", "Said", "wrote.", "says so", "sayss", "ssays", "dit-il", "writes"]
    tails = ["", ":", " :", ":  ", "\n", ":\n", " \t", ": ok", "::", "\x1c", ". "]
    texts = [rng.choice(["", " ", "\t"]) + rng.choice(names) + rng.choice(dates) + rng.choice([" ", "  ", "\t", ""]) + rng.choice(verbs) + rng.choice(tails) for _ in range(3000)]
    texts += RULE_LINES + ["Posted by Brad on 11:16am says:", "says:", " said", "He said", "Plain prose, nothing more."]
    found = [(comment_signature(t, len(t.split())), _signature_by_patterns(t, len(t.split()))) for t in texts]
    assert all(a == b for a, b in found), [t for t, (a, b) in zip(texts, found) if a != b][:5]
    assert sum(a == -1 for a, _ in found) > 1000 and sum(a == 0 for a, _ in found) > 300


def test_the_kinds_of_a_batch_are_each_block_kind():
    rng = random.Random(12)
    cues = ["cookie", "Privacy Policy", "terms of use", "All Rights Reserved", "(c) 2024", "\u00a9 2024", "Copyright", "sign up for our newsletter",
            "Subscribe to the", "Impressum", "Getty Images", "AP Photo/", "Reuters", "Photo: a view", "(pictured)", "credit: her", "epa"]
    lines = [line for doc in _labelled() for line in doc.text.splitlines() if line.strip()] + RULE_LINES
    texts = []
    for _ in range(1500):
        words = paragraph(rng).split()[: rng.choice([1, 3, 8, 15, 30, 60, 90])]
        words.insert(rng.randint(0, len(words)), rng.choice(cues + [""] * 10))
        texts.append(" ".join(words) if rng.random() < 0.8 else rng.choice(lines))
    texts += ["", "cookie", "cookie\ncookie", "x\u00e9 cookies we use", "Cookie"]
    words = [len(t.split()) for t in texts]
    kinds = block_kinds(texts, words)
    assert kinds == [block_kind(t, n) for t, n in zip(texts, words)]
    assert {"legal", "caption"} <= set(kinds) and kinds.count(None) > 300
