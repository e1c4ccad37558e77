"""The boilerplate stage's first pass made where the documents are read (by
the workers that read the inputs, a shard at a time) is the stage's own:
the same fingerprints, and the same spans for every document it marks,
whichever documents share a run, a shard or a skipped id."""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from dedup import scan
from dedup.boilerplate import passes
from dedup.boilerplate.passes import (
    batch_boilerplate,
    boilerplate_passes,
    first_pass_batch,
    joined_first_pass,
    kept_first_pass,
    read_first_pass,
)
from dedup.boilerplate.repeats import joined_fingerprints, near_word_range
from dedup.config import BoilerplateSettings, Settings
from dedup.document import Document
from dedup.engine import LocalEngine
from dedup.io.store import DocumentStore
from dedup.scan import scan_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_repeat_shuffle import repeating_corpus  # noqa: E402

SETTINGS = BoilerplateSettings()
COLUMNS = ("doc_idx", "block_idx", "starts", "ends", "hashes", "long_rows", "signatures")


def corpus() -> list:
    """Templated documents, a third of them sharing a block with another of any run, and some plain ones."""
    docs = repeating_corpus(90)
    return [replace(doc, text=doc.text.split("\n\n")[0]) if k % 4 == 3 else doc for k, doc in enumerate(docs)]


def assert_same_fingerprints(a, b) -> None:
    for name in COLUMNS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.unsplit == b.unsplit == []


def alone_spans(docs, settings: BoilerplateSettings) -> list:
    """Each document's spans as the second pass finds them when the corpus marks none of its blocks."""
    return [batch_boilerplate(([doc], [None], [False]), settings)[0][doc.id] for doc in docs]


def cuts(n: int, rng: random.Random) -> list[tuple[int, int]]:
    edges = sorted({0, n, *rng.sample(range(1, n), 6)})
    return list(zip(edges, edges[1:]))


@pytest.mark.parametrize("settings", [SETTINGS, replace(SETTINGS, classifier=False, near_repeats=False)], ids=["default", "rules-exact"])
def test_the_first_pass_in_pieces_is_the_stage_first_pass(settings):
    docs = corpus()
    near_words, near_max_words = near_word_range(settings)
    own = [first_pass_batch((first, docs[first : first + 7], None, frozenset()), settings, near_words, near_max_words) for first in range(0, len(docs), 7)]
    expected = alone_spans(docs, settings)
    rng = random.Random(5)
    for batch_documents in (1, 5, 1000):
        pieces = [kept_first_pass(read_first_pass(docs[a:b], settings, batch_documents), None, a) for a, b in cuts(len(docs), rng)]
        read = joined_first_pass(pieces, settings)
        assert_same_fingerprints(read.fingerprints, joined_fingerprints([fp for fp, _ in own]))
        assert read.marked.tolist() == sorted(set(read.marked.tolist()))
        assert [expected[k] for k in read.marked.tolist()] == read.spans
        # Runs of one document leave none to the second pass; larger ones leave those sharing a block.
        assert (len(read.marked) == len(docs)) == (batch_documents == 1)
    assert any(expected)


def test_the_first_pass_of_the_rows_kept_is_theirs_renumbered():
    docs = corpus()
    keep = np.array([k % 5 != 2 for k in range(len(docs))])
    kept_docs = [doc for doc, k in zip(docs, keep) if k]
    read = kept_first_pass(read_first_pass(docs, SETTINGS, 11), keep, 3)
    alone = read_first_pass(kept_docs, SETTINGS, 11)
    fp = alone.fingerprints
    fp.doc_idx = fp.doc_idx + 3
    assert_same_fingerprints(read.fingerprints, fp)
    expected = alone_spans(kept_docs, SETTINGS)
    assert [expected[k - 3] for k in read.marked.tolist()] == read.spans
    assert len(read.marked) > 0


def test_a_document_whose_blocks_cannot_be_cut_leaves_the_pass_to_the_stage(monkeypatch):
    docs = corpus()
    real = passes.cut_blocks

    def failing(batch, faults=None):
        if any(doc.id == docs[4].id for doc in batch):
            batch = [replace(doc, blocks=((0, 10**9, 0.0, 0),)) if doc.id == docs[4].id else doc for doc in batch]
        return real(batch, faults)

    monkeypatch.setattr(passes, "cut_blocks", failing)
    assert read_first_pass(docs, SETTINGS, 20) is None
    assert read_first_pass(docs[5:], SETTINGS, 20) is not None


def test_the_stage_takes_a_store_read_pass_with_the_same_result(tmp_path):
    docs = corpus()
    with LocalEngine(1) as engine, DocumentStore(tmp_path) as store:
        for doc in docs:
            store.append(doc)
        expected = boilerplate_passes(store, SETTINGS, engine, 13)
        store.read_passes["boilerplate"] = read_first_pass(list(store), SETTINGS, 13)
        own = passes._first_pass
        passes._first_pass = None  # not called: the store's is taken
        try:
            assert boilerplate_passes(store, SETTINGS, engine, 13) == expected
        finally:
            passes._first_pass = own
        assert "boilerplate" not in store.read_passes
        # Another stage's settings are not these: the stage makes its own.
        store.read_passes["boilerplate"] = replace(read_first_pass(list(store), SETTINGS, 13), settings=replace(SETTINGS, near_repeats=False))
        assert boilerplate_passes(store, SETTINGS, engine, 13) == expected
    assert any(expected[0].values()) and expected[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_scan_whose_workers_read_makes_the_first_pass_there(tmp_path, monkeypatch, workers):
    docs = corpus()
    rows = [{"id": doc.id, "text": doc.text, "source": doc.source} for doc in docs]
    rows[10]["id"] = rows[9]["id"]  # skipped by the id rules
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:50]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[50:]), encoding="utf-8")
    settings = Settings(boilerplate=replace(SETTINGS, corpus_min_docs=3))

    def result() -> dict:
        out = scan_corpus([str(tmp_path)], settings, engine=LocalEngine(workers)).to_dict()
        out.pop("timing")
        return out

    with monkeypatch.context() as patched:
        patched.setattr(scan, "plan", lambda *args: None)
        main_reads = result()
    made: list = []
    monkeypatch.setattr(passes, "_first_pass", partial(lambda real, *args: made.append(1) or real(*args), passes._first_pass))
    monkeypatch.setattr("dedup.near.sharded.MIN_SHARD_BYTES", 256)
    assert result() == main_reads
    assert not made
    assert any(d.get("boilerplate_chars") for d in main_reads["documents"]) or main_reads["stats"]["documents_with_boilerplate"]


def test_the_documents_alone_are_those_sharing_no_key_with_another():
    line = "A line no other document holds, twice here."
    docs = corpus() + [Document("twice", f"{line}\n{line}\nAnd one more.")]
    places = list(range(100, 100 + len(docs)))
    blocks, lines = passes.cut_blocks(docs)
    figures = passes.batch_figures(docs, blocks, SETTINGS.sentence_min_words, lines)
    fp = passes.batch_fingerprints(places, blocks, figures.bare, figures.bare_words, [], None, None)
    holders: dict[int, set[int]] = {}
    for key, doc in zip(fp.hashes.tolist(), fp.doc_idx.tolist()):
        holders.setdefault(key, set()).add(doc)
    shared = {doc for held in holders.values() if len(held) > 1 for doc in held}
    alone = passes._alone(fp, places)
    assert alone == [k for k, place in enumerate(places) if place not in shared]
    # (Some documents repeat a block of their own: alone all the same.)
    assert 0 < len(alone) < len(docs) and any(len(set(figures.keys[k])) < len(figures.keys[k]) for k in alone)
