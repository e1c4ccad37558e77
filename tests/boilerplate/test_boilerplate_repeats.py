"""Repeats inside a document and across a corpus."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic_corpus import paragraph, synthetic_docs

from dedup.boilerplate.detect import document_boilerplate, find_boilerplate
from dedup.boilerplate.repeats import SYNDICATION, TEMPLATE, UNKNOWN, corpus_repeats
from dedup.config import BoilerplateSettings, Settings
from dedup.document import Document

CASES = json.loads((Path(__file__).parents[1] / "data" / "boilerplate_cases.json").read_text(encoding="utf-8"))
NO_CLASSIFIER = BoilerplateSettings(classifier=False)
FOOTER = "Sign up to get the latest regional news delivered to your inbox every weekday morning, free of charge."


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_in_document_cases(case):
    doc = Document(id=case["name"], text=case["text"])
    spans = document_boilerplate(doc, NO_CLASSIFIER)
    marked = [(doc.text[s.start : s.end], s.kind) for s in spans]
    assert marked == [tuple(m) for m in case["marked"]]


def test_paragraph_in_fifty_documents_is_marked_in_all():
    docs = synthetic_docs(50, seed=3, footer=FOOTER)
    found = find_boilerplate(docs, Settings(boilerplate=NO_CLASSIFIER))
    for doc in docs:
        spans = [s for s in found[doc.id] if s.kind == "repeat_in_corpus"]
        assert [doc.text[s.start : s.end] for s in spans] == [FOOTER], doc.id
    (repeat,) = corpus_repeats(docs, Settings())
    assert (repeat.documents, repeat.occurrences, repeat.spread, repeat.boilerplate) == (50, 50, UNKNOWN, True)
    assert repeat.examples == ("doc000", "doc001", "doc002", "doc003", "doc004")


def test_near_copies_of_a_paragraph_are_grouped():
    docs = synthetic_docs(20, seed=4)
    base = FOOTER + " You can unsubscribe at any time with the link at the bottom of each email we send you."
    variants = [base, base.replace("every weekday", "each weekday"), base.replace("any time", "any moment")]
    docs = [replace(d, text=d.text + "\n\n" + variants[i % 3]) for i, d in enumerate(docs)]
    (repeat,) = corpus_repeats(docs, Settings())
    assert repeat.documents == 20 and repeat.near


def test_one_off_paragraph_is_never_marked():
    docs = synthetic_docs(50, seed=5, footer=FOOTER)
    unique = paragraph(random.Random(99), 4)
    docs[17] = replace(docs[17], text=docs[17].text + "\n\n" + unique)
    found = find_boilerplate(docs, Settings(boilerplate=NO_CLASSIFIER))
    start = docs[17].text.index(unique)
    assert not any(s.start < start + len(unique) and s.end > start for s in found["doc017"])
    assert all(r.text != unique for r in corpus_repeats(docs, Settings()))


def test_template_within_one_source_and_syndication_across_sources():
    long_passage = paragraph(random.Random(7), 3)
    one_source = synthetic_docs(12, seed=6, footer=FOOTER, sources=["site-a"])
    (template,) = corpus_repeats(one_source, Settings())
    assert template.spread == TEMPLATE and template.boilerplate
    many = synthetic_docs(12, seed=6, footer=long_passage, sources=["site-a", "site-b", "site-c"])
    (shared,) = corpus_repeats(many, Settings())
    assert shared.spread == SYNDICATION and not shared.boilerplate
    assert shared.sources == ("site-a", "site-b", "site-c")


def test_documents_copied_whole_are_reuse_not_boilerplate():
    original = synthetic_docs(1, seed=8)[0]
    copies = [replace(original, id=f"copy{i}") for i in range(8)]
    found = find_boilerplate(copies, Settings(boilerplate=NO_CLASSIFIER))
    assert all(not spans for spans in found.values())
    assert all(not r.boilerplate for r in corpus_repeats(copies, Settings()))


def test_corpus_floor_grows_with_corpus_size():
    bp = BoilerplateSettings(corpus_min_docs=5, corpus_min_share=0.01)
    assert bp.min_corpus_docs(100) == 5
    assert bp.min_corpus_docs(10_000) == 100
    docs = synthetic_docs(8, seed=9, footer=FOOTER)
    few = find_boilerplate(docs[:4], Settings(boilerplate=NO_CLASSIFIER))
    assert all(not spans for spans in few.values())


def test_disabled_finds_nothing():
    docs = synthetic_docs(10, seed=10, footer=FOOTER)
    found = find_boilerplate(docs, Settings(boilerplate=BoilerplateSettings(enabled=False)))
    assert found == {d.id: [] for d in docs}


def test_long_near_copies_are_grouped_only_up_to_near_max_words():
    docs = synthetic_docs(20, seed=8)
    base = paragraph(random.Random(12), 4)
    words = base.split()
    variant = " ".join(words[:-1] + ["differently."])
    variants = [base, variant]
    docs = [replace(d, text=d.text + "\n\n" + variants[i % 2]) for i, d in enumerate(docs)]
    n_words = len(words)
    near = Settings(boilerplate=BoilerplateSettings(near_max_words=n_words + 5))
    (repeat,) = corpus_repeats(docs, near)
    assert repeat.documents == 20 and repeat.near
    exact_only = Settings(boilerplate=BoilerplateSettings(near_max_words=n_words - 5))
    assert sorted(r.documents for r in corpus_repeats(docs, exact_only)) == [10, 10]


def test_near_max_words_from_a_config_value():
    from dedup.config import apply_settings

    assert apply_settings(Settings(), {"boilerplate.near_max_words": "none"}).boilerplate.near_max_words is None
    assert apply_settings(Settings(), {"boilerplate.near_max_words": "150"}).boilerplate.near_max_words == 150


def test_ascii_short_cuts_of_the_block_keys_match_their_definitions():
    from dedup.boilerplate.repeats import block_key, key_of_normalized
    from dedup.text.normalize import _WHITESPACE, fold_text, normalize_text

    def general(text: str) -> str:  # normalize_text without its ASCII short cut
        return _WHITESPACE.sub(" ", fold_text(text)).strip()

    rng = random.Random(11)
    alphabet = "aB1 \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f.,'\"-_\x00\x7f"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert normalize_text(text) == general(text)
        assert block_key(text) == " ".join(general(text).translate(str.maketrans("", "", "0123456789")).split())
    # The key of a block already normalised (what the passes hash), ASCII or not.
    wide = alphabet + "5 7\u00e9\u0663\u2019"
    for _ in range(500):
        text = "".join(rng.choice(wide) for _ in range(rng.randint(0, 30)))
        assert key_of_normalized(normalize_text(text)) == block_key(text).encode("utf-8")


@pytest.mark.parametrize("corpus_repeats", [True, False])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_whose_blocks_cannot_be_cut_is_one_fault_and_costs_the_others_nothing(jobs, corpus_repeats):
    from dedup.boilerplate.detect import boilerplate_report

    docs = synthetic_docs(40, seed=5, footer=FOOTER)
    # Blocks are cut where the documents are processed (in the workers):
    # a malformed block list fails there, once, whichever pass meets it first.
    bad = Document("bad", docs[0].text, blocks=(("not an offset", 3, 0.0),))
    settings = Settings(jobs=jobs, boilerplate=BoilerplateSettings(corpus_repeats=corpus_repeats))
    alone, alone_repeats = boilerplate_report(docs, settings, faults=[])
    faults: list = []
    found, repeats = boilerplate_report([*docs[:7], bad, *docs[7:]], settings, faults=faults)
    assert [(f.stage, f.documents) for f in faults] == [("boilerplate", ("bad",))]
    assert "ValueError" in faults[0].error
    assert found.pop("bad") == []
    assert found == alone
    assert [r.to_dict() for r in repeats] == [r.to_dict() for r in alone_repeats]
    with pytest.raises(ValueError):
        boilerplate_report([*docs[:7], bad], settings)  # without a list of faults, the error is the caller's


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_two_passes_give_each_document_its_own_boilerplate(jobs):
    """The first pass marks every document as if the corpus marked none of
    its blocks and the second redoes those it does mark: each document's
    spans are those of :func:`document_boilerplate` with its corpus marks."""
    from dedup.boilerplate.detect import boilerplate_report
    from dedup.boilerplate.repeats import repeat_index

    docs = synthetic_docs(60, seed=8)
    # A footer in every other document: marked there, absent elsewhere.
    docs = [replace(d, text=d.text + "\n\n" + FOOTER) if i % 2 else d for i, d in enumerate(docs)]
    settings = Settings(jobs=jobs, batch_size=7)
    found, _ = boilerplate_report(docs, settings)
    index = repeat_index(docs, None, settings.boilerplate)
    marks: dict[int, dict[int, str]] = {}
    for (d, b), g in index.members.items():
        marks.setdefault(d, {})[b] = index.groups[g].reason
    assert sorted(marks) == list(range(1, 60, 2))
    for k, doc in enumerate(docs):
        assert found[doc.id] == document_boilerplate(doc, settings.boilerplate, corpus_marks=marks.get(k)), doc.id
