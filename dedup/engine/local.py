"""The local engine: per-batch stage functions on every core of this machine.

:class:`LocalEngine` maps a pure function over an iterator of batches in
worker processes and yields the results in the order of the batches, so the
output never depends on the number of workers. At most ``in_flight``
batches per worker are submitted ahead, so a corpus is read only as fast as
it is processed.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Hashable, Iterable, Iterator, TypeVar

from dedup.engine.base import groups_by_key

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


def _context():
    # fork shares the parent's lookup tables and imports without pickling;
    # where it is unavailable the default start method is used.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class LocalEngine:
    """A pool of ``workers`` processes (none when ``workers`` is 1).

    The processes start with the first :meth:`map` that needs them and stop
    when the ``with`` block ends, so a stage that loads lookup tables before
    its first map has them in its forked workers.

    Args:
        workers: Worker processes; 1 runs every batch in this process.

    Raises:
        ValueError: ``workers`` below 1.

    Examples:
        >>> with LocalEngine(2) as engine:
        ...     list(engine.map(sum, [[1, 2], [3]]))
        [3, 3]
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (the next :meth:`map` starts new ones)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map(self, func: Callable[[T], R], batches: Iterable[T], in_flight: int = 2) -> Iterator[R]:
        """``func(batch)`` for every batch, in order (see :class:`~dedup.engine.base.Engine`)."""
        if self.workers == 1:
            for batch in batches:
                yield func(batch)
            return
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=_context())
        window = max(1, in_flight) * self.workers
        pending: deque[Future] = deque()
        for batch in batches:
            pending.append(self._executor.submit(func, batch))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def map_groups(self, func: Callable[[K, list[T]], R], items: Iterable[tuple[K, T]]) -> Iterator[R]:
        """``func(key, values)`` per distinct key, in key order."""
        return self.map(_call_group, ((func, key, values) for key, values in groups_by_key(items)))


def _call_group(job):
    func, key, values = job
    return func(key, values)
