"""The fault barrier: one bad document or pair never costs a whole batch.

A stage wraps its per-batch function in a :class:`FaultBarrier`. When the
function raises on a batch, the barrier finds the items that make it raise
by bisection (runs of the batch with the other items left out), runs the
batch once more without them, and returns that result with an
:class:`ItemFault` per failing item. When nothing raises the result is the
function's own, so a run without faults is unchanged; and because a stage
function is pure, the items that fail are the same for any batch size or
number of workers.

How an item is "left out" is the stage's choice (``leave_out``): a
fingerprint batch blanks the text so that positions keep their meaning, a
batch of pairs drops them.
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generic, Iterable, Sequence, TypeVar

B = TypeVar("B")
R = TypeVar("R")

# Characters of an error message kept in a problem: enough to say what went
# wrong, never a corpus-sized message.
_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class ItemFault:
    """An item of a batch whose processing raised.

    Attributes:
        position: The item's position in its batch.
        error: ``"ExceptionType: message"``, shortened.
        trace: The formatted traceback (shown with ``--debug``).
        documents: The ids of the item's documents, when the barrier can
            name them (its ``name`` function).
    """

    position: int
    error: str
    trace: str = ""
    documents: tuple[str, ...] = ()


@dataclass
class Guarded(Generic[R]):
    """A batch's result and the faults of the items left out of it."""

    result: R
    faults: list[ItemFault] = field(default_factory=list)


def describe(error: BaseException) -> str:
    """``"Type: message"`` of an exception, on one line and shortened."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


class FaultBarrier(Generic[B, R]):
    """``func(batch)``, isolating the items that make it raise.

    Picklable when its three functions are (module level, or
    ``functools.partial`` of one), so it runs in worker processes like the
    function it wraps.

    Args:
        func: The stage's pure per-batch function.
        size: The number of items in a batch.
        leave_out: ``leave_out(batch, positions)``: the batch without the
            items at ``positions`` (a set), in a form ``func`` accepts.
        name: ``name(batch, position)``: the ids of the documents of an
            item, for the report (none given: the caller names them).

    Examples:
        >>> def total(batch):
        ...     return sum(1 // x for x in batch)
        >>> barrier = FaultBarrier(total, len, lambda b, out: [x for k, x in enumerate(b) if k not in out])
        >>> guarded = barrier([1, 0, 1])
        >>> guarded.result, [(f.position, f.error) for f in guarded.faults]
        (2, [(1, 'ZeroDivisionError: integer division or modulo by zero')])
    """

    def __init__(
        self,
        func: Callable[[B], R],
        size: Callable[[B], int],
        leave_out: Callable[[B, set[int]], B],
        name: Callable[[B, int], tuple[str, ...]] | None = None,
    ) -> None:
        self.func = func
        self.size = size
        self.leave_out = leave_out
        self.name = name
        # Named after the stage function it guards (a partial's function).
        self.__name__ = getattr(getattr(func, "func", func), "__name__", type(func).__name__)

    def __call__(self, batch: B) -> Guarded[R]:
        try:
            return Guarded(self.func(batch))
        except Exception:  # noqa: BLE001 - the barrier's purpose: any error of one item
            pass
        n = self.size(batch)
        faults = self._failing(batch, list(range(n)))
        out = {f.position for f in faults}
        try:
            result = self.func(self.leave_out(batch, out))
        except Exception as error:  # noqa: BLE001 - only in combination: every item is out
            trace = traceback.format_exc()
            faults += [ItemFault(k, describe(error), trace) for k in range(n) if k not in out]
            result = self.func(self.leave_out(batch, set(range(n))))
        named = [replace(f, documents=self.name(batch, f.position)) for f in faults] if self.name else faults
        return Guarded(result, sorted(named, key=lambda f: f.position))

    def _failing(self, batch: B, inside: Sequence[int]) -> list[ItemFault]:
        """The faults among positions ``inside`` (every other position left out)."""
        if not inside:
            return []
        try:
            self.func(self.leave_out(batch, set(range(self.size(batch))) - set(inside)))
            return []
        except Exception as error:  # noqa: BLE001
            if len(inside) == 1:
                return [ItemFault(inside[0], describe(error), traceback.format_exc())]
        half = len(inside) // 2
        found = self._failing(batch, inside[:half]) + self._failing(batch, inside[half:])
        if not found:
            # Items that fail only together: each is reported.
            return [ItemFault(k, "fails only together with other items of its batch") for k in inside]
        return found


@dataclass(frozen=True)
class StageFault:
    """A document or pair that a stage could not process, named for the report.

    Attributes:
        stage: The stage (``fingerprint``, ``boilerplate``, ``passages``).
        documents: The ids of the document, or of the two of a pair.
        error: ``"ExceptionType: message"``.
        trace: The traceback, for ``--debug``.
    """

    stage: str
    documents: tuple[str, ...]
    error: str
    trace: str = ""

    @classmethod
    def of(cls, stage: str, fault: ItemFault, documents: Sequence[str] = ()) -> "StageFault":
        """The fault of an item, named by ``documents`` or by the barrier."""
        return cls(stage, tuple(documents) or fault.documents, fault.error, fault.trace)

    @property
    def origin(self) -> str:
        return " ↔ ".join(self.documents)

    @property
    def message(self) -> str:
        what = "pair" if len(self.documents) == 2 else "document"
        return f"{self.stage} failed on this {what} ({self.error}); it was left out of that stage, the run went on"

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The fault as a problem of the JSON output (``origin`` and ``message``
        as for input problems, with the stage and the document ids)."""
        return {"origin": self.origin, "message": self.message, "stage": self.stage, "documents": list(self.documents)}


# Faults kept (with their tracebacks) per stage; the rest are only counted,
# so a defect that meets every document costs no more memory than a few.
SHOWN_PER_STAGE = 20


class FaultLog(list):
    """The stage faults of a run, bounded: every one counted, the first
    ``shown_per_stage`` of each stage kept (and handed to ``listener`` as
    they come, e.g. to print them at once).

    Stages add to it as to a list (``append``, ``extend``).

    Examples:
        >>> log = FaultLog(shown_per_stage=1)
        >>> log.extend([StageFault("passages", ("a", "b"), "E"), StageFault("passages", ("a", "c"), "E")])
        >>> len(log), log.total, log.omitted()
        (1, 2, [('passages', 1)])
    """

    def __init__(self, listener: Callable[[StageFault], None] | None = None, shown_per_stage: int = SHOWN_PER_STAGE) -> None:
        super().__init__()
        self.listener = listener
        self.shown_per_stage = shown_per_stage
        self.counts: Counter[str] = Counter()

    def append(self, fault: StageFault) -> None:
        self.counts[fault.stage] += 1
        if self.counts[fault.stage] <= self.shown_per_stage:
            super().append(fault)
            if self.listener is not None:
                self.listener(fault)

    def extend(self, faults: Iterable[StageFault]) -> None:
        for fault in faults:
            self.append(fault)

    @property
    def total(self) -> int:
        """Every fault, kept or not."""
        return sum(self.counts.values())

    def omitted(self) -> list[tuple[str, int]]:
        """``(stage, count)`` for each stage with faults past the cap."""
        return [(stage, n - self.shown_per_stage) for stage, n in self.counts.items() if n > self.shown_per_stage]

    def records(self) -> list[dict[str, Any]]:
        """The kept faults as JSON problems, then one record per stage past the cap."""
        out: list[dict[str, Any]] = [fault.to_dict() for fault in self]
        for stage, count in self.omitted():
            out.append({"origin": "", "message": f"… and {count:,} more {stage} failures", "stage": stage, "more": count})
        return out
