"""The real command line, Ctrl-C'd while the passage stage's pairs are being
aligned: ``python interrupt_while_aligning.py dedup-args...``.

The main process signals itself when it starts on the pairs from the index,
which it makes while the workers align the other pairs, and says on stderr
whether worker processes were still alive when the document store (the
file they read the documents from) was removed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time

import dedup.io.store as store
import dedup.passages.pairs as pairs
from dedup.cli import main

ALIVE = "workers alive when the document store went"


def _interrupted(func):
    def index_pairs(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10)  # the interrupt lands here
        return func(*args, **kwargs)

    return index_pairs


def _watched(close):
    def closing(self):
        if multiprocessing.active_children():
            print(ALIVE, multiprocessing.active_children(), file=sys.stderr)
        close(self)

    return closing


if __name__ == "__main__":
    pairs.index_pairs = _interrupted(pairs.index_pairs)
    store.DocumentStore.close = _watched(store.DocumentStore.close)
    sys.argv = ["dedup", *sys.argv[1:]]
    main()
