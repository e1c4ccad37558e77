"""The local engine: per-batch stage functions on every core of this machine.

:class:`LocalEngine` maps a pure function over an iterator of batches in
worker processes and yields the results in the order of the batches, so the
output never depends on the number of workers. At most ``in_flight``
batches per worker are submitted ahead, so a corpus is read only as fast as
it is processed.

Interrupts: the workers ignore SIGINT (Ctrl-C reaches the whole process
group; only this process decides what to do with it) and end with this
process (Linux: a parent-death signal). When the ``with`` block is left by
an exception — an interrupt, a termination signal turned into one — the
workers are killed at once instead of finishing their batches, so a stopped
run leaves no process behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import nullcontext
from functools import partial
from typing import Any, Callable, Hashable, Iterable, Iterator, TypeVar

import threadpoolctl

from dedup.engine.base import Engine, groups_by_key, sorted_columns

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


def _context():
    # fork shares the parent's lookup tables and imports without pickling;
    # where it is unavailable the default start method is used.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


# Native thread pools a worker could start (BLAS, OpenMP), read when a
# library loads; threadpoolctl limits the ones already loaded.
_THREAD_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _worker_start() -> None:
    """In each worker: Ctrl-C is the parent's to handle; SIGTERM ends the
    worker at once (a handler inherited through fork would run Python code
    in it instead); the worker dies with its parent; one native thread
    (the workers already fill the cores, and a BLAS pool of a thread per
    core in each of them multiplied the CPU time of sentence alignment)."""
    # The signals first: a Ctrl-C that reaches a worker still starting (the
    # thread limits take a while on a loaded machine) would otherwise be a
    # KeyboardInterrupt in this initializer, printed with its traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name in _THREAD_POOL_VARIABLES:
        os.environ[name] = "1"
    threadpoolctl.threadpool_limits(1)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: orphans are still killed by stop()
            pass


_PR_SET_PDEATHSIG = 1


class LocalEngine:
    """A pool of ``workers`` processes (none when ``workers`` is 1).

    The processes start with the first :meth:`map` that needs them and stop
    when the ``with`` block ends, so a stage that loads lookup tables before
    its first map has them in its forked workers.

    Args:
        workers: Worker processes; 1 runs every batch in this process.
        distributed: Whether stages treat the workers as a cluster's (they
            read the inputs and keep their results, as on Ray); by default
            this process reads the inputs and stages spill to temporary files.

    Raises:
        ValueError: ``workers`` below 1.

    Examples:
        >>> with LocalEngine(2) as engine:
        ...     list(engine.map(sum, [[1, 2], [3]]))
        [3, 3]
    """

    def __init__(self, workers: int, distributed: bool = False) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.distributed = distributed
        self._executor: ProcessPoolExecutor | None = None
        # stop() may come from the main thread while another thread maps (the passage alignment):
        # once stopped, no map starts a new pool of workers
        self._pool_lock = threading.Lock()
        self._stopped = False

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.stop()

    def close(self) -> None:
        """Stop the worker processes once their batches are done (the next
        :meth:`map` starts new ones)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def stop(self) -> None:
        """Kill the worker processes now, dropping the batches in flight."""
        with self._pool_lock:
            executor, self._executor, self._stopped = self._executor, None, True
        if executor is None:
            return
        # The pool has no public way to kill its workers before Python 3.14
        # (terminate_workers); its process table is the one handle on them.
        processes = list(getattr(executor, "_processes", {}).values())
        manager = getattr(executor, "_executor_manager_thread", None)  # shutdown() forgets it
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join()
        executor.shutdown(wait=False, cancel_futures=True)
        # The pool's manager thread closes its wake-up pipe when it sees the workers gone; the interpreter's
        # exit writes to that pipe unless it is closed, and a close between its check and its write printed
        # "OSError: [Errno 9] Bad file descriptor" after "dedup: interrupted". Once the thread is done the
        # pipe is closed for good.
        if manager is not None:
            manager.join(timeout=10)

    def map(self, func: Callable[[T], R], batches: Iterable[T], in_flight: int = 2) -> Iterator[R]:
        """``func(batch)`` for every batch, in order (see :class:`~dedup.engine.base.Engine`)."""
        if self.workers == 1:
            for batch in batches:
                if self._stopped:  # a call on another thread, its scan failed: no more work
                    raise RuntimeError("the engine was stopped")
                yield func(batch)
            return
        with self._pool_lock:
            if self._stopped:
                raise RuntimeError("the engine was stopped")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_worker_start)
            executor = self._executor
        window = max(1, in_flight) * self.workers
        pending: deque[Future] = deque()
        for batch in batches:
            pending.append(executor.submit(func, batch))  # after stop(): RuntimeError, the pool is shut down
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def map_groups(self, func: Callable[[K, list[T]], R], items: Iterable[tuple[K, T]]) -> Iterator[R]:
        """``func(key, values)`` per distinct key, in key order."""
        return self.map(_call_group, ((func, key, values) for key, values in groups_by_key(items)))

    def map_keep(self, func: Callable[[T], tuple[R, Any]], batches: Iterable[T], in_flight: int = 2) -> Iterator[tuple[R, Any]]:
        """``func(batch)`` as ``(result, kept)`` for every batch, in order; ``kept`` is its own handle here."""
        return self.map(func, batches, in_flight)

    def map_using(self, func: Callable[..., R], jobs: Iterable[tuple[T, list]], in_flight: int = 2) -> Iterator[R]:
        """``func(batch, *handles)`` for every job, in order (a handle is what it holds here)."""
        return self.map(partial(_call_using, func), jobs, in_flight)

    def map_partitions(self, func: Callable[[Any, Any], R], sources: Iterable[tuple], partitions: int | None = None) -> Iterator[R]:
        """One partition here: ``func`` of every source's columns, sorted by key."""
        yield func(*sorted_columns([make(*args) for make, *args in sources]))


def engine_or_local(engine: "Engine | None", workers: int):
    """``with``-able: the given engine, left open for its owner, or a
    :class:`LocalEngine` of ``workers`` that lives for the ``with`` block."""
    return nullcontext(engine) if engine is not None else LocalEngine(workers)


def _call_using(func, job):
    batch, held = job
    return func(batch, *held)


def _call_group(job):
    func, key, values = job
    return func(key, values)
