"""The Ray engine: the same per-batch stage functions on a Ray cluster.

:class:`RayEngine` runs each batch as a Ray task (retried by Ray when its
worker dies, which is safe because stage functions are pure and their spill
files are rewritten whole) and gives the results back in batch order, like
:class:`~dedup.engine.LocalEngine`. :meth:`RayEngine.map_groups` is a
shuffle by key done by Ray: map tasks split runs of items into partitions
by a stable hash of the key, one reduce task per partition groups and calls
the function, and the driver merges the partitions' results in key order.

Ray is an optional extra (``pip install 'dedup-news[ray]'``) imported only when
this engine is made.
"""

from __future__ import annotations

import heapq
import logging
import numbers
import os
import pickle
import signal
import socket
import threading
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Hashable, Iterable, Iterator, TypeVar

import xxhash

from dedup.engine.base import EngineUnavailable, groups_by_key, sorted_columns
from dedup.engine.memory import StorePages, return_freed_memory, trim_heap

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)

INSTALL_HINT = "the Ray engine needs the optional extra: pip install '.[ray]' in a checkout of dedup (or pip install 'dedup-news[ray]')"

# Task results larger than this go to Ray's object store, not to the memory
# of the process that submitted the task (Ray's default is 100 KiB): the
# pieces of a shuffle are small and many, and would otherwise all pass
# through the driver. Set for a local cluster; an existing one takes it as
# RAY_max_direct_call_object_size when it starts (docs/ray.md).
DIRECT_RESULT_BYTES = 1024

# A local cluster is one node: an object it loses is lost with the whole
# cluster, so lineage (the arguments of every task whose result is still
# referenced, kept to rebuild a lost result) serves nothing there. Kept, it
# would hold every text batch the driver sent to a fingerprint task for as
# long as the shingle sets it made are used: the whole corpus, in the store
# pages the driver wrote. A task whose worker dies is still retried (its
# arguments live until it ends). On a cluster of several nodes lineage
# stays on (docs/ray.md).
LOCAL_CLUSTER_CONFIG = {"max_direct_call_object_size": DIRECT_RESULT_BYTES, "lineage_pinning_enabled": False}

# Items per map task of the shuffle: large enough that a task's overhead
# (a few ms) is small next to its work.
SHUFFLE_CHUNK = 50_000

# Map tasks of a shuffle submitted ahead of the oldest one still running,
# per worker, and the sources of :meth:`RayEngine.map_partitions` each map
# task makes: the driver keeps every task it submitted until it ends (about
# 20 KB each), and every piece a map task returns until the reduce tasks
# end. A shuffle over the boilerplate stage's 341 runs at 100,000 documents
# took 16 MB of the driver's heap at its peak, submitted at once.
SHUFFLE_IN_FLIGHT = 2
SOURCES_PER_MAP_TASK = 8


def import_ray() -> Any:
    """The ``ray`` module.

    Raises:
        EngineUnavailable: Ray is not installed; the message says how to install it.
    """
    try:
        import ray
    except ImportError as err:
        raise EngineUnavailable(INSTALL_HINT) from err
    return ray


