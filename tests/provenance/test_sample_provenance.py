"""The sample corpus: 000 a rewrite of 001, the others their own reporting.

Without dates the direction is 001 -> 000 with its evidence, or
undetermined, never 000 as the source with confidence above 0.5; with the
same texts as JSONL and 001 dated earlier, 001 is the source. 002, 003 and
004 are at least 80% original and shown as sharing nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dedup.cli import main
from dedup.config import Settings
from dedup.scan import scan_corpus

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
A, B = "000_8aaba136161a1b97.txt", "001_1edf69fc7060fb53.txt"
OTHERS = ("002_85f222fb594773e3.txt", "003_10ec13a8d29864e3.txt", "004_bac3f4e92aee2676.txt")


def _scan(path: Path) -> dict:
    settings = Settings(jobs=1)
    return scan_corpus([path], settings).to_dict()


def test_sample_without_dates() -> None:
    result = _scan(CORPUS)
    [pair] = result["pairs"]
    assert (pair["a"], pair["b"], pair["relation"]) == (A, B, "rewrite")
    assert pair["found_by"] == "passages"
    assert not (pair["source"] == A and pair["direction_confidence"] > 0.5)
    if pair["source"] is not None:
        assert (pair["source"], pair["derived"]) == (B, A)
        assert pair["direction_evidence"]
        assert pair["extent"] == pair["extent_a"]
    rows = {d["id"]: d for d in result["documents"]}
    for doc_id in OTHERS:
        assert rows[doc_id]["composition_original_of_text"] >= 0.8
        assert rows[doc_id]["shared_with"] == []
    assert rows[A]["shared_with"][0]["id"] == B
    assert rows[A]["composition_shared_as_copy"] > 0.3 or rows[A]["composition_shared_undetermined"] > 0.3
    assert result["summary"]["documents_sharing_nothing"] == 3


def test_sample_with_001_dated_earlier(tmp_path: Path) -> None:
    dates = {A: "2026-02-02", B: "2026-02-01"}
    lines = []
    for path in sorted(CORPUS.glob("*.txt")):
        record = {"id": path.name, "text": path.read_text(encoding="utf-8"), "date": dates.get(path.name, "2026-02-03")}
        lines.append(json.dumps(record, ensure_ascii=False))
    corpus = tmp_path / "sample.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [pair] = _scan(corpus)["pairs"]
    assert (pair["relation"], pair["source"], pair["derived"]) == ("rewrite", B, A)
    assert pair["direction_confidence"] > 0.9
    assert "before" in pair["direction_evidence"][0]


def test_scan_view_shows_composition_and_documents_sharing_nothing() -> None:
    out = CliRunner().invoke(main, ["scan", str(CORPUS), "--no-progress", "--jobs", "1"], env={"NO_COLOR": "1", "COLUMNS": "200"}).output
    assert "Composition of each document" in out
    assert "shared, as source" in out and "shared, as copy" in out and "boilerplate" in out
    assert "Sharing nothing with any other document (3)" in out
    for doc_id in OTHERS:
        assert doc_id[:10] in out.split("Sharing nothing", 1)[1]


def test_scan_view_shows_corpus_strings_as_they_stand(tmp_path: Path) -> None:
    text = (CORPUS / A).read_text(encoding="utf-8")
    records = [
        {"id": "[bold]one[/bold]", "text": text, "date": "2026-02-01", "source": "[red]Outlet[/]"},
        {"id": "[i]two", "text": text.replace("Abu Dhabi", "Abu-Dhabi"), "date": "2026-02-02"},
    ]
    corpus = tmp_path / "marked.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["scan", str(corpus), "--no-progress", "--jobs", "1"], env={"NO_COLOR": "1", "COLUMNS": "200"}).output
    assert "[bold]one[/bold]" in out and "[i]two" in out and "[red]Outlet[/]" in out
    assert "[bold]one[/bold] → [i]two" in out  # the earlier document first, as the source


def test_an_exact_duplicate_is_wholly_derived_whichever_is_the_copy(tmp_path: Path) -> None:
    text = (CORPUS / A).read_text(encoding="utf-8")
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "two.txt").write_text(text, encoding="utf-8")
    [pair] = _scan(tmp_path)["pairs"]
    assert pair["relation"] == "exact_duplicate"
    assert pair["source"] is None
    assert pair["extent"] == pair["extent_a"] == pair["extent_b"] == "wholly"
