"""The prefilter that spares clean documents the full boilerplate pass: a
document it clears gets no span from that pass, on every labelled page and
text, on each of their blocks alone and on clean synthetic documents."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic_corpus import synthetic_docs

from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import document_boilerplate, score_blocks
from dedup.boilerplate.prefilter import nothing_to_mark
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.config import BoilerplateSettings
from dedup.document import Document
from dedup.io.html import document_from_html
from dedup.text.normalize import normalize_text

DATA = Path(__file__).parents[1] / "data"
ROOT = Path(__file__).parents[2]


def _labelled() -> list[Document]:
    docs = []
    for folder in ("boilerplate_general", "boilerplate_guard"):
        for path in sorted((DATA / folder).glob("*.json")):
            case = json.loads(path.read_text(encoding="utf-8"))
            if case.get("format") == "html":
                docs.append(document_from_html(case["input"], path.stem))
            elif "input" in case:
                docs.append(Document(id=path.stem, text=case["input"]))
    cases = json.loads((DATA / "boilerplate_cases.json").read_text(encoding="utf-8"))
    docs += [Document(id=case["name"], text=case["text"]) for case in cases]
    docs += [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]
    return docs


def _with_single_blocks(docs: list[Document]) -> list[Document]:
    """The documents, and each block of each as a plain text of its own
    (a named line, a date line, a header, alone)."""
    out = list(docs)
    for doc in docs:
        for k, block in enumerate(document_blocks(doc)):
            out.append(Document(id=f"{doc.id}#{k}", text=block.text(doc.text)))
    return out


def _cleared(docs: list[Document], settings: BoilerplateSettings) -> list[bool]:
    blocks = [document_blocks(doc) for doc in docs]
    keys = [[normalize_text(b.text(doc.text)) for b in doc_blocks] for doc, doc_blocks in zip(docs, blocks)]
    scored = score_blocks(docs, blocks, keys=keys) if settings.classifier else [None] * len(docs)
    repeats = may_repeat_sentences(docs, keys, settings.sentence_min_words)
    out = []
    for i, doc in enumerate(docs):
        words = [len(b.text(doc.text).split()) for b in blocks[i]]
        probability = None if scored[i] is None else scored[i][1]
        out.append(nothing_to_mark(doc, blocks[i], keys[i], words, settings, probability, None, repeats[i]))
    return out


@pytest.mark.parametrize("settings", [BoilerplateSettings(), BoilerplateSettings(classifier=False)], ids=["classifier", "rules"])
def test_a_cleared_document_has_no_boilerplate(settings):
    docs = _with_single_blocks(_labelled())
    cleared = _cleared(docs, settings)
    found = [bool(document_boilerplate(doc, settings)) for doc in docs]
    assert not [doc.id for doc, clear, marked in zip(docs, cleared, found) if clear and marked]
    assert sum(found) >= 100  # the cases exercise the rules
    # Documents and single blocks of plain prose are cleared: the prefilter does spare work.
    assert sum(cleared) >= 20


def test_clean_documents_are_cleared_and_marks_or_repeats_are_not():
    docs = synthetic_docs(30, seed=11)
    settings = BoilerplateSettings()
    assert all(_cleared(docs, settings))
    assert all(document_boilerplate(doc, settings) == [] for doc in docs)
    doc = docs[0]
    blocks = document_blocks(doc)
    keys = [normalize_text(b.text(doc.text)) for b in blocks]
    words = [len(b.text(doc.text).split()) for b in blocks]
    assert not nothing_to_mark(doc, blocks, keys, words, replace(settings, classifier=False), None, {0: "a corpus repeat"}, False)
    assert not nothing_to_mark(doc, blocks, keys, words, replace(settings, classifier=False), None, None, True)
    assert not nothing_to_mark(doc, blocks, keys, words, settings, None, None, False)  # the classifier's scores unknown
    twice = Document("twice", doc.text + "\n\n" + doc.text.split("\n\n")[0])
    assert not _cleared([twice], settings)[0]
