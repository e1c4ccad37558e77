"""make bench with BENCH_LINT=1: ``dedup lint`` of 1,000 new documents against an index of 100,000.

The seeded generator (bench/generate.py) writes 101,000 news-like documents
with planted near duplicates and exact copies; the first 100,000 are the
corpus (one JSONL file), the last 1,000 the new documents of a pull request.
Measured, each as its own process: ``dedup index build`` (wall time, peak
RSS, index size per document) and ``dedup lint`` (median wall time of
BENCH_REPEAT runs, peak RSS, findings). The acceptance bound: the lint run
under 10 s.

Environment:
    BENCH_LINT_CORPUS=n  indexed documents (default 100000)
    BENCH_LINT_NEW=n     new documents (default 1000)
    BENCH_REPEAT=n       lint runs (default 3)
    DEDUP_PYTHON         the Python that has dedup (default: .venv/bin/python)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scan import OUT, ROOT, measure  # noqa: E402
from generate import generate  # noqa: E402

LIMIT_SECONDS = 10.0


def timed(cmd: list[str], stdout) -> tuple[float, float, float]:
    """:func:`bench_scan.measure`, and the CPU seconds of the process and its workers
    (on a shared machine wall time waits for other work; CPU time does not)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak = measure(cmd, stdout=stdout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak, cpu


def split_corpus(n_corpus: int, n_new: int) -> tuple[Path, Path]:
    """The generated documents cut into the indexed corpus and the new ones (cached)."""
    folder = OUT / f"lint-{n_corpus}-{n_new}"
    corpus, new = folder / "corpus.jsonl", folder / "new.jsonl"
    if corpus.exists() and new.exists():
        return corpus, new
    folder.mkdir(parents=True, exist_ok=True)
    everything = folder / "all.jsonl"
    print(f"generating {n_corpus + n_new:,} documents ...", flush=True)
    generate(n_corpus + n_new, everything)
    with everything.open(encoding="utf-8") as lines:
        corpus.write_text("".join(islice(lines, n_corpus)), encoding="utf-8")
        new.write_text("".join(lines), encoding="utf-8")
    everything.unlink()
    return corpus, new


def main() -> int:
    n_corpus = int(os.environ.get("BENCH_LINT_CORPUS", 100_000))
    n_new = int(os.environ.get("BENCH_LINT_NEW", 1_000))
    repeat = int(os.environ.get("BENCH_REPEAT", 3))
    cli = str(Path(os.environ.get("DEDUP_PYTHON", str(ROOT / ".venv" / "bin" / "python"))).parent / "dedup")
    corpus, new = split_corpus(n_corpus, n_new)
    index = corpus.with_name("corpus.dedup")
    build = [cli, "index", "build", str(corpus), "-o", str(index), "--format", "json"]
    with open(os.devnull, "w") as quiet:
        build_s, build_mb, build_cpu = timed(build, quiet)
    size = index.stat().st_size
    lint = [cli, "lint", str(new), "--index", str(index), "--format", "json", "--exit-zero"]
    out = corpus.with_name("lint.json")
    walls, peaks, cpus = [], [], []
    for _ in range(repeat):
        with out.open("w") as handle:
            wall, peak, cpu = timed(lint, handle)
        walls.append(wall)
        peaks.append(peak)
        cpus.append(cpu)
    report = json.loads(out.read_text())
    rules: dict[str, int] = {}
    for finding in report["findings"]:
        rules[finding["rule"]] = rules.get(finding["rule"], 0) + 1
    lint_s = statistics.median(walls)
    print(f"\n| step | documents | wall s | CPU s | peak RSS MB | notes |\n| --- | ---: | ---: | ---: | ---: | --- |")
    print(f"| index build | {n_corpus:,} | {build_s:.1f} | {build_cpu:.1f} | {build_mb:,.0f} | {size / 2**20:,.1f} MB on disk, {size / n_corpus:,.0f} bytes per document |")
    runs = ", ".join(f"{w:.2f}" for w in walls)
    print(f"| lint | {n_new:,} new | {lint_s:.2f} | {statistics.median(cpus):.1f} | {max(peaks):,.0f} | runs {runs}; findings {json.dumps(rules, sort_keys=True)} |")
    print(f"\n{'PASS' if lint_s < LIMIT_SECONDS else 'FAIL'}  lint {n_new:,} new against {n_corpus:,} indexed under {LIMIT_SECONDS:.0f} s: {lint_s:.2f} s")
    return 0 if lint_s < LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
