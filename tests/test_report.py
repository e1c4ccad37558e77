"""JSON output: the fast indented writer must match ``json.dumps(..., indent=2)`` byte for byte."""

from __future__ import annotations

import json
import random
from collections import OrderedDict

import pytest

from dedup.config import Settings
from dedup.io.corpus import read_corpus
from dedup.report.formats import dumps_indented, json_pieces, to_json
from dedup.scan import scan_documents


def reference(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# Strings that look like the separators the writer relies on.
TRICKY = ['a",\n"b', "},\n{", '{"', '"}', "say \"hi\"}", "ünï ☃ 中文", "\t\\", "", " , ", "\u2028"]

CASES = {
    "scalars": [0, -3, 1.5, 1e300, float("nan"), float("inf"), True, False, None, "x", ""],
    "empty": [[], {}, [[]], [{}], {"a": []}, {"a": {}}],
    "records": [[{"id": s, "n": k, "f": k / 7, "none": None, "e": [], "d": {}} for k, s in enumerate(TRICKY)]],
    "one_record": [[{"a": 1}], [{"a": "},\n{"}]],
    "mixed_list": [[1, "two", None, [3, 4], {"five": 5}], [{"a": 1}, 2], [{"a": 1}, {}], [{"a": [1]}]],
    "nested": [{"x": {"y": {"z": [1, {"w": TRICKY}]}}, "records": [{"k": "v"}, {"k": "w", "l": [{"m": 1}]}]}],
    "unusual": [{"t": (1, 2)}, {1: "int key", "s": 2}, [{1: "a"}], {"od": OrderedDict(a=1)}, [(1, {"a": 2})], {"b": True, "n": None}],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dumps_indented_matches_json_dumps(name: str) -> None:
    for value in CASES[name]:
        assert dumps_indented(value) == reference(value)


def random_value(rng: random.Random, depth: int):
    kinds = ["str", "int", "float", "none", "bool"] + (["list", "dict", "records"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(rng.choice('ab"{},\n\\é ') for _ in range(rng.randrange(5)))
    if kind == "int":
        return rng.randrange(-1000, 1000)
    if kind == "float":
        return rng.random() * 10 ** rng.randrange(-5, 5)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "dict":
        return {random_value(rng, 4) if rng.random() < 0.9 else str(rng.random()): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    keys = ["a", "b", 'c"', "d\n"]
    return [{k: random_value(rng, 4) for k in rng.sample(keys, rng.randrange(1, 4))} for _ in range(rng.randrange(1, 4))]


def test_dumps_indented_matches_json_dumps_on_random_values() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        value = random_value(rng, 0)
        if isinstance(value, dict):
            value = {str(k): v for k, v in value.items()}
        assert dumps_indented(value) == reference(value)


def test_scan_json_matches_json_dumps(corpus_dir) -> None:
    """A full result, with passages and boilerplate (nested lists of records)."""
    docs, problems = read_corpus([corpus_dir])
    result = scan_documents(docs, Settings(jobs=1), problems)
    assert any(p.passages for p in result.pairs)
    assert to_json(result) == reference(result.to_dict())


def test_json_pieces_join_to_the_whole_report_for_any_chunk_size(corpus_dir) -> None:
    """The streamed JSON is the one-string JSON, however the rows are cut."""
    docs, problems = read_corpus([corpus_dir])
    result = scan_documents(docs, Settings(jobs=1), problems)
    whole = reference(result.to_dict())
    for rows in (1, 2, 3, len(result.documents) - 1, 10_000):
        assert "".join(json_pieces(result, rows_per_piece=rows)) == whole


def test_report_written_in_bytes_is_the_json_text(corpus_dir, tmp_path) -> None:
    """The command line's pieces (rows as UTF-8 bytes, the rest as strings)
    write the same file as the one-string JSON, and JSONL its lines."""
    from dedup.io.writers import write_pieces
    from dedup.report.formats import report_pieces, to_jsonl

    docs, problems = read_corpus([corpus_dir])
    result = scan_documents(docs, Settings(jobs=1), problems)
    assert any(isinstance(piece, bytes) for piece in report_pieces(result, "json"))
    for fmt, text in (("json", reference(result.to_dict()) + "\n"), ("jsonl", to_jsonl(result))):
        target = tmp_path / f"out.{fmt}"
        write_pieces(report_pieces(result, fmt), target)
        assert target.read_bytes() == text.encode("utf-8")
    assert to_jsonl(result) == "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in result.pairs) + "".join(
        json.dumps(row, ensure_ascii=False) + "\n" for row in map(_group_row, result.shared_passages)
    )


def _group_row(group) -> dict:
    from dedup.report.formats import group_record

    return group_record(group)


def test_row_dicts_hold_every_field_in_order(corpus_dir) -> None:
    """A row's dict: its fields in the order the class declares them, then
    its metadata, then its extra fields (as ``dataclasses.asdict`` would
    name them, shallow)."""
    from dataclasses import fields

    docs, problems = read_corpus([corpus_dir])
    result = scan_documents(docs, Settings(jobs=1), problems)
    from dedup.results import ClusterResult, GroupResult

    made = [ClusterResult(["a", "b"], "a"), GroupResult("g1", [{"id": "a", "spans": [[0, 5]], "chars": 5}], 5, 3, "a", "earliest date", "text")]
    rows = [*result.documents, *result.pairs, *result.clusters, *result.shared_passages, *made]
    assert {type(row).__name__ for row in rows} >= {"DocumentResult", "PairResult"}
    assert any(row.extra for row in result.documents) and any(row.passages for row in result.pairs)
    for row in rows:
        expected = {f.name: getattr(row, f.name) for f in fields(row) if f.name not in ("metadata", "extra")}
        expected.update(getattr(row, "metadata", None) or {})
        expected.update(getattr(row, "extra", None) or {})
        assert list(row.to_dict().items()) == list(expected.items())


def test_string_reports_of_rows_holding_a_lone_surrogate_are_the_standard_librarys() -> None:
    """A result made through the library may hold a string no UTF-8 encodes:
    the string reports are still ``json.dumps``'s text (only writing them fails)."""
    from dedup.report.formats import group_record, to_jsonl
    from dedup.results import DocumentResult, GroupResult, PairResult, ScanResult

    odd = "doc\udc80"
    documents = [DocumentResult(odd, 10, 1), DocumentResult("b", 12, 1)]
    pairs = [PairResult(a=odd, b="b", relation="partial_copy", jaccard=0.5, containment_a=0.6, containment_b=0.4)]
    groups = [GroupResult("g1", [{"id": odd, "spans": [[0, 5]], "chars": 5}], 5, 3, None, "undetermined", "text \ud800")]
    result = ScanResult(documents, pairs, [], [], {}, {}, shared_passages=groups)
    assert to_json(result) == reference(result.to_dict())
    assert "".join(json_pieces(result, rows_per_piece=1)) == reference(result.to_dict())
    records = [p.to_dict() for p in pairs] + [group_record(g) for g in groups]
    assert to_jsonl(result) == "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in records)
