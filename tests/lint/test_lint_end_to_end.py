"""`dedup lint` in a real git repository, through the real command line (subprocesses).

A corpus, its index and a baseline are committed; a pull request then adds
documents: a near duplicate, a sentence-by-sentence rewrite and an unrelated
report on the same events. Findings, the baseline and ``--diff-against``
are checked as CI would see them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

DEDUP = [sys.executable, "-m", "dedup"]
SOURCE = "001_1edf69fc7060fb53.txt"  # 000 rewrites it sentence by sentence
REWRITE = "000_8aaba136161a1b97.txt"
COPIED = "002_85f222fb594773e3.txt"
UNRELATED = "004_bac3f4e92aee2676.txt"  # the same events, its own words
INDEXED = (SOURCE, COPIED, "003_10ec13a8d29864e3.txt")
INDEX = "corpus.dedup"
BASELINE = ".dedup-baseline.json"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def dedup(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([*DEDUP, *args], cwd=repo, capture_output=True, text=True, env=env)


def lint_json(repo: Path, *args: str) -> tuple[int, dict]:
    done = dedup(repo, "lint", *args, "--index", INDEX, "--baseline", BASELINE, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def near_copy(text: str) -> str:
    """Light edits: a few words changed, as an outlet reprinting a story does."""
    return text.replace("Zelensky", "Zelenskyy", 2).replace("Tuesday", "Wednesday", 1).replace("said", "stated", 2)


def unaligned_line(repo: Path, rewrite: str, source: str) -> int:
    """A line of the rewrite that shares nothing with its source (to edit without touching the finding)."""
    done = dedup(repo, "diff", rewrite, source, "--format", "json")
    shared = [(p["a_start"], p["a_end"]) for p in json.loads(done.stdout)["passages"]]
    text = (repo / rewrite).read_text(encoding="utf-8")
    offset = 0
    for number, line in enumerate(text.split("\n")):
        end = offset + len(line)
        if len(line.split()) >= 12 and not any(a < end and b > offset for a, b in shared):
            return number
        offset = end + 1
    raise AssertionError("the rewrite has no line of its own")


@pytest.fixture(scope="module")
def committed(tmp_path_factory) -> Path:
    """A repository with the corpus, its index and a baseline committed
    (built once: each test works on a copy of it)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("committed") / "news"
    (repo / "corpus").mkdir(parents=True)
    for name in INDEXED:
        shutil.copy(CORPUS / name, repo / "corpus" / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.org")
    git(repo, "config", "user.name", "CI")
    (repo / "pyproject.toml").write_text(f'[tool.dedup.lint]\ninclude = ["corpus/*", "new/*"]\n', encoding="utf-8")
    assert dedup(repo, "index", "build", "corpus", "-o", INDEX).returncode == 0
    done = dedup(repo, "baseline", "corpus", "--index", INDEX, "-o", BASELINE)
    assert done.returncode == 0, done.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "corpus, index and baseline")
    (repo / "new").mkdir()
    return repo


@pytest.fixture()
def repo(committed: Path, tmp_path: Path) -> Path:
    """A copy of the committed repository for one test to change."""
    return Path(shutil.copytree(committed, tmp_path / "news", symlinks=True))


