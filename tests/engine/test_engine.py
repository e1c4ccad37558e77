"""The engine seam: ordered results, the shuffle by key, runs of work by size,
and every stage of a scan running its batches through the engine it is given."""

from __future__ import annotations

from functools import partial

from conftest import CORPUS

from dedup.config import Settings
from dedup.engine import Engine, LocalEngine, groups_by_key, runs_by_size
from dedup.io.corpus import read_corpus
from dedup.report.formats import to_json
from dedup.scan import scan_documents


def test_results_come_back_in_input_order_with_any_number_of_workers():
    batches = [list(range(k)) for k in range(12)]
    for workers in (1, 2):
        with LocalEngine(workers) as engine:
            assert list(engine.map(sum, batches, in_flight=1)) == [sum(b) for b in batches]


def _keyed_total(key, values):
    return key, sum(values)


def test_the_shuffle_by_key_groups_in_key_order_with_any_number_of_workers():
    items = [(k % 5, k) for k in range(40)][::-1]
    expected = [(key, sum(v for k, v in items if k == key)) for key in range(5)]
    for workers in (1, 2):
        with LocalEngine(workers) as engine:
            assert list(engine.map_groups(_keyed_total, items)) == expected
    assert list(groups_by_key([("b", 1), ("a", 2), ("b", 3)])) == [("a", [2]), ("b", [1, 3])]


def test_runs_close_at_the_size_limit_or_the_item_count():
    assert list(runs_by_size(["aa", "b", "ccc", "d"], len, 3)) == [(0, ["aa", "b"]), (2, ["ccc"]), (3, ["d"])]
    assert list(runs_by_size(range(5), lambda _: 0, 10, most=2)) == [(0, [0, 1]), (2, [2, 3]), (4, [4])]
    assert list(runs_by_size([], len, 3)) == []


class CountingEngine(LocalEngine):
    """A local engine that counts its map calls, by function name."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.calls: dict[str, int] = {}

    def map(self, func, batches, in_flight: int = 2):
        name = (func.func if isinstance(func, partial) else func).__name__
        self.calls[name] = self.calls.get(name, 0) + 1
        yield from super().map(func, batches, in_flight)


def test_every_stage_of_a_scan_runs_on_the_engine_it_is_given():
    docs, _ = read_corpus([str(CORPUS)])
    settings = Settings(jobs=1)
    engine = CountingEngine(1)
    assert isinstance(engine, Engine)
    with engine:
        given = scan_documents(docs, settings, engine=engine)
    own = scan_documents(docs, settings)
    given.timing = own.timing = {}
    assert to_json(given) == to_json(own)
    # fingerprints, verification, and the block repeats with the per-document
    # boilerplate (one pass: the sample corpus has no corpus repeat to mark)
    assert {"fingerprint_job", "verify_job", "first_pass_batch"} <= set(engine.calls)


def _native_threads(_batch) -> list[int]:
    import numpy  # noqa: F401  (loads the BLAS library if the parent had not)
    import threadpoolctl

    return [pool["num_threads"] for pool in threadpoolctl.threadpool_info()]


def test_workers_run_native_thread_pools_with_one_thread():
    """Two workers with a BLAS pool of a thread per core each would use
    twice the cores; each worker's pools keep one thread."""
    with LocalEngine(2) as engine:
        pools = [n for threads in engine.map(_native_threads, [[0], [1], [2]]) for n in threads]
    assert pools and set(pools) == {1}


def test_a_stopped_engine_has_no_pool_thread_left_and_starts_no_new_workers():
    # The interpreter's exit wakes every pool's manager thread through a pipe that thread closes:
    # a thread still alive after stop() could close it under that write (a traceback after an interrupt).
    engine = LocalEngine(2)
    assert list(engine.map(abs, [-1, -2, -3])) == [1, 2, 3]
    manager = engine._executor._executor_manager_thread
    engine.stop()
    assert not manager.is_alive()
    try:
        list(engine.map(abs, [-1]))
    except RuntimeError as error:
        assert "stopped" in str(error)
    else:
        raise AssertionError("a stopped engine started new workers")
