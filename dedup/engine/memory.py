"""Freed arrays given back to the system at once, in a driver process.

A driver makes large short-lived arrays stage after stage (band keys,
candidate pairs, fingerprint columns). glibc's ``malloc`` serves a block
over its mmap threshold with ``mmap`` and returns it to the system when it
is freed, but the first such free raises the threshold to that block's size
(up to 32 MiB): from then on blocks of that size come from the heap, and
their pages stay in the process after they are freed, wherever a later
small allocation holds the heap up. The driver's resident memory then
follows the largest arrays of every stage so far, not what it holds.
Setting the thresholds once turns that adjustment off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks from 64 KiB up are mapped on their own and unmapped when freed;
# free heap above 64 KiB at its top is trimmed. Measured on a default Ray
# scan's driver at 10,000 and 30,000 documents.
RETURN_ABOVE = 64 * 1024


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
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, threshold))
