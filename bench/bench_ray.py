"""make bench, the Ray part: the same scan on a local Ray cluster and on the
local engine, on the generated corpora.

For each size (BENCH_RAY_SIZES, default 10,000, 30,000 and 100,000 documents) the
document-level ``dedup scan`` (as in bench_scan.py) runs once with
``--engine local`` and once with ``--engine ray`` (a local Ray cluster of
BENCH_JOBS CPUs, started by the command), and the bench reports: wall time
of the command (with Ray's start), the scan's own seconds, their ratios Ray
÷ local (the overhead of the engine), the driver's peak RSS and whether both
engines found the same pairs and clusters.

The driver is the command's own process (the workers of either engine are
other processes). Its peak RSS is the kernel's high-water mark of that
process (VmHWM, read every 20 ms while it runs; Linux), output included;
its private part (RssAnon, the largest sample) leaves out the shared
libraries and the pages of Ray's object store the driver has mapped.
The result's own ``timing.peak_rss_mb`` is not used: ``getrusage`` keeps
the peak across ``exec``, so it starts from the size of the process that
started the command (this bench, holding the previous results).

Environment:
    BENCH_RAY_SIZES=a,b  corpus sizes (each generated once into bench/out/); the
                         driver's growth is reported from the smallest to the largest
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


def run(size: int, engine: str, jobs: int) -> dict:
    cmd = dedup_command(corpus_of(size), jobs) + ["--engine", engine]
    print(f"{size:,} documents: --engine {engine} ...", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        peak_kb = private_kb = 0
        while proc.poll() is None:
            status = memory_kb(proc.pid)
            peak_kb = max(peak_kb, status.get("VmHWM", 0))
            private_kb = max(private_kb, status.get("RssAnon", 0))
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.read()[-2000:]}")
        result = json.load(out)
    timing = result.pop("timing")
    return {"engine": engine, "wall_s": wall, "scan_s": timing["seconds"], "driver_peak_rss_mb": peak_kb / 1024 or timing["peak_rss_mb"],
            "driver_private_mb": private_kb / 1024, "result": result, "command": " ".join(cmd)}


def memory_kb(pid: int) -> dict[str, int]:
    """The memory figures of process ``pid`` in KB (VmHWM: the peak resident
    memory so far; RssAnon: its private memory now); empty where /proc has none."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return {key: int(value.split()[0]) for key, _, value in (line.partition(":") for line in status) if key in ("VmHWM", "RssAnon")}
    except (OSError, ValueError):
        return {}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    sizes = [int(s) for s in os.environ.get("BENCH_RAY_SIZES", "10000,30000,100000").split(",")]
    jobs = int(os.environ.get("BENCH_JOBS", os.cpu_count() or 1))
    rows = []
    for size in sizes:
        local, on_ray = run(size, "local", jobs), run(size, "ray", jobs)
        rows.append({
            "documents": size,
            "local": {k: v for k, v in local.items() if k != "result"},
            "ray": {k: v for k, v in on_ray.items() if k != "result"},
            "same_result": local["result"] == on_ray["result"],
            "scan_ratio": on_ray["scan_s"] / local["scan_s"],
            "wall_ratio": on_ray["wall_s"] / local["wall_s"],
        })
    lines = [
        f"Machine: {machine()['cpu']}, {machine()['cores']} cores; --jobs {jobs}; {machine()['date']}.",
        "",
        "| documents | engine | wall s | scan s | docs/s (scan) | driver peak RSS MB | of it private | same result |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        for engine in ("local", "ray"):
            r = row[engine]
            lines.append(f"| {row['documents']:,} | {engine} | {r['wall_s']:.1f} | {r['scan_s']:.1f} | {row['documents'] / r['scan_s']:,.0f} | "
                         f"{r['driver_peak_rss_mb']:,.0f} | {r['driver_private_mb']:,.0f} | {row['same_result']} |")
        lines.append(f"| {row['documents']:,} | ray ÷ local | {row['wall_ratio']:.2f} | {row['scan_ratio']:.2f} | | "
                     f"{row['ray']['driver_peak_rss_mb'] / row['local']['driver_peak_rss_mb']:.2f} | | |")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        for engine in ("local", "ray"):
            grow = large[engine]["driver_peak_rss_mb"] - small[engine]["driver_peak_rss_mb"]
            per_doc = grow * 1024 / (large["documents"] - small["documents"])
            private = large[engine]["driver_private_mb"] - small[engine]["driver_private_mb"]
            lines.append(f"\nDriver growth, {engine}: {grow:+,.0f} MB from {small['documents']:,} to {large['documents']:,} documents "
                         f"({per_doc:,.2f} KB a document; private {private:+,.0f} MB).")
    text = "\n".join(lines)
    (OUT / "ray.md").write_text(text + "\n")
    (OUT / "ray.json").write_text(json.dumps({"machine": machine(), "jobs": jobs, "rows": rows}, indent=1))
    print(text)
    print(f"\nwritten: {OUT / 'ray.md'}, {OUT / 'ray.json'}")
    return 0 if all(row["same_result"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
