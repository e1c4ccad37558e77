"""The progress bar: drawn on stderr when it is a terminal, never into a pipe or with --no-progress."""

from __future__ import annotations

import os
import re
import pty
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _stderr_through_terminal(*flags: str) -> str:
    """Runs `dedup scan` with stderr on a pseudo-terminal and returns what it drew there."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "scan", str(CORPUS), "--format", "json", *flags],
        stdout=subprocess.DEVNULL, stderr=follower, env=env,
    )
    os.close(follower)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert proc.wait(timeout=300) == 0
    return drawn.decode("utf-8", "replace")


def test_progress_is_drawn_on_a_terminal() -> None:
    drawn = _stderr_through_terminal()
    assert "passages" in drawn and re.search(r"\d+/\d+", drawn)


def test_no_progress_draws_nothing_on_a_terminal() -> None:
    drawn = _stderr_through_terminal("--no-progress")
    assert "passages" not in drawn and not re.search(r"\d+/\d+", drawn)


def test_progress_never_goes_into_a_pipe() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(CORPUS), "--format", "json"],
        capture_output=True, text=True, check=True, timeout=300,
    )
    assert "passages" not in proc.stderr
