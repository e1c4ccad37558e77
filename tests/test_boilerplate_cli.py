"""``dedup boilerplate``, in-process."""

from __future__ import annotations

import json
import random

from click.testing import CliRunner
from conftest import CORPUS
from synthetic_corpus import paragraph

from dedup.cli import main


def test_boilerplate_json_lists_spans_with_kind_and_reason():
    result = CliRunner().invoke(main, ["boilerplate", str(CORPUS), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    docs = {d["id"][:3]: d for d in data["documents"]}
    kinds = {s["kind"] for s in docs["001"]["boilerplate"]}
    assert {"sharing", "recirculation", "repeat_in_document"} <= kinds
    assert all(s["reason"] for d in data["documents"] for s in d["boilerplate"])
    assert docs["002"]["boilerplate"] == [] and docs["002"]["boilerplate_share"] == 0.0
    assert 0.2 < docs["001"]["boilerplate_share"] < 0.6


def test_boilerplate_terminal_report_and_repeats(tmp_path):
    footer = "The Gazette has been published by Example Media in the river valley since its founding."
    for i in range(6):
        story = paragraph(random.Random(i), 4)
        (tmp_path / f"d{i}.txt").write_text(f"{story}\n{footer}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["boilerplate", str(tmp_path), "--no-classifier"])
    assert result.exit_code == 0, result.output
    assert "Blocks repeated across the corpus (1)" in result.output
    assert "repeat_in_corpus" in result.output


def test_boilerplate_without_documents_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["boilerplate", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no usable documents" in result.output and "no such file" in result.output


def test_boilerplate_has_help():
    result = CliRunner().invoke(main, ["boilerplate", "--help"])
    assert result.exit_code == 0 and "PATHS" in result.output
