"""The baseline: findings someone has accepted, so that lint fails only on new ones.

A JSON file (never anything that runs code when loaded) that records its
format version, the tool version and the settings, and per accepted finding
its rule, content fingerprint and per-side MinHash sketches. A finding is
baselined when an entry has its fingerprint, or the same rule and sketches
that still match both sides (:data:`SKETCH_MATCH`): a renamed file or an
edited paragraph elsewhere in the document keeps it accepted. Entries of
linted documents that no finding matches any more are stale, and reported.
The file is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.io.json_text import dumps
from dedup.io.writers import atomic_text_file
from dedup.lint.errors import LintError
from dedup.lint.findings import RULES, SKETCH, Finding, sketch_similarity

FORMAT = "dedup-baseline"
FORMAT_VERSION = 1
# A baseline larger than this is refused before it is parsed.
MAX_BYTES = 64 << 20
MAX_ENTRIES = 200_000
# Estimated Jaccard of a side's sketch with the recorded one from which it is the same document.
SKETCH_MATCH = 0.5
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")
_SKETCH = re.compile(rf"^[0-9a-f]{{{8 * SKETCH}}}$")


class BaselineError(LintError):
    """A baseline file that cannot be used."""


def baseline_settings(settings: Settings) -> dict[str, Any]:
    """The settings findings and their sketches depend on (recorded, and checked on loading)."""
    return {"ngram": settings.ngram, "num_perm": settings.num_perm, "seed": settings.seed, "threshold": settings.threshold}


# The recorded settings that must equal the current ones (sketches depend on them).
_MUST_MATCH = ("num_perm", "seed")


@dataclass(frozen=True)
class Entry:
    """One accepted finding.

    Attributes:
        rule: Its rule id.
        fingerprint: Its content fingerprint.
        sketches: Each side's MinHash sketch (the linted document first).
        document: The linted document's name when accepted (for people, and for stale entries).
        other: The other document's name, if any.
        message: The finding's message when accepted.
    """

    rule: str
    fingerprint: str
    sketches: tuple[str, ...]
    document: str
    other: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "fingerprint": self.fingerprint,
            "sketches": list(self.sketches),
            "document": self.document,
            "other": self.other,
            "message": self.message,
        }

    def matches(self, finding: Finding) -> bool:
        """The same finding, by fingerprint or by rule and matching sketches (either side order)."""
        if finding.fingerprint == self.fingerprint:
            return True
        if finding.rule != self.rule or len(finding.sketches) != len(self.sketches):
            return False
        orders = [self.sketches, self.sketches[::-1]] if len(self.sketches) == 2 else [self.sketches]
        return any(all(sketch_similarity(a, b) >= SKETCH_MATCH for a, b in zip(finding.sketches, order)) for order in orders)


def _bad(path: Path, what: str) -> BaselineError:
    return BaselineError(f"{path}: not a usable dedup baseline ({what}); write a new one with `dedup baseline`")


def _entry(raw: Any, path: Path) -> Entry:
    if not isinstance(raw, dict):
        raise _bad(path, "an entry is not an object")
    rule, fp, sketches = raw.get("rule"), raw.get("fingerprint"), raw.get("sketches")
    if rule not in RULES:
        raise _bad(path, f"unknown rule {str(rule)[:40]!r}")
    if not isinstance(fp, str) or not _FINGERPRINT.match(fp):
        raise _bad(path, "a fingerprint is not 32 hex digits")
    if not isinstance(sketches, list) or not 1 <= len(sketches) <= 2 or not all(isinstance(s, str) and _SKETCH.match(s) for s in sketches):
        raise _bad(path, "a sketch is not a list of hex strings of the right length")
    texts = {}
    for key in ("document", "other", "message"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 4096):
            raise _bad(path, f"{key!r} is not a string of at most 4096 characters")
        texts[key] = value
    return Entry(rule, fp, tuple(sketches), texts["document"] or "", texts["other"], texts["message"] or "")


def load_baseline(path: str | os.PathLike, settings: Settings) -> list[Entry]:
    """Read and check a baseline file.

    Raises:
        BaselineError: If it is missing, too large, not JSON, not a baseline,
            of another format version, or made with other MinHash settings.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _bad(path, f"{size} bytes, more than {MAX_BYTES}")
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline; write one with `dedup baseline PATH -o {path}`") from None
    except OSError as err:
        raise BaselineError(f"{path}: cannot read the baseline: {err.strerror}") from None
    except (ValueError, RecursionError) as err:
        raise _bad(path, f"not JSON: {str(err)[:80]}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad(path, f"no \"format\": \"{FORMAT}\" header")
    if data.get("format_version") != FORMAT_VERSION:
        raise _bad(path, f"format version {str(data.get('format_version'))[:20]!r}, this dedup reads {FORMAT_VERSION}")
    recorded = data.get("settings")
    wanted = baseline_settings(settings)
    if not isinstance(recorded, dict) or any(recorded.get(k) != wanted[k] for k in _MUST_MATCH):
        shown = ", ".join(f"{k}: baseline {recorded.get(k) if isinstance(recorded, dict) else '?'!r}, now {wanted[k]!r}" for k in _MUST_MATCH)
        raise BaselineError(f"{path}: made with other MinHash settings ({shown}); use them or write a new baseline with `dedup baseline`")
    entries = data.get("findings")
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise _bad(path, f"\"findings\" must be a list of at most {MAX_ENTRIES} entries")
    return [_entry(raw, path) for raw in entries]


