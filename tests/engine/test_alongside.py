"""Calls run alongside a scan end before the files they read go when the
scan fails (a failed scan once removed its folder while a call was still
writing into it, and its error was lost behind "Directory not empty")."""

from __future__ import annotations

import threading

import pytest

from dedup.engine.alongside import Alongside, ended_on_error
from dedup.engine.local import LocalEngine


def _slow_writer(folder, release: threading.Event, written: list):
    def call() -> None:
        release.wait(10)
        (folder / "late.txt").write_text("x")
        written.append(True)

    return call


def test_a_block_left_by_an_error_waits_for_the_calls_it_started_and_theirs(tmp_path) -> None:
    release, written = threading.Event(), []

    def starts_another() -> None:  # a call that starts one in turn (the pairs aligned within the passage pairs)
        Alongside(_slow_writer(tmp_path, release, written), "inner").start()

    with pytest.raises(KeyError):
        with ended_on_error():
            Alongside(starts_another, "outer").start().result()
            threading.Timer(0.2, release.set).start()
            raise KeyError("the block's own error")
    assert written == [True]  # ended before the error left the block


def test_an_inner_block_hands_its_calls_to_the_outer_one() -> None:
    release, ended = threading.Event(), []

    def call() -> None:
        release.wait(10)
        ended.append(True)

    with pytest.raises(ValueError):
        with ended_on_error():
            with ended_on_error():  # ends without an error: the call outlives it
                Alongside(call, "outlives").start()
            threading.Timer(0.2, release.set).start()
            raise ValueError
    assert ended == [True]


def test_a_block_ended_normally_does_not_wait() -> None:
    release = threading.Event()
    with ended_on_error():
        running = Alongside(lambda: release.wait(10), "test").start()
    assert not running.join(0)
    release.set()
    assert running.join(10)


def test_a_stopped_serial_engine_runs_no_more_batches() -> None:
    # a call alongside a failed scan, on one worker, runs its batches in its own thread: it stops at the next one
    engine = LocalEngine(1)
    batches = engine.map(lambda b: b * 2, iter([1, 2, 3]))
    assert next(batches) == 2
    engine.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        next(batches)


def test_a_scratch_folder_left_by_an_error_raises_that_error_not_its_cleanups(tmp_path, monkeypatch) -> None:
    import shutil

    from dedup.io.store import scratch_folder

    real_rmtree = shutil.rmtree

    def fails_unless_ignored(path, ignore_errors=False, **kwargs):  # a file still being written there
        if not ignore_errors:
            raise OSError(39, "Directory not empty", path)
        real_rmtree(path, ignore_errors=True)

    monkeypatch.setattr(shutil, "rmtree", fails_unless_ignored)
    with pytest.raises(KeyError, match="the block's"):
        with scratch_folder("test-") as folder:
            raise KeyError("the block's")
    with pytest.raises(OSError, match="not empty"):  # without an error, a folder that cannot go is said
        with scratch_folder("test-") as folder:
            pass
    monkeypatch.undo()
    real_rmtree(folder)


def test_an_interrupted_block_waits_only_a_short_while() -> None:
    release = threading.Event()
    with pytest.raises(KeyboardInterrupt):
        with ended_on_error(interrupted_timeout=0.1):
            running = Alongside(lambda: release.wait(10), "test").start()
            raise KeyboardInterrupt
    assert not running.join(0)  # left running: the user asked to stop
    release.set()
