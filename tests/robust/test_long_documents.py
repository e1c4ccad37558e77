"""A document longer than max_chars through the commands that read the texts
again after the scan: the HTML report shows its parts; clean writes it whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import synthetic_text


def _corpus(tmp_path: Path) -> Path:
    """A 6,000-character document made of one paragraph twice (its parts are
    near duplicates of each other) and an unrelated short one; max_chars 3,000."""
    (tmp_path / "setup.cfg").write_text("[dedup]\nmax_chars = 3000\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraph = synthetic_text(1, 520)[:2990]
    (corpus / "long.txt").write_text(paragraph + "\n\n" + paragraph, encoding="utf-8")
    (corpus / "short.txt").write_text(synthetic_text(2, 120), encoding="utf-8")
    return corpus


def _dedup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_html_report_shows_the_parts_of_a_long_document(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    done = _dedup(tmp_path, "scan", str(corpus), "--format", "html", "-o", "report.html", "--no-progress")
    assert done.returncode in (0, 1), done.stderr
    assert "read as 2 parts" in done.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "long.txt#1" in page and "long.txt#2" in page


def test_clean_writes_a_long_document_whole(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    done = _dedup(tmp_path, "clean", str(corpus), "-o", "cleaned", "--keep-boilerplate")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cleaned" / "long.txt").read_text(encoding="utf-8") == (corpus / "long.txt").read_text(encoding="utf-8")
    log = [json.loads(line) for line in (tmp_path / "cleaned" / ".dedup-clean-log.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = {row["id"] for row in log if "id" in row}
    assert {"long.txt", "short.txt"} <= ids and not any("#" in i for i in ids)
