"""Lint output formats: SARIF 2.1.0 against the official schema, GitHub workflow
commands with their escaping, GitLab code quality, the linter line, exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import CORPUS, synthetic_text

from dedup.cli import main
from dedup.config import Settings
from dedup.lint.baseline import Entry
from dedup.lint.build import build_index
from dedup.lint.findings import Finding, Location
from dedup.lint.run import LintReport, lint_paths
from dedup.report.lint_formats import escape_data, escape_property, to_github, to_gitlab, to_sarif, to_text

HERE = Path(__file__).resolve().parent
SARIF_SCHEMA = json.loads((HERE.parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# GitLab's code quality report: the fields its documentation requires of each issue.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}
# ::error file=F,line=L,col=C,endLine=E,endColumn=K,title=T::MESSAGE, property values and
# the message escaped (no raw CR/LF anywhere, no raw ',' or ':' in a property value).
WORKFLOW_COMMAND = re.compile(r"^::error (?P<props>(?:[a-zA-Z]+=[^,:\r\n]*)(?:,[a-zA-Z]+=[^,:\r\n]*)*)::(?P<message>[^\r\n]*)$")


def unescape(text: str) -> str:
    return text.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> LintReport:
    """A real lint run with a finding of every pair kind and one against each other."""
    folder = tmp_path_factory.mktemp("corpus")
    for name in ("001_1edf69fc7060fb53.txt", "002_85f222fb594773e3.txt"):
        shutil.copy(CORPUS / name, folder / name)
    settings = Settings(jobs=1)
    build_index([str(folder)], folder / "corpus.dedup", settings)
    new = folder / "new"
    new.mkdir()
    shutil.copy(CORPUS / "000_8aaba136161a1b97.txt", new / "rewrite, draft: 100%.txt")
    shutil.copy(CORPUS / "002_85f222fb594773e3.txt", new / "copy.txt")
    (new / "a.txt").write_text(synthetic_text(3), encoding="utf-8")
    (new / "b.txt").write_text(synthetic_text(3), encoding="utf-8")
    return lint_paths([str(new)], settings, index=folder / "corpus.dedup")


def test_the_run_finds_each_kind(report: LintReport) -> None:
    assert sorted(f.rule for f in report.findings) == ["DUP001", "DUP001", "DUP004"]
    exact_each_other = [f for f in report.findings if f.other and not f.other.indexed]
    assert len(exact_each_other) == 1 and exact_each_other[0].location.name.endswith("b.txt")


def test_sarif_validates_against_the_sarif_2_1_0_schema(report: LintReport) -> None:
    log = json.loads(to_sarif(report))
    jsonschema.validate(log, SARIF_SCHEMA)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["DUP001", "DUP002", "DUP003", "DUP004", "BOIL001"]
    for result, finding in zip(run["results"], report.findings):
        assert result["ruleId"] == finding.rule
        assert len(result["locations"]) == 1 and result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert result["partialFingerprints"]["dedupContent/v1"] == finding.fingerprint


def test_sarif_of_a_clean_run_validates() -> None:
    jsonschema.validate(json.loads(to_sarif(LintReport())), SARIF_SCHEMA)


def test_the_schema_check_is_real(report: LintReport) -> None:
    log = json.loads(to_sarif(report))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SARIF_SCHEMA)


def test_github_annotations_match_the_workflow_command_syntax(report: LintReport) -> None:
    lines = to_github(report).splitlines()
    assert len(lines) == len(report.findings)
    for line, finding in zip(lines, report.findings):
        match = WORKFLOW_COMMAND.match(line)
        assert match, line
        props = dict(item.split("=", 1) for item in match.group("props").split(","))
        assert list(props) == ["file", "line", "col", "endLine", "endColumn", "title"]
        assert unescape(props["file"]) == finding.location.path
        assert int(props["line"]) == finding.location.line and int(props["col"]) == finding.location.column
        assert unescape(match.group("message")) == finding.message
    assert any("%2C" in line and "%3A" in line and "%25" in line for line in lines)  # the file named "rewrite, draft: 100%.txt"


def test_github_escaping_rules() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    finding = Finding("BOIL001", "boilerplate", Location("x\ny.txt", "x\ny.txt", 2, 3, 2, 9), None, None, {}, "0" * 32, ("",), "line one\nline two")
    [line] = to_github(LintReport(findings=[finding])).splitlines()
    assert line == "::error file=x%0Ay.txt,line=2,col=3,endLine=2,endColumn=9,title=BOIL001 mostly boilerplate::line one%0Aline two"


def test_gitlab_matches_the_code_quality_schema(report: LintReport) -> None:
    issues = json.loads(to_gitlab(report))
    jsonschema.validate(issues, GITLAB_SCHEMA)
    assert [i["check_name"] for i in issues] == [f.rule for f in report.findings]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_cli_text_line_and_exit_codes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(synthetic_text(8), encoding="utf-8")
    Path("b.txt").write_text(synthetic_text(8), encoding="utf-8")
    Path("c.txt").write_text(synthetic_text(9), encoding="utf-8")
    runner = CliRunner()
    found = runner.invoke(main, ["lint", "a.txt", "b.txt", "c.txt"])
    assert found.exit_code == 1
    assert re.match(r"^b\.txt:1:1: DUP001 exact duplicate of a\.txt$", found.stdout.splitlines()[0])
    assert runner.invoke(main, ["lint", "a.txt", "b.txt", "--exit-zero"]).exit_code == 0
    assert runner.invoke(main, ["lint", "a.txt", "b.txt", "--ignore", "DUP001"]).exit_code == 0
    assert runner.invoke(main, ["lint", "a.txt", "c.txt"]).exit_code == 0
    assert runner.invoke(main, ["lint", "a.txt", "--select", "DUP999"]).exit_code == 2
    assert runner.invoke(main, ["lint", "a.txt", "--index", "missing.dedup"]).exit_code == 2
    assert runner.invoke(main, ["lint"]).exit_code == 2


def test_an_entry_whose_document_was_renamed_away_is_stale_by_its_sketch(tmp_path: Path, monkeypatch) -> None:
    from dedup.lint.run import baseline_paths

    monkeypatch.chdir(tmp_path)
    settings = Settings(jobs=1)
    Path("a.txt").write_text(synthetic_text(21), encoding="utf-8")
    Path("b.txt").write_text(synthetic_text(21), encoding="utf-8")
    assert len(baseline_paths(["a.txt", "b.txt"], "baseline.json", settings).baselined) == 1
    # b.txt (the copy) is gone, replaced by an edited c.txt that copies nothing: the entry's
    # document is not linted by name, but a linted document still matches its sketch.
    words = synthetic_text(21).split(" ")
    Path("c.txt").write_text(" ".join(w if k % 4 else "changed" for k, w in enumerate(words)), encoding="utf-8")
    Path("b.txt").unlink()
    report = lint_paths(["a.txt", "c.txt"], settings, baseline="baseline.json")
    assert report.findings == [] and [e.rule for e in report.stale] == ["DUP001"]


def test_the_summary_line_agrees_with_its_counts() -> None:
    def entry(k: int) -> Entry:
        return Entry("DUP004", f"{k:032d}", ("",), f"doc-{k}.txt", None, "a rewrite")

    one = to_text(LintReport(stale=[entry(1)], documents=1, baseline="baseline.json")).splitlines()[-1]
    assert one == "0 findings in 1 document (0 in the baseline, 1 stale baseline entry)"
    two = to_text(LintReport(stale=[entry(1), entry(2)], documents=2, baseline="baseline.json")).splitlines()[-1]
    assert two == "0 findings in 2 documents (0 in the baseline, 2 stale baseline entries)"
