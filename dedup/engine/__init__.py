"""How per-batch stage functions are run.

In: a pure function and an iterable of batches (or of ``(key, value)`` items
to group). Out: the function's results, in the order of the batches (or of
the keys), whatever the engine or number of workers. :class:`LocalEngine`, a
process pool, is the one engine today; stages take an :class:`Engine` and
never start worker processes themselves. A :class:`FaultBarrier` around a
batch function turns an error of one item into an :class:`ItemFault`
instead of the end of the run.
"""

from dedup.engine.base import Engine, groups_by_key, runs_by_size
from dedup.engine.faults import FaultBarrier, FaultLog, Guarded, ItemFault, StageFault
from dedup.engine.local import LocalEngine

__all__ = ["Engine", "FaultBarrier", "FaultLog", "Guarded", "ItemFault", "LocalEngine", "StageFault", "groups_by_key", "runs_by_size"]
