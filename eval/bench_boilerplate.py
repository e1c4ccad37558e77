"""How much the boilerplate passes add to ``dedup scan`` on a 10,000-document corpus.

The corpus is a JSONL file (``--corpus``, e.g. ``bench/out/corpus-10000.jsonl``)
or, by default, synthetic and deterministic (fixed seed): news-like documents
of eight paragraphs drawn from a 3,000-word vocabulary, each from one of 40
sources whose template lines (sharing prompt, newsletter line, copyright)
close its documents, with some documents syndicated across sources. The
script times, on the same documents and in the same process, with ``--jobs``
worker processes:

- the document-level scan (:func:`dedup.scan.scan_documents`, passages and
  boilerplate off);
- the corpus-level repeat pass (block splitting + :func:`dedup.boilerplate.repeats.repeat_index`);
- the whole boilerplate pass (:func:`dedup.boilerplate.detect.find_boilerplate`:
  repeats, rules and the block classifier).

Each is given in wall seconds (the fastest of ``--repeat`` runs) and in CPU
seconds of this process and its workers (of that same run), which a busy
machine disturbs less.

Usage: ``python eval/bench_boilerplate.py [--docs 10000] [--corpus FILE] [--jobs 1] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import timed  # noqa: E402
from dedup.boilerplate.blocks import document_blocks  # noqa: E402
from dedup.boilerplate.detect import find_boilerplate  # noqa: E402
from dedup.boilerplate.repeats import repeat_index  # noqa: E402
from dedup.config import BoilerplateSettings, PassageSettings, Settings  # noqa: E402
from dedup.document import Document  # noqa: E402
from dedup.engine import LocalEngine  # noqa: E402
from dedup.io.corpus import CorpusReader  # noqa: E402
from dedup.scan import scan_documents  # noqa: E402

SEED = 11


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "tos", "va", "dre", "po", "sun", "gal", "ter", "io", "ne", "bru", "sha"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(size * 2)}
    return sorted(words)[:size]


def bench_corpus(n: int, seed: int = SEED) -> list[Document]:
    """``n`` synthetic documents with source templates and some syndication."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 3000)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]

    def sentence() -> str:
        words = rng.choices(vocab, weights, k=rng.randint(8, 25))
        return " ".join(words).capitalize() + "."

    def paragraph() -> str:
        return " ".join(sentence() for _ in range(rng.randint(2, 5)))

    sources = [f"site{i:02d}" for i in range(40)]
    templates = {s: ["Share and Follow", f"Sign up for the {s} daily newsletter.", f"© 2026 {s} media. All rights reserved."] for s in sources}
    wire = [paragraph() for _ in range(200)]
    docs = []
    for i in range(n):
        source = sources[i % len(sources)]
        body = [paragraph() for _ in range(8)]
        if rng.random() < 0.1:
            body[rng.randrange(8)] = rng.choice(wire)
        text = "\n\n".join([f"Headline {sentence()}"] + body + templates[source])
        docs.append(Document(id=f"d{i:05d}", text=text, source=source))
    return docs


def _best(fn, repeat: int) -> tuple[float, float]:
    """Wall and CPU seconds of the fastest of ``repeat`` runs."""
    return min(timed(fn)[1:] for _ in range(repeat))


def _repeat_pass(docs: list[Document], settings: Settings) -> None:
    with LocalEngine(settings.workers) as engine:
        repeat_index(docs, [document_blocks(d) for d in docs], settings.boilerplate, engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--corpus", help="a JSONL corpus to read instead of the synthetic one")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (0: all cores)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is kept")
    args = parser.parse_args(argv)
    docs = list(CorpusReader([args.corpus]))[: args.docs] if args.corpus else bench_corpus(args.docs)
    settings = Settings(jobs=args.jobs)
    document_level = Settings(jobs=args.jobs, passages=PassageSettings(enabled=False), boilerplate=BoilerplateSettings(enabled=False))
    chars = sum(len(d.text) for d in docs)
    print(f"{len(docs)} documents, {chars / 1e6:.1f} M characters, {settings.workers} worker(s); wall s / CPU s")
    scan = _best(lambda: scan_documents(docs, document_level), args.repeat)
    repeats = _best(lambda: _repeat_pass(docs, settings), args.repeat)
    whole = _best(lambda: find_boilerplate(docs, settings), args.repeat)
    print(f"document-level scan:             {scan[0]:7.2f} / {scan[1]:6.2f}")
    print(f"corpus-level repeat pass:        {repeats[0]:7.2f} / {repeats[1]:6.2f}  (+{repeats[0] / scan[0]:.0%} / +{repeats[1] / scan[1]:.0%} of the scan)")
    print(f"whole boilerplate pass:          {whole[0]:7.2f} / {whole[1]:6.2f}  (+{whole[0] / scan[0]:.0%} / +{whole[1] / scan[1]:.0%} of the scan)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
