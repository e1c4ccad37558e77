"""The Ray engine on a local 2-CPU Ray cluster started by the test: the
same batch order and shuffle as the local engine, ``dedup scan --engine ray``
giving the same results as the local engine, and a worker killed mid-scan
changing nothing.

CI installs the ``ray`` extra (``make test``), so there a missing Ray fails
these tests instead of skipping them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT

if os.environ.get("CI"):
    import ray
else:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
import numpy as np  # noqa: E402
import psutil  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

from dedup.engine import LocalEngine  # noqa: E402
import dedup.engine.ray as ray_engine  # noqa: E402
from dedup.engine.ray import RayEngine, partition_of  # noqa: E402

SLOW = pytest.mark.skipif(not os.environ.get("DEDUP_SLOW_TESTS"), reason="the 10,000-document run takes about a minute; set DEDUP_SLOW_TESTS=1")


@pytest.fixture(scope="module")
def cluster() -> str:
    """A local Ray cluster of 2 CPUs, started by this process; its address."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A 1,000-document news-like corpus with planted near duplicates (bench/generate.py)."""
    path = tmp_path_factory.mktemp("generated") / "corpus-1000.jsonl"
    generate(1000, path)
    return path


@pytest.fixture(scope="module")
def generated_local(generated) -> tuple[int, dict]:
    """The local engine's exit code and result on the generated corpus."""
    return scan(str(generated))


DOCUMENT_LEVEL = ("--no-passages", "--no-boilerplate")


def scan(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, dict]:
    """The real command line: exit code and JSON result without its timing."""
    command = [sys.executable, "-m", "dedup", "scan", *args, "--format", "json", "--jobs", "2"]
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout)
    result.pop("timing")
    return run.returncode, result


# The workers cannot import this test module: its functions travel by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _double(batch):
    return [2 * x for x in batch]


def _keyed_total(key, values):
    return key, values


def test_batches_come_back_in_order_and_the_shuffle_groups_like_the_local_engine(cluster):
    batches = [list(range(k % 7)) for k in range(30)]
    items = [(f"key{k % 13}", k) for k in range(200)][::-1] + [(f"key{k % 5}", -k) for k in range(40)]
    with RayEngine(cluster) as engine, LocalEngine(1) as local:
        assert engine.workers == 2
        assert list(engine.map(_double, batches, in_flight=1)) == [_double(b) for b in batches]
        expected = list(local.map_groups(_keyed_total, items))
        for parts in (1, 3):
            assert list(engine.map_groups(_keyed_total, items, partitions=parts)) == expected
        assert list(engine.map_groups(_keyed_total, [])) == []
    assert ray.is_initialized()  # an engine that joined a cluster leaves it running
    assert [partition_of(k, 4) for k in (5, True, "a")] == [1, 1, partition_of("a", 4)]


def _kept_and_total(batch):
    return sum(batch), np.array(batch, dtype=np.int64)


def _columns(values, scale):
    return (values % 7).astype(np.uint64), np.stack([values, values * scale], axis=1)


def _rows_by_key(keys, values):
    return [(int(k), v.tolist()) for k, v in zip(keys, values)]


def test_kept_results_stay_on_the_workers_and_feed_the_shuffle_like_the_local_engine(cluster):
    batches = [list(range(k, k + 5)) for k in range(0, 60, 5)]
    with RayEngine(cluster) as engine, LocalEngine(1) as local:
        on_ray = list(engine.map_keep(_kept_and_total, batches, in_flight=1))
        assert [total for total, _ in on_ray] == [sum(b) for b in batches]
        assert all(isinstance(kept, ray.ObjectRef) for _, kept in on_ray)  # not fetched by the driver
        expected = [row for part in local.map_partitions(_rows_by_key, [(_columns, np.array(b), 3) for b in batches]) for row in part]
        for parts in (1, 3):
            rows = [row for part in engine.map_partitions(_rows_by_key, [(_columns, kept, 3) for _, kept in on_ray], parts) for row in part]
            assert sorted(rows) == sorted(expected)
            # Within a key, the rows keep the order of the sources.
            assert [r for r in rows if r[0] == 2] == [r for r in expected if r[0] == 2]


def _some_columns(values, scale, empty):
    """Columns of ``values``, or none of them (a source with nothing to shuffle)."""
    return _columns(values[:0] if empty else values, scale)


