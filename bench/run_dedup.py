"""Run the document-level scan on a corpus and write its JSON (bench-local runner).

Usage: ``python bench/run_dedup.py CORPUS.jsonl OUT.json [--jobs N] [--threshold T]``.
Used by ``bench/bench_scan.py`` while the ``dedup scan`` command cannot be
called with ``--format json``; it makes the same library call.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys

from dedup.config import Settings
from dedup.scan import scan_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--ngram", type=int, default=5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    settings = Settings(ngram=args.ngram, num_perm=args.num_perm, seed=args.seed, threshold=args.threshold, jobs=args.jobs)
    result = scan_corpus([args.corpus], settings)
    # As the scan command should: no garbage collection while a million
    # result rows become JSON (they hold no reference cycles).
    gc.disable()
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
