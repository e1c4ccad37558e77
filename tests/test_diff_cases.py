"""Labelled word-level diff cases, one per file in tests/data/diff, through the real CLI.

Each file holds document a, a line ``=====``, then document b. Header lines
starting with ``# `` say what ``dedup diff`` must show: ``kinds:`` segment
kinds that must be in the JSON, ``absent:`` kinds that must not be,
``change: A -> B | flag`` a change segment with a's and b's words (and a
flag: ``number`` or ``name``), ``moved: N`` the number of moved passages,
``relation:`` the pair's relation, and ``plain:`` text that must appear in the plain (uncoloured) output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_pair_case
from click.testing import CliRunner

from dedup.cli import main

CASES = sorted((Path(__file__).parent / "data" / "diff").glob("*.txt"))


def _items(header: dict[str, list[str]], key: str) -> set[str]:
    return {item.strip() for line in header.get(key, []) for item in line.split(",") if item.strip()}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path) -> None:
    header, a, b = read_pair_case(path)
    (tmp_path / "a.txt").write_text(a, encoding="utf-8")
    (tmp_path / "b.txt").write_text(b, encoding="utf-8")
    files = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    runner = CliRunner()
    result = runner.invoke(main, ["diff", *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kinds = {s["kind"] for s in data["segments"]}
    assert _items(header, "kinds") <= kinds, f"kinds found: {sorted(kinds)}"
    assert not _items(header, "absent") & kinds, f"kinds found: {sorted(kinds)}"
    changes = [s for s in data["segments"] if s["kind"] == "changed"]
    for line in header.get("change", []):
        words, _, flag = line.partition(" | ")
        old, _, new = words.partition(" -> ")
        found = [s for s in changes if s["a_text"] == old and s["b_text"] == new]
        assert found, f"no change {old!r} -> {new!r} in {[(s['a_text'], s['b_text']) for s in changes]}"
        if flag:
            assert flag in found[0]["flags"]
    if "changed" not in kinds:
        # nothing differs: every passage is verbatim and holds no change
        assert all(p["kind"] == "verbatim" and p["changed_words"] == 0 for p in data["passages"])
    if "relation" in header:
        assert data["relation"] == header["relation"][0]
    if "moved" in header:
        assert sum(p["moved"] for p in data["passages"]) == int(header["moved"][0])
    plain = runner.invoke(main, ["diff", *files, "--color", "never", "--no-pager"], env={"COLUMNS": "400"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output
    for wanted in header.get("plain", []):
        assert wanted in plain.output, f"{wanted!r} not in the plain view"


def test_cases_exist() -> None:
    assert {p.stem for p in CASES} >= {"altered_quotation", "changed_number", "changed_name", "reordered_sentence", "quote_styles"}
