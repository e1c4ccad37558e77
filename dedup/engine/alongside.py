"""A call run on a thread of its own while this process does other work."""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Alongside(Generic[T]):
    """A call run on a thread of its own from :meth:`start` on; :meth:`result`
    waits for it and gives what it returned, or raises what it raised.

    A daemon thread, not a ``ThreadPoolExecutor`` (whose threads are joined at
    exit): an interrupted scan does not wait for it, and it ends with the
    engine and files it reads from. ``seconds``: how long the call took.
    """

    def __init__(self, call: Callable[[], T], name: str) -> None:
        self._call = call
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.started = 0.0
        self.seconds = 0.0

    def start(self) -> "Alongside[T]":
        self.started = time.perf_counter()
        self._thread.start()
        return self

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
