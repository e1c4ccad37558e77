"""`dedup lint` weighs a pair's direction as the scan does: a wire credit
speaks only for the shared text it stands in or heads, not for a passage
pasted far below it."""

from __future__ import annotations

from pathlib import Path

from conftest import CORPUS

from dedup.config import Settings
from dedup.lint.run import lint_paths


def _paragraphs(name: str) -> list[str]:
    text = next(CORPUS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")
    return [p for p in text.split("\n") if len(p.split()) > 20]


def _lint(tmp_path: Path, host: str, origin: str) -> list:
    (tmp_path / "host.txt").write_text(host, encoding="utf-8")
    (tmp_path / "origin.txt").write_text(origin, encoding="utf-8")
    report = lint_paths([str(tmp_path / "host.txt"), str(tmp_path / "origin.txt")], Settings(jobs=1))
    return [f for f in report.findings if f.other is not None]


def test_a_wire_credit_far_above_a_pasted_passage_does_not_vote(tmp_path: Path) -> None:
    own, pasted = _paragraphs("002"), " ".join(_paragraphs("003")[:3])
    host = "BERLIN (AP) — " + "\n\n".join(own[:8]) + "\n\n" + pasted
    origin = "\n\n".join(_paragraphs("004")[:2]) + "\n\n" + pasted
    findings = _lint(tmp_path, host, origin)
    assert findings, "the pasted passage is found"
    for finding in findings:
        assert not any("wire credit" in e for e in finding.figures["source_evidence"]), finding.figures


def test_a_wire_credit_heading_the_shared_text_still_votes(tmp_path: Path) -> None:
    pasted = " ".join(_paragraphs("003")[:3])
    wire = "BERLIN (AP) — " + pasted
    origin = "\n\n".join(_paragraphs("004")[:2]) + "\n\n" + pasted
    findings = _lint(tmp_path, wire, origin)
    assert findings and any("wire credit" in e for f in findings for e in f.figures["source_evidence"])
