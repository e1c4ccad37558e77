"""A call run on a thread of its own while this process does other work."""

from __future__ import annotations

import contextvars
import threading
import time
from contextlib import contextmanager
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")

# The calls started within a :func:`ended_on_error` block, and within the calls it started.
_started_in_block: contextvars.ContextVar[list["Alongside"] | None] = contextvars.ContextVar("dedup_alongside_block", default=None)


class Alongside(Generic[T]):
    """A call run on a thread of its own from :meth:`start` on; :meth:`result`
    waits for it and gives what it returned, or raises what it raised.

    A daemon thread, not a ``ThreadPoolExecutor`` (whose threads are joined at
    exit): an interrupted scan does not wait for it. Within an
    :func:`ended_on_error` block, a block left by an error waits for it to end
    before the files it reads from go. ``seconds``: how long the call took.
    """

    def __init__(self, call: Callable[[], T], name: str) -> None:
        self._call = call
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run_in, args=(contextvars.copy_context(),), name=name, daemon=True)
        self.started = 0.0
        self.seconds = 0.0

    def start(self) -> "Alongside[T]":
        block = _started_in_block.get()
        if block is not None:
            block.append(self)
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def _run_in(self, context: contextvars.Context) -> None:
        context.run(self._run)  # a call it starts in turn joins the same block

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as error:  # noqa: BLE001 - raised again where the result is taken
            self._error = error
        self.seconds = time.perf_counter() - self.started

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the call to end (at most ``timeout`` seconds), whatever it
        gave; whether it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


@contextmanager
def ended_on_error(timeout: float = 120.0, interrupted_timeout: float = 5.0) -> Iterator[None]:
    """A block that, left by an error, first waits (up to ``timeout`` seconds
    each) for every :class:`Alongside` started within it, by this thread or
    by one of them: a call still running when the block's files are removed
    would write into a folder being deleted, or report progress after the
    error. Their own errors are dropped; the block's is raised. Left by an
    interrupt (not an ``Exception``), it waits ``interrupted_timeout``
    seconds at most: the user asked to stop.

    Enter it inside the block whose files they read and outside the one
    that stops the engine: once the workers are stopped, a call waiting on
    them ends at once. A block within another hands its calls on to the
    outer one when it ends.
    """
    outer, started = _started_in_block.get(), []
    token = _started_in_block.set(started)
    try:
        yield
    except BaseException as error:
        wait = timeout if isinstance(error, Exception) else interrupted_timeout
        for call in started:
            call.join(wait)
        raise
    finally:
        _started_in_block.reset(token)
        if outer is not None:  # a call may outlive this block: the block around it waits for it too
            outer.extend(started)
