"""A document longer than ``max_chars`` is read as parts ``<id>#1``, ...;
a part never takes the id of another document: the parts take one ``#``
more when a record read before holds one of their names, and a record read
after with a part's name is a repeated id (skipped in the same file,
qualified by its file in another). Every reader gives the same documents
and problems: the main process, the local workers reading byte ranges,
and the workers of a distributed engine reading shards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import synthetic_text

from dedup import scan
from dedup.config import BoilerplateSettings, PassageSettings, Settings
from dedup.document import Document
from dedup.engine import LocalEngine
from dedup.io.problems import ProblemLog
from dedup.scan import scan_corpus, scan_documents

MAX_CHARS = 3000
LONG = "\n\n".join(synthetic_text(seed, words=300) for seed in range(3))  # 2 parts of at most MAX_CHARS


def colliding_corpus(folder: Path) -> None:
    """Ids that equal the names of another document's parts, before it,
    after it in the same file and in another record file."""
    first = [
        {"id": "M#1", "text": synthetic_text(10, words=80)},  # read before M: M's parts take "##"
        {"id": "M", "text": LONG},
        {"id": "L", "text": LONG.replace("a", "e")},
        {"id": "L#1", "text": synthetic_text(11, words=80)},  # after L, same file: a repeated id
        {"id": "x", "text": synthetic_text(12, words=80)},
    ]
    second = [
        {"id": "L#2", "text": synthetic_text(13, words=80)},  # another file: qualified by it
        {"id": "M##2", "text": synthetic_text(14, words=80)},
    ]
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in second), encoding="utf-8")


def document_level() -> Settings:
    return Settings(max_chars=MAX_CHARS, passages=PassageSettings(enabled=False), boilerplate=BoilerplateSettings(enabled=False))


def scanned(paths: list[str], settings: Settings, engine: LocalEngine) -> tuple[dict, list]:
    met: list = []
    out = scan_corpus(paths, settings, engine=engine, problems=ProblemLog(met.append)).to_dict()
    out.pop("timing")
    return out, [(p.origin, p.message) for p in met]


@pytest.mark.parametrize("default", [False, True], ids=["document-level", "default"])
def test_parts_never_take_another_documents_id_whatever_reads_the_inputs(tmp_path, monkeypatch, default):
    colliding_corpus(tmp_path)
    settings = Settings(max_chars=MAX_CHARS) if default else document_level()
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    runs = {"ranges": scanned(paths, settings, LocalEngine(2))}
    with monkeypatch.context() as patched:
        patched.setattr(scan, "plan", lambda *args: None)
        runs["main process"] = scanned(paths, settings, LocalEngine(2))
    if not default:  # the workers of a distributed engine read shards at document level
        runs["shards"] = scanned(paths, settings, LocalEngine(2, distributed=True))
    out, met = runs["ranges"]
    for name, run in runs.items():
        assert run == (out, met), name
    ids = [d["id"] for d in out["documents"]]
    assert len(ids) == len(set(ids))
    assert ids == ["M#1", "M##1", "M##2", "L#1", "L#2", "x", "b.jsonl:L#2", "b.jsonl:M##2"]
    messages = [message for _, message in met]
    assert "read as 2 parts, 'M##1' to 'M##2'" in messages[0] and "'L#1' to 'L#2'" in messages[1]
    assert met[2][0].endswith("a.jsonl:4") and "duplicate id 'L#1'" in messages[2] and "as a part of 'L'" in messages[2]
    assert out["summary"]["skipped_inputs"] == 1 and out["summary"]["split_documents"] == 2


def test_documents_given_in_memory_keep_their_ids_and_the_parts_avoid_them():
    docs = [Document("L", LONG), Document("L#1", synthetic_text(11, words=80)), Document("L##2", synthetic_text(12, words=80))]
    out = scan_documents(docs, document_level()).to_dict()
    assert [d["id"] for d in out["documents"]] == ["L###1", "L###2", "L#1", "L##2"]


def test_the_cli_names_the_parts_it_renamed(tmp_path):
    colliding_corpus(tmp_path)
    (tmp_path / "setup.cfg").write_text(f"[dedup]\nmax_chars = {MAX_CHARS}\n", encoding="utf-8")
    command = [sys.executable, "-m", "dedup", "scan", "a.jsonl", "--format", "json", "-o", "out.json", "--no-progress"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "'M##1' to 'M##2'" in result.stderr and "duplicate id 'L#1'" in result.stderr
    ids = [d["id"] for d in json.loads((tmp_path / "out.json").read_text())["documents"]]
    assert len(ids) == len(set(ids)) and "M#1" in ids and "M##1" in ids


def test_parts_given_a_longer_mark_never_take_the_names_of_another_documents_parts(tmp_path, monkeypatch):
    """'x#1' read first gives the parts of 'x' the mark '##', which the parts
    of 'x#' (read before 'x') already took: 'x' takes '###', however the
    inputs are read."""
    records = [
        {"id": "x#1", "text": synthetic_text(20, words=80)},
        {"id": "x#", "text": LONG},
        {"id": "x", "text": LONG.replace("a", "o")},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    paths, settings = [str(tmp_path / "a.jsonl")], document_level()
    runs = {"ranges": scanned(paths, settings, LocalEngine(2)), "shards": scanned(paths, settings, LocalEngine(2, distributed=True))}
    with monkeypatch.context() as patched:
        patched.setattr(scan, "plan", lambda *args: None)
        runs["main process"] = scanned(paths, settings, LocalEngine(2))
    for name, (out, _) in runs.items():
        assert [d["id"] for d in out["documents"]] == ["x#1", "x##1", "x##2", "x###1", "x###2"], name
    assert runs["shards"] == runs["ranges"] == runs["main process"]
