"""Stage 1 with the workers reading the inputs in shards gives the scan of a
single reader: the same documents, ids, pairs, clusters and problems (in
the same order, with the same counts past the examples), on messy corpora
cut into many shards, and on every hostile input of tests/data/hostile/."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from conftest import doc_level, edit_words, synthetic_text

from dedup.config import BoilerplateSettings, Settings
from dedup.engine import LocalEngine
from dedup.io.problems import ProblemLog
from dedup.io.shards import Shard, count_lines, plan_shards
from dedup.near import fingerprints, shard_ids, sharded
from dedup.near.clusters import UnionFind
from dedup.near.shard_results import _components
from dedup.scan import scan_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "io"))
from test_hostile_inputs import CASES, clean_up, lay_out, write_good_pair  # noqa: E402


def both_ways(paths: list[str], settings, workers: int = 2) -> tuple[dict, dict, list, list]:
    """The scan on a local engine and on one that works as a cluster's (the
    workers read the inputs at document level and keep the shingle sets):
    results without timing, and the problems in the order they were met."""
    runs = []
    for sharded in (False, True):
        met: list = []
        result = scan_corpus(paths, settings, engine=LocalEngine(workers, distributed=sharded), problems=ProblemLog(met.append))
        out = result.to_dict()
        out.pop("timing")
        runs.append((out, met))
    (single, met_single), (shards, met_shards) = runs
    return single, shards, met_single, met_shards


def workers_read(**values) -> Settings:
    """Passages and boilerplate off: the scan whose workers read the inputs on a distributed engine."""
    return doc_level(boilerplate=BoilerplateSettings(enabled=False), **values)


def write_jsonl(path: Path, records: list) -> None:
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in records), encoding="utf-8")


def messy_corpus(folder: Path) -> None:
    """Two daily files numbering from 0, near duplicates across them, repeated
    ids, empty texts, more malformed lines than are shown, a document cut
    into parts, and text files beside them."""
    base = [synthetic_text(seed, words=200) for seed in range(40)]
    day1: list = []
    for k, text in enumerate(base):
        day1.append({"id": k, "text": text, "date": "2024-01-01"})
        if k % 2 == 0:
            day1 += ["{not json\n", "{nor this\n", "[1, 2]\n"]
        if k % 7 == 0:
            day1.append({"id": k, "text": edit_words(text, 0.02, seed=k)})  # the same id again: skipped
        if k % 11 == 0:
            day1.append({"id": f"blank{k}", "text": "   "})
    day1.append({"id": "long", "text": "\n\n".join(base[:6])})
    write_jsonl(folder / "2024-01-01.jsonl", day1)
    day2 = [{"id": k, "text": edit_words(base[k], 0.03, seed=100 + k), "source": "wire"} for k in range(0, 40, 2)]
    write_jsonl(folder / "2024-01-02.jsonl", day2)
    (folder / "notes").mkdir()
    for k in range(5):
        (folder / "notes" / f"n{k}.txt").write_text(edit_words(base[30 + k], 0.05, seed=k), encoding="utf-8")


def test_shards_cover_every_line_once_whatever_the_cut(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [{"id": k, "text": "x" * (k % 50)} for k in range(500)])
    lines = path.read_bytes().count(b"\n")
    for size in (1, 17, 4096, 10**9):
        planned = plan_shards([str(path)], size)
        assert all(isinstance(s, Shard) for s in planned)
        assert sum(count_lines(s) for s in planned) == (lines if len(planned) > 1 else 0)


def test_a_messy_corpus_read_in_shards_gives_the_same_scan(tmp_path):
    messy_corpus(tmp_path)
    single, shards, met_single, met_shards = both_ways([str(tmp_path)], workers_read(max_chars=3000))
    assert shards == single
    assert met_shards == met_single
    kinds = {p["kind"] for p in single["problems"]}
    assert {"duplicate-id", "empty", "malformed-json", "too-long"} <= kinds
    assert any(p.get("more") for p in single["problems"])  # past the examples, only counted
    assert single["pairs"] and any(d["id"].startswith("2024-01-02.jsonl:") for d in single["documents"])


def test_a_full_scan_that_keeps_its_shingle_sets_with_the_workers_gives_the_same_scan(tmp_path):
    messy_corpus(tmp_path)
    single, kept, met_single, met_kept = both_ways([str(tmp_path)], Settings(max_chars=3000))
    assert kept == single and met_kept == met_single
    assert any(p["found_by"] == "passages" for p in single["pairs"]) and any(p["found_by"] == "minhash" for p in single["pairs"])


HOSTILE = [c for c in CASES if (case := json.loads(c.read_text(encoding="utf-8"))).get("exit") == 0 and not case.get("argv")
           and "stdin" not in case and "config" not in case and not any(s.get("special") == "unreadable" or "mode" in s for s in case.get("files", []))]


@contextmanager
def hostile_corpus(case_file: Path, tmp_path: Path) -> Iterator[tuple[list[str], str | None]]:
    """The case's files laid out beside the good pair: the paths to scan and the encoding."""
    case = json.loads(case_file.read_text(encoding="utf-8"))
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    write_good_pair(corpus)
    try:
        for spec in case.get("files", []):
            lay_out(spec, outside if spec.get("outside") else corpus)
        paths = [str(corpus)] + [p.replace("{dir}", str(corpus)).replace("{outside}", str(outside)) for p in case.get("extra_paths", [])]
        yield paths, case.get("args", [None, None])[1] if "--encoding" in case.get("args", []) else None
    finally:
        clean_up(case.get("files", []), corpus)


