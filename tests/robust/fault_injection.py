"""The real command line, with one stage made to fail on the documents that
hold a marker: ``python fault_injection.py STAGE MARKER dedup-args...``
(STAGE ``none``: nothing fails).

A stage fails on a document only through a defect or an input no one
foresaw; this stands in for such a defect in one named stage so that the
tests can check what the whole command does about it (the fault barrier,
its messages, the exit code). Nothing else is changed: the workers are
forked from this process and inherit the failing function.
"""

from __future__ import annotations

import sys

import dedup.boilerplate.detect as detect
import dedup.boilerplate.unmarked as unmarked
import dedup.near.fingerprints as fingerprints
import dedup.passages.verify as verify
from dedup.cli import main


def _failing(func, holds_marker):
    def stage(*args, **kwargs):
        if holds_marker(*args, **kwargs):
            raise RuntimeError("a defect met on this input")
        return func(*args, **kwargs)

    return stage


def _ruled(surely_unmarked, marker: str):
    """The boilerplate stage's test of which documents need its rules,
    sending those that hold the marker to the (failing) rules."""

    def needs_rules(docs, *args, **kwargs):
        return [clean and marker not in doc.text for clean, doc in zip(surely_unmarked(docs, *args, **kwargs), docs)]

    return needs_rules


def _install(stage: str, marker: str) -> None:
    if stage == "none":
        return
    if stage == "fingerprint":
        fingerprints.prepare_tokens = _failing(fingerprints.prepare_tokens, lambda texts: any(marker in t for t in texts))
    elif stage == "boilerplate":
        detect.document_boilerplate = _failing(detect.document_boilerplate, lambda doc, *a, **k: marker in doc.text)
        unmarked.surely_unmarked = _ruled(unmarked.surely_unmarked, marker)
    elif stage == "passages":
        verify.prepare = _failing(verify.prepare, lambda text, *a, **k: marker in text)
    elif stage == "assemble":
        # not per document: an internal error of the whole run
        import dedup.scan as scan

        scan._assemble = _failing(scan._assemble, lambda *a, **k: True)
    else:
        raise SystemExit(f"unknown stage {stage}")


if __name__ == "__main__":
    _install(sys.argv[1], sys.argv[2])
    sys.argv = ["dedup", *sys.argv[3:]]
    main()
