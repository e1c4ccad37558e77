"""Machine-readable output of a scan, and the exit code: one place for both.

Exit codes: 0 the run completed; 1 findings where findings fail the run
(lint); 2 a usage or input error (nothing usable was read).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from dedup.results import ScanResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PAIR_COLUMNS = ("a", "b", "relation", "jaccard", "containment_a", "containment_b")


def to_json(result: ScanResult) -> str:
    """The whole result as one JSON object (see README, "JSON output")."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def to_jsonl(result: ScanResult) -> str:
    """One JSON object per pair, one per line."""
    return "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in result.pairs)


def to_csv(result: ScanResult) -> str:
    """Pairs as CSV with a header row (the flat pair fields only)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAIR_COLUMNS)
    for pair in result.pairs:
        row: dict[str, Any] = pair.to_dict()
        writer.writerow([row[c] for c in PAIR_COLUMNS])
    return buffer.getvalue()


FORMATTERS = {"json": to_json, "jsonl": to_jsonl, "csv": to_csv}


def scan_exit_code(result: ScanResult) -> int:
    """0 when the scan ran; 2 when no document could be read."""
    return EXIT_ERROR if not result.documents else EXIT_OK
