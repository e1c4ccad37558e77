"""Honest accounting: every stage that takes time reports its progress with
real totals, and the timing covers the whole run, workers included."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CORPUS

from dedup.config import Settings
from dedup.scan import scan_corpus


def test_every_stage_reports_progress_up_to_its_real_total() -> None:
    calls: list[tuple[str, int, int]] = []
    result = scan_corpus([CORPUS], Settings(jobs=1), progress=lambda stage, done, total: calls.append((stage, done, total)))
    last = {stage: (done, total) for stage, done, total in calls}
    assert last["boilerplate"] == (len(result.documents), len(result.documents))
    assert ("boilerplate", 0, len(result.documents)) in calls  # the bar shows its total from the start
    passages = [(done, total) for stage, done, total in calls if stage == "passages"]
    assert passages[0][0] == 0 and passages[-1][0] == passages[-1][1] > 0
    assert all(total == passages[0][1] for _, total in passages)


def test_timing_covers_every_stage_and_the_workers() -> None:
    # A fresh process: its finished children are this scan's workers only.
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(CORPUS), "-j2", "--format", "json"], capture_output=True, text=True, check=True, timeout=300)
    timing = json.loads(done.stdout)["timing"]
    assert {"fingerprint", "boilerplate", "passages"} <= set(timing["stage_seconds"])
    assert timing["seconds"] >= timing["stage_seconds"]["boilerplate"] + timing["stage_seconds"]["passages"]
    # Taken once the workers have ended: before, they counted for nothing.
    assert timing["cpu_seconds_workers"] > 0 and timing["peak_rss_worker_mb"] > 0


def test_peak_memory_is_the_scan_process_own(tmp_path) -> None:
    """A scan started by a process that once held 400 MB reports its own
    peak, not the parent's (which ``getrusage`` carries across ``exec``)."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": str(k), "text": f"document {k} says something short"}) + "\n" for k in range(20)))
    parent = (
        "import subprocess, sys\n"
        "held = bytearray(400 << 20)\n"
        "held[::4096] = b'x' * len(held[::4096])\n"
        "del held\n"
        f"sys.stdout.write(subprocess.run([sys.executable, '-m', 'dedup', 'scan', {str(corpus)!r}, '-j1', '--format', 'json'],"
        " capture_output=True, text=True, check=True).stdout)\n"
    )
    done = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True, timeout=300)
    assert json.loads(done.stdout)["timing"]["peak_rss_mb"] < 300
