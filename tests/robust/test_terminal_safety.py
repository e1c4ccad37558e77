"""Corpus strings reach the terminal as inert text, through the real command
line: markup is shown, not obeyed; escape sequences and bidi controls are
shown as escapes, on a terminal or piped, with or without NO_COLOR; CSV
cells never start a formula. Cases: tests/data/hostile_strings/, one per file."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, synthetic_text

CASES = sorted((ROOT / "tests" / "data" / "hostile_strings").glob("*.json"))
DEDUP = [sys.executable, "-m", "dedup"]
WIDE = dict(os.environ, COLUMNS="250")
WIDE.pop("NO_COLOR", None)
# What rich itself writes on a terminal: colours and styles (SGR) only (bold
# and italic stay with NO_COLOR).
STYLE = re.compile(r"\x1b\[[0-9;]*m")
RAW = ("\x1b", "\x9b", "\x07", "\u202e", "\r")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory) -> Path:
    """One near-duplicate document per case, the case's string as its id,
    all the strings in the text of the first."""
    base = synthetic_text(31)
    values = [load(path)["value"] for path in CASES]
    rows = [{"id": value, "text": base + f" extra{k}" + ("\n\n" + "\n\n".join(values) if k == 0 else "")} for k, value in enumerate(values)]
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "corpus.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder / "corpus.jsonl"


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*DEDUP, *args], capture_output=True, text=True, timeout=300, env=env or WIDE)


def on_terminal(*args: str, env: dict) -> str:
    """Standard output of the command on a pseudo-terminal, as text."""
    leader, follower = pty.openpty()
    # A terminal taller than the output: what a pager writes to the terminal
    # is not dedup's (paging is tested in tests/views/test_terminal.py), and
    # whether it runs must not depend on the test runner's terminal.
    process = subprocess.Popen([*DEDUP, *args], stdout=follower, stderr=subprocess.DEVNULL, env={**env, "TERM": "xterm-256color", "LINES": "100000"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=300) == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def scan_outputs(hostile_corpus: Path) -> dict[str, str]:
    piped = run("scan", str(hostile_corpus), "-j1")
    assert piped.returncode == 0, piped.stderr
    no_color = dict(WIDE, NO_COLOR="1")
    return {
        "piped": piped.stdout,
        "piped, NO_COLOR": run("scan", str(hostile_corpus), "-j1", env=no_color).stdout,
        "terminal": STYLE.sub("", on_terminal("scan", str(hostile_corpus), "-j1", env=WIDE)),
        "terminal, NO_COLOR": STYLE.sub("", on_terminal("scan", str(hostile_corpus), "-j1", env=no_color)),
        "csv": run("scan", str(hostile_corpus), "-j1", "--format", "csv").stdout,
    }


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_a_hostile_id_is_shown_as_text_and_never_obeyed(path: Path, scan_outputs: dict[str, str]) -> None:
    case = load(path)
    for where in ("piped", "piped, NO_COLOR", "terminal", "terminal, NO_COLOR"):
        out = scan_outputs[where]
        assert case["shown"] in out, where
        assert not any(raw in out for raw in RAW), where
    cells = {cell for row in csv.reader(io.StringIO(scan_outputs["csv"])) for cell in row[:2]}
    assert case["csv"] in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert not any(raw in scan_outputs["csv"] for raw in RAW)


def test_text_and_ids_in_diff_and_boilerplate_views_are_inert(hostile_corpus: Path) -> None:
    first, second = (load(path)["value"] for path in CASES[:2])
    for args in (["diff", first, second, "--corpus", str(hostile_corpus)], ["diff", first, second, "--corpus", str(hostile_corpus), "--side-by-side"], ["boilerplate", str(hostile_corpus)]):
        done = run(*args)
        assert done.returncode == 0, done.stderr
        assert not any(raw in done.stdout for raw in RAW), args
        shown = [load(path)["shown"] for path in CASES]
        if args[0] == "diff":
            assert "cls\\x1b[2Jx" in done.stdout and "[link=file:///etc/passwd]x[/link]" in done.stdout
        else:
            assert all(s in done.stdout for s in shown)


def test_a_hostile_file_name_in_a_problem_is_inert(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "[").mkdir(parents=True)  # a path holding "[/red]"
    (folder / "[" / "red]\x1b[2J.jsonl").write_text('{"id": "a", "text": "some words here"}\nnot json\n')
    done = run("scan", str(folder), "-j1")
    assert done.returncode == 0, done.stderr
    assert "[/red]\\x1b[2J.jsonl:2" in done.stderr
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr
