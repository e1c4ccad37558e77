"""Document-level scan: exact and near duplicates, verification, clusters."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import doc_level, edit_words, synthetic_text

from dedup.config import BoilerplateSettings, Settings
from dedup.document import Document
from dedup.io.corpus import read_corpus
from dedup.scan import scan_documents
from dedup.text.normalize import normalize_text
from dedup.text.shingles import shingle_hashes
from dedup.text.similarity import jaccard


def exact_jaccard(a: str, b: str, n: int = 5) -> float:
    return jaccard(np.unique(shingle_hashes(normalize_text(a), n)), np.unique(shingle_hashes(normalize_text(b), n)))


def background(count: int, seed: int = 1000) -> list[Document]:
    return [Document(id=f"bg{i:03d}", text=synthetic_text(seed + i)) for i in range(count)]


def relations(result) -> dict[tuple[str, str], str]:
    return {(p.a, p.b): p.relation for p in result.pairs}


def test_exact_duplicates_despite_case_quotes_and_spacing() -> None:
    text = synthetic_text(1)
    variant = "  " + text.upper().replace(" ", "  ").replace("'", "\u2019") + "\n"
    docs = [Document("a", text), Document("b", variant), Document("c", text)] + background(5)
    result = scan_documents(docs, Settings())
    assert relations(result) == {("a", "b"): "exact_duplicate", ("a", "c"): "exact_duplicate"}
    assert [c.members for c in result.clusters] == [["a", "b", "c"]]


@pytest.mark.parametrize("rate", [0.05, 0.10, 0.20])
def test_word_edits_found_at_or_below_their_exact_jaccard(rate: float) -> None:
    original = synthetic_text(7)
    edited = edit_words(original, rate, seed=int(rate * 100))
    truth = exact_jaccard(original, edited)
    docs = [Document("orig", original), Document("edit", edited)] + background(20)
    found = scan_documents(docs, doc_level(threshold=round(truth - 0.02, 3)))
    pair = [p for p in found.pairs if {p.a, p.b} == {"orig", "edit"}]
    assert len(pair) == 1 and pair[0].relation == "near_duplicate"
    assert pair[0].jaccard == pytest.approx(truth, abs=1e-6)
    # Verification: just above the exact similarity, the pair is never reported.
    above = scan_documents(docs, doc_level(threshold=min(1.0, round(truth + 0.02, 3))))
    assert not [p for p in above.pairs if {p.a, p.b} == {"orig", "edit"}]


@pytest.mark.parametrize("rate", [0.05, 0.10, 0.20])
def test_word_edits_are_near_duplicates_at_passage_level(rate: float) -> None:
    # Whole-document 5-gram Jaccard falls fast with edits (0.18 at 20%); the
    # passage stage still sees one near-verbatim passage covering both.
    original = synthetic_text(7)
    edited = edit_words(original, rate, seed=int(rate * 100))
    docs = [Document("orig", original), Document("edit", edited)] + background(20)
    # Boilerplate off: the block classifier is trained on real prose, and
    # this generated text is not (it may call a paragraph of it boilerplate).
    result = scan_documents(docs, Settings(boilerplate=BoilerplateSettings(enabled=False)))
    assert relations(result) == {("orig", "edit"): "near_duplicate"}
    pair = result.pairs[0]
    assert pair.jaccard == pytest.approx(exact_jaccard(original, edited), abs=1e-6)
    assert min(pair.shared_share_a, pair.shared_share_b) > 0.8


def test_light_edits_found_at_default_threshold() -> None:
    original = synthetic_text(8)
    edited = edit_words(original, 0.02, seed=3)
    result = scan_documents([Document("x", original), Document("y", edited)] + background(20), Settings())
    assert relations(result) == {("x", "y"): "near_duplicate"}
    assert result.pairs[0].jaccard >= 0.8


def test_reordered_paragraphs_are_near_duplicates() -> None:
    original = synthetic_text(9, paragraphs=8)
    paragraphs = original.split("\n\n")
    reordered = "\n\n".join(paragraphs[4:] + paragraphs[:4])
    result = scan_documents([Document("p", original), Document("q", reordered)] + background(20), Settings())
    assert relations(result) == {("p", "q"): "near_duplicate"}


def test_unrelated_documents_are_not_paired() -> None:
    result = scan_documents(background(60), Settings())
    assert result.pairs == [] and result.clusters == []


def test_sample_corpus_002_003_004_are_not_paired(corpus_dir) -> None:
    docs, _ = read_corpus([corpus_dir])
    result = scan_documents(docs, Settings())
    for pair in result.pairs:
        assert not ({pair.a[:3], pair.b[:3]} & {"002", "003", "004"}), pair


def test_representative_is_earliest_then_longest_then_smallest_id() -> None:
    text = synthetic_text(11)
    longer = text + " extra"
    docs = [Document("z", text), Document("y", longer), Document("x", text)]
    assert scan_documents(docs, Settings(threshold=0.5)).clusters[0].representative == "y"
    dated = [Document("z", text, date="2026-01-01"), Document("y", longer, date="2026-02-01"), Document("x", text)]
    assert scan_documents(dated, Settings(threshold=0.5)).clusters[0].representative == "z"
    same = [Document("b", text), Document("a", text)]
    result = scan_documents(same, Settings())
    assert result.clusters[0].representative == "a"
    assert {d.id: d.duplicate_of for d in result.documents} == {"b": "a", "a": None}


def test_short_and_cjk_documents() -> None:
    cjk = "北京大学的学生在图书馆里学习中文和历史" * 3
    docs = [Document("c1", cjk), Document("c2", cjk + "。"), Document("s1", "one two"), Document("s2", "One, two!")]
    result = scan_documents(docs, Settings())
    # Punctuation is part of the normalised text, so these are near, not exact, duplicates.
    assert relations(result) == {("c1", "c2"): "near_duplicate", ("s1", "s2"): "near_duplicate"}
    assert [p.jaccard for p in result.pairs] == [1.0, 1.0]


def test_same_input_same_output() -> None:
    docs = background(30) + [Document("dup", synthetic_text(1000))]
    first = scan_documents(docs, Settings()).to_dict()
    second = scan_documents(docs, Settings()).to_dict()
    for run in (first, second):
        run.pop("timing")
    assert first == second


def test_stage_one_with_ids_in_a_column_and_texts_from_a_store_gives_the_same_table(tmp_path) -> None:
    from dedup.engine import LocalEngine
    from dedup.io.store import DocumentStore, IdColumn
    from dedup.near.table import DocumentTable
    from dedup.scan import _batches, fingerprint_stream

    base = background(9)
    docs = base + [Document(id="copy", text=base[2].text, source="wire"), Document(id="near", text=edit_words(base[5].text, 0.05, seed=3))]
    settings = Settings(batch_size=4)
    with LocalEngine(1) as engine, DocumentStore(tmp_path) as store:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        listed, fp_listed, _ = fingerprint_stream(iter(docs), settings, engine, str(tmp_path / "a"))
        kept, fp_kept, _ = fingerprint_stream(
            store.passing(iter(docs)), settings, engine, str(tmp_path / "b"), texts_at=store.texts, table=DocumentTable(ids=IdColumn())
        )
        assert isinstance(kept.ids, IdColumn)
        assert kept.ids == listed.ids and list(kept.chars) == list(listed.chars) and kept.metadata == listed.metadata == {9: {"source": "wire"}}
        assert np.array_equal(fp_kept.exact, fp_listed.exact) and np.array_equal(fp_kept.counts, fp_listed.counts)


    # Batches sent as where their texts are: a batch's texts are not held while it fills (but the first one's, for the character tables).
    import tracemalloc

    def large(count: int):
        for k in range(count):
            yield Document(id=f"d{k}", text=f"{k} " + "word " * 20_000)  # 100 KB each, let go once passed

    batches = _batches(large(60), DocumentTable(), 20, None, texts_at=lambda start, stop: (start, stop))
    sent = [next(batches)]
    tracemalloc.start()
    try:
        sent += list(batches)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sent == [(0, (0, 20)), (1, (20, 40)), (2, (40, 60))]
    assert peak < 500_000  # holding a batch's texts: 2 MB


def test_spilled_rows_and_clusters_equal_those_in_memory() -> None:
    from dedup.io.row_spill import SpilledRows
    from dedup.io.store import IdColumn
    from dedup.near.table import DocumentTable, cluster_members, document_results, spilled_document_results

    ids = ["a", "b", "c", "d", "e", "f"]
    table = DocumentTable(ids=ids, chars=__import__("array").array("q", [10, 12, 10, 9, 0, 11]), metadata={1: {"date": "2020-01-01"}})
    counts = np.array([5, 6, 5, 4, 0, 7])
    clusters = cluster_members(table, [(0, 1), (1, 2), (3, 5)])
    assert list(clusters) == [([0, 1, 2], 1), ([3, 5], 5)]
    rows, listed = document_results(table, counts, clusters)
    column = DocumentTable(ids=IdColumn(ids), chars=table.chars, metadata=table.metadata)
    spilled_rows, spilled = spilled_document_results(column, counts, clusters)
    assert isinstance(spilled, SpilledRows) and isinstance(spilled_rows, SpilledRows)
    assert [c.to_dict() for c in spilled] == [c.to_dict() for c in listed] == [
        {"members": ["a", "b", "c"], "representative": "b"}, {"members": ["d", "f"], "representative": "f"}
    ]
    assert [r.to_dict() for r in spilled_rows] == [r.to_dict() for r in rows]
