"""Train the shipped pair classifier again, reproducibly.

Usage (from the repository root)::

    .venv/bin/python eval/train_pairs.py [--jobs 2]

Training data, all of it under a licence that allows a shipped model:

* the PAN 2013 text-alignment half in ``../shared/data/pan13`` (CC BY 4.0),
  the even-numbered pairs of each category only (the odd ones stay out, so
  ``make eval-pan`` can report them apart): no plagiarism -> ``unrelated``,
  no obfuscation and random obfuscation -> ``partial_copy``, translation
  and summary obfuscation -> ``rewrite``;
* the labelled cases of ``tests/data/passages`` (written for this project);
* generated pairs (fixed seed): lightly edited copies -> ``near_duplicate``,
  texts holding a passage of another -> ``partial_copy``, unrelated texts.

Clough-Stevenson (research use) and COUNTER (non-commercial, no shipped
models) are never used here; they are for evaluation only.

Every pair goes through :func:`dedup.diff.diff_documents` (boilerplate
masks on), as users' pairs do; a multinomial logistic regression (fixed
seed, balanced classes) is fitted on the features of
:func:`dedup.passages.pair_model.pair_features` and written to
``dedup/passages/models/pairs.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dedup.boilerplate.models.train_blocks import data_root  # noqa: E402
from dedup.config import Settings  # noqa: E402
from dedup.diff import DiffInputError, diff_documents  # noqa: E402
from dedup.passages.pair_model import FEATURES, MODEL_FILE, PairModel, pair_features  # noqa: E402

SEED = 20261129
PAN_LABELS = {
    "01-no-plagiarism": "unrelated",
    "02-no-obfuscation": "partial_copy",
    "03-random-obfuscation": "partial_copy",
    "04-translation-obfuscation": "rewrite",
    "05-summary-obfuscation": "rewrite",
}
CASE_LABELS = {"none": "unrelated"}


def features_of(paths: tuple[str, str], settings: Settings | None = None) -> dict[str, float] | None:
    """The features of the pair of files, as ``dedup diff`` measures it (``None`` if unreadable)."""
    settings = settings or Settings(jobs=1)
    try:
        diff = diff_documents(paths[0], paths[1], settings)
    except DiffInputError:
        return None
    return pair_features(diff.alignment, settings.passages, (diff.a.text, diff.b.text), diff.measured_chars)


def pan_pairs(folder: Path, parity: int) -> list[tuple[tuple[str, str], str, str]]:
    """``((susp, src), label, category)`` of the PAN pairs at even (0) or odd (1) positions."""
    out = []
    for category, label in PAN_LABELS.items():
        lines = [line.split() for line in (folder / category / "pairs").read_text(encoding="utf-8").split("\n") if line.strip()]
        for k, (susp, src) in enumerate(lines):
            if k % 2 == parity:
                out.append(((str(folder / "susp" / susp), str(folder / "src" / src)), label, category))
    return out


def _written(folder: Path) -> list[tuple[tuple[str, str], str]]:
    """Labelled cases and generated pairs, written as files into ``folder``."""
    # The generators live with the tests (they need pytest); imported here so
    # that `fit` imports without it (eval/eval_clough.py runs after `make install`).
    from conftest import PASSAGE_CASES as CASES, edit_words, read_pair_case, synthetic_text
    from pan_like import pan_like_pair

    rng = random.Random(SEED)
    out = []

    def write(name: str, a: str, b: str, label: str) -> None:
        pa, pb = folder / f"{name}-a.txt", folder / f"{name}-b.txt"
        pa.write_text(a, encoding="utf-8")
        pb.write_text(b, encoding="utf-8")
        out.append(((str(pa), str(pb)), label))

    for path in CASES:
        header, a, b = read_pair_case(path)
        relation = header["relation"][0]
        write(path.stem, a, b, CASE_LABELS.get(relation, relation))
    for k in range(120):
        base = synthetic_text(10_000 + k, words=rng.randrange(150, 800), paragraphs=rng.randrange(2, 8))
        write(f"near{k}", base, edit_words(base, rng.uniform(0.0, 0.15), k), "near_duplicate")
    for k in range(240):
        category, susp, src = pan_like_pair(50_000 + k)
        label = {"none": "unrelated", "verbatim": "partial_copy"}.get(category)
        if label:
            write(f"pan{k}", susp, src, label)
    return out


def _features(item):
    return features_of(item)


def fit(rows: list[dict[str, float]], labels: list[str], c: float = 1.0) -> PairModel:
    """A balanced multinomial logistic regression over the rows (fixed seed).

    Args:
        rows: Feature rows (:data:`FEATURES`).
        labels: One label per row; two or more distinct labels.
        c: Inverse regularisation strength.

    Returns:
        The fitted model. With two labels, scikit-learn fits one row of
        coefficients (the log-odds of the second label); it is exported as
        two opposite halves, whose softmax is the same probability.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.array([[row[name] for name in FEATURES] for row in rows])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
    model.fit(scaler.transform(x), labels)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    return PairModel(tuple(model.classes_), scaler.mean_, scale, coef, intercept, {"seed": SEED, "counts": counts})


def measured_training_rows(pan: Path, jobs: int) -> tuple[list[dict[str, float]], list[str]]:
    """The shipped model's training data measured as ``dedup diff`` measures pairs.

    Args:
        pan: The PAN 2013 folder (its even-numbered pairs are read).
        jobs: Worker processes.

    Returns:
        ``(feature rows, labels)``; pairs the reader refuses are left out.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dedup-pairs-") as tmp:
        items = [(paths, label) for paths, label, _ in pan_pairs(pan, 0)] + _written(Path(tmp))
        with ProcessPoolExecutor(jobs) as pool:
            found = list(pool.map(_features, [paths for paths, _ in items], chunksize=8))
    rows = [f for f in found if f is not None]
    labels = [label for f, (_, label) in zip(found, items) if f is not None]
    return rows, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    pan = data_root() / "pan13"
    if not (pan / "02-no-obfuscation" / "pairs").is_file():
        print(f"PAN 2013 data not found in {pan}; cannot train (set DEDUP_DATA to the folder holding pan13).")
        return 0
    rows, labels = measured_training_rows(pan, args.jobs)
    model = fit(rows, labels)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    predicted = [model.predict(row)[0] for row in rows]
    accuracy = sum(p == t for p, t in zip(predicted, labels)) / len(labels)
    print(f"{len(rows)} pairs ({model.meta['counts']}); training accuracy {accuracy:.3f}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
