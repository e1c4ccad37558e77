"""Timing of passage alignment and of the corpus-wide passage search.

1. One pair of 10,000-word documents (built from the sample corpus's
   sentences, shuffled with a fixed seed, sharing a quarter of their text).
2. ``find_passage_pairs`` against the document-level scan on a synthetic
   corpus (``--docs`` documents of about 600 words, with a share of copied
   and rewritten passages), both timed on the same documents.
3. With ``--corpus FILE``: ``dedup scan FILE --no-boilerplate --format json``
   with and without ``--no-passages``, run alternately ``--runs`` times in
   fresh processes; the medians of wall seconds, CPU seconds (the process
   and its workers) and of the passage stage's seconds, and the ratio of
   the two scans' wall seconds.

Figures are printed, not asserted: ``python bench/bench_passages.py``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed  # noqa: E402
from dedup.config import Settings  # noqa: E402
from dedup.document import Document  # noqa: E402
from dedup.passages.align import align_documents  # noqa: E402
from dedup.passages.pairs import find_passage_pairs  # noqa: E402
from dedup.scan import scan_documents  # noqa: E402
from dedup.text.sentences import sentence_spans  # noqa: E402


def corpus_sentences() -> list[str]:
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out.extend(s.text(text) for s in sentence_spans(text))
    return out


def words(text: str) -> int:
    return len(text.split())


def pair_of_long_documents(rng: random.Random, target: int = 10_000) -> tuple[Document, Document]:
    pool = corpus_sentences()
    vocab = sorted({w for s in pool for w in s.split()})

    def fresh_sentence() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(12, 30))) + "."

    a_parts: list[str] = []
    b_parts: list[str] = []
    while sum(map(words, a_parts)) < target:
        sentence = fresh_sentence()
        a_parts.append(sentence)
        if rng.random() < 0.25:
            b_parts.append(sentence)
    while sum(map(words, b_parts)) < target:
        b_parts.insert(rng.randrange(len(b_parts) + 1), fresh_sentence())
    return Document("long-a", " ".join(a_parts)), Document("long-b", " ".join(b_parts))


def synthetic_corpus(rng: random.Random, n_docs: int, words_per_doc: int = 600) -> list[Document]:
    vocab = [f"w{k}" for k in range(20_000)]
    docs: list[Document] = []
    for k in range(n_docs):
        if docs and rng.random() < 0.05:
            # reuse: a third of an earlier document copied in
            source = rng.choice(docs).text.split()
            start = rng.randrange(max(1, len(source) - 200))
            body = source[start : start + 200] + [rng.choice(vocab) for _ in range(words_per_doc - 200)]
        else:
            body = [rng.choice(vocab) for _ in range(words_per_doc)]
        sentences = [" ".join(body[i : i + 20]) + "." for i in range(0, len(body), 20)]
        docs.append(Document(f"doc{k:05d}", " ".join(sentences)))
    return docs


def scan_once(corpus: str, passages: bool) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and passage-stage seconds of one ``dedup scan``."""
    command = [sys.executable, "-m", "dedup", "scan", corpus, "--no-boilerplate", "--format", "json", "--no-progress"]
    if not passages:
        command.append("--no-passages")
    run = partial(subprocess.run, command, cwd=ROOT, capture_output=True, text=True, check=True)
    done, wall, cpu = timed(run, own=False)  # CPU of the scan process and its workers
    stage = json.loads(done.stdout)["timing"].get("stage_seconds", {}).get("passages", 0.0)
    return wall, cpu, stage


def compare_scans(corpus: str, runs: int) -> None:
    figures: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
    for _ in range(runs):
        for passages in (True, False):
            figures[passages].append(scan_once(corpus, passages))
    median = {key: [statistics.median(column) for column in zip(*rows)] for key, rows in figures.items()}
    for passages, label in ((False, "document level"), (True, "with passages")):
        wall, cpu, stage = median[passages]
        print(f"{label:15} wall {wall:.2f} s, CPU {cpu:.2f} s" + (f", passage stage {stage:.2f} s" if passages else ""))
    print(f"with passages / document level (wall, medians of {runs}): {median[True][0] / median[False][0]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--corpus", help="a JSONL corpus: time dedup scan on it with and without passages, and stop")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.corpus:
        compare_scans(args.corpus, args.runs)
        return 0
    rng = random.Random(7)
    settings = Settings()
    a, b = pair_of_long_documents(rng)
    align_documents(a, b, settings)  # warm-up (imports, vectoriser)
    alignment, seconds, _ = timed(lambda: align_documents(a, b, settings))
    print(f"align 2 x ~{words(a.text)} words: {seconds:.3f} s, "
          f"{len(alignment.passages)} passages, shares {alignment.share_a:.2f}/{alignment.share_b:.2f}")
    docs = synthetic_corpus(rng, args.docs)
    _, scan_seconds, _ = timed(lambda: scan_documents(docs, settings))
    pairs, passage_seconds, _ = timed(lambda: find_passage_pairs(docs, settings))
    print(f"{len(docs)} docs: document-level scan {scan_seconds:.2f} s; passages {passage_seconds:.2f} s "
          f"({len(pairs)} pairs); scan with passages / scan = {(scan_seconds + passage_seconds) / scan_seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
