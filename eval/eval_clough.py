"""Clough-Stevenson short answers: derived or not, and how (cut, light, heavy, non).

Every answer is compared with the Wikipedia article it was written from
through :func:`dedup.diff.diff_documents` (the pipeline of ``dedup diff``,
boilerplate masks on). Printed:

* what ``dedup diff`` answers out of the box: derived (any relation) against
  ``non``, accuracy, and the relations given to each class;
* the 4-class confusion matrix (``cut``, ``light``, ``heavy``, ``non``) of
  the pair classifier's models (:mod:`dedup.passages.pair_model` features,
  the trainer's logistic regression) fitted by cross-validation grouped by
  task (each fold leaves one of the five source articles out, so no answer
  is scored by a model that saw its article), with accuracy, macro-F1 and
  derived-vs-``non`` accuracy. Per fold, derived against ``non`` is fitted
  on the other four tasks' answers and on the shipped model's own training
  pairs (PAN 2013 even half, labelled cases, generated pairs; measured by
  the current code and kept in ``eval/.cache``); ``cut`` / ``light`` /
  ``heavy`` on the four tasks' answers alone (see
  :func:`grouped_predictions`);
* derived against ``non`` again with the same models placed where ``dedup
  diff`` places the shipped one (the rules first, then the model only for
  pairs sharing ``min_shared_chars``);
* the answers on the wrong side of derived against ``non``, each with the
  model's probability of ``non`` and the passages the aligner found (an
  answer sharing no passage has every alignment feature at zero: the
  model cannot tell it from an independent answer).

Reads ``../shared/data/clough-stevenson-short-answers`` and ``pan13`` (or
under ``$DEDUP_DATA``); exits 0 with a message when the first is absent,
and fits the folds on Clough-Stevenson alone when the second is. The data is for
research use: it is measured here, never shipped in a model.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from dedup.boilerplate.models.train_blocks import data_root  # noqa: E402
from dedup.config import Settings  # noqa: E402
from dedup.diff import diff_documents  # noqa: E402
from dedup.passages.pair_model import FEATURES, pair_features  # noqa: E402
from dedup.passages.relations import classify  # noqa: E402

CLASSES = ("cut", "light", "heavy", "non")


def read_answers(folder: Path) -> list[tuple[str, str, str]]:
    """``(answer file, task, class)`` of every answer (the originals left out)."""
    with open(folder / "file_information.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(row["File"], row["Task"], row["Category"]) for row in rows if row["Category"] in CLASSES]


def _as_utf8(path: Path, out: Path) -> bool:
    """Copy ``path`` to ``out`` as UTF-8; True when it had to be converted."""
    raw = path.read_bytes()
    try:
        out.write_text(raw.decode("utf-8"), encoding="utf-8")
        return False
    except UnicodeDecodeError:
        out.write_text(raw.decode("cp1252", errors="replace"), encoding="utf-8")
        return True


def measure(args: tuple[str, str]) -> tuple[str | None, dict[str, float], str | None]:
    """The relation ``dedup diff`` gives the pair of files, its features, and the rules' relation alone."""
    settings = Settings(jobs=1)
    diff = diff_documents(args[0], args[1], settings)
    texts = (diff.a.text, diff.b.text)
    return (diff.relation, pair_features(diff.alignment, settings.passages, texts, diff.measured_chars),
            classify(diff.alignment, settings.passages, texts))


