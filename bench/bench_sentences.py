"""Sentence splitting on long runs of stops: seconds for 100,000 of them.

Splitting was quadratic on runs of ``.``, ``!`` and ``?``; it is linear now.
This prints the seconds of :func:`sentence_spans` and :func:`prepare_text`
on 100,000 stops of each kind (the acceptance bound is one second each).

Run: ``.venv/bin/python bench/bench_sentences.py``
"""

from __future__ import annotations

import time

from dedup.text.sentences import prepare_text, sentence_spans


def main() -> None:
    prepare_text("\u4e00\u3002")  # the character tables are built once per process, not timed
    for run in (".", "!", "?", "?!.", ".'", "\u2026."):
        text = "It began" + run * (100_000 // len(run)) + " and ended here. The end."
        started = time.perf_counter()
        sentence_spans(text)
        split = time.perf_counter() - started
        started = time.perf_counter()
        prepare_text(text)
        prepared = time.perf_counter() - started
        print(f"{run!r:>8}  sentence_spans {split:.3f} s  prepare_text {prepared:.3f} s")


if __name__ == "__main__":
    main()