def test_pull_request_lint_flow(repo: Path) -> None:
    # The committed corpus lints clean against its own index.
    assert dedup(repo, "lint", "corpus", "--index", INDEX, "--baseline", BASELINE).returncode == 0

    near = repo / "new" / "reprint.txt"
    near.write_text(near_copy((CORPUS / COPIED).read_text(encoding="utf-8")), encoding="utf-8")
    done = dedup(repo, "lint", "new/reprint.txt", "--index", INDEX, "--baseline", BASELINE)
    assert done.returncode == 1, done.stdout + done.stderr
    line = done.stdout.splitlines()[0]
    assert line.startswith("new/reprint.txt:") and " DUP002 " in line and f"corpus/{COPIED}" in line

    rewrite = repo / "new" / "rewrite.txt"
    shutil.copy(CORPUS / REWRITE, rewrite)
    code, report = lint_json(repo, "new/rewrite.txt")
    assert code == 1
    [finding] = report["findings"]
    assert finding["rule"] == "DUP004" and finding["relation"] == "rewrite"
    assert (finding["document"]["path"], finding["other"]["path"]) == ("new/rewrite.txt", f"corpus/{SOURCE}")
    assert finding["source"] == f"corpus/{SOURCE}"

    shutil.copy(CORPUS / UNRELATED, repo / "new" / "analysis.txt")
    assert dedup(repo, "lint", "new/analysis.txt", "--index", INDEX, "--baseline", BASELINE).returncode == 0

    # Accept the rewrite: it no longer fails the run; the reprint still does.
    done = dedup(repo, "baseline", "new/rewrite.txt", "--index", INDEX, "-o", BASELINE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(": 1 finding accepted in 1 document")
    code, report = lint_json(repo, "new/rewrite.txt")
    assert (code, report["findings"], report["summary"]["baselined"]) == (0, [], 1)

    # Edit a paragraph the finding does not touch, and rename the file: still accepted.
    number = unaligned_line(repo, "new/rewrite.txt", f"corpus/{SOURCE}")
    lines = rewrite.read_text(encoding="utf-8").split("\n")
    lines[number] = "An editor's note added later: this paragraph was rewritten in the newsroom and says something else entirely now."
    (repo / "new" / "rewrite-renamed.txt").write_text("\n".join(lines), encoding="utf-8")
    rewrite.unlink()
    code, report = lint_json(repo, "new/rewrite-renamed.txt")
    assert (code, report["findings"], report["summary"]["baselined"]) == (0, [], 1)

    # The same findings from the files a commit adds, with no file list.
    explicit_code, explicit = lint_json(repo, "new/reprint.txt", "new/rewrite-renamed.txt", "new/analysis.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "three new documents")
    code, diffed = lint_json(repo, "--diff-against", "HEAD~1")
    assert code == explicit_code == 1
    assert diffed["summary"]["documents"] == 3
    assert diffed["findings"] == explicit["findings"]
    assert [f["rule"] for f in diffed["findings"]] == ["DUP002"]

    # A document not yet added to git is a change of the working tree too.
    (repo / "new" / "unadded.txt").write_text((CORPUS / SOURCE).read_text(encoding="utf-8"), encoding="utf-8")
    code, unadded = lint_json(repo, "--diff-against", "HEAD")
    assert code == 1 and unadded["summary"]["documents"] == 1
    assert {f["document"]["path"] for f in unadded["findings"]} == {"new/unadded.txt"}
    (repo / "new" / "unadded.txt").unlink()

    # Unrelated text under the name the rewrite was accepted with: the entry is stale, and said so.
    shutil.copy(CORPUS / UNRELATED, repo / "new" / "rewrite.txt")
    done = dedup(repo, "lint", "new/rewrite.txt", "--index", INDEX, "--baseline", BASELINE)
    assert done.returncode == 0
    assert "stale baseline entry DUP004" in done.stdout


def test_lint_writes_sarif_to_a_file_and_quiet_hides_input_notes(repo: Path) -> None:
    """-o writes the report whole to a file (stdout stays empty) with the same
    exit code; -q drops the note about an unreadable input, -v adds the run's
    figures on stderr."""
    new = repo / "new"
    (new / "copy.txt").write_text(near_copy((CORPUS / COPIED).read_text(encoding="utf-8")), encoding="utf-8")
    (new / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 64)
    done = dedup(repo, "lint", "new", "--index", INDEX, "--format", "sarif", "-o", "lint.sarif")
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "blob.txt" in done.stderr
    sarif = json.loads((repo / "lint.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DUP002"]
    quiet = dedup(repo, "lint", "new", "--index", INDEX, "-q")
    assert quiet.returncode == 1
    assert "blob.txt" not in quiet.stderr and "DUP002" in quiet.stdout
    verbose = dedup(repo, "lint", "new", "--index", INDEX, "--baseline", BASELINE, "-v")
    assert "linted 1 document in" in verbose.stderr
    # the settings it names are the run's: the index and baseline given on the command line
    assert f"index='{INDEX}'" in verbose.stderr and f"baseline='{BASELINE}'" in verbose.stderr


def test_an_indexed_file_linted_again_stands_for_its_indexed_copy(repo: Path) -> None:
    # a change that edits an indexed file and adds a reprint of it: the reprint is a copy of the file as it is
    # now, reported once, not again against the file's indexed copy
    indexed = repo / "corpus" / COPIED
    indexed.write_text(indexed.read_text(encoding="utf-8") + "\nA correction was appended to this story.\n", encoding="utf-8")
    near = repo / "new" / "reprint.txt"
    near.write_text(near_copy((CORPUS / COPIED).read_text(encoding="utf-8")), encoding="utf-8")
    code, report = lint_json(repo, f"corpus/{COPIED}", "new/reprint.txt")
    assert code == 1
    about_reprint = [f for f in report["findings"] if f["document"]["path"] == "new/reprint.txt"]
    assert [(f["rule"], f["other"]["path"]) for f in about_reprint] == [("DUP002", f"corpus/{COPIED}")]
