"""Wall and CPU seconds of a piece of work, for the benches."""

from __future__ import annotations

import resource
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def cpu_seconds(own: bool = True) -> float:
    """User and system CPU seconds of the finished child processes, and of
    this process too unless ``own`` is false."""
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if own else (resource.RUSAGE_CHILDREN,)
    return sum(usage.ru_utime + usage.ru_stime for usage in map(resource.getrusage, who))


def timed(fn: Callable[[], T], own: bool = True) -> tuple[T, float, float]:
    """``fn()``, and the wall seconds and CPU seconds (see :func:`cpu_seconds`) it took."""
    cpu, started = cpu_seconds(own), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started, cpu_seconds(own) - cpu