class RayEngine:
    """Batches as Ray tasks, on an existing cluster or on a local one.

    Args:
        address: A running cluster (``host:port`` or ``ray://...``); by
            default ``RAY_ADDRESS``, else a local cluster is started for the
            engine and stopped with it.
        workers: CPUs of the local cluster (ignored for an existing one,
            whose CPUs are used).
        max_retries: Times Ray reruns a batch whose worker died.

    Raises:
        EngineUnavailable: Ray is not installed.

    Examples:
        >>> with RayEngine(workers=2) as engine:  # doctest: +SKIP
        ...     list(engine.map(sum, [[1, 2], [3]]))
        [3, 3]
    """

    # The workers read the inputs and keep their results (see Engine).
    distributed = True

    def __init__(self, address: str | None = None, workers: int | None = None, max_retries: int = 3) -> None:
        self._ray = import_ray()
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.max_retries = max_retries
        self.workers = workers or os.cpu_count() or 1
        self._cpus = workers
        self._owned = False
        self._started = False
        self.shares_files = False
        self._store_pages = StorePages()

    def __enter__(self) -> "RayEngine":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> "RayEngine":
        """Connect to the cluster (or start the local one) and size ``workers`` by its CPUs.

        Raises:
            EngineUnavailable: The cluster at ``address`` could not be
                reached, or a local one could not start.
        """
        if self._started:
            return self
        # The driver's stages free large arrays one after another: keep their pages from staying resident.
        return_freed_memory()
        ray = self._ray
        if not ray.is_initialized():
            if self.address:
                _check_reachable(self.address)
            quiet = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
            with _signal_handlers_kept():
                try:
                    if self.address:
                        ray.init(address=self.address, **quiet)
                    else:
                        ray.init(address="local", num_cpus=self._cpus, _system_config=LOCAL_CLUSTER_CONFIG, **quiet)
                except (ConnectionError, RuntimeError, ValueError) as err:
                    where = f"reach the Ray cluster at {self.address}" if self.address else "start a local Ray cluster"
                    raise EngineUnavailable(f"could not {where}: {err}") from None
            self._owned = True
            # A local cluster's workers run here: they read the texts from the
            # driver's document store by offset, so no text passes through
            # the object store pages the driver maps (docs/ray.md).
            self.shares_files = not self.address
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._started = True
        return self

    def close(self) -> None:
        """Stop the local cluster this engine started, or leave the cluster it
        joined (which keeps running); a Ray connection made before the engine
        is left open."""
        if self._owned:
            self._ray.shutdown()
        self._owned = self._started = self.shares_files = False

    def _fetch(self, ref: Any) -> Any:
        """The value of ``ref``, copied out of the object store.

        Ray hands large arrays back as views of the shared object store,
        which keep the object (and the store pages this process has touched
        reading it) alive as long as any view is held; a result kept by a
        stage would pin its whole object, and the driver would touch new
        store pages for every batch. The copy lets the object go at once,
        so the store reuses its pages and the driver's resident memory
        stays the size of the batches in flight. The store pages read (or
        written, by ``put``) are then let go from the driver's resident
        memory (:class:`~dedup.engine.memory.StorePages`): they are the
        store's, which bounds them by its size.
        """
        value, copied = _copied(self._ray.get(ref))
        # A large result's pages go at once (they would stay until the next
        # release, with the next results' pages); the heap freed below the
        # blocks still in use goes with them.
        if self._store_pages.release(copied):
            trim_heap()
        return value

    def _remote(self, func: Callable, **options) -> Any:
        return self._ray.remote(func).options(max_retries=self.max_retries, **options)

    def _in_order(self, submitted: Iterable[Any], in_flight: int) -> Iterator[Any]:
        """The references that ``submitted`` (a generator submitting a task
        per item) gives, in order, with at most ``in_flight`` tasks per worker
        submitted ahead of the one handed back."""
        window = max(1, in_flight) * self.workers
        pending: deque = deque()
        for ref in submitted:
            pending.append(ref)
            if len(pending) >= window:
                yield pending.popleft()
        while pending:
            yield pending.popleft()

    def _shuffle(self, split: Any, calls: Iterable[tuple], parts: int, reduce: Any, func: Callable) -> list:
        """Map tasks ``split(*call)`` (each returning ``parts`` pieces) and a
        reduce task per partition given ``func`` and that partition's pieces
        in call order; the reduce tasks' references."""
        pieces: list[list[Any]] = []
        running: deque = deque()
        window = SHUFFLE_IN_FLIGHT * self.workers
        for call in calls:
            refs = split.remote(*call)
            pieces.append(refs if parts > 1 else [refs])
            running.append(pieces[-1][0])
            if len(running) >= window:
                # The driver holds every task it submitted until the task ends (its spec, its lease, the
                # replies): all the map tasks at once cost it memory in proportion to the corpus.
                self._ray.wait([running.popleft()], fetch_local=False)
        if not pieces:
            return []
        func_ref = self._ray.put(func)
        return [reduce.remote(func_ref, *[piece[p] for piece in pieces]) for p in range(parts)]

    def map(self, func: Callable[[T], R], batches: Iterable[T], in_flight: int = 2) -> Iterator[R]:
        """``func(batch)`` for every batch as a Ray task, in order (see :class:`~dedup.engine.base.Engine`)."""
        self.start()
        apply = self._remote(_apply)
        func_ref = self._ray.put(func)  # shipped once, not with every batch
        for ref in self._in_order((apply.remote(func_ref, batch) for batch in batches), in_flight):
            yield self._fetch(ref)

    def map_groups(self, func: Callable[[K, list[T]], R], items: Iterable[tuple[K, T]], partitions: int | None = None) -> Iterator[R]:
        """``func(key, values)`` per distinct key, in key order, grouped by a Ray shuffle.

        Args:
            func: A picklable pure function of a key and its values.
            items: ``(key, value)`` pairs; keys of one type, comparable.
            partitions: Reduce tasks (by default ``workers``).
        """
        self.start()
        parts = max(1, partitions or self.workers)
        split = self._remote(_split_by_key, num_returns=parts)
        # Pieces are passed in chunk order, so each key's values keep their input order.
        reduced = self._shuffle(split, ((chunk, parts) for chunk in _chunks(items, SHUFFLE_CHUNK)), parts, self._remote(_reduce_groups), func)
        for _, result in heapq.merge(*map(self._fetch, reduced), key=lambda keyed: keyed[0]):
            yield result

    def map_keep(self, func: Callable[[T], tuple[R, Any]], batches: Iterable[T], in_flight: int = 2) -> Iterator[tuple[R, Any]]:
        """``func(batch)`` as a Ray task for every batch, in order: its result
        is fetched, its ``kept`` part stays in the object store (an object reference)."""
        self.start()
        apply = self._remote(_apply_pair, num_returns=2)
        func_ref = self._ray.put(func)
        for result, kept in self._in_order((apply.remote(func_ref, batch) for batch in batches), in_flight):
            yield self._fetch(result), kept

    def map_using(self, func: Callable[..., R], jobs: Iterable[tuple[T, list]], in_flight: int = 2) -> Iterator[R]:
        """``func(batch, *held)`` as a Ray task for every job, in order: the
        handles are object references, which Ray resolves for the task (on
        its node, without passing through the driver)."""
        self.start()
        apply = self._remote(_apply_using)
        func_ref = self._ray.put(func)
        for ref in self._in_order((apply.remote(func_ref, batch, *handles) for batch, handles in jobs), in_flight):
            yield self._fetch(ref)

    def map_partitions(self, func: Callable[[Any, Any], R], sources: Iterable[tuple], partitions: int | None = None) -> Iterator[R]:
        """The shuffle on Ray: a map task per :data:`SOURCES_PER_MAP_TASK`
        sources makes their columns where their handles are and splits them
        by key modulo the partitions; a reduce task per partition joins its
        pieces in source order, sorts them stably by key and calls ``func``."""
        self.start()
        parts = max(1, partitions or self.workers, self.workers)
        split = self._remote(_make_many_and_split, num_returns=parts)
        # Several sources a map task: the driver holds each task and each piece it returns while the shuffle runs.
        calls = ((parts, [(make, len(args)) for make, *args in group], *(arg for _, *args in group for arg in args))
                 for group in _chunks(sources, SOURCES_PER_MAP_TASK))
        for ref in self._shuffle(split, calls, parts, self._remote(_reduce_partition), func):
            yield self._fetch(ref)


