"""The clean plan on hand-made scan results: keep rules, the provenance hook, cuts."""

from __future__ import annotations

import pytest

from dedup.clean.plan import CleanSettings, cut_spans, plan_clean
from dedup.document import Document
from dedup.results import ClusterResult, DocumentResult, PairResult, ScanResult


def result(docs, pairs, clusters=()) -> ScanResult:
    rows = [DocumentResult(d.id, len(d.text), 1) for d in docs]
    return ScanResult(rows, list(pairs), list(clusters), [], {}, {})


DOCS = [
    Document("a", "x" * 300, date="2024-03-01"),
    Document("b", "y" * 500, date="2024-01-01"),
    Document("c", "z" * 400),
]
CLUSTER = ClusterResult(members=["a", "b", "c"], representative="b")
PAIRS = [PairResult("a", "b", "near_duplicate", 0.9, 0.9, 0.9), PairResult("a", "c", "near_duplicate", 0.85, 0.9, 0.9)]


@pytest.mark.parametrize("keep, kept", [("earliest", "b"), ("longest", "b"), ("source", "b")])
def test_keep_rules(keep: str, kept: str) -> None:
    plan = plan_clean(DOCS, result(DOCS, PAIRS, [CLUSTER]), CleanSettings(keep=keep))
    assert [d.id for d in plan.values() if d.action == "kept"] == [kept]
    assert all(d.kept_id == kept and d.reason == "near_duplicate" for d in plan.values() if d.action == "removed")
    assert plan["c"].related == ["b", "a"]  # joined to the keeper through a


def test_source_follows_the_pairs_provenance() -> None:
    pairs = [PairResult("a", "b", "near_duplicate", 0.9, 0.9, 0.9, source="a", derived="b")]
    cluster = ClusterResult(members=["a", "b"], representative="b")
    plan = plan_clean(DOCS[:2], result(DOCS[:2], pairs, [cluster]), CleanSettings(keep="source"))
    assert plan["a"].action == "kept" and plan["b"].kept_id == "a"
    plan = plan_clean(DOCS[:2], result(DOCS[:2], pairs, [cluster]), CleanSettings(keep="earliest"))
    assert plan["b"].action == "kept" and plan["a"].kept_id == "b"


def test_shared_passages_cut_from_the_copy_and_short_leftovers_removed() -> None:
    text = "alpha " * 100 + "shared " * 100
    docs = [Document("src", text, date="2024-01-01"), Document("copy", "own " * 30 + "shared " * 100, date="2024-02-01")]
    passage = {"a_start": 600, "a_end": 1300, "b_start": 120, "b_end": 820, "kind": "verbatim", "score": 1.0, "quoted": False}
    pairs = [PairResult("src", "copy", "partial_copy", 0.3, 0.5, 0.8, passages=[passage], shared_share_a=0.5, shared_share_b=0.85)]
    plan = plan_clean(docs, result(docs, pairs), CleanSettings(drop_shared_passages=True, min_chars=50))
    assert plan["src"].text is None and plan["copy"].text == "own " * 30
    assert plan["copy"].figures["shared_passage_chars"] == 700
    plan = plan_clean(docs, result(docs, pairs), CleanSettings(drop_shared_passages=True, min_chars=200))
    assert plan["copy"].action == "removed" and plan["copy"].reason == "too_little_text" and plan["copy"].kept_id == "src"
    plan = plan_clean(docs, result(docs, pairs), CleanSettings(drop_derived=0.8))
    assert plan["copy"].reason == "derived" and plan["copy"].figures["shared_share"] == 0.85


def test_cut_spans() -> None:
    assert cut_spans("keep\nDROP\nkeep too", [(5, 10)]) == "keep\nkeep too"
    assert cut_spans("abcdef", []) == "abcdef"
    assert cut_spans("ab cd ef", [(0, 3), (2, 6)]) == "ef"
    with pytest.raises(ValueError):
        CleanSettings(keep="newest")


def test_earliest_reads_dates_as_the_scan_does() -> None:
    # day.month.year: compared as text, 02.02.2024 would come before 15.01.2024
    docs = [Document("late", "x" * 300, date="02.02.2024"), Document("early", "y" * 300, date="15.01.2024")]
    cluster = ClusterResult(members=["late", "early"], representative="late")
    pairs = [PairResult("late", "early", "near_duplicate", 0.9, 0.9, 0.9)]
    plan = plan_clean(docs, result(docs, pairs, [cluster]), CleanSettings(keep="earliest"))
    assert plan["early"].action == "kept" and plan["late"].kept_id == "early"
