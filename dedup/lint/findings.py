"""Findings of ``dedup lint``: rule ids, where they point, and their content fingerprints.

A finding is identified by its content, not by paths or line numbers (as a
secret scanner identifies a secret): :func:`fingerprint` hashes the rule and
the normalised texts of the documents, and each side also carries a short
MinHash sketch (the first :data:`SKETCH` values of its signature) so that a
baseline still recognises the finding after the file is renamed or an
unrelated paragraph is edited (:mod:`dedup.lint.baseline`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, PARTIAL_COPY, REWRITE

BOILERPLATE = "boilerplate"
RULES = {
    "DUP001": (EXACT_DUPLICATE, "exact duplicate", "Document has the same normalised text as another"),
    "DUP002": (NEAR_DUPLICATE, "near duplicate", "Document is a near duplicate of another"),
    "DUP003": (PARTIAL_COPY, "partial copy", "Document copies a substantial part of another"),
    "DUP004": (REWRITE, "rewrite", "Document rewrites another sentence by sentence"),
    "BOIL001": (BOILERPLATE, "mostly boilerplate", "Document is mostly boilerplate"),
}
RULE_FOR_RELATION = {relation: rule for rule, (relation, _, _) in RULES.items()}
# Signature values kept per side for matching a finding after edits.
SKETCH = 32


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based lines and columns, the end inclusive of its line.

    Attributes:
        path: The file as shown (relative to the working folder).
        name: The document (the path, and ``#id`` for a JSONL record).
        line, column, end_line, end_column: The region.
        indexed: Whether the document comes from the index (not from the change).
    """

    path: str
    name: str
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    indexed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Finding:
    """One rule broken by one linted document.

    Attributes:
        rule: The rule id (:data:`RULES`).
        relation: The pair's relation, or ``boilerplate``.
        location: Where in the linted document (the first shared passage).
        other: The other document, and where it holds the shared text.
        source: The likely source of the shared text, when it can be told.
        figures: Exact Jaccard, containments, shared shares, passage counts
            or the boilerplate share.
        fingerprint: Content hash of the rule and the documents' normalised texts.
        sketches: Hex MinHash sketch of each side (the linted document first).
        message: One line for people.
    """

    rule: str
    relation: str
    location: Location
    other: Location | None
    source: str | None
    figures: dict[str, Any]
    fingerprint: str
    sketches: tuple[str, ...]
    message: str = ""
    baselined: bool = field(default=False, repr=False)

    @property
    def title(self) -> str:
        return RULES[self.rule][1]

    def sort_key(self) -> tuple:
        return (self.location.path, self.location.line, self.location.column, self.rule, self.other.name if self.other else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "relation": self.relation,
            "message": self.message,
            "document": self.location.to_dict(),
            "other": self.other.to_dict() if self.other else None,
            "source": self.source,
            "figures": self.figures,
            "fingerprint": self.fingerprint,
            "sketches": list(self.sketches),
        }


def fingerprint(rule: str, digests: list[bytes]) -> str:
    """The content fingerprint: the rule and the sides' normalised-text hashes, in any order."""
    body = "\x00".join([rule, *sorted(d.hex() for d in digests)])
    return hashlib.sha256(body.encode("ascii")).hexdigest()[:32]


def sketch(signature: np.ndarray) -> str:
    """The first :data:`SKETCH` MinHash values of a signature, as hex."""
    return np.ascontiguousarray(signature[:SKETCH], dtype=">u4").tobytes().hex()


def sketch_similarity(a: str, b: str) -> float:
    """Share of equal values of two sketches (an estimate of the Jaccard of the two texts)."""
    try:
        va = np.frombuffer(bytes.fromhex(a), dtype=">u4")
        vb = np.frombuffer(bytes.fromhex(b), dtype=">u4")
    except ValueError:
        return 0.0
    if va.size != vb.size or va.size == 0:
        return 0.0
    return float(np.count_nonzero(va == vb)) / va.size


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def describe(rule: str, other: str | None, figures: dict[str, Any], source: str | None) -> str:
    """The message of a finding."""
    pct = lambda value: f"{round(100 * value)}%"  # noqa: E731
    if rule == "BOIL001":
        text = f"mostly boilerplate: {pct(figures['boilerplate_share'])} of the document (limit {pct(figures['limit'])})"
    elif rule == "DUP001":
        text = f"exact duplicate of {other}"
    elif rule == "DUP002":
        text = f"near duplicate of {other} (Jaccard {figures['jaccard']:.2f}, {pct(figures['containment'])} of this document's shingles in it)"
    else:
        counts = f"{figures.get('verbatim_passages', 0)} verbatim and {figures.get('reworded_passages', 0)} reworded passages"
        verb = "partial copy of" if rule == "DUP003" else "rewrite of"
        text = f"{verb} {other}: {pct(figures.get('shared_share', 0.0))} of this document shared ({counts}, Jaccard {figures['jaccard']:.2f})"
    if source:
        confidence = figures.get("source_confidence")
        text += f"; likely source: {source}" + (f" (confidence {confidence:.2f})" if confidence else "")
    return text