@pytest.mark.parametrize("case_file", HOSTILE, ids=[c.stem for c in HOSTILE])
def test_a_hostile_input_read_in_shards_gives_the_same_scan(case_file: Path, tmp_path: Path):
    with hostile_corpus(case_file, tmp_path) as (paths, encoding):
        runs = []
        for sharded in (False, True):
            met: list = []
            result = scan_corpus(paths, workers_read(), engine=LocalEngine(1, distributed=sharded), problems=ProblemLog(met.append), encoding=encoding)
            out = result.to_dict()
            out.pop("timing")
            runs.append((out, met))
        assert runs[1] == runs[0]


def test_ids_read_in_many_small_shards_follow_the_single_reader(tmp_path, monkeypatch):
    # Byte ranges of a few lines: repeated ids, qualified ids and exact
    # duplicates meet across shards and are decided by the shuffle by id.
    messy_corpus(tmp_path)
    text = synthetic_text(7, words=120)
    write_jsonl(tmp_path / "2024-01-03.jsonl", [
        {"id": "2024-01-02.jsonl:4", "text": synthetic_text(1, words=80)},  # equals an id qualified before it
        {"id": "4", "text": synthetic_text(2, words=80)},  # qualified by its file
        {"id": 4, "text": synthetic_text(3, words=80)},  # and then a duplicate of that
        {"id": "x1", "text": text}, {"id": "x2", "text": text}, {"id": "x3", "text": "   "}, {"id": "x4", "text": text},
    ])
    monkeypatch.setattr(sharded, "MIN_SHARD_BYTES", 256)
    single, shards, met_single, met_shards = both_ways([str(tmp_path)], workers_read(max_chars=3000), workers=3)
    assert shards == single and met_shards == met_single
    ids = {d["id"] for d in single["documents"]}
    assert {"2024-01-03.jsonl:2024-01-02.jsonl:4", "2024-01-03.jsonl:4", "x1", "x2", "x4"} <= ids
    assert single["summary"]["exact_duplicate_pairs"] == 2 and any(p["message"].startswith("duplicate id '2024-01-03.jsonl:4'") for p in single["problems"])


