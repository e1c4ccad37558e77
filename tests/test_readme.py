"""The README and docs/ stay true: every link resolves, every command and
flag they show exists, and the examples on the sample corpus print what
they show."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import ROOT

from dedup.cli import main

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.S | re.M)
FLAG = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9-]*)")
ELAPSED = re.compile(r"\(\d+\.\d+ s\)")


def slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def links() -> list[tuple[Path, str]]:
    found = []
    for page in PAGES:
        text = FENCE.sub("", page.read_text(encoding="utf-8"))
        found += [(page, target) for target in LINK.findall(text) if "://" not in target]
    return found


@pytest.mark.parametrize(("page", "target"), links(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_link_resolves(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    assert linked.exists(), f"{page.name} links to {path}, which does not exist"
    assert ROOT in linked.parents or linked == ROOT, f"{page.name} links outside the repository: {target}"
    if anchor:
        assert anchor in anchors(linked), f"{page.name} links to #{anchor}, not a heading of {linked.name}"


def dedup_lines() -> list[tuple[str, str]]:
    """Every command line of a code block in README.md and docs/ that calls dedup."""
    found = []
    for page in PAGES:
        for kind, block in FENCE.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if kind == "console":  # the rest of a console block is output
                    if not line.startswith("$ "):
                        continue
                    line = line.removeprefix("$ ")
                if line.startswith("dedup ") or line.startswith(".venv/bin/dedup "):
                    found.append((page.name, line))
    return found


def resolve(words: list[str]) -> click.Command:
    command: click.Command = main
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
    return command


@pytest.mark.parametrize(("page", "line"), dedup_lines())
def test_documented_command_and_flags_exist(page: str, line: str) -> None:
    line = line.split(" #", 1)[0].split(" > ", 1)[0]
    words = line.split()[1:]
    command = resolve(words)
    assert command is not main, f"{page}: `{line}` names no dedup command"
    options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    options |= {"--help", "-h"}
    for flag in FLAG.findall(" ".join(words)):
        assert flag in options, f"{page}: `{line}`: dedup {command.name} has no option {flag}"


def console_examples() -> list[tuple[str, list[str]]]:
    """The README's console examples that run on the sample corpus: the
    command and the output lines it shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = []
    for kind, block in FENCE.findall(readme):
        lines = block.splitlines()
        if kind != "console" or len(lines) < 2 or lines[1].startswith("$"):
            continue
        command = lines[0].removeprefix("$ ")
        if command.split()[:1] == ["dedup"] and command.split()[-1] == "corpus/":
            shown = []
            for line in lines[1:]:
                if line.startswith("$ "):
                    break
                shown.append(line)
            examples.append((command, shown))
    return examples


def test_readme_has_console_examples_on_the_sample_corpus() -> None:
    assert {command for command, _ in console_examples()} >= {"dedup scan corpus/", "dedup boilerplate corpus/"}


@pytest.mark.parametrize(("command", "shown"), console_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_readme_example_prints_what_it_shows(command: str, shown: list[str]) -> None:
    width = max(len(line) for line in shown)
    env = {**os.environ, "COLUMNS": str(max(width, 80)), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    argv = [sys.executable, "-m", "dedup", *command.split()[1:]]
    if any("--jobs" in param.opts for param in resolve(command.split()[1:]).params):
        argv += ["--jobs", "1"]
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = iter(ELAPSED.sub("", line).rstrip() for line in result.stdout.splitlines())
    for line in shown:
        if line.strip() == "…":
            continue
        expected = ELAPSED.sub("", line).rstrip()
        assert any(expected == got for got in printed), f"`{command}` no longer prints, in order: {line!r}"
