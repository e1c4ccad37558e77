"""``dedup lint`` output: the linter line, JSON, GitHub annotations, SARIF 2.1.0, GitLab code quality.

Every format is a pure function of a :class:`~dedup.lint.run.LintReport`;
the exit code comes from :func:`dedup.report.formats.lint_exit_code`.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import quote

from dedup.io.json_text import dumps
from dedup.io.wording import count_of
from dedup.lint.findings import Finding, Location
from dedup.report.formats import dumps_indented
from dedup.lint.run import LintReport, rule_descriptions
from dedup.version import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "dedupContent/v1"
_CONTROL = {c: f"\\x{c:02x}" for c in list(range(0x20)) + [0x7F]}


def _printable(text: str) -> str:
    """Control characters (a hostile file name, say) shown escaped, never sent to the terminal."""
    return text.translate(_CONTROL)


def to_text(report: LintReport) -> str:
    """``path:line:col: RULE message`` per finding, then stale baseline entries and a summary line."""
    lines = [_printable(f"{f.location.path}:{f.location.line}:{f.location.column}: {f.rule} {f.message}") for f in report.findings]
    for entry in report.stale:
        lines.append(_printable(f"{entry.document}: stale baseline entry {entry.rule} {entry.fingerprint} ({entry.message}); rewrite the baseline with `dedup baseline`"))
    summary = f"{count_of(len(report.findings), 'finding')} in {count_of(report.documents, 'document')}"
    if report.baseline:
        stale = len(report.stale)
        summary += f" ({len(report.baselined)} in the baseline, {stale} stale baseline {'entry' if stale == 1 else 'entries'})"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def to_json(report: LintReport) -> str:
    """The whole report as one JSON object (``json.dumps(..., indent=2)``'s text, written faster)."""
    return dumps_indented(report.to_dict()) + "\n"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: LintReport) -> str:
    """One ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` workflow command per finding."""
    out = []
    for f in report.findings:
        loc = f.location
        props = {
            "file": loc.path,
            "line": loc.line,
            "col": loc.column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column,
            "title": f"{f.rule} {f.title}",
        }
        head = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
        out.append(f"::error {head}::{escape_data(f.message)}")
    return "".join(line + "\n" for line in out)


def _physical(loc: Location) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": quote(loc.path), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line, "endColumn": loc.end_column + 1},
    }


def _sarif_result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": "error",
        "message": {"text": f.message},
        "locations": [{"physicalLocation": _physical(f.location)}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"relation": f.relation, "source": f.source, "document": f.location.name, **f.figures},
    }
    if f.other is not None:
        related = {"id": 1, "physicalLocation": _physical(f.other), "message": {"text": f"the other document: {f.other.name}"}}
        result["relatedLocations"] = [related]
        result["properties"]["other"] = f.other.name
    return result


def to_sarif(report: LintReport) -> str:
    """A SARIF 2.1.0 log: one run, the rules with stable ids, one result per finding."""
    rules = rule_descriptions()
    rule_index = {rule: k for k, rule in enumerate(rules)}
    driver = {
        "name": "dedup",
        "version": __version__,
        "rules": [
            {
                "id": rule,
                "name": title.title().replace(" ", ""),
                "shortDescription": {"text": title},
                "fullDescription": {"text": description},
                "defaultConfiguration": {"level": "error"},
                "properties": {"relation": relation},
            }
            for rule, (relation, title, description) in rules.items()
        ],
    }
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
                "results": [_sarif_result(f, rule_index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return dumps(log, indent=True) + "\n"


def to_gitlab(report: LintReport) -> str:
    """GitLab code quality: a JSON list of issues (description, check_name, fingerprint, severity, location)."""
    issues = [
        {
            "description": f"{f.rule} {f.message}",
            "check_name": f.rule,
            "fingerprint": f.fingerprint,
            "severity": "major",
            "categories": ["Duplication"],
            "location": {"path": f.location.path, "lines": {"begin": f.location.line, "end": f.location.end_line}},
        }
        for f in report.findings
    ]
    return dumps(issues, indent=True) + "\n"


LINT_FORMATTERS: dict[str, Callable[[LintReport], str]] = {
    "text": to_text,
    "json": to_json,
    "github": to_github,
    "sarif": to_sarif,
    "gitlab": to_gitlab,
}
