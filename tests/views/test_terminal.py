"""Terminal conventions of the views, through the real command in a subprocess:
a pager under a pseudo-terminal, none and no colour when piped, --color,
NO_COLOR and FORCE_COLOR, widths, -o, -q and -v, and the short answer for
unrelated documents."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import CORPUS, read_pair_case

A = str(CORPUS / "000_8aaba136161a1b97.txt")
B = str(CORPUS / "001_1edf69fc7060fb53.txt")
UNRELATED = str(CORPUS / "002_85f222fb594773e3.txt")


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory) -> list[str]:
    """Two short files that share a sentence with a changed number: quick to compare."""
    _, a, b = read_pair_case(Path(__file__).parents[1] / "data" / "diff" / "changed_number.txt")
    folder = tmp_path_factory.mktemp("pair")
    (folder / "a.txt").write_text(a, encoding="utf-8")
    (folder / "b.txt").write_text(b, encoding="utf-8")
    return [str(folder / "a.txt"), str(folder / "b.txt")]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PAGER", "DEDUP_PAGER", "COLUMNS", "LINES", "LESS")}
    env.update(TERM="xterm-256color", **extra)
    return env


@pytest.fixture()
def pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager script that keeps what it is given (and its terminal check) in a file."""
    kept = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f'#!/bin/sh\nif [ -t 1 ]; then echo tty > "{kept}.tty"; fi\ncat > "{kept}"\n', encoding="utf-8")
    script.chmod(0o755)
    return str(script), kept