def own_copy(value: Any) -> Any:
    """``value`` with every array buffer it holds copied, so that none is a
    view of Ray's object store; ``value`` itself when it holds none.

    The arrays' buffers are taken out of band (pickle protocol 5) and each
    copied once. A result of plain Python objects (the pairs a verification
    task found) was already made in this process by ``ray.get``: a second
    copy of it, made by a whole pickle round trip, doubled the driver's
    memory for the largest results.
    """
    return _copied(value)[0]


def _copied(value: Any) -> tuple[Any, int]:
    """:func:`own_copy` of ``value``, and the bytes of array buffers it copied."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    if not buffers:
        return value, 0
    copies = [bytearray(buffer.raw()) for buffer in buffers]
    return pickle.loads(data, buffers=copies), sum(map(len, copies))


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail at once when a ``host:port`` cluster address answers nothing
    (``ray.init`` would retry for minutes); other forms are left to Ray.

    Raises:
        EngineUnavailable: Nothing listens at ``address``.
    """
    host, sep, port = address.rpartition(":")
    if "://" in address or not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as err:
        raise EngineUnavailable(f"no Ray cluster answers at {address} ({err.strerror or err}); start one with `ray start --head` or check --ray-address / RAY_ADDRESS") from None


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """``ray.init`` installs its own SIGTERM handler (exit at once); the
    caller's handlers (which unwind the run and clean up) are put back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in kept.items():
            if handler is not None:
                signal.signal(signum, handler)


def _apply(func: Callable[[T], R], batch: T) -> R:
    return func(batch)


def _apply_pair(func: Callable[[T], tuple[R, Any]], batch: T) -> tuple[R, Any]:
    result, kept = func(batch)
    return result, kept


def _apply_using(func: Callable[..., R], batch: T, *held) -> R:
    return func(batch, *held)


def _make_and_split(make: Callable[..., tuple[Any, Any]], parts: int, *args) -> list[tuple[Any, Any]] | tuple[Any, Any]:
    """The map side of :meth:`RayEngine.map_partitions`: a source's columns, by partition."""
    keys, values = make(*args)
    if parts == 1:
        return keys, values
    part = keys % keys.dtype.type(parts)
    return [(keys[part == p], values[part == p]) for p in range(parts)]


