"""How per-batch stage functions are run.

In: a pure function and an iterable of batches (or of ``(key, value)`` items
to group). Out: the function's results, in the order of the batches (or of
the keys), whatever the engine or number of workers. :class:`LocalEngine`, a
process pool, runs on this machine; ``dedup.engine.ray.RayEngine`` (the
``ray`` extra, imported only when chosen) on a Ray cluster. Stages take an
:class:`Engine` and never start worker processes themselves. A
:class:`FaultBarrier` around a batch function turns an error of one item
into an :class:`ItemFault` instead of the end of the run.
"""

from dedup.engine.base import Engine, EngineUnavailable, groups_by_key, runs_by_size, ships_texts
from dedup.engine.faults import FaultBarrier, FaultLog, Guarded, ItemFault, StageFault
from dedup.engine.local import LocalEngine, engine_or_local

ENGINES = ("local", "ray")

__all__ = [
    "ENGINES", "Engine", "EngineUnavailable", "FaultBarrier", "FaultLog", "Guarded", "ItemFault", "LocalEngine", "StageFault",
    "engine_or_local", "groups_by_key", "open_engine", "runs_by_size", "ships_texts",
]


def open_engine(kind: str, workers: int, address: str | None = None) -> Engine | None:
    """The engine named ``kind``, started and ready for ``with``; ``None``
    for ``local``: a run makes its own local engine, which it stops before
    it measures the workers.

    Args:
        kind: ``local`` or ``ray``.
        workers: CPUs of a local Ray cluster.
        address: For ``ray``: a running cluster (else ``RAY_ADDRESS``, else
            a local cluster of ``workers`` CPUs).

    Raises:
        EngineUnavailable: Ray is not installed, or its cluster cannot be reached.
        ValueError: An unknown ``kind``.
    """
    if kind == "local":
        return None
    if kind == "ray":
        from dedup.engine.ray import RayEngine  # Ray is imported only when chosen

        return RayEngine(address, workers).start()
    raise ValueError(f"unknown engine {kind!r}; choose one of {', '.join(ENGINES)}")