def apply_baseline(findings: Sequence[Finding], entries: Sequence[Entry], linted: Mapping[str, str]) -> tuple[list[Finding], list[Entry]]:
    """Mark baselined findings and find stale entries.

    Args:
        findings: All findings of the run (``baselined`` is set on each).
        entries: The baseline.
        linted: Sketch of each document linted in this run, by name.

    Returns:
        The findings not in the baseline, and the stale entries: those of a
        linted document (by name, or by a sketch that still matches its
        first side, after a rename) that no finding matches any more.
    """
    used = [False] * len(entries)
    by_fingerprint: dict[str, list[int]] = {}
    for k, entry in enumerate(entries):
        by_fingerprint.setdefault(entry.fingerprint, []).append(k)
    fresh = []
    for finding in findings:
        hits = by_fingerprint.get(finding.fingerprint) or [k for k, e in enumerate(entries) if e.rule == finding.rule and e.matches(finding)]
        for k in hits:
            used[k] = True
        finding.baselined = bool(hits)
        if not hits:
            fresh.append(finding)
    unused = [e for e, hit in zip(entries, used) if not hit]
    return fresh, [e for e in unused if e.document in linted or _still_there(e, linted)]


def _still_there(entry: Entry, linted: Mapping[str, str]) -> bool:
    """Whether a linted document is the entry's first side, renamed (its sketch still matches)."""
    if not linted:
        return False
    sketches = np.frombuffer(bytes.fromhex("".join(linted.values())), dtype=">u4").reshape(len(linted), -1)
    own = np.frombuffer(bytes.fromhex(entry.sketches[0]), dtype=">u4")
    return bool(((sketches == own).mean(axis=1) >= SKETCH_MATCH).any())


def write_baseline(path: str | os.PathLike, findings: Sequence[Finding], settings: Settings, kept: Sequence[Entry] = ()) -> int:
    """Write every finding as accepted, atomically (a temporary file renamed into place).

    Args:
        path: The baseline file.
        findings: The findings to accept.
        settings: Recorded in the file.
        kept: Entries of an earlier baseline to keep as they are.

    Returns:
        The number of entries written.
    """
    from dedup.version import __version__

    path = Path(path)
    entries = {e.fingerprint: e for e in kept}
    for f in findings:
        entries.setdefault(f.fingerprint, Entry(f.rule, f.fingerprint, f.sketches, f.location.name, f.other.name if f.other else None, f.message))
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "settings": baseline_settings(settings),
        "findings": [entries[key].to_dict() for key in sorted(entries)],
    }
    path.absolute().parent.mkdir(parents=True, exist_ok=True)
    with atomic_text_file(path) as out:
        out.write(dumps(data, indent=True) + "\n")
    return len(entries)
