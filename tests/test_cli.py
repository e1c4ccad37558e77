"""The command line, in-process and as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, synthetic_text

from dedup.cli import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_scan_corpus_text_report(corpus_dir: Path) -> None:
    result = run("scan", str(corpus_dir))
    assert result.exit_code == 0
    assert "5 documents" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no ANSI codes


def test_scan_json_has_the_documented_fields(tmp_path: Path) -> None:
    text = synthetic_text(5)
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.upper(), encoding="utf-8")
    (tmp_path / "c.txt").write_text(synthetic_text(6), encoding="utf-8")
    result = run("scan", str(tmp_path), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["id"] for d in data["documents"]] == ["a.txt", "b.txt", "c.txt"]
    pair = {k: data["pairs"][0][k] for k in ("a", "b", "relation", "jaccard", "containment_a", "containment_b")}
    assert len(data["pairs"]) == 1
    assert pair == {"a": "a.txt", "b": "b.txt", "relation": "exact_duplicate", "jaccard": 1.0, "containment_a": 1.0, "containment_b": 1.0}
    assert data["clusters"] == [{"members": ["a.txt", "b.txt"], "representative": "a.txt"}]
    assert data["settings"]["threshold"] == 0.8 and data["summary"]["documents"] == 3


def test_scan_jsonl_and_csv_rows(tmp_path: Path) -> None:
    text = synthetic_text(5)
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    rows = run("scan", str(tmp_path), "--format", "jsonl").stdout.splitlines()
    assert [json.loads(r)["relation"] for r in rows] == ["exact_duplicate"]
    csv_lines = run("scan", str(tmp_path), "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("a,b,relation,jaccard") and csv_lines[1].startswith("a.txt,b.txt,exact_duplicate,1.0")
    row = next(csv.DictReader(io.StringIO(run("scan", str(tmp_path), "--format", "csv").stdout)))
    assert (row["found_by"], row["extent_a"], row["extent_b"]) == ("exact", "wholly", "wholly")


def test_flags_change_settings(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(synthetic_text(1), encoding="utf-8")
    result = run("scan", str(tmp_path), "--format", "json", "--threshold", "0.5", "--ngram", "3", "--num-perm", "64", "--seed", "7")
    settings = json.loads(result.stdout)["settings"]
    assert (settings["threshold"], settings["ngram"], settings["num_perm"], settings["seed"]) == (0.5, 3, 64, 7)


def test_stdin_and_bad_lines_exit_zero_with_messages() -> None:
    lines = '{"id": "a", "text": "alpha beta gamma"}\n{broken\n{"id": "b", "text": "alpha beta gamma"}\n'
    result = run("scan", "-", "--format", "json", input=lines)
    assert result.exit_code == 0
    assert "<stdin>:2: malformed JSON" in result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["skipped_inputs"] == 1 and data["problems"][0]["origin"] == "<stdin>:2"
    assert data["pairs"][0]["relation"] == "exact_duplicate"


def test_nothing_usable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = run("scan", str(tmp_path), str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "no usable documents" in result.stderr


@pytest.mark.parametrize("args", [["scan"], ["scan", ".", "--threshold", "2"], ["scan", ".", "--format", "xml"], ["nope"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_bad_config_file_exits_2(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nthreshhold = 0.5\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("scan", "a.txt")
    assert result.exit_code == 2 and "unknown setting 'threshhold'" in result.stderr


def test_every_command_has_help_and_a_readme_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help and len(command.help) > 20, name
        assert run(name, "--help").exit_code == 0
        assert f"## `dedup {name}`" in readme, f"README has no section for dedup {name}"


def test_real_subprocess_is_deterministic(corpus_dir: Path) -> None:
    command = [sys.executable, "-m", "dedup", "scan", str(corpus_dir), "--format", "json", "--no-progress"]
    outputs = [subprocess.run(command, capture_output=True, text=True, check=True).stdout for _ in range(2)]
    first, second = (json.loads(o) for o in outputs)
    for data in (first, second):
        data.pop("timing")
    assert first == second
    assert isinstance(main, click.Group)