def grouped_predictions(rows: list[dict[str, float]], labels: list[str], groups: list[str],
                        extra: tuple[list[dict[str, float]], list[str]] | None = None
                        ) -> tuple[list[str], list[float]]:
    """Each row's class, and its probability of ``non``, from models fitted without its group.

    Per fold (one group held out), two models: derived against ``non``,
    fitted on the other groups' rows and on ``extra`` (the shipped model's
    training pairs, ``unrelated`` as ``non``, every other label as
    derived); and the 4-class head, fitted on the other groups' rows alone
    (only Clough-Stevenson has ``cut``, ``light`` and ``heavy``), which
    names the class of a row the first calls derived. Without ``extra``
    the 4-class head decides alone.

    Args:
        rows: Feature rows of the answers.
        labels: Their classes (:data:`CLASSES`).
        groups: Their tasks (source articles).
        extra: ``(rows, labels)`` of the shipped model's training data, or ``None``.

    Returns:
        ``(predicted classes, probabilities of non)``.
    """
    from train_pairs import fit

    predicted, non = [""] * len(rows), [0.0] * len(rows)
    for group in sorted(set(groups)):
        train = [k for k, g in enumerate(groups) if g != group]
        head = fit([rows[k] for k in train], [labels[k] for k in train])
        binary = None
        if extra is not None:
            derived = ["non" if label == "unrelated" else "derived" for label in extra[1]]
            binary = fit(extra[0] + [rows[k] for k in train],
                         derived + ["non" if labels[k] == "non" else "derived" for k in train])
        for k, g in enumerate(groups):
            if g != group:
                continue
            probs = head.probabilities(rows[k])
            if binary is None:
                predicted[k], non[k] = head.predict(rows[k])[0], probs.get("non", 0.0)
                continue
            non[k] = binary.probabilities(rows[k])["non"]
            predicted[k] = "non" if non[k] >= 0.5 else max(("cut", "light", "heavy"), key=lambda c: probs.get(c, 0.0))
    return predicted, non


def training_rows(jobs: int) -> tuple[list[dict[str, float]], list[str]] | None:
    """The shipped pair classifier's training data, measured by the current code.

    Measuring it takes minutes, so it is kept in ``eval/.cache`` under a
    digest of everything that measures or labels it (the package, the
    trainer, the labelled cases and the pair generators): any change there
    measures it again.

    Args:
        jobs: Worker processes for measuring.

    Returns:
        ``(rows, labels)``, or ``None`` when the PAN 2013 data is absent.
    """
    import hashlib
    import json

    from train_pairs import measured_training_rows

    pan = data_root() / "pan13"
    if not (pan / "02-no-obfuscation" / "pairs").is_file():
        return None
    digest = hashlib.sha256(str(pan.resolve()).encode())
    sources = [*sorted((ROOT / "dedup").rglob("*.py")), *sorted((ROOT / "dedup").rglob("*.json")),
               *sorted((ROOT / "tests" / "data" / "passages").rglob("*")), ROOT / "eval" / "train_pairs.py",
               ROOT / "tests" / "conftest.py", ROOT / "tests" / "pan_like.py",
               ROOT / "tests" / "passages" / "test_passages_cases.py"]
    for path in sources:
        if path.is_file():
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    cache = ROOT / "eval" / ".cache" / f"pair-training-{digest.hexdigest()[:16]}.json"
    if cache.is_file():
        data = json.loads(cache.read_text(encoding="utf-8"))
        return data["rows"], data["labels"]
    print("measuring the shipped pair classifier's training pairs (minutes; kept in eval/.cache) ...", flush=True)
    rows, labels = measured_training_rows(pan, jobs)
    cache.parent.mkdir(exist_ok=True)
    for stale in cache.parent.glob("pair-training-*.json"):
        stale.unlink()
    cache.write_text(json.dumps({"rows": rows, "labels": labels}), encoding="utf-8")
    return rows, labels


def as_dedup_diff(predicted: list[str], non: list[float], rows: list[dict[str, float]], rules: list[str | None]) -> list[str]:
    """The cross-validated answers put where ``dedup diff`` puts the shipped
    model: the rules decide first, and the model only for pairs sharing
    ``min_shared_chars``, related at ``classifier_threshold``."""
    settings = Settings().passages
    out = []
    for guess, p_non, row, rule in zip(predicted, non, rows, rules):
        big_enough = row["log_passages"] > 0 and math.expm1(row["log_evidence_weight"]) >= settings.min_shared_chars
        related = rule is not None or (big_enough and 1.0 - p_non >= settings.classifier_threshold)
        out.append("derived" if related else "non")
    return out


