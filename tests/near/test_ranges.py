"""The scan whose local workers read byte ranges of the inputs gives the
scan of the main process reading them: the same documents, ids, pairs,
clusters, problems (in the order they were met) and faults, on messy
corpora cut into many ranges and on every hostile input of
tests/data/hostile/, at document level and by default (the workers then
write the documents the later stages read: the same documents, in the
same order); inputs one worker would read whole are read by the main
process."""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

import pytest
from conftest import synthetic_text

from dedup import scan
from dedup.config import Settings
from dedup.engine import LocalEngine
from dedup.io.problems import ProblemLog
from dedup.io.shards import Shard, _range_lines, count_lines
from dedup.near import ranges, sharded
from dedup.scan import scan_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_sharded import HOSTILE, assert_failed_once, failing_corpus, hostile_corpus, messy_corpus, workers_read, write_jsonl  # noqa: E402


def run(paths: list[str], settings, workers: int, encoding: str | None = None) -> tuple[dict, list]:
    """The scan's result without timing, its problems in the order met and
    (by default) the documents its later stages read."""
    met: list = []
    stored: list = []
    real = scan._text_stages

    def kept(docs, *args, **kwargs):
        stored.extend(docs)
        return real(docs, *args, **kwargs)

    scan._text_stages = kept
    try:
        result = scan_corpus(paths, settings, engine=LocalEngine(workers), problems=ProblemLog(met.append), encoding=encoding)
    finally:
        scan._text_stages = real
    out = result.to_dict()
    out.pop("timing")
    return out, met, stored


def both(settings) -> list:
    """``settings`` at document level and by default (passages and boilerplate on)."""
    return [workers_read(**settings), Settings(**settings)]


def both_readers(monkeypatch, paths: list[str], settings, workers: int = 2, encoding: str | None = None) -> tuple[tuple[dict, list], tuple[dict, list]]:
    """The scan with the main process reading, and with the workers reading ranges (checked to be taken)."""
    with monkeypatch.context() as patched:
        patched.setattr(scan, "plan", lambda *args: None)
        main_reads = run(paths, settings, workers, encoding)
    taken: list = []
    real = scan.read_in_workers

    def spied(*args, **kwargs):
        taken.append(True)
        return real(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(scan, "read_in_workers", spied)
        workers_read_it = run(paths, settings, workers, encoding)
    assert taken, "the workers did not read the inputs"
    return main_reads, workers_read_it


@pytest.mark.parametrize("default", [False, True], ids=["document-level", "default"])
@pytest.mark.parametrize("workers", [1, 3])
def test_a_messy_corpus_read_in_ranges_gives_the_same_scan(tmp_path, monkeypatch, workers, default):
    messy_corpus(tmp_path)
    write_jsonl(tmp_path / "2024-01-03.jsonl", [
        {"id": "2024-01-02.jsonl:4", "text": synthetic_text(1, words=80)},  # equals an id qualified before it
        {"id": "4", "text": synthetic_text(2, words=80)},  # qualified by its file
        {"id": 4, "text": synthetic_text(3, words=80)},  # and then a duplicate of that
        {"id": "x1", "text": synthetic_text(7, words=120), "url": "http://example.org/x"}, {"id": "x3", "text": "   "},
    ])
    monkeypatch.setattr(sharded, "MIN_SHARD_BYTES", 256)
    main_reads, workers_read_it = both_readers(monkeypatch, [str(tmp_path)], both({"max_chars": 3000})[default], workers)
    assert workers_read_it == main_reads
    out, _, stored = main_reads
    assert len(stored) == (len(out["documents"]) if default else 0)
    kinds = {p["kind"] for p in out["problems"]}
    assert {"duplicate-id", "empty", "malformed-json", "too-long"} <= kinds
    assert any(p.get("more") for p in out["problems"])
    assert {"2024-01-03.jsonl:2024-01-02.jsonl:4", "2024-01-03.jsonl:4"} <= {d["id"] for d in out["documents"]}
    assert out["pairs"] and any(d["id"].startswith("long#") for d in out["documents"])


@pytest.mark.parametrize("default", [False, True], ids=["document-level", "default"])
@pytest.mark.parametrize("case_file", HOSTILE, ids=[c.stem for c in HOSTILE])
def test_a_hostile_input_read_in_ranges_gives_the_same_scan(case_file: Path, tmp_path: Path, monkeypatch, default):
    with hostile_corpus(case_file, tmp_path) as (paths, encoding):
        if ranges.plan(paths, 2) is None:
            pytest.skip("a large whole file: the main process reads it")
        main_reads, workers_read_it = both_readers(monkeypatch, paths, both({})[default], 2, encoding)
        assert workers_read_it == main_reads


@pytest.mark.parametrize("default", [False, True], ids=["document-level", "default"])
def test_a_document_that_fails_in_a_range_is_named_and_numbered_as_when_the_main_process_reads(tmp_path, monkeypatch, default):
    failing_corpus(tmp_path, monkeypatch)
    main_reads, workers_read_it = both_readers(monkeypatch, [str(tmp_path)], both({"max_chars": 3000})[default], 2)
    assert workers_read_it == main_reads
    assert_failed_once(main_reads[0])


def test_a_large_compressed_file_is_read_by_the_main_process(tmp_path):
    # One worker reading it whole would leave the others idle.
    records = [{"id": k, "text": synthetic_text(k, words=100)} for k in range(40)]
    with gzip.open(tmp_path / "big.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in records)
    write_jsonl(tmp_path / "small.jsonl", records[:5])
    assert ranges.plan([str(tmp_path / "big.jsonl.gz"), str(tmp_path / "small.jsonl")], 2) is None
    assert ranges.plan([str(tmp_path / "small.jsonl")], 2) is not None


def test_lines_counted_in_a_range_are_the_lines_read_from_it(tmp_path):
    rng = random.Random(1)
    for trial in range(120):
        data = bytes(rng.choice(b"ab\n") for _ in range(rng.randrange(0, 30)))
        path = tmp_path / f"{trial}.jsonl"
        path.write_bytes(data)
        for start in range(len(data) + 2):
            for end in range(start, len(data) + 3):
                shard = Shard(((str(path), path.name),), start, end)
                with open(path, "rb") as handle:
                    assert count_lines(shard) == sum(1 for _ in _range_lines(handle, start, end)), (data, start, end)
