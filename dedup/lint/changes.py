"""The files a git comparison adds or changes, for ``dedup lint --diff-against REF``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dedup.io.corpus import HTML_SUFFIXES, JSONL_SUFFIXES, TEXT_SUFFIXES
from dedup.lint.errors import LintError

_READABLE = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as err:
        raise LintError(f"cannot run git ({err.strerror}); --diff-against needs git on PATH") from None
    if done.returncode != 0:
        raise LintError(f"git {' '.join(args[:2])} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def changed_files(ref: str) -> list[str]:
    """Readable files that the working tree adds, changes or renames relative to ``ref``.

    Committed and uncommitted changes both count (``git diff REF``), and so
    do new files not yet added to git (not those it ignores); deleted files
    do not. Paths are relative to the working folder, sorted.

    Raises:
        LintError: If ``ref`` is not a commit of the repository or git fails.
    """
    if not ref or ref.startswith("-"):
        raise LintError(f"--diff-against: {ref!r} is not a git revision")
    try:
        _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except LintError:
        raise LintError(f"--diff-against: {ref!r} is not a commit of this repository (in CI, fetch it first: git fetch origin main)") from None
    listed = _git("diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", "--relative", ref, "--")
    # git diff lists only what git tracks: a document just written to the working tree is new too.
    untracked = _git("ls-files", "--others", "--exclude-standard", "-z")
    files = {name for name in (listed + "\0" + untracked).split("\0") if name and name.lower().endswith(_READABLE)}
    return sorted(name for name in files if Path(name).is_file())