def test_map_tasks_of_several_sources_split_as_one_task_per_source_would():
    rng = np.random.default_rng(7)
    for parts in (1, 2, 5):
        sources = [(_some_columns, rng.integers(0, 1000, int(rng.integers(0, 30))), int(rng.integers(1, 4)), bool(rng.random() < 0.2)) for _ in range(6)]
        layout = [(make, len(args)) for make, *args in sources]
        joined = ray_engine._make_many_and_split(parts, layout, *(arg for _, *args in sources for arg in args))
        one_by_one = [ray_engine._make_and_split(make, parts, *args) for make, *args in sources]
        if parts == 1:
            joined, one_by_one = [joined], [[split] for split in one_by_one]
        for p in range(parts):
            keys = np.concatenate([split[p][0] for split in one_by_one])
            values = np.concatenate([split[p][1] for split in one_by_one])
            assert joined[p][0].dtype == keys.dtype and np.array_equal(joined[p][0], keys)
            assert np.array_equal(joined[p][1], values)


def test_a_shuffle_of_many_sources_in_waves_gives_the_local_engines_result(cluster, monkeypatch):
    # Few sources a map task and few tasks in flight: the shuffle's map tasks go in several waves.
    monkeypatch.setattr(ray_engine, "SOURCES_PER_MAP_TASK", 3)
    monkeypatch.setattr(ray_engine, "SHUFFLE_IN_FLIGHT", 1)
    batches = [list(range(k, k + k % 4)) for k in range(0, 200, 5)]  # some sources empty
    with RayEngine(cluster) as engine, LocalEngine(1) as local:
        kept = [handle for _, handle in engine.map_keep(_kept_and_total, batches)]
        expected = [row for part in local.map_partitions(_rows_by_key, [(_columns, np.array(b, dtype=np.int64), 2) for b in batches]) for row in part]
        for parts in (1, 4):
            rows = [row for part in engine.map_partitions(_rows_by_key, [(_columns, handle, 2) for handle in kept], parts) for row in part]
            assert sorted(rows) == sorted(expected)
            for key in range(7):  # within a key, the sources' order
                assert [r for r in rows if r[0] == key] == [r for r in expected if r[0] == key]


def _small_and_large(seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**62, 16), rng.integers(0, 2**62, 1 << 17)  # 128 B and 1 MiB


def _memory_owner(array: np.ndarray) -> object:
    """The object that owns an array's memory (the end of its ``base`` chain)."""
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array


def test_a_result_part_kept_by_the_driver_is_its_own_copy_not_a_view_of_the_object_store(cluster):
    # A stage keeps a small part of each result (band keys) and drops the
    # rest (the index hashes): a view of the store would keep the whole
    # result there, and the store pages the driver read would stay in its memory.
    with RayEngine(cluster) as engine:
        kept = [small for small, _large in engine.map(_small_and_large, range(20))]
    assert [part.tolist() for part in kept] == [_small_and_large(k)[0].tolist() for k in range(20)]
    owners = {type(_memory_owner(part)).__module__.split(".")[0] for part in kept}
    assert "ray" not in owners and owners <= {"builtins", "numpy"}


def _large_result_and_kept(seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**62, 1 << 17), rng.integers(0, 2**62, 1 << 17)  # 1 MiB each


def _store_pages_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssShmem"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident pages of a mapping are read from /proc")
def test_the_store_pages_the_driver_reads_leave_its_memory_and_the_store_keeps_its_objects(cluster):
    # The kept parts hold the store, so each result lands on new store
    # pages: 24 MiB read in all, which would stay in the driver's memory.
    with RayEngine(cluster) as engine:
        engine._store_pages.interval = 0  # released after every fetch
        before = _store_pages_kb()
        done = list(engine.map_keep(_large_result_and_kept, range(24), in_flight=1))
        grown = _store_pages_kb() - before
        assert [result.tolist() for result, _ in done] == [_large_result_and_kept(k)[0].tolist() for k in range(24)]
        assert [ray.get(kept).tolist() for _, kept in done] == [_large_result_and_kept(k)[1].tolist() for k in range(24)]
    assert grown < 4 * 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident pages of a mapping are read from /proc")
def test_the_store_pages_of_a_large_result_leave_the_driver_at_once(cluster):
    # Released only every so often, the pages of results fetched in a burst
    # (here 24 of 1 MiB) stayed in the driver's memory together.
    with RayEngine(cluster) as engine:
        engine._store_pages.interval = 3600
        before = _store_pages_kb()
        done = [result for result, _ in engine.map_keep(_large_result_and_kept, range(24), in_flight=1)]
        grown = _store_pages_kb() - before
        assert [result.tolist() for result in done] == [_large_result_and_kept(k)[0].tolist() for k in range(24)]
    assert grown < 4 * 1024


BANDS, BATCH_ROWS = 21, 1000


def _batch_band_keys(seed: int) -> np.ndarray:
    """A batch's band keys: rare collisions, a few thousand candidate pairs among 40,000 documents."""
    return np.random.default_rng(seed).integers(0, 10_000_000, size=(BATCH_ROWS, BANDS)).astype(np.uint64) * np.uint64(2**40 + 1)