def run_in_pty(args: list[str], env: dict[str, str], rows: int = 12, cols: int = 80, timeout: float = 120) -> tuple[int, str]:
    """Run ``dedup ARGS`` with a pseudo-terminal of ``rows`` x ``cols`` as its
    standard input, output and error; return its exit code and what it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "dedup", *args], stdin=slave, stdout=slave, stderr=slave,
                               env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the other end closed
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    code = process.wait(timeout=10)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_pager_starts_under_a_small_terminal(pager) -> None:
    script, kept = pager
    code, shown = run_in_pty(["diff", A, B], _env(PAGER=script))
    assert code == 0, shown
    assert kept.exists(), "the pager was not started"
    paged = kept.read_text(encoding="utf-8")
    assert len(paged.splitlines()) > 12  # taller than the window: that is why it paged
    assert "\x1b[" in paged  # a terminal gets colour, and the pager is given it
    assert Path(f"{kept}.tty").exists()  # the pager owns the terminal
    assert all(len(line) <= 80 for line in _strip_ansi(paged).splitlines())
    assert "relation" not in shown  # nothing printed past the pager


def test_dedup_pager_wins_over_pager_and_no_pager_turns_it_off(pager, tmp_path: Path) -> None:
    script, kept = pager
    code, _ = run_in_pty(["diff", A, B], _env(PAGER="false", DEDUP_PAGER=script))
    assert code == 0 and kept.exists()
    kept.unlink()
    code, shown = run_in_pty(["diff", A, B, "--no-pager"], _env(PAGER=script))
    assert code == 0 and not kept.exists()
    assert "relation     rewrite" in _strip_ansi(shown)


def test_short_output_is_not_paged(pager) -> None:
    script, kept = pager
    code, shown = run_in_pty(["diff", A, UNRELATED], _env(PAGER=script), rows=40)
    assert code == 0 and not kept.exists()
    assert "nothing shared" in shown


def test_real_less_starts(tmp_path: Path) -> None:
    if not Path("/usr/bin/less").exists():
        pytest.skip("less is not installed")
    # less reads the keys from the terminal: "q" quits it at once
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 10, 80, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "dedup", "diff", A, B], stdin=slave, stdout=slave, stderr=slave,
                               env=_env(LESS="-R"), start_new_session=True)
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 60
    # until the first screen is drawn and less waits at its prompt: ":" (then an
    # erase-to-end-of-line sequence) or a prompt in reverse video
    at_prompt = re.compile(rb"(:(\x1b\[K)?\s*$)|\x1b\[7m")
    while time.monotonic() < deadline and not (b"relation" in screen and at_prompt.search(screen)):
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            screen += os.read(master, 65536)
    os.write(master, b"q")
    assert process.wait(timeout=30) == 0
    os.close(master)
    # less drew one screen of the view and waits at its prompt
    assert b"relation" in screen and b"shared passages" not in screen


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, env=_env(**env), timeout=120)


def test_piped_output_has_no_pager_and_no_colour(pager) -> None:
    script, kept = pager
    run = _run(["diff", A, B], PAGER=script, COLUMNS="72")
    assert run.returncode == 0
    assert not kept.exists()
    assert "\x1b[" not in run.stdout
    assert "[=" in run.stdout and "{+" in run.stdout and "[-" in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 72


@pytest.mark.parametrize(
    ("flags", "env", "coloured"),
    [
        ([], {}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_color_switches(small_pair: list[str], flags: list[str], env: dict[str, str], coloured: bool) -> None:
    run = _run(["diff", *small_pair, *flags], **env)
    assert run.returncode == 0
    assert ("\x1b[" in run.stdout) is coloured


def test_unrelated_documents_get_a_short_answer() -> None:
    short = _run(["diff", A, UNRELATED])
    assert short.returncode == 0
    assert "nothing shared" in short.stdout and "--full" in short.stdout
    assert len(short.stdout.splitlines()) < 15
    full = _run(["diff", A, UNRELATED, "--full"])
    assert len(full.stdout.splitlines()) > 100


def test_same_file_twice_is_an_exact_duplicate() -> None:
    run = _run(["diff", A, A, "--format", "json"])
    assert run.returncode == 0
    import json

    assert json.loads(run.stdout)["relation"] == "exact_duplicate"


def test_chinese_text_says_character_ngrams(tmp_path: Path) -> None:
    text = "美国官员表示，阿布扎比的和平谈判比预期的要好，两国总统可能会提前举行面对面的会晤。乌克兰方面由总统办公室主任率领代表团参加了会谈。"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("提前", "尽早"), encoding="utf-8")
    run = _run(["diff", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--full"])
    assert "(exact, character 5-grams)" in run.stdout
    latin = _run(["diff", A, B])
    assert "(exact, word 5-grams)" in latin.stdout


def test_header_shows_date_source_and_title(tmp_path: Path) -> None:
    import json

    text = Path(A).read_text(encoding="utf-8")
    rows = [
        {"id": "one", "text": text, "date": "2026-01-24", "source": "Wire One", "title": "Talks go better than expected"},
        {"id": "two", "text": text + "\nOne more line of its own.", "date": "2026-01-25", "source": "Paper Two"},
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run = _run(["diff", "one", "two", "--corpus", str(corpus)], COLUMNS="200")
    first, second = run.stdout.splitlines()[:2]
    assert "one" in first and "2026-01-24" in first and "Wire One" in first and "Talks go better than expected" in first
    assert "two" in second and "2026-01-25" in second and "Paper Two" in second


def test_output_file_quiet_and_verbose(small_pair: list[str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "diff.txt"
    target.parent.mkdir()
    run = _run(["diff", *small_pair, "-o", str(target)], FORCE_COLOR="1")
    assert run.returncode == 0 and run.stdout == ""
    written = target.read_text(encoding="utf-8")
    assert "relation     near_duplicate" in written and "{+forty thousand+}" in written and "\x1b[" not in written
    assert sorted(p.name for p in target.parent.iterdir()) == ["diff.txt"]  # no temporary file left
    scan = tmp_path / "scan.json"
    run = _run(["scan", str(CORPUS), "--format", "json", "-o", str(scan), "-v", "--jobs", "1", "--no-passages", "--no-boilerplate"])
    assert run.returncode == 0 and run.stdout == "" and "dedup: 5 documents" in run.stderr
    assert scan.read_text(encoding="utf-8").startswith("{")
    broken = tmp_path / "docs"
    broken.mkdir()
    (broken / "bad.txt").write_bytes(b"caf\xe9 \xff not utf-8")
    (broken / "good.txt").write_text("Some text of its own here.", encoding="utf-8")
    loud = _run(["scan", str(broken), "--jobs", "1", "--no-passages"])
    quiet = _run(["scan", str(broken), "-q", "--jobs", "1", "--no-passages"])
    assert "bad.txt" in loud.stderr and "bad.txt" not in quiet.stderr
    assert loud.returncode == quiet.returncode == 0 and "1 input problem (run without -q" in quiet.stderr
    missing = _run(["diff", *small_pair, "-o", str(tmp_path / "nowhere" / "x.txt")])
    assert missing.returncode == 2 and "nowhere" in missing.stderr
    boiler = tmp_path / "boilerplate.txt"
    assert _run(["boilerplate", str(CORPUS), "-o", str(boiler)]).returncode == 0
    assert "Boilerplate per document" in boiler.read_text(encoding="utf-8")


def test_verbose_notes_count_in_the_singular_for_one(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("A single report of its own, with nothing shared.\n", encoding="utf-8")
    lint = _run(["lint", str(story), "-v"])
    assert lint.returncode == 0 and "linted 1 document in " in lint.stderr and ": 0 findings;" in lint.stderr
    boiler = _run(["boilerplate", str(story), "-v"])
    assert boiler.returncode == 0 and "1 document, 0 repeated blocks in " in boiler.stderr
