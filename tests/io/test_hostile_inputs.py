"""Hostile and odd inputs, through the real command line in a subprocess.

Each case in tests/data/hostile/ is one class of input (a lone surrogate, a
line nested 100,000 levels deep, a FIFO, a compressed file, a wrongly shaped
setting, ...), described as data: the files to lay out beside two good,
near-identical documents, the flags, and what must come out. Every run must
end with exit 0 or 2 and no traceback, name the file (and line) in its
message, and still pair the two good documents with the same figures as a
run without the odd input.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from conftest import edit_words, synthetic_text

CASES = sorted((Path(__file__).resolve().parent.parent / "data" / "hostile").glob("*.json"))
# The good pair is JSONL, which is always UTF-8: --encoding does not apply to it.
GOOD = ("good-a", "good-b")
COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress, "zstd": lambda data: zstandard.ZstdCompressor().compress(data)}
RUN_SECONDS = 120


def dedup(argv: list[str], cwd: Path, stdin: bytes = b"", wrapper: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m dedup ARGV`` in a subprocess; a hang fails the test."""
    command = [*wrapper, sys.executable, "-m", "dedup", *argv]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, timeout=RUN_SECONDS, env=env)


def write_good_pair(folder: Path) -> None:
    text = synthetic_text(11, words=300)
    records = [{"id": GOOD[0], "text": text}, {"id": GOOD[1], "text": edit_words(text, 0.03, seed=2)}]
    (folder / "good.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def content(spec: dict) -> bytes:
    """The bytes a case describes: text in an encoding, repeated parts, or hex."""
    if "bytes_hex" in spec:
        data = bytes.fromhex(spec["bytes_hex"])
    elif "parts" in spec:
        data = "".join(part * count for part, count in spec["parts"]).encode("utf-8")
    else:
        data = spec.get("text", "").encode(spec.get("encoding", "utf-8"))
    template, count = spec.get("numbered_lines", ["", 0])
    data += "".join(template.replace("{i}", str(i)) + "\n" for i in range(count)).encode("utf-8")
    if "compress" in spec:
        data = COMPRESSORS[spec["compress"]](data)
    if "truncate" in spec:
        data = data[: int(len(data) * spec["truncate"])]
    return data


def lay_out(spec: dict, folder: Path) -> None:
    name = os.fsdecode(bytes.fromhex(spec["name_hex"])) if "name_hex" in spec else spec["name"]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    special = spec.get("special")
    if special == "fifo":
        os.mkfifo(path)
    elif special == "link":
        path.symlink_to(spec["target"])
    elif special == "socket":
        here = os.getcwd()
        os.chdir(path.parent)  # a socket path must be short
        try:
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(path.name)
            sock.close()
        finally:
            os.chdir(here)
    elif special == "unreadable":
        path.chmod(0)
    elif special == "nested":
        for _ in range(spec["depth"]):  # os.makedirs would recurse once per level
            path.mkdir()
            path = path / "d"
        path.with_name(spec["leaf"]).write_bytes(content(spec))
    else:
        path.write_bytes(content(spec))
        if "mode" in spec:
            path.chmod(spec["mode"])


def expand(text: str, where: dict[str, Path], escape=str) -> str:
    for key, path in where.items():
        text = text.replace("{" + key + "}", escape(str(path)))
    return text


def pattern(text: str, where: dict[str, Path]) -> str:
    """A message pattern of a case, with its folders filled in literally."""
    return expand(text, where, re.escape)


def without_capabilities() -> tuple[str, ...]:
    """As root, permissions are not checked; drop the capabilities that skip them."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a folder cannot be made unreadable")
    caps = "-dac_override,-dac_read_search"
    return ("setpriv", "--bounding-set", caps, "--inh-caps", caps, "--")


@pytest.fixture(scope="module")
def good_pair(tmp_path_factory) -> dict:
    """The two good documents' pair, from a run with nothing else in the folder."""
    folder = tmp_path_factory.mktemp("good")
    write_good_pair(folder)
    result = dedup(["scan", str(folder), "--format", "json", "--jobs", "1"], cwd=folder)
    assert result.returncode == 0, result.stderr.decode()
    pair = pair_of(json.loads(result.stdout), *GOOD)
    assert pair is not None
    return pair


def pair_of(output: dict, a: str, b: str) -> dict | None:
    return next((p for p in output["pairs"] if {p["a"], p["b"]} == {a, b}), None)


def clean_up(specs: list[dict], folder: Path) -> None:
    """Undo what pytest's clean-up cannot: unreadable folders, very deep trees."""
    for spec in specs:
        path = folder / spec.get("name", "")
        if (spec.get("special") == "unreadable" or "mode" in spec) and path.exists():
            path.chmod(stat.S_IRWXU)
        elif spec.get("special") == "nested":
            levels = [path]
            while (levels[-1] / "d").is_dir():
                levels.append(levels[-1] / "d")
            for level in reversed(levels):  # bottom up: shutil.rmtree would recurse too deep
                if level.is_dir():
                    for child in level.iterdir():
                        if not child.is_dir():
                            child.unlink()
                    level.rmdir()


def run_case(case: dict, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict[str, Path]]:
    """Lay out the case beside the good pair and run the command line on it."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    where = {"dir": corpus, "outside": outside}
    write_good_pair(corpus)
    wrapper: tuple[str, ...] = ()
    try:
        for spec in case.get("files", []):
            lay_out(spec, outside if spec.get("outside") else corpus)
            if spec.get("special") == "unreadable" or "mode" in spec:
                wrapper = without_capabilities()
        if "config" in case:
            (tmp_path / case["config"]["name"]).write_text(case["config"]["text"], encoding="utf-8")
        argv = case.get("argv") or ["scan", str(corpus), *case.get("extra_paths", []), "--format", "json", "--jobs", "1", *case.get("args", [])]
        stdin = content(case["stdin"]) if "stdin" in case else b""
        return dedup([expand(arg, where) for arg in argv], cwd=tmp_path, stdin=stdin, wrapper=wrapper), where
    finally:
        clean_up(case.get("files", []), corpus)


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_hostile_input_costs_only_itself(case_file: Path, tmp_path: Path, good_pair: dict) -> None:
    case = json.loads(case_file.read_text(encoding="utf-8"))
    result, where = run_case(case, tmp_path)
    stderr, stdout = result.stderr.decode("utf-8"), result.stdout.decode("utf-8")  # strict: output is valid UTF-8

    assert "Traceback" not in stderr, stderr
    assert "\x1b" not in stderr  # escape sequences from ids or names never reach the terminal raw
    assert result.returncode == case["exit"], stderr
    for expected in case["stderr"]:
        assert re.search(pattern(expected, where), stderr), f"{expected!r} not in:\n{stderr[:3000]}"
    if not case["stderr"]:
        assert stderr == ""  # read as it should be: nothing to warn about
    for unexpected in case.get("not_stderr", []):
        assert not re.search(pattern(unexpected, where), stderr), unexpected
    for expected in case.get("stdout", []):
        assert re.search(expected, stdout), expected
    if case["exit"] == 2 or case.get("argv"):
        return

    output = json.loads(stdout)
    assert pair_of(output, *GOOD) == good_pair  # the good documents are paired exactly as before
    ids = {doc["id"] for doc in output["documents"]}
    expected = [doc if isinstance(doc, str) else "".join(part * n for part, n in doc) for doc in case.get("documents", [])]
    assert set(expected) <= ids, set(expected) - ids
    assert not set(case.get("absent", [])) & ids
    for a, b, relation in case.get("pairs", []):
        found = pair_of(output, a, b)
        assert found is not None and found["relation"] == relation, found
    for key, value in case.get("summary", {}).items():
        assert output["summary"][key] == value
    if "problem_records" in case:
        assert len(output["problems"]) == case["problem_records"]
