"""make bench, the Ray part: the same scan on a local Ray cluster and on the
local engine, on the generated corpora.

For each scan (BENCH_RAY_SCANS: the document-level ``dedup scan`` as in
bench_scan.py, and the default one, boilerplate and passages on) and each
size (BENCH_RAY_SIZES, default 10,000, 30,000 and 100,000 documents) the
scan runs once with ``--engine local`` and once with ``--engine ray`` (a
local Ray cluster of BENCH_JOBS CPUs, started by the command), and the bench
reports: wall time of the command (with Ray's start), the scan's own
seconds, their ratios Ray ÷ local (the overhead of the engine), the
driver's peak RSS and whether both engines gave the same result (the whole
JSON but its timing).

The driver is the command's own process (the workers of either engine are
other processes). Its peak RSS is the kernel's high-water mark of that
process (VmHWM, read every 20 ms while it runs; Linux), output included;
its private part (RssAnon, the largest sample) leaves out the shared
libraries and the pages of Ray's object store the driver has mapped; the
store's pages are also shown on their own (RssShmem, the largest sample).
The result's own ``timing.peak_rss_mb`` is not used: ``getrusage`` keeps
the peak across ``exec``, so it starts from the size of the process that
started the command (this bench, holding the previous results).

Environment:
    BENCH_RAY_SIZES=a,b  corpus sizes (each generated once into bench/out/); the
                         driver's growth is reported from the smallest to the largest
    BENCH_RAY_SCANS=x,y  "document" (--no-passages --no-boilerplate) and/or "default"
                         (default: both)
    BENCH_JOBS=n         --jobs for both engines (default: all cores)
    DEDUP_PYTHON         the Python that has dedup with the ray extra
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from bench_scan import dedup_command, machine  # noqa: E402
from generate import generate  # noqa: E402


def corpus_of(size: int) -> Path:
    corpus = OUT / f"corpus-{size}.jsonl"
    truth = OUT / f"corpus-{size}.truth.json"
    if not truth.exists():
        print(f"generating {size:,} documents ...", flush=True)
        truth.write_text(json.dumps(generate(size, corpus)))
    return corpus


# The bench_scan tool of each scan.
SCANS = {"document": "dedup", "default": "dedup-default"}


def run(size: int, engine: str, jobs: int, scan: str = "document") -> dict:
    cmd = dedup_command(corpus_of(size), jobs, SCANS[scan]) + ["--engine", engine]
    print(f"{size:,} documents, {scan} scan: --engine {engine} ...", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        peak_kb = private_kb = store_kb = 0
        while proc.poll() is None:
            status = memory_kb(proc.pid)
            peak_kb = max(peak_kb, status.get("VmHWM", 0))
            private_kb = max(private_kb, status.get("RssAnon", 0))
            store_kb = max(store_kb, status.get("RssShmem", 0))
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.read()[-2000:]}")
        result = json.load(out)
    timing = result.pop("timing")
    return {"engine": engine, "wall_s": wall, "scan_s": timing["seconds"], "driver_peak_rss_mb": peak_kb / 1024 or timing["peak_rss_mb"],
            "driver_private_mb": private_kb / 1024, "driver_store_mb": store_kb / 1024, "result": result, "command": " ".join(cmd)}


def memory_kb(pid: int) -> dict[str, int]:
    """The memory figures of process ``pid`` in KB (VmHWM: the peak resident
    memory so far; RssAnon: its private memory now; RssShmem: the shared
    memory it has mapped now, Ray's object store); empty where /proc has none."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return {key: int(value.split()[0]) for key, _, value in (line.partition(":") for line in status) if key in ("VmHWM", "RssAnon", "RssShmem")}
    except (OSError, ValueError):
        return {}


def compare(size: int, jobs: int, scan: str) -> dict:
    """Both engines on one corpus and scan: their figures and ratios."""
    local, on_ray = run(size, "local", jobs, scan), run(size, "ray", jobs, scan)
    return {
        "scan": scan,
        "documents": size,
        "local": {k: v for k, v in local.items() if k != "result"},
        "ray": {k: v for k, v in on_ray.items() if k != "result"},
        "same_result": local["result"] == on_ray["result"],
        "pairs": len(local["result"]["pairs"]),
        "scan_ratio": on_ray["scan_s"] / local["scan_s"],
        "wall_ratio": on_ray["wall_s"] / local["wall_s"],
    }


def table(rows: list[dict]) -> list[str]:
    """The markdown table of one scan's rows, and the driver's growth."""
    lines = [
        f"\n{rows[0]['scan'].capitalize()} scan: `{rows[0]['ray']['command']}`\n",
        "| documents | engine | wall s | scan s | docs/s (scan) | driver peak RSS MB | of it private | object store pages | pairs | same result |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        for engine in ("local", "ray"):
            r = row[engine]
            lines.append(f"| {row['documents']:,} | {engine} | {r['wall_s']:.1f} | {r['scan_s']:.1f} | {row['documents'] / r['scan_s']:,.0f} | "
                         f"{r['driver_peak_rss_mb']:,.0f} | {r['driver_private_mb']:,.0f} | {r['driver_store_mb']:,.0f} | {row['pairs']:,} | {row['same_result']} |")
        lines.append(f"| {row['documents']:,} | ray ÷ local | {row['wall_ratio']:.2f} | {row['scan_ratio']:.2f} | | "
                     f"{row['ray']['driver_peak_rss_mb'] / row['local']['driver_peak_rss_mb']:.2f} | | | | |")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        for engine in ("local", "ray"):
            grow = large[engine]["driver_peak_rss_mb"] - small[engine]["driver_peak_rss_mb"]
            per_doc = grow * 1024 / (large["documents"] - small["documents"])
            private = large[engine]["driver_private_mb"] - small[engine]["driver_private_mb"]
            store = large[engine]["driver_store_mb"] - small[engine]["driver_store_mb"]
            lines.append(f"\nDriver growth, {engine}: {grow:+,.0f} MB from {small['documents']:,} to {large['documents']:,} documents "
                         f"({per_doc:,.2f} KB a document; private {private:+,.0f} MB, object store pages {store:+,.0f} MB).")
    return lines


def main() -> int:
    OUT.mkdir(exist_ok=True)
    sizes = [int(s) for s in os.environ.get("BENCH_RAY_SIZES", "10000,30000,100000").split(",")]
    scans = os.environ.get("BENCH_RAY_SCANS", "document,default").split(",")
    jobs = int(os.environ.get("BENCH_JOBS", os.cpu_count() or 1))
    rows = [compare(size, jobs, scan) for scan in scans for size in sizes]
    lines = [f"Machine: {machine()['cpu']}, {machine()['cores']} cores; --jobs {jobs}; {machine()['date']}."]
    for scan in scans:
        lines += table([row for row in rows if row["scan"] == scan])
    text = "\n".join(lines)
    (OUT / "ray.md").write_text(text + "\n")
    (OUT / "ray.json").write_text(json.dumps({"machine": machine(), "jobs": jobs, "rows": rows}, indent=1))
    print(text)
    print(f"\nwritten: {OUT / 'ray.md'}, {OUT / 'ray.json'}")
    return 0 if all(row["same_result"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