def _make_many_and_split(parts: int, layout: list[tuple[Callable, int]], *args) -> list[tuple[Any, Any]] | tuple[Any, Any]:
    """The map side of :meth:`RayEngine.map_partitions` for consecutive
    sources (``layout``: each one's ``make`` and how many of ``args`` are its
    arguments, handles among them as Ray resolves them at the top level):
    each source's columns split as :func:`_make_and_split` splits them, and
    each partition's pieces joined in source order."""
    pieces, at = [], 0
    for make, count in layout:
        split = _make_and_split(make, parts, *args[at : at + count])
        pieces.append([split] if parts == 1 else split)
        at += count
    joined = [_joined_columns([piece[p] for piece in pieces]) for p in range(parts)]
    return joined[0] if parts == 1 else joined


def _joined_columns(pieces: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """The columns of ``pieces`` joined in order (sorted by the reduce task)."""
    import numpy as np

    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate([k for k, _ in pieces]), np.concatenate([v for _, v in pieces])


def _reduce_partition(func: Callable[[Any, Any], R], *pieces: tuple[Any, Any]) -> R:
    return func(*sorted_columns(list(pieces)))


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def partition_of(key: Hashable, parts: int) -> int:
    """The partition of ``key``: the same in every process (Python's own
    ``hash`` of a string is salted per process), equal for equal integers
    of any integer type."""
    if isinstance(key, numbers.Integral):
        return int(key) % parts
    data = key.encode() if isinstance(key, str) else key if isinstance(key, bytes) else repr(key).encode()
    return xxhash.xxh64_intdigest(data) % parts


def _split_by_key(chunk: list[tuple[K, T]], parts: int) -> list[list[tuple[K, T]]] | list[tuple[K, T]]:
    """The map side of the shuffle: ``chunk`` cut into ``parts`` partitions, order kept."""
    out: list[list[tuple[K, T]]] = [[] for _ in range(parts)]
    for item in chunk:
        out[partition_of(item[0], parts)].append(item)
    return out if parts > 1 else out[0]


def _reduce_groups(func: Callable[[K, list[T]], R], *pieces: list[tuple[K, T]]) -> list[tuple[K, R]]:
    """The reduce side: the partition's groups in key order, with ``func``'s result for each."""
    items = (item for piece in pieces for item in piece)
    return [(key, func(key, values)) for key, values in groups_by_key(items)]
