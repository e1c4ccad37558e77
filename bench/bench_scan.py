"""make bench: dedup scan against its peers, and against itself, on generated corpora, same run.

For each corpus size (10,000 and 100,000 documents; 1,000,000 too with
BENCH_LARGE=1) the seeded generator (bench/generate.py) writes a news-like
JSONL corpus with planted near duplicates and exact copies, and its
exact-Jaccard truth. Then ``dedup scan`` and each peer (bench/peers.py) run
on it as separate processes, one after the other, and the bench reports for
each: wall time (median of BENCH_REPEAT runs), documents/s, MB/s, peak RSS
(summed over the process and its workers, sampled every 50 ms), pair
precision and recall against exact Jaccard >= 0.8, and every ratio to dedup.

``dedup`` is the document-level scan (``--no-passages --no-boilerplate``),
the base of every ratio. ``dedup-default`` is the scan as users first run
it (boilerplate and passages on; scored on its pairs at or above the
threshold) and ``dedup-clean`` is ``dedup clean`` with its defaults, both
on the same corpus in the same run. A high-reuse corpus (``generate.py
--reuse``: documents recombined from a shared pool of sentences) is scanned
both ways too, as ``reuse`` rows.

Run it with the bench environment's Python (``make bench`` does), which has
gaoya, rensa, datasketch and psutil; dedup runs from the project's .venv.

Environment:
    BENCH_LARGE=1        add the 1,000,000-document corpus
    BENCH_SIZES=a,b      corpus sizes instead (e.g. 2000 for a quick look)
    BENCH_REPEAT=n       runs per tool (default: 3 up to 10,000 documents, else 1)
    BENCH_TOOLS=a,b      tools to run (default: all; dedup, dedup-default, dedup-clean and the peers)
    BENCH_REUSE_SIZES=a  high-reuse corpus sizes (default 100000; empty for none)
    BENCH_JOBS=n         dedup --jobs and gaoya threads (default: all cores)
    DEDUP_PYTHON         the Python that has dedup (default: .venv/bin/python)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from generate import generate, generate_reuse  # noqa: E402
from score import dedup_pairs, score, truth_pairs  # noqa: E402

THRESHOLD = 0.8
PEERS = ("gaoya", "rensa", "datasketch", "python")
OWN = ("dedup", "dedup-default", "dedup-clean")
# The document-level scan is what every other row is compared with.
DOCUMENT_LEVEL = ("--no-passages", "--no-boilerplate")
# The plain datasketch loop runs at about 1,000 documents/s and the plain
# Python shingling loop at a few thousand: past this size they would take
# most of an hour, so they are skipped (said so in the table).
SLOW_MAX = {"datasketch": 200_000, "python": 200_000}


def measure(cmd: list[str], env: dict | None = None, stdout=None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB summed over its process tree)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, cwd=ROOT)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [ps] + ps.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return wall, peak / 2**20


def dedup_command(corpus: Path, jobs: int, tool: str = "dedup") -> list[str]:
    """The ``dedup`` command line of a bench tool; a scan writes JSON to stdout.

    ``dedup``: the document-level scan; ``dedup-default``: the scan with its
    default stages; ``dedup-clean``: ``dedup clean`` into ``out/clean-NAME``.
    """
    python = os.environ.get("DEDUP_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
    cli = str(Path(python).parent / "dedup")
    if tool == "dedup-clean":
        target = OUT / f"clean-{corpus.name.removesuffix('.jsonl')}"
        return [cli, "clean", str(corpus), "-o", str(target), "--overwrite", "--jobs", str(jobs), "--threshold", str(THRESHOLD), "--no-progress"]
    stages = DOCUMENT_LEVEL if tool == "dedup" else ()
    return [cli, "scan", str(corpus), "--format", "json", "--jobs", str(jobs), "--threshold", str(THRESHOLD), "--no-progress", *stages]


def _scored_pairs(tool: str, out: Path) -> set | None:
    """The pairs a tool reported at or above the threshold, or ``None`` for a clean."""
    if tool == "dedup-clean":
        return None
    result = json.loads(out.read_text())
    if tool == "dedup-default":  # passage pairs below the threshold are not near duplicates
        result["pairs"] = [p for p in result["pairs"] if p["relation"] == "exact_duplicate" or p["jaccard"] >= THRESHOLD]
    return dedup_pairs(result) if tool in OWN else {tuple(p) for p in result["pairs"]}


def run_tool(tool: str, corpus: Path, size: int, repeat: int, jobs: int) -> dict:
    out = OUT / f"{tool}-{corpus.name.removesuffix('.jsonl')}.json"
    if tool in OWN:
        cmd, to_stdout = dedup_command(corpus, jobs, tool), tool != "dedup-clean"
        env = None
    else:
        cmd, to_stdout = [sys.executable, str(HERE / "peers.py"), tool, str(corpus), str(out)], False
        env = {**os.environ, "RAYON_NUM_THREADS": str(jobs)}
    walls, peaks = [], []
    for _ in range(repeat):
        if to_stdout:
            with out.open("w") as handle:
                wall, peak = measure(cmd, env, handle)
        else:
            wall, peak = measure(cmd, env)
        walls.append(wall)
        peaks.append(peak)
    pairs = _scored_pairs(tool, out)
    return {"tool": tool, "seconds": statistics.median(walls), "runs": walls, "peak_rss_mb": max(peaks), "pairs": pairs, "command": " ".join(cmd)}


def bench_size(size: int, tools: list[str], repeat: int, jobs: int, kind: str = "planted") -> dict:
    name = "corpus" if kind == "planted" else "reuse"
    corpus = OUT / f"{name}-{size}.jsonl"
    truth_path = OUT / f"{name}-{size}.truth.json"
    if not truth_path.exists():
        print(f"generating {size:,} {kind} documents ...", flush=True)
        truth = (generate if kind == "planted" else generate_reuse)(size, corpus)
        truth_path.write_text(json.dumps(truth))
    meta = json.loads(truth_path.read_text())
    truth = truth_pairs(truth_path, THRESHOLD)
    rows = []
    for tool in tools:
        if size > SLOW_MAX.get(tool, size):
            rows.append({"tool": tool, "skipped": f"over {SLOW_MAX[tool]:,} documents (most of an hour at its speed)"})
            continue
        print(f"{size:,} {kind} documents: {tool} ...", flush=True)
        row = run_tool(tool, corpus, size, repeat, jobs)
        pairs = row.pop("pairs")
        if tool not in ("python", "dedup-clean") and kind == "planted":
            row.update(score(pairs, truth))
        row["docs_per_s"] = meta["documents"] / row["seconds"]
        row["mb_per_s"] = meta["bytes"] / 1e6 / row["seconds"]
        rows.append(row)
    base = next((r for r in rows if r["tool"] == "dedup" and "seconds" in r), None)
    for row in rows:
        if base and "seconds" in row:
            row["time_vs_dedup"] = row["seconds"] / base["seconds"]
            row["rss_vs_dedup"] = row["peak_rss_mb"] / base["peak_rss_mb"]
    return {"corpus": kind, "documents": meta["documents"], "megabytes": meta["bytes"] / 1e6, "true_pairs": len(truth), "rows": rows}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
    }


def table(results: dict) -> str:
    lines = [
        f"Machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gb']} GB, Python {results['machine']['python']}; {results['machine']['date']}.",
        "",
        "| corpus | documents | tool | wall s | docs/s | MB/s | peak RSS MB | precision | recall | time ÷ dedup | RSS ÷ dedup |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in results["sizes"]:
        for row in run["rows"]:
            if "skipped" in row:
                lines.append(f"| {run.get('corpus', 'planted')} | {run['documents']:,} | {row['tool']} | skipped: {row['skipped']} | | | | | | | |")
                continue
            p = f"{row['precision']:.3f}" if "precision" in row else "–"
            r = f"{row['recall']:.3f}" if "recall" in row else "–"
            lines.append(
                f"| {run.get('corpus', 'planted')} | {run['documents']:,} | {row['tool']} | {row['seconds']:.1f} | {row['docs_per_s']:,.0f} | {row['mb_per_s']:.1f} | "
                f"{row['peak_rss_mb']:,.0f} | {p} | {r} | {row.get('time_vs_dedup', 0):.2f} | {row.get('rss_vs_dedup', 0):.2f} |"
            )
    return "\n".join(lines)


def acceptance(results: dict) -> list[str]:
    """The acceptance points of the speed issues, checked on these figures."""
    by = {(run["documents"], row["tool"]): row for run in results["sizes"] for row in run["rows"] if "seconds" in row and run.get("corpus", "planted") == "planted"}
    reuse = {(run["documents"], row["tool"]): row for run in results["sizes"] for row in run["rows"] if "seconds" in row and run.get("corpus") == "reuse"}
    checks = []

    def check(label: str, ok: bool, figure: str) -> None:
        checks.append(f"{'PASS' if ok else 'FAIL'}  {label}: {figure}")

    for n in sorted({n for n, _ in by}):
        d = by.get((n, "dedup"))
        if not d:
            continue
        check(f"{n:,}: dedup precision >= 0.99", d["precision"] >= 0.99, f"{d['precision']:.4f}")
        check(f"{n:,}: dedup recall >= 0.95", d["recall"] >= 0.95, f"{d['recall']:.4f}")
        if (n, "datasketch") in by:
            need = 3 if n <= 10_000 else 10
            ratio = by[(n, "datasketch")]["seconds"] / d["seconds"]
            check(f"{n:,}: dedup >= {need}x faster than datasketch", ratio >= need, f"{ratio:.1f}x")
        if (n, "gaoya") in by and n == 100_000:
            ratio = by[(n, "gaoya")]["seconds"] / d["seconds"]
            check(f"{n:,}: dedup >= 1.5x as fast as gaoya", ratio >= 1.5, f"{ratio:.2f}x")
            check(f"{n:,}: document-level scan >= 2x as fast as gaoya", ratio >= 2.0, f"{ratio:.2f}x")
        _own_checks(check, n, d, by)
    for (n, tool), row in sorted(reuse.items()):
        base = reuse.get((n, "dedup"))
        if tool == "dedup-default" and base and n == 100_000:
            ratio = row["seconds"] / base["seconds"]
            check(f"{n:,} high-reuse: default scan <= 5x the document-level scan", ratio <= 5, f"{ratio:.2f}x")
    large, mid = by.get((1_000_000, "dedup")), by.get((100_000, "dedup"))
    if large:
        check("1,000,000: under 10 minutes", large["seconds"] < 600, f"{large['seconds']:.0f} s")
        check("1,000,000: peak RSS under 4 GB", large["peak_rss_mb"] < 4096, f"{large['peak_rss_mb']:,.0f} MB")
        if mid:
            growth = large["seconds"] / mid["seconds"]
            check("100,000 -> 1,000,000: time grows at most 12x", growth <= 12, f"{growth:.1f}x")
    return checks


def _own_checks(check, n: int, d: dict, by: dict) -> None:
    """The default scan and clean against the document-level scan of the same run."""
    default = by.get((n, "dedup-default"))
    if default and n == 100_000:
        ratio = default["seconds"] / d["seconds"]
        check(f"{n:,}: default scan <= 3x the document-level scan", ratio <= 3, f"{ratio:.2f}x ({default['seconds']:.1f} s against {d['seconds']:.1f} s)")
        check(f"{n:,}: default scan peak RSS < 1.5 GB", default["peak_rss_mb"] < 1536, f"{default['peak_rss_mb']:,.0f} MB")
    if default and n == 1_000_000:
        check(f"{n:,}: default scan under 20 minutes", default["seconds"] < 1200, f"{default['seconds']:.0f} s")
        check(f"{n:,}: default scan peak RSS under 4 GB", default["peak_rss_mb"] < 4096, f"{default['peak_rss_mb']:,.0f} MB")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    if os.environ.get("BENCH_LARGE") == "1" and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    tools = os.environ.get("BENCH_TOOLS", ",".join(OWN + PEERS)).split(",")
    reuse_sizes = [int(s) for s in os.environ.get("BENCH_REUSE_SIZES", "100000").split(",") if s.strip()]
    jobs = int(os.environ.get("BENCH_JOBS", os.cpu_count() or 1))
    results = {"machine": machine(), "threshold": THRESHOLD, "jobs": jobs, "sizes": []}
    for size in sizes:
        repeat = int(os.environ.get("BENCH_REPEAT", 3 if size <= 10_000 else 1))
        results["sizes"].append(bench_size(size, tools, repeat, jobs))
        (OUT / "results.json").write_text(json.dumps(results, indent=1))
    for size in reuse_sizes:
        own = [tool for tool in tools if tool in ("dedup", "dedup-default")]
        results["sizes"].append(bench_size(size, own, int(os.environ.get("BENCH_REPEAT", 1)), jobs, kind="reuse"))
        (OUT / "results.json").write_text(json.dumps(results, indent=1))
    text = table(results)
    checks = acceptance(results)
    (OUT / "results.md").write_text(text + "\n\n" + "\n".join(checks) + "\n")
    print(text)
    print()
    print("\n".join(checks))
    print(f"\nwritten: {OUT / 'results.md'}, {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
