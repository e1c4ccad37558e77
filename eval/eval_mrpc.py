"""Sentence-level rewrite detection on MRPC: the aligner's paraphrase threshold.

Scores every sentence pair of the Microsoft Research Paraphrase Corpus
(``../shared/data/mrpc`` relative to the repository root, or ``DEDUP_DATA``)
with the aligner's sentence similarity: cosine of character 3-5-gram TF-IDF
vectors (IDF over all sentences of the split, as the aligner takes it over
the sentences of the two documents it compares). Prints accuracy,
precision, recall and F1 at the configured thresholds and at the threshold
that maximises accuracy on the training split. Exits 0 with a message when
the data is absent.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedup.boilerplate.models.train_blocks import data_root  # noqa: E402
from dedup.config import Settings  # noqa: E402
from dedup.text.normalize import normalize_text  # noqa: E402
from dedup.text.vectors import cosine_matrix, sentence_counts  # noqa: E402


def read_split(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    labels, first, second = [], [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) == 5:
                labels.append(int(row[0]))
                first.append(normalize_text(row[3]))
                second.append(normalize_text(row[4]))
    return np.array(labels), first, second


def similarities(first: list[str], second: list[str]) -> np.ndarray:
    return np.diag(cosine_matrix(sentence_counts(first), sentence_counts(second)))


def measures(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = scores >= threshold
    tp = int((predicted & (labels == 1)).sum())
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int((labels == 1).sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": float((predicted == (labels == 1)).mean()), "precision": precision, "recall": recall, "f1": f1}


def line(name: str, threshold: float, m: dict[str, float]) -> str:
    return (f"{name:<34} t={threshold:.2f}  accuracy {m['accuracy']:.3f}  precision {m['precision']:.3f}  "
            f"recall {m['recall']:.3f}  F1 {m['f1']:.3f}")


def main() -> int:
    folder = data_root() / "mrpc"
    train_path, test_path = folder / "msr_paraphrase_train.txt", folder / "msr_paraphrase_test.txt"
    if not (train_path.is_file() and test_path.is_file()):
        print(f"MRPC data not found in {folder}; skipping (set DEDUP_DATA to the folder holding mrpc).")
        return 0
    settings = Settings().passages
    train_labels, a, b = read_split(train_path)
    train_scores = similarities(a, b)
    test_labels, a, b = read_split(test_path)
    test_scores = similarities(a, b)
    grid = np.round(np.arange(0.1, 0.95, 0.01), 2)
    best = max(grid, key=lambda t: measures(train_labels, train_scores, t)["accuracy"])
    print(f"MRPC: {train_labels.size} training pairs, {test_labels.size} test pairs "
          f"({test_labels.mean():.1%} paraphrases in test)")
    print(line("train, best accuracy", best, measures(train_labels, train_scores, best)))
    print(line("test, at that threshold", best, measures(test_labels, test_scores, best)))
    for name, t in (("test, sentence_threshold", settings.sentence_threshold),
                    ("test, context_threshold", settings.context_threshold)):
        print(line(name, t, measures(test_labels, test_scores, t)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
