"""PAN 2013 text alignment: character-level precision, recall, granularity,
plagdet, and pair-level related / unrelated figures, as users get them.

Runs every (suspicious, source) pair of the PAN 2013 text-alignment
training corpus found in ``../shared/data/pan13`` (relative to the
repository root; set ``DEDUP_DATA`` to the folder holding ``pan13`` to look
elsewhere) through :func:`dedup.diff.diff_documents`, the pipeline of
``dedup diff`` (the CLI's reader, boilerplate masks on; a file the reader
refuses leaves its pair with no detection, and is counted), and scores
the detections as Potthast et al. (2010) define it:

* a case ``s`` and a detection ``r`` are each a set of characters in the
  suspicious and in the source document; ``r`` detects ``s`` when they
  overlap in both documents;
* precision = mean over detections of the share of ``r`` inside the cases it
  detects; recall = mean over cases of the share of ``s`` inside the
  detections that detect it;
* granularity = mean, over detected cases, of the number of detections that
  detect the case; plagdet = F1 / log2(1 + granularity).

Printed per category and for categories 02-04 together and overall; then,
per category, the pairs ``dedup diff`` calls related (any relation) and
unrelated. Exits 0 with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.boilerplate.models.train_blocks import data_root  # noqa: E402
from dedup.config import Settings, apply_settings  # noqa: E402
from dedup.diff import DiffInputError, diff_documents  # noqa: E402

CATEGORIES = (
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)

Range = tuple[int, int]
Piece = tuple[Range, Range]  # (suspicious range, source range)


@dataclass
class PairTask:
    category: str
    susp: str
    src: str
    cases: list[Piece]
    position: int = 0  # in its category's pairs file: the pair classifier trains on the even ones


def read_tasks(folder: Path, limit: int | None = None) -> list[PairTask]:
    """Every pair of every category, with its gold cases."""
    tasks = []
    for category in CATEGORIES:
        lines = (folder / category / "pairs").read_text(encoding="utf-8").split("\n")
        pairs = [line.split() for line in lines if line.strip()][:limit]
        for position, (susp, src) in enumerate(pairs):
            xml = folder / category / f"{susp[:-4]}-{src[:-4]}.xml"
            cases = []
            for feature in ET.parse(xml).getroot().iter("feature"):
                if feature.get("name") != "plagiarism" or feature.get("this_offset") is None:
                    continue
                a, la = int(feature.get("this_offset")), int(feature.get("this_length"))
                b, lb = int(feature.get("source_offset")), int(feature.get("source_length"))
                cases.append(((a, a + la), (b, b + lb)))
            tasks.append(PairTask(category, susp, src, cases, position))
    return tasks


def merge_detections(pieces: list[Piece], gap: int) -> list[Piece]:
    """Merge passages that overlap or nearly touch in both documents."""
    merged: list[list[int]] = []
    for (a0, a1), (b0, b1) in sorted(pieces):
        for m in merged:
            if a0 <= m[1] + gap and m[0] <= a1 + gap and b0 <= m[3] + gap and m[2] <= b1 + gap:
                m[0], m[1], m[2], m[3] = min(m[0], a0), max(m[1], a1), min(m[2], b0), max(m[3], b1)
                break
        else:
            merged.append([a0, a1, b0, b1])
    return [((m[0], m[1]), (m[2], m[3])) for m in merged]


@dataclass
class Found:
    """What ``dedup diff`` answers for one pair."""

    detections: list[Piece]
    relation: str | None
    refused: bool = False
    source: str | None = None  # the file ``dedup diff`` takes for the source


def detect(task: PairTask, folder: Path, settings: Settings, gap: int, min_chars: int) -> Found:
    try:
        diff = diff_documents(str(folder / "susp" / task.susp), str(folder / "src" / task.src), settings)
    except DiffInputError:
        return Found([], None, refused=True)
    pieces = [((p.a.start, p.a.end), (p.b.start, p.b.end)) for p in diff.alignment.passages]
    merged = merge_detections(merge_detections(pieces, gap), gap)
    source = diff.direction.source if diff.direction else None
    return Found([d for d in merged if min(d[0][1] - d[0][0], d[1][1] - d[1][0]) >= min_chars], diff.relation, source=source)


def _overlap(x: Range, y: Range) -> int:
    return max(0, min(x[1], y[1]) - max(x[0], y[0]))


def _union_inside(outer: Piece, inners: list[Piece]) -> int:
    """Characters of ``outer`` (both documents) covered by the union of ``inners``."""
    total = 0
    for side in (0, 1):
        lo, hi = outer[side]
        spans = sorted((max(lo, p[side][0]), min(hi, p[side][1])) for p in inners)
        reach = lo
        for a, b in spans:
            if b > reach:
                total += b - max(a, reach)
                reach = b
    return total


def _detects(r: Piece, s: Piece) -> bool:
    return _overlap(r[0], s[0]) > 0 and _overlap(r[1], s[1]) > 0


def scores(results: list[tuple[list[Piece], list[Piece]]]) -> dict[str, float]:
    """PAN measures over ``(cases, detections)`` of many pairs."""
    prec_terms, rec_terms, gran_terms = [], [], []
    for cases, detections in results:
        for r in detections:
            hit = [s for s in cases if _detects(r, s)]
            size = (r[0][1] - r[0][0]) + (r[1][1] - r[1][0])
            prec_terms.append(_union_inside(r, hit) / size if size else 0.0)
        for s in cases:
            hit = [r for r in detections if _detects(r, s)]
            size = (s[0][1] - s[0][0]) + (s[1][1] - s[1][0])
            rec_terms.append(_union_inside(s, hit) / size if size else 0.0)
            if hit:
                gran_terms.append(len(hit))
    prec = sum(prec_terms) / len(prec_terms) if prec_terms else 0.0
    rec = sum(rec_terms) / len(rec_terms) if rec_terms else 0.0
    gran = sum(gran_terms) / len(gran_terms) if gran_terms else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "granularity": gran, "plagdet": f1 / math.log2(1 + gran),
            "cases": len(rec_terms), "detections": len(prec_terms)}


_STATE: dict = {}


def _init(folder: str, values: dict, gap: int, min_chars: int) -> None:
    _STATE.update(folder=Path(folder), settings=apply_settings(Settings(), values), gap=gap, min_chars=min_chars)


def _run(task: PairTask) -> Found:
    return detect(task, _STATE["folder"], _STATE["settings"], _STATE["gap"], _STATE["min_chars"])


def _row(name: str, m: dict[str, float]) -> str:
    return (f"{name:<28} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['granularity']:>11.3f} "
            f"{m['plagdet']:>8.3f} {m['cases']:>6} {m['detections']:>6}")


def report(tasks: list[PairTask], found: list[Found]) -> None:
    by_cat: dict[str, list] = {}
    for task, answer in zip(tasks, found):
        by_cat.setdefault(task.category, []).append((task.cases, answer.detections))
    print(f"{'category':<28} {'precision':>9} {'recall':>7} {'granularity':>11} {'plagdet':>8} {'cases':>6} {'dets':>6}")
    for category in CATEGORIES[1:]:
        if category in by_cat:
            print(_row(category, scores(by_cat[category])))
    core = [x for c in CATEGORIES[1:4] for x in by_cat.get(c, [])]
    print(_row("02-04 together", scores(core)))
    print(_row("all (01-05)", scores([x for v in by_cat.values() for x in v])))
    negatives = by_cat.get(CATEGORIES[0], [])
    flagged = sum(1 for _, det in negatives if det)
    share = flagged / len(negatives) if negatives else 0.0
    print(f"01-no-plagiarism pairs with any detection: {flagged}/{len(negatives)} ({share:.1%})")
    print()
    pair_report(tasks, found)
    odd = [k for k, task in enumerate(tasks) if task.position % 2]
    print("\nThe odd pairs only (never seen by the pair classifier's trainer):")
    core = [x for k in odd if tasks[k].category in CATEGORIES[1:4] for x in [(tasks[k].cases, found[k].detections)]]
    print(_row("02-04 together, odd pairs", scores(core)))
    pair_report([tasks[k] for k in odd], [found[k] for k in odd])


def pair_report(tasks: list[PairTask], found: list[Found]) -> None:
    """Per category: pairs called related (by relation) and unrelated."""
    print(f"{'category':<28} {'pairs':>6} {'related':>8} {'share':>7} {'unrelated':>9}  relations  (refused inputs)")
    core = [0, 0]
    for category in CATEGORIES:
        answers = [a for t, a in zip(tasks, found) if t.category == category]
        if not answers:
            continue
        related = [a for a in answers if a.relation]
        kinds = Counter(a.relation for a in related)
        refused = sum(a.refused for a in answers)
        share = len(related) / len(answers)
        print(f"{category:<28} {len(answers):>6} {len(related):>8} {share:>7.1%} {len(answers) - len(related):>9}  "
              + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + (f"  ({refused})" if refused else ""))
        if category in CATEGORIES[1:4]:
            core[0] += len(related)
            core[1] += len(answers)
    if core[1]:
        print(f"{'02-04 together':<28} {core[1]:>6} {core[0]:>8} {core[0] / core[1]:>7.1%} {core[1] - core[0]:>9}")
    directed = [(t, a) for t, a in zip(tasks, found) if a.relation and t.category != CATEGORIES[0]]
    right = sum(a.source == t.src for t, a in directed)
    wrong = sum(a.source == t.susp for t, a in directed)
    print(f"direction (no dates) over {len(directed)} related pairs of 02-05: source document the source {right}, "
          f"undetermined {len(directed) - right - wrong}, reversed {wrong}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="pairs per category (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--gap", type=int, default=250, help="merge passages this close (characters)")
    parser.add_argument("--min-chars", type=int, default=150, help="drop detections shorter than this")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a passage setting, e.g. passages.sentence_threshold=0.5")
    args = parser.parse_args(argv)
    folder = data_root() / "pan13"
    if not (folder / CATEGORIES[1] / "pairs").is_file():
        print(f"PAN 2013 data not found in {folder}; skipping (set DEDUP_DATA to the folder holding pan13).")
        return 0
    values = dict(item.split("=", 1) for item in args.set)
    tasks = read_tasks(folder, args.limit)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs, initializer=_init, initargs=(str(folder), values, args.gap, args.min_chars)) as pool:
        found = list(pool.map(_run, tasks, chunksize=8))
    print(f"{len(tasks)} pairs aligned in {time.perf_counter() - started:.1f} s")
    report(tasks, found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