def wrong_side(answers: list[tuple[str, str, str]], rows: list[dict[str, float]], predicted: list[str],
               non: list[float]) -> list[str]:
    """A line per answer on the wrong side of derived against ``non``."""
    lines = []
    for (name, _, label), row, guess, p_non in zip(answers, rows, predicted, non):
        if (label == "non") != (guess == "non"):
            passages = round(math.expm1(row["log_passages"]))
            lines.append(f"  {name:<16} {label:<6} predicted {guess:<6} P(non) {p_non:.2f}, {passages} passage(s) aligned")
    return lines


def confusion(labels: list[str], predicted: list[str]) -> str:
    lines = ["true \\ predicted " + "".join(f"{c:>7}" for c in CLASSES)]
    for true in CLASSES:
        lines.append(f"{true:<17}" + "".join(f"{sum(1 for t, p in zip(labels, predicted) if t == true and p == c):>7}" for c in CLASSES))
    return "\n".join(lines)


def macro_f1(labels: list[str], predicted: list[str]) -> float:
    scores = []
    for c in CLASSES:
        tp = sum(t == c and p == c for t, p in zip(labels, predicted))
        fp = sum(t != c and p == c for t, p in zip(labels, predicted))
        fn = sum(t == c and p != c for t, p in zip(labels, predicted))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    folder = data_root() / "clough-stevenson-short-answers"
    if not (folder / "file_information.csv").is_file():
        print(f"Clough-Stevenson data not found in {folder}; skipping (set DEDUP_DATA to the folder holding it).")
        return 0
    answers = read_answers(folder)
    with tempfile.TemporaryDirectory(prefix="dedup-clough-") as tmp:
        converted = 0
        for path in folder.glob("*.txt"):
            converted += _as_utf8(path, Path(tmp) / path.name)
        jobs = [(str(Path(tmp) / name), str(Path(tmp) / f"orig_task{task}.txt")) for name, task, _ in answers]
        with ProcessPoolExecutor(args.jobs) as pool:
            measured = list(pool.map(measure, jobs))
    print(f"{converted} files converted from Windows-1252 to UTF-8 first (as a user would with iconv)")
    labels = [c for _, _, c in answers]
    relations = [r for r, _, _ in measured]
    derived = [c != "non" for c in labels]
    said = [r is not None for r in relations]
    print(f"{len(answers)} answers, compared with their source article as `dedup diff` does (masks on)")
    print(f"dedup diff, derived vs non: accuracy {np.mean([d == s for d, s in zip(derived, said)]):.3f}")
    for c in CLASSES:
        given = Counter(r or "unrelated" for r, label in zip(relations, labels) if label == c)
        print(f"  {c:<6} " + ", ".join(f"{k} {n}" for k, n in sorted(given.items())))
    rows = [f for _, f, _ in measured]
    extra = training_rows(args.jobs)
    predicted, non = grouped_predictions(rows, labels, [task for _, task, _ in answers], extra)
    accuracy = np.mean([p == t for p, t in zip(predicted, labels)])
    binary = np.mean([(p != "non") == (t != "non") for p, t in zip(predicted, labels)])
    print(f"\npair classifier, cross-validation grouped by task ({len(set(t for _, t, _ in answers))} folds), "
          f"features: {len(FEATURES)}")
    if extra is None:
        print("PAN 2013 data absent: each fold trains on the other four tasks' answers alone")
    else:
        print(f"each fold: derived vs non trained on the other four tasks' answers and the shipped model's "
              f"{len(extra[0])} training pairs ({dict(sorted(Counter(extra[1]).items()))}); "
              f"cut / light / heavy on the four tasks' answers alone")
    print(confusion(labels, predicted))
    print(f"accuracy {accuracy:.3f}, macro-F1 {macro_f1(labels, predicted):.3f}, derived vs non accuracy {binary:.3f}")
    placed = as_dedup_diff(predicted, non, rows, [rule for _, _, rule in measured])
    print(f"the same model placed as dedup diff places it (rules first, then the model over min_shared_chars): "
          f"derived vs non accuracy {np.mean([(p != 'non') == (t != 'non') for p, t in zip(placed, labels)]):.3f}")
    wrong = wrong_side(answers, rows, predicted, non)
    print(f"{len(wrong)} answer(s) on the wrong side of derived vs non:", *wrong, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