def _kept_band_keys(seed: int) -> tuple[int, tuple[np.ndarray, None]]:
    """For map_keep: a batch's band keys stay in the object store, as stage 1 keeps them."""
    return BATCH_ROWS, (_batch_band_keys(seed), None)


def _candidates_held(engine, batches: int) -> tuple[int, np.ndarray, np.ndarray]:
    """The driver's peak of traced memory while the candidates of ``batches``
    kept batches are found, the candidates, and the flags they were found for."""
    import tracemalloc

    from dedup.near.sharded import KeptSets

    kept = KeptSets()
    for k, (rows, handle) in enumerate(engine.map_keep(_kept_band_keys, range(batches), in_flight=1)):
        kept.parts.append((handle, rows, k * BATCH_ROWS))
    usable = np.arange(batches * BATCH_ROWS) % 7 != 3
    tracemalloc.start()
    try:
        found = kept.candidates(engine, usable)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, found, usable


def test_the_candidates_are_found_where_the_band_keys_are_kept_and_none_comes_to_the_driver(cluster):
    # The band keys of every document (8 bytes a band, 168 a document) read
    # into the driver to find the candidates made its memory grow with the corpus.
    from dedup.near.candidates import pairs_from_keys

    with RayEngine(cluster) as engine:
        _candidates_held(engine, 2)  # the first shuffle imports and caches what every later one uses
        small, _, _ = _candidates_held(engine, 10)
        large, found, usable = _candidates_held(engine, 40)
    keys = np.concatenate([_batch_band_keys(k) for k in range(40)])
    expected = pairs_from_keys(keys, np.flatnonzero(usable))
    assert len(expected) > 100 and np.array_equal(found, expected)
    per_document = (large - small) / (30 * BATCH_ROWS)
    assert per_document < 16, f"the driver held {per_document:.0f} bytes a document more to find the candidates of 40,000 documents than of 10,000"


