"""Running a per-batch stage on every core, in input order, with bounded memory.

:class:`StagePool` maps a pure function over an iterator of batches in
worker processes and yields the results in the order of the batches, so the
output never depends on the number of workers. At most ``window`` batches
are in flight, so a corpus is read only as fast as it is processed.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _context():
    # fork shares the parent's lookup tables and imports without pickling;
    # where it is unavailable the default start method is used.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class StagePool:
    """A pool of ``workers`` processes (none when ``workers`` is 1).

    Args:
        workers: Worker processes; 1 runs every batch in this process.
        window: Batches in flight per worker.

    Examples:
        >>> with StagePool(2) as pool:
        ...     list(pool.map(sum, [[1, 2], [3]]))
        [3, 3]
    """

    def __init__(self, workers: int, window: int = 2) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.window = max(1, window) * workers
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "StagePool":
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=_context())
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map(self, func: Callable[[T], R], batches: Iterable[T]) -> Iterator[R]:
        """``func(batch)`` for every batch, in order.

        Args:
            func: A picklable pure function (module level, or a
                ``functools.partial`` of one).
            batches: The inputs; consumed lazily.

        Yields:
            The results, in the order of ``batches``.
        """
        if self._executor is None:
            for batch in batches:
                yield func(batch)
            return
        pending: deque[Future] = deque()
        for batch in batches:
            pending.append(self._executor.submit(func, batch))
            if len(pending) >= self.window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def runs_by_size(items: Iterable[T], size: Callable[[T], int], limit: int, most: int | None = None) -> Iterator[tuple[int, list[T]]]:
    """Consecutive runs of ``items`` whose sizes add up to about ``limit``
    (a run closes once it reaches it), each of at most ``most`` items.

    Yields:
        ``(index of the run's first item, run)``.
    """
    run: list[T] = []
    first = total = 0
    for k, item in enumerate(items):
        run.append(item)
        total += size(item)
        if total >= limit or (most is not None and len(run) >= most):
            yield first, run
            run, first, total = [], k + 1, 0
    if run:
        yield first, run
