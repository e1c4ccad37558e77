"""COUNTER (Urdu news reuse): derived or not, how much, and which is the source.

Each pair (a news agency story and a newspaper story labelled wholly,
partially or non derived) goes through :func:`dedup.diff.diff_documents`
(``dedup diff`` with a two-document JSONL corpus, boilerplate masks on),
once with the dates of the data and once without. Printed: derived (WD+PD)
against ND accuracy; the 3-class confusion matrix of the derived side's
``extent`` (wholly / partially / none) against WD / PD / ND with its
macro-F1; and how often the agency story is found to be the source, with
dates and without.

Reads ``../shared/data/counter-urdu-news-reuse/pairs.jsonl`` (or under
``$DEDUP_DATA``); exits 0 with a message when it is absent. Licence CC
BY-NC-SA: measured here, never used to train a shipped model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.boilerplate.models.train_blocks import data_root  # noqa: E402
from dedup.config import Settings  # noqa: E402
from dedup.diff import diff_documents  # noqa: E402
from dedup.provenance.signals import parse_date  # noqa: E402

EXTENTS = {"WD": "wholly", "PD": "partially", "ND": "none"}


def _answer(args: tuple[dict, str, bool]) -> dict:
    row, folder, dated = args
    records = []
    for role in ("source", "derived"):
        date = parse_date(row[f"{role}_date"]) if dated else None
        record = {"id": role, "text": row[f"{role}_text"], "source": row[f"{role}_newspaper"]}
        if date:
            record["date"] = date.isoformat()
        records.append(record)
    path = Path(folder) / f"{row['pair_id']}-{int(dated)}.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    diff = diff_documents("derived", "source", Settings(jobs=1), corpus=[str(path)])
    found = diff.to_dict()
    derived_extent = found["extent_a"] if diff.relation else "none"
    return {"relation": diff.relation, "extent": derived_extent, "source": found.get("source")}


def _confusion(labels: list[str], predicted: list[str]) -> tuple[str, float]:
    classes = ("wholly", "partially", "none")
    lines = ["true \\ found  " + "".join(f"{c:>10}" for c in classes)]
    f1s = []
    for true in classes:
        lines.append(f"{true:<13}" + "".join(f"{sum(t == true and p == c for t, p in zip(labels, predicted)):>10}" for c in classes))
        tp = sum(t == true and p == true for t, p in zip(labels, predicted))
        fp = sum(t != true and p == true for t, p in zip(labels, predicted))
        fn = sum(t == true and p != true for t, p in zip(labels, predicted))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return "\n".join(lines), sum(f1s) / len(f1s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    path = data_root() / "counter-urdu-news-reuse" / "pairs.jsonl"
    if not path.is_file():
        print(f"COUNTER data not found at {path}; skipping (set DEDUP_DATA to the folder holding it).")
        return 0
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    with tempfile.TemporaryDirectory(prefix="dedup-counter-") as tmp, ProcessPoolExecutor(args.jobs) as pool:
        dated = list(pool.map(_answer, [(row, tmp, True) for row in rows], chunksize=4))
        undated = list(pool.map(_answer, [(row, tmp, False) for row in rows], chunksize=4))
    labels = [EXTENTS[row["label"]] for row in rows]
    related = [a["relation"] is not None for a in dated]
    accuracy = sum((lab != "none") == r for lab, r in zip(labels, related)) / len(rows)
    print(f"{len(rows)} pairs; derived (WD+PD) vs ND accuracy {accuracy:.3f}")
    print("relations: " + ", ".join(f"{k} {n}" for k, n in sorted(Counter(a["relation"] or "unrelated" for a in dated).items())))
    table, f1 = _confusion(labels, [a["extent"] for a in dated])
    print(table)
    print(f"extent macro-F1 {f1:.3f}")
    for name, answers in (("with dates", dated), ("without dates", undated)):
        pairs = [a for a, lab in zip(answers, labels) if lab != "none" and a["relation"]]
        counts = Counter("source" if a["source"] == "source" else "undetermined" if a["source"] is None else "reversed" for a in pairs)
        print(f"direction {name}, over {len(pairs)} derived pairs found: agency story the source {counts['source']}, "
              f"undetermined {counts['undetermined']}, reversed {counts['reversed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
