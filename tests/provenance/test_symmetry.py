"""Swapping the two documents of a pair mirrors every per-side field and
never changes a label or a direction: on every pair of the sample corpus,
on the labelled cases (several scripts) and on 200 generated PAN-like pairs."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from dedup.config import BoilerplateSettings, Settings
from dedup.diff import diff_documents

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passages"))
from pan_like import pan_like_pair  # noqa: E402
from conftest import PASSAGE_CASES as CASES, read_pair_case  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SAMPLE_PAIRS = list(itertools.combinations(sorted(p.name for p in CORPUS.glob("*.txt")), 2))


def _swapped_key(key: str) -> str:
    for a, b in (("_a", "_b"), ("a_", "b_")):
        if key.endswith(a):
            return key[: -len(a)] + b
        if key.endswith(b):
            return key[: -len(b)] + a
        if key.startswith(a):
            return b + key[len(a):]
        if key.startswith(b):
            return a + key[len(b):]
    return {"a": "b", "b": "a"}.get(key, key)


def _order(record: dict) -> tuple:
    # a word segment has no offsets on the side that lacks its words
    return (-1 if record["a_start"] is None else record["a_start"], -1 if record["b_start"] is None else record["b_start"],
            record.get("kind", ""))


def _mirrored(record: dict) -> dict:
    """``record`` as it should read with a and b swapped."""
    out = {}
    for key, value in record.items():
        if key in ("passages", "sentence_pairs", "segments"):
            value = sorted((_mirrored(v) for v in value), key=_order)
        out[_swapped_key(key)] = value
    return out


def assert_mirrored(forward: dict, backward: dict) -> None:
    forward = {k: v for k, v in forward.items() if k != "sentence_pairs"}
    backward = {k: v for k, v in backward.items() if k != "sentence_pairs"}
    assert forward["relation"] == backward["relation"]
    assert forward.get("source") == backward.get("source")
    assert forward.get("derived") == backward.get("derived")
    for key in ("passages", "segments"):  # in one order: ties on the offsets are listed as found
        backward[key] = sorted(backward.get(key, []), key=_order)
    assert _mirrored(forward) == backward


def _diff_both_ways(path_a: Path, path_b: Path, settings: Settings) -> tuple[dict, dict]:
    forward = diff_documents(str(path_a), str(path_b), settings).to_dict()
    backward = diff_documents(str(path_b), str(path_a), settings).to_dict()
    return forward, backward


@pytest.mark.parametrize("pair", SAMPLE_PAIRS, ids=["-".join(n[:3] for n in p) for p in SAMPLE_PAIRS])
def test_sample_pairs_are_mirrored(pair) -> None:
    forward, backward = _diff_both_ways(CORPUS / pair[0], CORPUS / pair[1], Settings())
    assert_mirrored(forward, backward)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_labelled_cases_are_mirrored(path: Path, tmp_path: Path) -> None:
    _, a, b = read_pair_case(path)
    (tmp_path / "a.txt").write_text(a, encoding="utf-8")
    (tmp_path / "b.txt").write_text(b, encoding="utf-8")
    forward, backward = _diff_both_ways(tmp_path / "a.txt", tmp_path / "b.txt", Settings())
    assert_mirrored(forward, backward)


def test_pan_like_pairs_are_mirrored(tmp_path: Path) -> None:
    relations = set()
    # synthetic text has no boilerplate; finding none costs six times the alignment
    settings = Settings(boilerplate=BoilerplateSettings(enabled=False))
    for seed in range(200):
        _, susp, src = pan_like_pair(seed)
        (tmp_path / "susp.txt").write_text(susp, encoding="utf-8")
        (tmp_path / "src.txt").write_text(src, encoding="utf-8")
        forward, backward = _diff_both_ways(tmp_path / "susp.txt", tmp_path / "src.txt", settings)
        assert_mirrored(forward, backward)
        relations.add(forward["relation"])
    assert {None, "partial_copy"} <= relations  # the generated pairs hold both kinds
