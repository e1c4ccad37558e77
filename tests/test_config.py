"""Settings: defaults, config files, flags, and errors that name the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import synthetic_text

from dedup.config import ConfigError, Settings, find_config, load_settings


def test_defaults_are_recorded() -> None:
    settings = load_settings(folder="/nonexistent-folder-for-test")
    assert settings == Settings()
    assert settings.to_dict()["num_perm"] == 128 and settings.candidate_threshold == pytest.approx(0.7)


def test_setup_cfg_section_then_flags(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nthreshold = 0.7\nngram = 4\npassages.enabled = no\n", encoding="utf-8")
    settings = load_settings({"ngram": 3, "seed": None}, folder=tmp_path)
    assert (settings.threshold, settings.ngram, settings.seed) == (0.7, 3, 1)
    assert settings.passages.enabled is False


def test_pyproject_table_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nthreshold = 0.7\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.9\n[tool.dedup.passages]\nenabled = false\n", encoding="utf-8")
    settings = load_settings(folder=tmp_path)
    assert settings.threshold == 0.9 and settings.passages.enabled is False


@pytest.mark.parametrize(
    "body, message",
    [
        ("[dedup]\nthreshhold = 0.5\n", "unknown setting 'threshhold'"),
        ("[dedup]\nngram = five\n", "'five' is not a valid"),
        ("[dedup]\nthreshold = 1.5\n", "threshold must be in (0, 1]"),
        ("[dedup]\npassages.nope = 1\n", "unknown setting 'passages.nope'"),
    ],
)
def test_bad_settings_name_the_file(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "setup.cfg").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(folder=tmp_path)
    assert message in str(err.value) and "setup.cfg" in str(err.value)


def test_unparseable_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot parse"):
        load_settings(folder=tmp_path)


def test_config_is_found_upward_and_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nthreshold = 0.6\n", encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "docs" / "deep").mkdir(parents=True)
    assert load_settings(folder=repo / "docs" / "deep").threshold == 0.6  # no .git: the search goes on up
    (repo / ".git").mkdir()
    assert load_settings(folder=repo / "docs" / "deep").threshold == 0.8  # stops at the repository root
    (repo / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.75\n", encoding="utf-8")
    found = find_config(repo / "docs" / "deep")
    assert found.path == str(repo / "pyproject.toml") and load_settings(config=found).threshold == 0.75


def test_both_files_warn_and_name_the_ignored_section(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nngram = 3\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.9\n", encoding="utf-8")
    found = find_config(tmp_path)
    assert found.values == {"threshold": 0.9}
    [warning] = found.warnings
    assert str(tmp_path / "setup.cfg") in warning and "[dedup] section is ignored" in warning
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n", encoding="utf-8")
    assert find_config(tmp_path).values == {"ngram": "3"} and not find_config(tmp_path).warnings


def test_cli_prints_the_warning(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "setup.cfg").write_text("[dedup]\nngram = 3\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.dedup.lint]\nignore = ['BOIL001']\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("one two three four five six seven eight nine ten", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "a.txt"])
    assert result.exit_code == 0
    assert "setup.cfg: the [dedup] section is ignored" in result.stderr


def test_explicit_config_file(tmp_path: Path) -> None:
    (tmp_path / "lint.cfg").write_text("[dedup]\nlint.select = DUP001, dup002\nlint.boilerplate_share = 0.4\n", encoding="utf-8")
    settings = load_settings(config=find_config(tmp_path, tmp_path / "lint.cfg"))
    assert settings.lint.rules == ("DUP001", "DUP002") and settings.lint.boilerplate_share == 0.4
    (tmp_path / "other.toml").write_text("[tool.dedup.lint]\nignore = ['DUP004']\ninclude = ['corpus/*']\n", encoding="utf-8")
    settings = load_settings(config=find_config(tmp_path, tmp_path / "other.toml"))
    assert "DUP004" not in settings.lint.rules and settings.lint.include == ("corpus/*",)
    with pytest.raises(ConfigError, match="no such configuration file"):
        find_config(tmp_path, tmp_path / "missing.cfg")
    (tmp_path / "empty.cfg").write_text("[other]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no \\[dedup\\] section"):
        find_config(tmp_path, tmp_path / "empty.cfg")
    (tmp_path / "bad.cfg").write_text("[dedup]\nlint.select = DUP009\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown rule DUP009"):
        load_settings(config=find_config(tmp_path, tmp_path / "bad.cfg"))


@pytest.mark.parametrize(
    "file, body, message",
    [
        ("setup.cfg", "[dedup]\npassages = 5\n", "setting 'passages' is a group of settings, not a value"),
        ("setup.cfg", "[dedup]\nseed = -1\n", "seed must be between 0 and 4294967295, got -1"),
        ("setup.cfg", "[dedup]\nthreshold = 1e400\n", "setting 'threshold': '1e400' is not a valid float"),
        ("setup.cfg", "[dedup]\nngram = 2.5\n", "setting 'ngram': '2.5' is not a valid int"),
        ("pyproject.toml", "[tool.dedup]\npassages = 5\n", "setting 'passages' is a group of settings, not a value"),
        ("pyproject.toml", "[tool.dedup]\nnum_perm = 1e400\n", "setting 'num_perm': inf is not a valid int"),
        ("pyproject.toml", "[tool.dedup]\nthreshold = nan\n", "setting 'threshold': nan is not a valid float"),
        ("pyproject.toml", "[tool.dedup]\nseed = true\n", "setting 'seed': True is not a valid int"),
        ("pyproject.toml", "[tool.dedup]\nseed = 100000000000000000000000\n", "is not a valid int"),
        ("pyproject.toml", '[tool.dedup]\nngram = "five"\n', "setting 'ngram': 'five' is not a valid int"),
        ("pyproject.toml", "[tool.dedup]\nngram = [5]\n", "setting 'ngram': a list ([5]) where a whole number belongs"),
        ("pyproject.toml", "[tool.dedup.seed]\nx = 1\n", "setting 'seed': a table ({'x': 1}) where a whole number belongs"),
        ("pyproject.toml", "[tool.dedup.passages]\nenabled = {a = 1}\n", "setting 'passages.enabled': a table"),
        ("pyproject.toml", "[tool]\ndedup = 5\n", "'tool.dedup' must be a table"),
    ],
)
def test_wrongly_shaped_settings_name_the_file_and_key(tmp_path: Path, file: str, body: str, message: str) -> None:
    (tmp_path / file).write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(folder=tmp_path)
    assert message in str(err.value) and file in str(err.value)


def test_jobs_are_capped_at_four_per_core(tmp_path: Path) -> None:
    """A config asking for a hundred thousand workers starts at most four per
    core, through the real command line, and still scans."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(synthetic_text(3), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(tmp_path), "--jobs", "100000", "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["timing"]["workers"] <= 4 * (os.cpu_count() or 1)
    assert [p["relation"] for p in report["pairs"]] == ["exact_duplicate"]


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "{corpus}"],
        ["diff", "{first}", "{second}"],
        ["boilerplate", "{corpus}"],
        ["clean", "{corpus}", "-o", "{out}"],
        ["lint", "{corpus}"],
        ["index", "build", "{corpus}", "-o", "{out}.dedup"],
    ],
    ids=lambda command: " ".join(part for part in command if not part.startswith(("{", "-"))),
)
def test_every_command_reads_the_file_named_by_config(tmp_path: Path, command: list[str]) -> None:
    """--config FILE is read by every command that takes settings: a bad value in it stops the run with exit 2, naming the file."""
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    first, second = sorted(corpus.iterdir())[:2]
    (tmp_path / "bad.cfg").write_text("[dedup]\nthreshold = 7\n", encoding="utf-8")
    args = [part.format(corpus=corpus, first=first, second=second, out=tmp_path / "out") for part in command]
    done = subprocess.run([sys.executable, "-m", "dedup", *args, "--config", str(tmp_path / "bad.cfg")], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "bad.cfg" in done.stderr and "threshold" in done.stderr
    assert not (tmp_path / "out").exists()


def test_scan_takes_its_settings_from_the_config_file(tmp_path: Path) -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    (tmp_path / "other.cfg").write_text("[dedup]\nthreshold = 0.55\npassages.min_shared_chars = 150\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(corpus), "--config", "other.cfg", "--format", "json", "--no-progress"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    settings = json.loads(done.stdout)["settings"]
    assert settings["threshold"] == 0.55 and settings["passages"]["min_shared_chars"] == 150


def test_setup_cfg_group_sections_hold_dotted_settings(tmp_path: Path) -> None:
    """``[dedup.passages]`` in setup.cfg is read as ``passages.`` keys, not ignored; an unknown group or a key set twice is an error naming the file."""
    (tmp_path / "setup.cfg").write_text("[dedup]\nthreshold = 0.7\n\n[dedup.passages]\nmin_shared_chars = 150\n", encoding="utf-8")
    settings = load_settings(config=find_config(tmp_path))
    assert settings.threshold == 0.7 and settings.passages.min_shared_chars == 150
    (tmp_path / "setup.cfg").write_text("[dedup]\npassages.min_shared_chars = 120\n\n[dedup.passages]\nmin_shared_chars = 150\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="setup.cfg.*passages.min_shared_chars"):
        find_config(tmp_path)
    (tmp_path / "setup.cfg").write_text("[dedup.passage]\nmin_shared_chars = 150\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="setup.cfg"):
        load_settings(config=find_config(tmp_path))
