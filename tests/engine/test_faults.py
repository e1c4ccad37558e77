"""The fault barrier: failing items are found and left out, the rest of the
batch is as it would be without them, for any cut of the batches; and an
interrupted engine leaves no worker behind."""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import edit_words, synthetic_text

from dedup.config import Settings
from dedup.document import Document
from dedup.engine import FaultBarrier, LocalEngine
from dedup.report.formats import to_json
from dedup.scan import scan_documents


def inverses(batch: list[int]) -> list[float]:
    return [1 / x for x in batch]


def without(batch: list[int], positions: set[int]) -> list[int]:
    return [x for k, x in enumerate(batch) if k not in positions]


def test_without_a_fault_the_result_is_the_functions_own() -> None:
    guarded = FaultBarrier(inverses, len, without)([1, 2, 4])
    assert guarded.result == [1.0, 0.5, 0.25] and guarded.faults == []


@pytest.mark.parametrize("size", [1, 3, 7, 100])
def test_every_failing_item_is_found_and_the_others_kept_for_any_batch_size(size: int) -> None:
    items = [3, 0, 5, 7, 0, 2, 9, 0, 4, 1, 8]
    barrier = FaultBarrier(inverses, len, without)
    results, failed = [], []
    for first in range(0, len(items), size):
        guarded = barrier(items[first : first + size])
        results += guarded.result
        failed += [first + f.position for f in guarded.faults]
        assert all(f.error.startswith("ZeroDivisionError") and "inverses" in f.trace for f in guarded.faults)
    assert failed == [1, 4, 7]
    assert results == [1 / x for x in items if x]


def pairs_differ(batch: list[int]) -> int:
    if 1 in batch and 2 in batch:
        raise ValueError("1 and 2 together")
    return len(batch)


def test_items_that_fail_only_together_are_all_reported_with_what_they_share() -> None:
    # 1 and 2 fail together; bisection cannot part them from 5 and 6, the
    # rest of their run: the whole run is reported (never silently lost).
    guarded = FaultBarrier(pairs_differ, len, without, lambda batch, k: (f"item{batch[k]}",))([5, 1, 2, 6, 7, 8, 9, 10])
    assert guarded.result == 4
    assert [f.documents for f in guarded.faults] == [("item5",), ("item1",), ("item2",), ("item6",)]
    assert all("only together" in f.error for f in guarded.faults)


def test_a_document_a_stage_cannot_process_is_reported_and_costs_nothing_else() -> None:
    # A lone surrogate cannot be encoded: fingerprinting and boilerplate fail
    # on this document for real.
    base = synthetic_text(1)
    good = [Document("a", base), Document("b", edit_words(base, 0.05, 2)), Document("c", synthetic_text(3))]
    bad = Document("bad", base + " \ud800 tail")
    alone = scan_documents(good, Settings(jobs=1))
    outputs = []
    for jobs in (1, 2):
        result = scan_documents([*good[:2], bad, good[2]], Settings(jobs=jobs))
        assert [(p.a, p.b, p.relation, p.jaccard) for p in result.pairs] == [(p.a, p.b, p.relation, p.jaccard) for p in alone.pairs]
        stages = [(p["origin"], p["stage"]) for p in result.problems]
        assert ("bad", "fingerprint") in stages
        assert all(origin == "bad" for origin, _ in stages)
        assert result.stats["processing_errors"] == len(stages)
        assert result.stats["skipped_inputs"] == 0
        outputs.append({key: value for key, value in json.loads(to_json(result)).items() if key not in ("settings", "timing")})
    assert outputs[0] == outputs[1]


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_an_engine_left_by_an_exception_kills_its_workers_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with LocalEngine(2) as engine:
            results = engine.map(pid_after, [0.0, 0.0, 30.0, 30.0], in_flight=2)
            workers = {next(results), next(results)}
            raise KeyboardInterrupt
    assert time.monotonic() - started < 20  # the 30-second batches were not waited for
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"


def test_a_document_the_passage_index_cannot_read_is_no_candidate_and_a_fault() -> None:
    from dedup.passages.pairs import find_passage_pairs

    a = synthetic_text(1)
    copy = "\n\n".join(a.split("\n\n")[:3] + synthetic_text(5).split("\n\n")[:3])
    docs = [Document("a", a), Document("b", copy), Document("bad", a + " \ud800 z"), Document("c", synthetic_text(2))]
    with pytest.raises(UnicodeEncodeError):
        find_passage_pairs(docs, Settings(jobs=1))  # without a list of faults, the error is the caller's
    for jobs in (1, 2):
        faults: list = []
        found = find_passage_pairs(docs, Settings(jobs=jobs), faults=faults)
        assert [(p.i, p.j, p.relation) for p in found] == [(0, 1, "partial_copy")]
        assert [(f.stage, f.documents) for f in faults] == [("passages", ("bad",))]


def test_faults_are_bounded_per_stage_and_all_counted() -> None:
    base = synthetic_text(1)
    docs = [Document("a", base), Document("b", edit_words(base, 0.05, 2))]
    docs += [Document(f"bad{k}", synthetic_text(100 + k) + " \ud800") for k in range(30)]
    result = scan_documents(docs, Settings(jobs=1))
    fingerprint = [p for p in result.problems if p.get("stage") == "fingerprint"]
    assert [p["origin"] for p in fingerprint[:20]] == [f"bad{k}" for k in range(20)]
    assert fingerprint[20]["more"] == 10 and len(fingerprint) == 21
    assert result.stats["processing_errors"] == result.faults.total >= 30
    assert [(p.a, p.b) for p in result.pairs] == [("a", "b")]
