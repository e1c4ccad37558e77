"""An output path that is a pipe or a device is written through, never renamed over.

Writing a temporary file and renaming it over the output keeps a file whole,
but renamed over ``/dev/null`` (run as root) it replaces the device with a
regular file. A FIFO stands in for the device here: the same kind of special
file, without touching the machine's.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dedup.config import Settings
from dedup.io.writers import atomic_text_file, replaceable
from dedup.lint.baseline import write_baseline

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _read_in_background(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, received


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "out.pipe"
    os.mkfifo(path)
    return path


def test_replaceable_tells_files_from_special_ones(tmp_path: Path, fifo: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert replaceable(tmp_path / "file") and replaceable(tmp_path / "missing")
    assert not replaceable(fifo) and not replaceable(tmp_path)


def test_scan_output_to_a_pipe_is_written_through(fifo: Path) -> None:
    reader, received = _read_in_background(fifo)
    subprocess.run([sys.executable, "-m", "dedup", "scan", str(CORPUS), "--format", "json", "-o", str(fifo), "--no-progress"],
                   check=True, timeout=300, capture_output=True)
    reader.join(timeout=60)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(json.loads(received[0])["documents"]) == len(list(CORPUS.glob("*.txt")))
    assert not [p for p in fifo.parent.iterdir() if p.name.endswith(".part")]


def test_baseline_to_a_pipe_is_written_through(fifo: Path) -> None:
    reader, received = _read_in_background(fifo)
    assert write_baseline(fifo, [], Settings()) == 0
    reader.join(timeout=60)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["findings"] == []


def test_atomic_file_still_replaces_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with atomic_text_file(target) as handle:
        handle.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_index_build_refuses_a_pipe(fifo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "dedup", "index", "build", str(CORPUS), "-o", str(fifo)],
                          timeout=300, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
