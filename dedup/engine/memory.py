"""Freed arrays given back to the system at once, and the object store's
pages let go, in a driver process; what the process and its workers used
(:func:`process_resources`), and fewer of Python's cyclic garbage
collections in a batch process (:func:`collect_less`).

A driver makes large short-lived arrays stage after stage (band keys,
candidate pairs, fingerprint columns). glibc's ``malloc`` serves a block
over its mmap threshold with ``mmap`` and returns it to the system when it
is freed, but the first such free raises the threshold to that block's size
(up to 32 MiB): from then on blocks of that size come from the heap, and
their pages stay in the process after they are freed, wherever a later
small allocation holds the heap up. The driver's resident memory then
follows the largest arrays of every stage so far, not what it holds.
Setting the thresholds once turns that adjustment off.

A Ray driver reads every task result out of the object store, a shared
memory file it maps whole; each page it reads stays counted in its resident
memory until it is unmapped, though the store owns it (and bounds it by its
own size). The store places new objects past the ones it keeps (the shingle
sets), so the pages a driver has read grow with the corpus.
:func:`release_store_pages` drops them from the driver's page tables; the
store's contents are untouched, and a page read again is mapped again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import sys
import time
from functools import lru_cache

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# madvise advice (sys/mman.h): on a shared mapping, the pages leave the
# process and are read back from the file when used again.
_MADV_DONTNEED = 4
# Where Ray's object store lives: a shared mapping of a file named so
# (in /dev/shm, or its fallback files on disk).
_STORE_FILE = "plasma"
# Blocks from 64 KiB up are mapped on their own and unmapped when freed;
# free heap above 64 KiB at its top is trimmed. Measured on a default Ray
# scan's driver at 10,000 and 30,000 documents.
RETURN_ABOVE = 64 * 1024


# Container allocations between two collections of Python's youngest
# generation in a batch process (Python's default: 700).
YOUNG_COLLECTION_EVERY = 10_000


def collect_less() -> None:
    """Fewer cyclic garbage collections, for a batch process such as the CLI's.

    A scan makes millions of short-lived tuples, lists and dicts and hardly a
    reference cycle, so nearly every collection finds nothing, while each
    walks the containers still alive. The objects alive now (modules,
    settings) are frozen out of every later collection, and the youngest
    generation is collected every :data:`YOUNG_COLLECTION_EVERY` container
    allocations; forked workers inherit both. Garbage without cycles is
    freed at once as ever; cycles wait a little longer. Done once a process
    (a process that runs several commands freezes only what its first found).
    """
    if gc.get_freeze_count() and gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY:
        return
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])


@lru_cache(maxsize=1)
def _libc():
    """The C library, or ``None`` where it cannot be loaded."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def return_freed_memory(threshold: int = RETURN_ABOVE) -> bool:
    """Fix glibc's mmap and trim thresholds at ``threshold`` bytes for this
    process (and any process it forks from now on).

    Returns:
        Whether they were set: false on a C library other than glibc (the
        setting is then left as it is).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = _libc().mallopt
    except AttributeError:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, threshold))


def store_mappings(maps: str = "/proc/self/maps", name: str = _STORE_FILE) -> list[tuple[int, int]]:
    """The ``(start, end)`` addresses of this process's shared mappings of
    files whose path holds ``name`` (Ray's object store)."""
    found = []
    try:
        with open(maps) as lines:
            for line in lines:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[1].endswith("s") and name in fields[5]:
                    start, _, end = fields[0].partition("-")
                    found.append((int(start, 16), int(end, 16)))
    except OSError:
        return []
    return found


def release_store_pages(ranges: list[tuple[int, int]] | None = None) -> bool:
    """Drop the object store's pages from this process's resident memory.

    Only shared mappings are touched: their pages stay in the store's file
    and come back, as they are, on the next read.

    Args:
        ranges: The mappings, by default :func:`store_mappings`.

    Returns:
        Whether every mapping was released (false off Linux, or where
        ``madvise`` is missing or refused).
    """
    libc = _libc() if sys.platform.startswith("linux") else None
    madvise = getattr(libc, "madvise", None)
    if madvise is None:
        return False
    madvise.argtypes, madvise.restype = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_int
    ranges = store_mappings() if ranges is None else ranges
    return all(madvise(start, end - start, _MADV_DONTNEED) == 0 for start, end in ranges)


class StorePages:
    """Calls :func:`release_store_pages` at most every ``interval`` seconds
    (reading the process's mappings costs about a millisecond), or at once
    after ``large`` bytes or more were read."""

    def __init__(self, interval: float = 0.25, large: int = 1 << 20) -> None:
        self.interval = interval
        self.large = large
        self._last = float("-inf")  # not 0: the monotonic clock may start near 0 (time since boot)

    def release(self, read: int = 0) -> bool:
        """Release the pages if ``interval`` has passed since the last time,
        or if ``read`` (the bytes just read from the store) is ``large``; whether it did."""
        now = time.monotonic()
        if now - self._last < self.interval and read < self.large:
            return False
        self._last = now
        release_store_pages()
        return True


def trim_heap() -> bool:
    """Give the free pages inside glibc's heaps back to the system
    (``malloc_trim(0)``): the trim threshold only returns free memory at a
    heap's top, not what lies freed below a block still in use.

    Returns:
        Whether any memory was returned: false off Linux or on a C library
        without ``malloc_trim`` (then nothing is done).
    """
    libc = _libc() if sys.platform.startswith("linux") else None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes, trim.restype = (ctypes.c_size_t,), ctypes.c_int
    return bool(trim(0))


def process_resources() -> dict[str, float]:
    """Peak memory and CPU time of this process and of its (finished) workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "peak_rss_mb": round(own_peak_rss_kb(own) / 1024, 1),
        "peak_rss_worker_mb": round(workers.ru_maxrss / 1024, 1),
        "cpu_seconds": round(own.ru_utime + own.ru_stime, 2),
        "cpu_seconds_workers": round(workers.ru_utime + workers.ru_stime, 2),
    }


def own_peak_rss_kb(usage=None) -> int:
    """This process's own peak resident memory in KiB.

    Linux's ``VmHWM`` (``/proc/self/status``) is the high-water mark of the
    process's own memory since it started its program; ``getrusage``'s
    ``ru_maxrss`` also carries the peak of the process it was started from
    across ``exec`` (a scan started by a large parent would report the
    parent's peak), so it serves only where ``/proc`` does not exist.

    Args:
        usage: ``getrusage(RUSAGE_SELF)`` when already taken.
    """
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return (usage or resource.getrusage(resource.RUSAGE_SELF)).ru_maxrss
