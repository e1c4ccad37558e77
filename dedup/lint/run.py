"""``dedup lint`` and ``dedup baseline``: read, check, compare with the baseline, report.

One call each for the command line: :func:`lint_paths` returns a
:class:`LintReport` (the exit code comes from
:func:`dedup.report.formats.lint_exit_code`); :func:`baseline_paths` writes
the current findings as the baseline.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Sequence

from dedup.config import Settings
from dedup.lint.baseline import Entry, apply_baseline, load_baseline, write_baseline
from dedup.lint.changes import changed_files
from dedup.lint.check import check_documents
from dedup.lint.errors import LintError
from dedup.lint.findings import RULES, Finding
from dedup.lint.index import open_index
from dedup.io.problems import ProblemLog, problem_records
from dedup.lint.sources import read_sources


@dataclass
class LintReport:
    """What a lint run found.

    Attributes:
        findings: Findings not in the baseline (these fail the run).
        baselined: Findings the baseline accepts.
        stale: Baseline entries of linted documents that no finding matches any more.
        documents: Documents linted.
        problems: Inputs skipped and indexed documents that could not be read again.
        rules: The rules that ran.
        index: The index file used, if any.
        baseline: The baseline file used, if any.
        seconds: Wall time.
    """

    findings: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    stale: list[Entry] = field(default_factory=list)
    documents: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    rules: tuple[str, ...] = ()
    index: str | None = None
    baseline: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        from dedup.version import __version__

        return {
            "version": __version__,
            "summary": {
                "documents": self.documents,
                "findings": len(self.findings),
                "baselined": len(self.baselined),
                "stale_baseline_entries": len(self.stale),
                "index": self.index,
                "baseline": self.baseline,
                "rules": list(self.rules),
            },
            "findings": [f.to_dict() for f in self.findings],
            "stale": [e.to_dict() for e in self.stale],
            "problems": self.problems,
            "timing": {"seconds": self.seconds},
        }


def rule_descriptions() -> dict[str, tuple[str, str, str]]:
    """``{rule id: (relation, title, description)}`` for every rule."""
    return dict(RULES)


def _inputs(paths: Sequence[str], diff_against: str | None) -> list[str]:
    if diff_against is not None:
        return sorted(set(paths) | set(changed_files(diff_against)))
    if not paths:
        raise LintError("nothing to lint: give PATH... or --diff-against REF")
    return list(paths)


def _check(paths: Sequence[str], settings: Settings, index: str | None, diff_against: str | None) -> tuple[LintReport, dict[str, str]]:
    """Read and check; the report without the baseline, and the sketch of each linted document by name."""
    started = time.perf_counter()
    inputs = _inputs(paths, diff_against)
    sources, problems = read_sources(inputs, settings.lint) if inputs else ([], ProblemLog())
    if inputs and not sources and problems:
        raise LintError("no usable documents were read; check the paths and formats above: " + "; ".join(str(p) for p in problems[:3]))
    index_path = index or settings.lint.index or None
    opened = open_index(index_path, settings) if index_path else nullcontext(None)
    with opened as corpus:
        checked = check_documents(sources, corpus, settings)
    return LintReport(
        findings=checked.findings,
        documents=len(sources),
        problems=problem_records(problems) + checked.problems,
        rules=settings.lint.rules,
        index=str(index_path) if index_path else None,
        seconds=round(time.perf_counter() - started, 3),
    ), checked.sketches


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    index: str | os.PathLike | None = None,
    baseline: str | os.PathLike | None = None,
    diff_against: str | None = None,
) -> LintReport:
    """Lint documents against the index, each other and the baseline.

    Args:
        paths: Files, folders or ``-`` (JSONL on standard input).
        settings: Thresholds and ``settings.lint`` (rules, globs, default files).
        index: The corpus index (default ``lint.index``; none: the documents
            are checked against each other only).
        baseline: Accepted findings (default ``lint.baseline``).
        diff_against: A git revision: also lint every file the working tree
            adds or changes relative to it.

    Returns:
        The report; its findings are those not in the baseline.

    Raises:
        LintError: On an unusable index, baseline, revision or input.
    """
    report, linted = _check(paths, settings, str(index) if index else None, diff_against)
    baseline_path = str(baseline) if baseline else settings.lint.baseline or None
    if baseline_path:
        entries = load_baseline(baseline_path, settings)
        everything = report.findings
        report.findings, report.stale = apply_baseline(everything, entries, linted)
        report.baselined = [f for f in everything if f.baselined]
        report.baseline = baseline_path
    return report


def baseline_paths(
    paths: Sequence[str],
    output: str | os.PathLike,
    settings: Settings,
    index: str | os.PathLike | None = None,
    diff_against: str | None = None,
) -> LintReport:
    """Lint ``paths`` and accept every finding: write them to the baseline ``output``.

    Entries already in ``output`` for documents not linted in this run are
    kept; those of linted documents are replaced by today's findings.

    Returns:
        The report (all its findings are now baselined).
    """
    report, linted = _check(paths, settings, str(index) if index else None, diff_against)
    kept = [e for e in load_baseline(output, settings) if e.document not in linted] if os.path.exists(output) else []
    write_baseline(output, report.findings, settings, kept)
    report.baselined, report.findings = report.findings, []
    report.baseline = str(output)
    return report
