"""The engine seam: what a stage asks of whatever runs its batches.

A stage cuts its work into batches and hands a pure, picklable function and
the batches to an :class:`Engine`; the engine decides where the calls run
(this process, worker processes, a cluster) and gives the results back in
the order of the batches, so the output never depends on the engine or on
how many workers it has.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, Callable, Hashable, Iterable, Iterator, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot run here (its extra is not installed, or
    its cluster cannot be reached); the message says what to do."""


@runtime_checkable
class Engine(Protocol):
    """Runs per-batch stage functions.

    Attributes:
        workers: How many batches it runs at once; stages size their batches
            by it (never their results).
        distributed: (optional, ``False`` when absent) the workers share
            neither this process's memory nor its file system (a cluster):
            a stage that can sends them the names of shards instead of
            texts, and keeps what they make with them (:meth:`map_keep`)
            instead of in temporary files.
        shares_files: (optional, ``False`` when absent) the workers of a
            distributed engine run on this machine and read its temporary
            files (a local cluster): a stage sends them where a document is
            in such a file, not its text.
    """

    workers: int

    def __enter__(self) -> "Engine": ...

    def __exit__(self, *exc) -> None: ...

    def stop(self) -> None:
        """Stop at once (a run was interrupted): no batch in flight goes on
        writing, so the caller can remove its temporary files."""
        ...

    def map(self, func: Callable[[T], R], batches: Iterable[T], in_flight: int = 2) -> Iterator[R]:
        """``func(batch)`` for every batch, results in the order of ``batches``.

        Args:
            func: A picklable pure function (module level, or a
                ``functools.partial`` of one).
            batches: The inputs, consumed lazily.
            in_flight: Batches submitted ahead per worker: bounds memory
                when the batches are large, keeps every worker busy when
                they are uneven.
        """
        ...

    def map_groups(self, func: Callable[[K, list[T]], R], items: Iterable[tuple[K, T]]) -> Iterator[R]:
        """The shuffle by key: ``func(key, values)`` once per distinct key,
        in key order, with the values in the order they came."""
        ...

    def map_keep(self, func: Callable[[T], tuple[R, Any]], batches: Iterable[T], in_flight: int = 2) -> Iterator[tuple[R, Any]]:
        """As :meth:`map` for a ``func`` that returns ``(result, kept)``: the
        result comes back, ``kept`` stays where it was made and comes back
        as a handle, which :meth:`map_partitions` sources take as arguments."""
        ...

    def map_using(self, func: Callable[..., R], jobs: Iterable[tuple[T, list]], in_flight: int = 2) -> Iterator[R]:
        """``func(batch, *held)`` for every job ``(batch, handles)``, in order,
        where ``held`` is what the handles (from :meth:`map_keep`) hold; the
        function runs where it can read them."""
        ...

    def map_partitions(self, func: Callable[[Any, Any], R], sources: Iterable[tuple], partitions: int | None = None) -> Iterator[R]:
        """A shuffle by key done where the data is. Each source
        ``(make, *args)`` makes columns ``(keys, values)`` (``make(*args)``,
        its handles replaced by what they hold): a uint64 array of keys and
        an array with a row per key. The rows are partitioned by key, and
        ``func(keys, values)`` runs once per partition with its rows sorted
        by key (stably: in source order within a key). Results in partition
        order; how many partitions there are is the engine's choice (at
        least ``partitions``, when given), so ``func``'s results must add up
        to the same whatever it is."""
        ...


def ships_texts(engine: Engine) -> bool:
    """Whether ``engine``'s workers need the texts themselves, not where
    they are in this process's files: a cluster's, on other machines."""
    return getattr(engine, "distributed", False) and not getattr(engine, "shares_files", False)


def groups_by_key(items: Iterable[tuple[K, T]]) -> Iterator[tuple[K, list[T]]]:
    """``(key, values)`` per distinct key, in key order; values keep their
    input order (a stable sort), so any engine's grouping is the same."""
    ordered = sorted(items, key=lambda item: item[0])
    for key, run in groupby(ordered, key=lambda item: item[0]):
        yield key, [value for _, value in run]


def runs_by_size(items: Iterable[T], size: Callable[[T], int], limit: int, most: int | None = None) -> Iterator[tuple[int, list[T]]]:
    """Consecutive runs of ``items`` whose sizes add up to about ``limit``
    (a run closes once it reaches it), each of at most ``most`` items: the
    usual way a stage cuts documents into batches.

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


def sorted_columns(pieces: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """The columns of ``pieces`` joined in order and sorted stably by key."""
    import numpy as np  # only the shuffles need it: the engine's import stays light

    keys = np.concatenate([k for k, _ in pieces]) if pieces else np.zeros(0, dtype=np.uint64)
    values = np.concatenate([v for _, v in pieces]) if pieces else np.zeros((0,), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]