def test_ray_reads_the_inputs_in_its_workers_and_gives_the_local_results_at_document_level(cluster, generated, tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "near"))
    from test_sharded import messy_corpus

    sys.path.insert(0, str(ROOT / "tests" / "robust"))
    from test_part_ids import colliding_corpus

    messy_corpus(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nmax_chars = 3000\n")
    collide = tmp_path / "collide"
    collide.mkdir()
    colliding_corpus(collide)  # ids that equal the names of another document's parts
    for corpus in (str(tmp_path), str(collide), str(generated)):
        local = scan(corpus, *DOCUMENT_LEVEL, cwd=tmp_path)
        assert scan(corpus, *DOCUMENT_LEVEL, "--engine", "ray", "--ray-address", cluster, cwd=tmp_path) == local
        if corpus == str(collide):
            assert "M##1" in [d["id"] for d in local[1]["documents"]]
        else:
            assert local[1]["pairs"]


def test_ray_gives_the_local_results_on_the_sample_and_a_generated_corpus(cluster, generated, generated_local):
    sample = str(CORPUS)
    assert scan(sample, "--engine", "ray", "--ray-address", cluster) == scan(sample)
    assert scan(str(generated), "--engine", "ray", "--ray-address", cluster) == generated_local
    assert generated_local[1]["summary"]["near_duplicate_pairs"] > 50 and generated_local[1]["clusters"]


def test_the_spans_of_shared_passage_groups_found_on_ray_are_those_found_in_one_process(cluster):
    sys.path.insert(0, str(ROOT / "tests" / "passages"))
    from test_group_spans_pooled import _corpus, _groups, _ordered

    from dedup.config import Settings
    from dedup.io.store import temporary_store
    from dedup.passages.group_spans import group_spans

    docs, masks = _corpus()
    settings = Settings(jobs=1)
    groups = _groups(docs, settings, masks)
    alone = _ordered(group_spans(docs, groups, settings.passages, masks, 301))
    with RayEngine(cluster) as engine:
        assert _ordered(group_spans(docs, groups, settings.passages, masks, 301, engine, 2, docs_per_worker=1)) == alone
        for portable in (False, True):  # the workers read the store's file, or get the texts
            with temporary_store(portable) as store:
                store.extend(docs)
                assert _ordered(group_spans(store, groups, settings.passages, masks, 301, engine, 2, docs_per_worker=1)) == alone


def test_a_local_cluster_started_by_the_scan_reads_the_texts_from_its_store_and_gives_the_local_results(generated, generated_local):
    """Without an address the scan starts its own cluster on this machine,
    whose workers read the texts by offset from the driver's document store
    instead of receiving them through the object store."""
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    assert scan(str(generated), "--engine", "ray", env=env) == generated_local


def test_ray_finds_the_corpus_repeats_of_the_local_engine(cluster, tmp_path):
    """Site templates, a footer in near variants and a paragraph in over 64
    near variants (a star-paired LSH bucket): the repeat index the workers
    find by shuffles marks what the local engine's does."""
    sys.path.insert(0, str(ROOT / "tests" / "boilerplate"))
    from test_repeat_shuffle import repeating_corpus

    corpus = tmp_path / "repeats.jsonl"
    corpus.write_text("".join(json.dumps({"id": d.id, "text": d.text, "source": d.source}) + "\n" for d in repeating_corpus()))
    local = scan(str(corpus))
    assert sum(span["kind"] == "repeat_in_corpus" for row in local[1]["documents"] for span in row["boilerplate"]) >= 240
    assert scan(str(corpus), "--engine", "ray", "--ray-address", cluster) == local


@SLOW
def test_ray_gives_the_local_results_on_10000_documents(cluster, tmp_path):
    corpus = tmp_path / "corpus-10000.jsonl"
    generate(10_000, corpus)
    assert scan(str(corpus), "--engine", "ray", "--ray-address", cluster) == scan(str(corpus))


TASKS = ("ray::_apply", "ray::_apply_pair", "ray::_make_and_split", "ray::_reduce_partition")


def _running_task_worker() -> psutil.Process | None:
    """A Ray worker of this process's cluster that is running a batch."""
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.cmdline()[:1] and proc.cmdline()[0] in TASKS:
                return proc
        except psutil.Error:
            continue
    return None


@pytest.fixture(scope="module")
def generated_local_document_level(generated) -> tuple[int, dict]:
    """The local engine's exit code and result on the generated corpus, at document level."""
    return scan(str(generated), *DOCUMENT_LEVEL)


@pytest.mark.parametrize("stages", [(), DOCUMENT_LEVEL], ids=["full", "document-level"])
def test_a_worker_killed_mid_scan_is_retried_and_the_result_is_the_same(cluster, generated, generated_local, generated_local_document_level, tmp_path, stages):
    # Small batches: many tasks, so the scan is still running when a worker
    # dies (and a result that must not depend on the batch size either).
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nbatch_size = 50\n")
    command = [sys.executable, "-m", "dedup", "scan", str(generated), *stages, "--format", "json", "--jobs", "2", "--engine", "ray", "--ray-address", cluster]
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and proc.poll() is None and time.monotonic() < deadline:
            worker = _running_task_worker()
            if worker is not None:
                os.kill(worker.pid, signal.SIGKILL)
                killed = worker.pid
            time.sleep(0.02)
        out, err = proc.communicate(timeout=300)
    assert killed is not None, "the scan ended before a worker could be killed"
    assert proc.returncode in (0, 1), err
    result = json.loads(out)
    result.pop("timing")
    assert result["settings"].pop("batch_size") == 50
    expected = json.loads(json.dumps((generated_local_document_level if stages else generated_local)[1]))
    expected["settings"].pop("batch_size")
    assert result == expected


def test_a_cluster_address_where_nothing_listens_fails_at_once_with_exit_2():
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = subprocess.run([sys.executable, "-m", "dedup", "scan", str(CORPUS), "--engine", "ray", "--ray-address", f"127.0.0.1:{port}"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in run.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_clean_on_ray_writes_the_local_engine_s_files(cluster, generated, tmp_path):
    outputs = {}
    for engine in ("local", "ray"):
        outputs[engine] = tmp_path / engine
        command = [sys.executable, "-m", "dedup", "clean", str(generated), "-o", str(outputs[engine]), "--jobs", "2", "--no-progress", "--engine", engine]
        run = subprocess.run(command + (["--ray-address", cluster] if engine == "ray" else []), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 1), run.stderr
    local = _files(outputs["local"])
    assert len(local) >= 2 and _files(outputs["ray"]) == local


def _dump(index: Path) -> list[str]:
    with closing(sqlite3.connect(index)) as conn:
        return list(conn.iterdump())


def test_index_build_on_ray_writes_the_local_engine_s_index(cluster, tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    dumps = {}
    for engine in ("local", "ray"):
        index = tmp_path / f"{engine}.dedup"
        command = [sys.executable, "-m", "dedup", "index", "build", str(tmp_path / "corpus"), "-o", str(index), "--format", "json", "--jobs", "2", "--engine", engine]
        run = subprocess.run(command + (["--ray-address", cluster] if engine == "ray" else []), cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["added"] == 5
        dumps[engine] = _dump(index)
    assert len(dumps["local"]) > 10 and dumps["ray"] == dumps["local"]