def test_sharded_clusters_are_the_union_find_clusters():
    rng = np.random.default_rng(3)
    for size, edges in ((2, 1), (50, 30), (400, 600), (3000, 2500)):
        ends = np.sort(rng.integers(0, size, (edges, 2)), axis=1)
        ends = ends[ends[:, 0] < ends[:, 1]] * 7  # document numbers with gaps
        nodes, cluster_of = _components(ends)
        expected = UnionFind(size * 7)
        for a, b in ends.tolist():
            expected.union(a, b)
        groups = [nodes[cluster_of == c].tolist() for c in range(int(cluster_of.max()) + 1)] if nodes.size else []
        assert groups == expected.groups()


def failing_corpus(folder: Path, monkeypatch) -> None:
    """A corpus where any batch holding the marked text raises (the fault
    barrier finds the document), after a skipped repeated id and a document
    in parts, and before documents that duplicate earlier ones; shards of a few lines."""
    # The reader repairs every input that could make fingerprinting fail, so the failure is made here.
    base = [synthetic_text(seed, words=150) for seed in range(12)]
    records = [{"id": k, "text": text} for k, text in enumerate(base)]
    records += [{"id": 3, "text": base[5]}, {"id": "long", "text": "\n\n".join(base[:4])}, {"id": "bad", "text": base[6] + " FAILS-HERE"}]
    records += [{"id": f"after{k}", "text": base[7 + k]} for k in range(4)]  # exact duplicates, after the failure
    write_jsonl(folder / "a.jsonl", records)
    real = fingerprints.fingerprint_batch

    def failing(texts, *args, **kwargs):
        if any("FAILS-HERE" in text for text in texts):
            raise ValueError("cannot fingerprint this")
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(fingerprints, "fingerprint_batch", failing)
    monkeypatch.setattr(shard_ids, "fingerprint_batch", failing)
    monkeypatch.setattr(sharded, "MIN_SHARD_BYTES", 256)


def assert_failed_once(out: dict) -> None:
    """The failed document is named; documents read after it are numbered right (their pairs are found)."""
    assert [(p["origin"], p["stage"]) for p in out["problems"] if p.get("stage")] == [("bad", "fingerprint")]
    assert any(p["b"].startswith("after") for p in out["pairs"]) and out["summary"]["processing_errors"] == 1


def test_a_document_that_fails_in_a_shard_is_named_and_numbered_as_by_the_single_reader(tmp_path, monkeypatch):
    failing_corpus(tmp_path, monkeypatch)
    single, shards, met_single, met_shards = both_ways([str(tmp_path)], workers_read(max_chars=3000), workers=3)
    assert shards == single and met_shards == met_single
    assert_failed_once(single)


def test_pair_rows_made_from_arrays_are_the_rows_of_the_verified_pairs():
    # The near pairs of a distributed engine come as arrays; their rows
    # are made one at a time as the file takes them, as pair_results makes them all.
    from dedup.near.table import DocumentTable, pair_results, pair_rows_in_order
    from dedup.near.verification import Verified

    rng = np.random.default_rng(11)
    n = 300
    table = DocumentTable(ids=[f"doc{k}" for k in range(n)])
    counts = rng.integers(0, 3, n)
    groups = [[3, 17, 40], [5, 6], [100, 250, 251, 299]]
    heads = np.setdiff1d(np.arange(n), [m for group in groups for m in group[1:]])
    ends = np.unique(np.sort(rng.choice(heads, size=(400, 2)), axis=1), axis=0)
    ends = ends[ends[:, 0] < ends[:, 1]]
    ends = ends[rng.permutation(len(ends))]  # in the order verification gives them, not sorted
    figures = rng.random((len(ends), 3)) / 7
    near = [Verified(i, j, *row) for (i, j), row in zip(ends.tolist(), figures.tolist())]
    expected, expected_edges = pair_results(table, counts, groups, near)
    rows, edges = pair_rows_in_order(table, counts, groups, ends, figures)
    assert [p.to_dict() for p in rows] == [p.to_dict() for p in expected]
    assert np.array_equal(edges, expected_edges) and len(expected) == len(ends) + 6
