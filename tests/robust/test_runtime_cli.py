"""The run survives what goes wrong while it runs, through the real command
line (a subprocess): a stage failing on one document or pair, an internal
error, SIGTERM and Ctrl-C in the middle of a scan."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import WORDS, edit_words, synthetic_text

HERE = Path(__file__).resolve().parent
DEDUP = [sys.executable, "-m", "dedup"]
MARKER = "QQFAULTQQ"


def injected(stage: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """The real command line with ``stage`` failing on documents holding MARKER."""
    command = [sys.executable, str(HERE / "fault_injection.py"), stage, MARKER, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def faulty_corpus(tmp_path_factory) -> Path:
    """a/b a partial copy, c/d near duplicates, x (with MARKER) a partial copy of c, e alone."""
    a, c = synthetic_text(11), synthetic_text(12)
    rows = [
        ("a", a),
        ("b", "\n\n".join(a.split("\n\n")[:3] + synthetic_text(21).split("\n\n")[:3])),
        ("c", c),
        ("d", edit_words(c, 0.03, 5)),
        ("x", "\n\n".join(c.split("\n\n")[:2] + synthetic_text(22).split("\n\n")[:4]) + f" {MARKER}"),
        ("e", synthetic_text(13)),
    ]
    path = tmp_path_factory.mktemp("faults") / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows))
    return path


@pytest.fixture(scope="module")
def clean_run(faulty_corpus: Path) -> dict:
    """The scan of the corpus with nothing failing."""
    clean = injected("none", "scan", str(faulty_corpus), "--format", "json", "-j1")
    assert clean.returncode == 0, clean.stderr
    return json.loads(clean.stdout)


def _without(pairs: list[dict], doc: str) -> list[dict]:
    return [p for p in pairs if doc not in (p["a"], p["b"])]


@pytest.mark.parametrize("stage, reported", [("fingerprint", ["x"]), ("boilerplate", ["x"]), ("passages", ["c ↔ x", "d ↔ x"])])
def test_a_stage_failing_on_one_document_or_pair_costs_only_that_item(faulty_corpus: Path, clean_run: dict, stage: str, reported: list[str]) -> None:
    expected = clean_run
    assert expected["summary"]["processing_errors"] == 0
    assert len(_without(expected["pairs"], "x")) == 2  # a/b and c/d: the good pairs to keep
    outputs = []
    for jobs in ("1", "2"):
        run = injected(stage, "scan", str(faulty_corpus), "--format", "json", "-j", jobs)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        for origin in reported:
            assert f"dedup: {origin}: {stage} failed on this" in run.stderr
        found = json.loads(run.stdout)
        faults = [p for p in found["problems"] if p.get("stage") == stage]
        assert [p["origin"] for p in faults] == reported
        assert found["summary"]["processing_errors"] == len(reported)
        # every pair without the failing document: as in the clean run, figures included
        assert _without(found["pairs"], "x") == _without(expected["pairs"], "x")
        outputs.append((found["pairs"], found["problems"], found["summary"]))
    assert outputs[0] == outputs[1]  # the same for any --jobs


def test_the_terminal_report_counts_the_failures(faulty_corpus: Path) -> None:
    run = injected("fingerprint", "scan", str(faulty_corpus), "-j1", env=dict(os.environ, COLUMNS="200"))
    assert run.returncode == 0
    assert "1 processing error (see messages above)" in run.stdout


def test_debug_shows_the_traceback_of_a_failed_document(faulty_corpus: Path) -> None:
    run = injected("boilerplate", "scan", str(faulty_corpus), "--format", "json", "-j1", "--debug")
    assert run.returncode == 0
    assert "traceback of x (boilerplate)" in run.stderr
    assert "RuntimeError: a defect met on this input" in run.stderr


def test_an_internal_error_is_one_line_and_exit_2_and_debug_shows_the_traceback(faulty_corpus: Path) -> None:
    run = injected("assemble", "scan", str(faulty_corpus), "-j1")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "dedup: error: internal error: RuntimeError: a defect met on this input (run with --debug for the traceback)"
    ]
    run = injected("assemble", "--debug", "scan", str(faulty_corpus), "-j1")
    assert run.returncode == 2
    assert "Traceback (most recent call last)" in run.stderr and "_assemble" in run.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_an_error_with_exit_2(faulty_corpus: Path) -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run([*DEDUP, "scan", str(faulty_corpus), "--format", "json", "-j1"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "No space left on device" in run.stderr


# --- signals ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """20,000 documents of 150 words: a scan of them takes seconds."""
    rng = random.Random(7)
    vocabulary = WORDS + [f"w{k}" for k in range(3000)]
    path = tmp_path_factory.mktemp("big") / "corpus.jsonl"
    with path.open("w") as out:
        for k in range(20_000):
            out.write(json.dumps({"id": f"doc{k}", "text": " ".join(rng.choices(vocabulary, k=150))}) + "\n")
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum, code, message", [(signal.SIGTERM, 143, "dedup: terminated"), (signal.SIGINT, 130, "dedup: interrupted")])
def test_a_signal_mid_scan_stops_the_workers_and_removes_the_spill_folder(big_corpus: Path, tmp_path: Path, signum, code, message) -> None:
    spill = tmp_path / "tmp"
    spill.mkdir()
    env = dict(os.environ, TMPDIR=str(spill))
    scan = subprocess.Popen(
        [*DEDUP, "scan", str(big_corpus), "-j2", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and not (len(workers) >= 2 and any(spill.iterdir())):
            assert scan.poll() is None, "the scan ended before it could be stopped"
            workers = _children(scan.pid)
            time.sleep(0.05)
        assert len(workers) >= 2 and [p.name for p in spill.iterdir()][0].startswith("dedup-")
        if signum == signal.SIGINT:
            os.killpg(scan.pid, signum)  # Ctrl-C: the terminal signals the whole group
        else:
            scan.send_signal(signum)
        _, stderr = scan.communicate(timeout=60)
    finally:
        if scan.poll() is None:
            scan.kill()
    assert scan.returncode == code
    assert "Traceback" not in stderr.decode()
    assert message in stderr.decode()
    assert not [pid for pid in workers if _alive(pid)]
    assert list(spill.iterdir()) == []


def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(big_corpus: Path) -> None:
    scan = subprocess.Popen(
        [*DEDUP, "scan", str(big_corpus), "--no-passages", "--no-boilerplate", "-j1", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert scan.stdout.read(100).startswith(b"{")
    scan.stdout.close()  # as `| head -c 100` does
    stderr = scan.stderr.read().decode()
    assert scan.wait(timeout=300) == 141
    assert stderr == ""


def test_the_boilerplate_command_reports_a_document_it_fails_on_and_goes_on(faulty_corpus: Path) -> None:
    run = injected("boilerplate", "boilerplate", str(faulty_corpus), "--format", "json")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "dedup: x: boilerplate failed on this document" in run.stderr
    found = json.loads(run.stdout)
    assert [p["origin"] for p in found["problems"]] == ["x"]
    assert [d["id"] for d in found["documents"]] == ["a", "b", "c", "d", "x", "e"]


@pytest.fixture(scope="module")
def reuse_corpus(tmp_path_factory) -> Path:
    """1,000 documents of 25 sentences drawn from 1,500: many shared passages to align."""
    rng = random.Random(5)
    sentences = [" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "." for _ in range(1500)]
    path = tmp_path_factory.mktemp("reuse") / "corpus.jsonl"
    with path.open("w") as out:
        for k in range(1000):
            out.write(json.dumps({"id": f"doc{k}", "text": " ".join(rng.choices(sentences, k=25))}) + "\n")
    return path


def test_ctrl_c_while_the_passage_pairs_are_aligned_stops_the_workers_before_their_documents_go(reuse_corpus: Path, tmp_path: Path) -> None:
    # Before, the document store was removed while the workers still aligned pairs read from it: each printed a traceback.
    spill = tmp_path / "tmp"
    spill.mkdir()
    scan = subprocess.run(
        [sys.executable, str(HERE / "interrupt_while_aligning.py"), "scan", str(reuse_corpus), "-j2", "--format", "json"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ, TMPDIR=str(spill)),
    )
    assert scan.returncode == 130, scan.stderr
    assert "workers alive when the document store went" not in scan.stderr
    assert "Traceback" not in scan.stderr
    assert scan.stderr.strip().splitlines()[-1] == "dedup: interrupted"
    assert list(spill.iterdir()) == []
