"""Labelled lint cases, one per file in tests/data/lint: documents to index,
new documents, settings, and the findings expected (rule, both documents,
likely source). Texts are built from the sample corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from dedup.config import Settings, apply_settings
from dedup.lint.build import build_index
from dedup.lint.run import lint_paths

CASES = sorted((ROOT / "tests" / "data" / "lint").glob("*.json"))


def text_of(spec: dict) -> str:
    """A text from parts of sample documents: a line range, words replaced."""
    pieces = []
    for part in spec["parts"]:
        text = (CORPUS / part["from"]).read_text(encoding="utf-8")
        if "lines" in part:
            text = "\n".join(text.split("\n")[slice(*part["lines"])])
        for old, new, count in part.get("replace", []):
            text = text.replace(old, new, count)
        pieces.append(text)
    return "\n".join(pieces)


def write(folder: Path, files: dict) -> None:
    for name, spec in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "records" in spec:
            lines = [json.dumps({"id": rid, "text": text_of(r)}) for rid, r in spec["records"].items()]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            path.write_text(text_of(spec), encoding="utf-8")


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_lint_case(case_file: Path, tmp_path: Path, monkeypatch) -> None:
    case = json.loads(case_file.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    settings = apply_settings(Settings(jobs=1), case.get("settings", {}))
    write(tmp_path, case["indexed"])
    write(tmp_path, case["new"])
    index = None
    if case["indexed"]:
        index = "corpus.dedup"
        build_index(list(case["indexed"]), index, settings)
    report = lint_paths(sorted(case["new"]), settings, index=index)
    found = [
        {"rule": f.rule, "document": f.location.name, "other": f.other.name if f.other else None, "source": f.source}
        for f in report.findings
    ]
    assert found == case["expected"], case["description"]
    assert not report.problems
