"""Freed arrays leave a driver process (glibc's thresholds fixed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dedup.engine import memory

# In a fresh interpreter: a large block freed first (glibc then raises its
# mmap threshold past it), then 48 MiB of 1 MiB buffers with smaller ones
# (100 KB) between them that stay, so the freed ones cannot be trimmed off
# the top of the heap. Prints the resident private memory left behind, in MiB.
PROGRAM = """
import sys
from dedup.engine.memory import return_freed_memory, trim_heap

def anon():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssAnon")) / 1024

if sys.argv[1] == "set":
    assert return_freed_memory()
first = bytearray(8 << 20)
del first
before = anon()
big, small = [], []
for _ in range(48):
    big.append(bytearray(1 << 20))
    small.append(bytearray(100_000))
del big
if sys.argv[1] == "trim":
    assert trim_heap()
print(anon() - before)
"""


def _left_behind(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True)
    return float(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc are Linux's")
def test_freed_arrays_leave_the_process() -> None:
    kept = _left_behind("default")
    if kept < 40:
        pytest.skip(f"this C library returns the buffers by itself ({kept:.0f} MiB left)")
    assert _left_behind("set") < 10  # the 4.8 MB of small buffers that stay


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc are Linux's")
def test_trimmed_heap_gives_freed_pages_back() -> None:
    kept = _left_behind("default")
    if kept < 40:
        pytest.skip(f"this C library returns the buffers by itself ({kept:.0f} MiB left)")
    assert _left_behind("trim") < 10  # the freed buffers below the small ones that stay go back too


def test_trim_heap_does_nothing_off_linux(monkeypatch) -> None:
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.trim_heap() is False


def test_store_pages_are_released_every_interval_or_at_once_after_a_large_read(monkeypatch) -> None:
    released = []
    monkeypatch.setattr(memory, "release_store_pages", lambda: released.append(True))
    pages = memory.StorePages(interval=3600, large=1 << 20)
    assert pages.release() is True  # the first time
    assert pages.release(read=(1 << 20) - 1) is False  # within the interval, a small result
    assert pages.release(read=1 << 20) is True  # a large one
    assert len(released) == 2


# In a fresh interpreter: the collector's young threshold and frozen objects
# before and after the command line runs a command (``scan --help``: it goes
# through the command group, which sets them), and after a second command.
COLLECTOR = """
import gc
from click.testing import CliRunner
from dedup.cli import main
before = gc.get_threshold()[0], gc.get_freeze_count()
CliRunner().invoke(main, ["scan", "--help"])
after = gc.get_threshold()[0], gc.get_freeze_count()
garbage = [[] for _ in range(1000)]
CliRunner().invoke(main, ["scan", "--help"])
print(*before, *after, gc.get_freeze_count() - after[1])
"""


def test_the_command_line_collects_cyclic_garbage_less_often() -> None:
    out = subprocess.run([sys.executable, "-c", COLLECTOR], capture_output=True, text=True, check=True)
    young_before, frozen_before, young_after, frozen_after, frozen_again = map(int, out.stdout.split())
    assert (young_before, frozen_before) == (700, 0)
    assert young_after == memory.YOUNG_COLLECTION_EVERY and frozen_after > 10_000  # the modules loaded
    assert frozen_again == 0  # once a process: what a second command finds alive is not frozen
