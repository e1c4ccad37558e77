"""The index and the baseline as untrusted files: truncated, garbage and hostile
contents give a clear error and exit 2; a build killed partway leaves the
previous index working; settings and versions are checked."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, synthetic_text

from dedup.cli import main

DEDUP = [sys.executable, "-m", "dedup"]
NAMES = ("001_1edf69fc7060fb53.txt", "002_85f222fb594773e3.txt", "003_10ec13a8d29864e3.txt")


def dedup(cwd: Path, *args: str):
    """The command line in this process (the kill test runs it as a subprocess)."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(previous)
    result.returncode = result.exit_code
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A corpus of three documents, its index, and a new document copying one of them."""
    folder = tmp_path_factory.mktemp("repo")
    (folder / "corpus").mkdir()
    for name in NAMES:
        shutil.copy(CORPUS / name, folder / "corpus" / name)
    shutil.copy(CORPUS / NAMES[1], folder / "copy.txt")
    done = dedup(folder, "index", "build", "corpus", "-o", "corpus.dedup")
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture()
def repo(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "repo")
    return tmp_path / "repo"


def lint(repo: Path, index: str = "corpus.dedup"):
    return dedup(repo, "lint", "copy.txt", "--index", index)


def edit(path: Path, *statements: tuple) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(*statement)
    conn.commit()
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_intact_index_answers(repo: Path) -> None:
    done = lint(repo)
    assert done.returncode == 1 and f"DUP001 exact duplicate of corpus/{NAMES[1]}" in done.stdout
    stats = json.loads(dedup(repo, "index", "stats", "corpus.dedup", "--format", "json").stdout)
    assert stats["documents"] == 3 and stats["format_version"] == "1" and stats["settings"]["num_perm"] == 128


def test_truncated_index(repo: Path) -> None:
    index = repo / "corpus.dedup"
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 2])
    done = lint(repo)
    assert done.returncode == 2 and "truncated" in done.stderr


def test_garbage_bytes(repo: Path) -> None:
    (repo / "corpus.dedup").write_bytes(os.urandom(50_000))
    done = lint(repo)
    assert done.returncode == 2 and "not a dedup index" in done.stderr


def test_garbage_after_a_valid_header(repo: Path) -> None:
    index = repo / "corpus.dedup"
    data = bytearray(index.read_bytes())
    data[100:] = os.urandom(len(data) - 100)
    index.write_bytes(bytes(data))
    done = lint(repo)
    assert done.returncode == 2 and "dedup index" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        # oversized field: larger than any value the reader accepts
        ((("UPDATE documents SET path = ? WHERE doc = 1", ("x" * 3_000_000,)),), "too big"),
        # wrong types and sizes
        ((("UPDATE documents SET signature = x'00'",),), "invalid signature"),
        ((("UPDATE meta SET value = '[1, 2]' WHERE key = 'settings'",),), "made with other settings"),
        ((("UPDATE meta SET value = 'one' WHERE key = 'format_version'",),), "index format 'one'"),
        ((("UPDATE documents SET meta = '[\"not\", \"a\", \"dict\"]'",),), "invalid metadata"),
        # SQL in strings is data, never run
        ((("UPDATE meta SET value = ? WHERE key = 'tool_version'", ("0.1'; DROP TABLE documents; --",)),), "invalid tool version"),
        ((("UPDATE documents SET path = ? WHERE doc = 1", ("x'); DROP TABLE documents; --",)),), "cannot be read again"),
        # a path that escapes the index's folder
        ((("UPDATE documents SET path = '../../etc/passwd' WHERE doc = 1",),), "outside its folder"),
        # extra tables, triggers or a changed schema
        ((("CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM documents; END",),), "unexpected tables or schema"),
        ((("CREATE VIEW v AS SELECT 1",),), "unexpected tables or schema"),
        ((("UPDATE meta SET value = '99.0.0' WHERE key = 'tool_version'",),), "newer than this dedup"),
        ((("DELETE FROM meta WHERE key = 'format'",),), "not a dedup index"),
    ],
)
def test_hostile_contents(repo: Path, statements: tuple, message: str) -> None:
    index = repo / "corpus.dedup"
    edit(index, *statements)
    before = digest(index)
    done = lint(repo)
    assert done.returncode == 2, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr
    assert digest(index) == before  # reading never wrote to it


def test_other_settings_are_refused(repo: Path) -> None:
    done = dedup(repo, "lint", "copy.txt", "--index", "corpus.dedup", "--config", "other.cfg")
    assert done.returncode == 2 and "no such configuration file" in done.stderr
    (repo / "other.cfg").write_text("[dedup]\nnum_perm = 64\n", encoding="utf-8")
    done = dedup(repo, "lint", "copy.txt", "--index", "corpus.dedup", "--config", "other.cfg")
    assert done.returncode == 2 and "num_perm: index 128, now 64" in done.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"format": "dedup-baseline", "format_version": 1, "settings": {"num_perm": 128, "seed": 1}, "findings": [{"rule": "DUP001; DROP TABLE x"}]}',
        b'{"format": "dedup-baseline", "format_version": 1, "settings": {"num_perm": 128, "seed": 1}, "findings": [{"rule": "DUP001", "fingerprint": "zz", "sketches": []}]}',
        b'{"format": "dedup-baseline", "format_version": 1, "settings": {"num_perm": 64, "seed": 1}, "findings": []}',
        b'{"format": "dedup-baseline", "format_version": 1, "settings": {"num_perm": 128, "seed": 1}, "findings": {"a": 1}}',
        b"[" * 100_000,
    ],
)
def test_hostile_baseline(repo: Path, content: bytes) -> None:
    (repo / "baseline.json").write_bytes(content)
    done = dedup(repo, "lint", "copy.txt", "--index", "corpus.dedup", "--baseline", "baseline.json")
    assert done.returncode == 2 and "baseline" in done.stderr and "Traceback" not in done.stderr


def test_build_killed_partway_leaves_the_previous_index(repo: Path) -> None:
    big = repo / "big.jsonl"
    with big.open("w", encoding="utf-8") as out:
        for k in range(12_000):
            out.write(json.dumps({"id": f"d{k}", "text": synthetic_text(k, words=300)}) + "\n")
    before = digest(repo / "corpus.dedup")
    proc = subprocess.Popen([*DEDUP, "index", "build", "big.jsonl", "-o", "corpus.dedup", "--jobs", "1"], cwd=repo)
    deadline = time.monotonic() + 60
    while not list(repo.glob(".corpus.dedup.*.tmp")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well into writing the new file
    assert proc.poll() is None, "the build ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert digest(repo / "corpus.dedup") == before
    stats = json.loads(dedup(repo, "index", "stats", "corpus.dedup", "--format", "json").stdout)
    assert stats["documents"] == 3
    done = lint(repo)
    assert done.returncode == 1 and f"DUP001 exact duplicate of corpus/{NAMES[1]}" in done.stdout


def test_add_and_remove(repo: Path) -> None:
    (repo / "corpus" / "extra.txt").write_text(synthetic_text(5), encoding="utf-8")
    (repo / "extra-copy.txt").write_text(synthetic_text(5), encoding="utf-8")
    assert dedup(repo, "lint", "extra-copy.txt", "--index", "corpus.dedup").returncode == 0
    assert dedup(repo, "index", "add", "corpus.dedup", "corpus/extra.txt").returncode == 0
    done = dedup(repo, "lint", "extra-copy.txt", "--index", "corpus.dedup")
    assert done.returncode == 1 and "exact duplicate of corpus/extra.txt" in done.stdout
    assert dedup(repo, "index", "remove", "corpus.dedup", "corpus/extra.txt").returncode == 0
    assert dedup(repo, "lint", "extra-copy.txt", "--index", "corpus.dedup").returncode == 0
    assert dedup(repo, "index", "remove", "corpus.dedup", "corpus/extra.txt").returncode == 2
    stats = json.loads(dedup(repo, "index", "stats", "corpus.dedup", "--format", "json").stdout)
    assert stats["documents"] == 3
