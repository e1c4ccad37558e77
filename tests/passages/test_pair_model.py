"""The shipped pair classifier: JSON that scores as scikit-learn does, and
the rules first."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from dedup.config import PassageSettings
from dedup.passages.pair_model import FEATURES, MODEL_FILE, PairModel, label_pair, shipped_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "eval"))


def _three_labels(r: dict[str, float]) -> str:
    return "unrelated" if r["coverage_max"] < 0.3 else "rewrite" if r["verbatim_share"] < 0.5 else "partial_copy"


def _two_labels(r: dict[str, float]) -> str:
    return "non" if r["coverage_max"] + 0.3 * r["jaccard"] < 0.6 else "derived"


# With two classes scikit-learn fits one row of coefficients; the export must
# still give each class its probability (eval-clough's derived-vs-non model).
@pytest.mark.parametrize("seed,count,labeller", [(0, 120, _three_labels), (1, 80, _two_labels)], ids=["three", "two"])
def test_exported_model_scores_as_scikit_learn(seed: int, count: int, labeller) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    from train_pairs import SEED, fit

    rng = np.random.default_rng(seed)
    rows = [dict(zip(FEATURES, rng.random(len(FEATURES)))) for _ in range(count)]
    labels = [labeller(r) for r in rows]
    model = PairModel.from_json(json.loads(json.dumps(fit(rows, labels).to_json())))
    x = np.array([[r[name] for name in FEATURES] for r in rows])
    scaler = StandardScaler().fit(x)
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=SEED).fit(scaler.transform(x), labels)
    expected = reference.predict_proba(scaler.transform(x))
    got = np.array([[model.probabilities(r)[c] for c in reference.classes_] for r in rows])
    assert np.allclose(got, expected, atol=1e-9)
    assert [model.predict(r)[0] for r in rows] == list(reference.predict(scaler.transform(x)))


def test_shipped_model_is_json_over_the_current_features() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert set(data["classes"]) == {"unrelated", "near_duplicate", "partial_copy", "rewrite"}
    assert shipped_model() is not None


def test_rules_decide_first_and_the_floor_stays(tmp_path: Path) -> None:
    from dedup.config import Settings
    from dedup.document import Document
    from dedup.passages.relations import align_documents_symmetric, classify

    story = "The council approved the new budget on Monday after a long debate about school funding and road repairs."
    a, b = Document("a", story), Document("b", story)
    alignment = align_documents_symmetric(a, b, Settings())
    relation, probability = label_pair(alignment, PassageSettings(), (a.text, b.text))
    assert relation == classify(alignment, PassageSettings(), (a.text, b.text)) == "near_duplicate"
    assert 0.0 <= probability <= 1.0
    short = "Budget approved on Monday."
    alignment = align_documents_symmetric(Document("a", short), Document("b", short), Settings())
    # under min_shared_chars: neither the rules nor the model make it a pair
    assert label_pair(alignment, PassageSettings(classifier_threshold=0.0), (short, short))[0] is None


def test_trainer_writes_the_labelled_cases_and_generated_pairs(tmp_path: Path) -> None:
    # The trainer's own data (cases and generated pairs) builds without
    # ../shared/data, with the labels the trainer maps the cases to.
    from train_pairs import CASE_LABELS, _written

    from conftest import PASSAGE_CASES as CASES

    items = _written(tmp_path)
    labels = [label for _, label in items]
    assert len(items) >= len(CASES) + 120
    assert {"unrelated", "near_duplicate", "partial_copy", "rewrite"} <= set(labels)
    for path in CASES:
        a, b = (tmp_path / f"{path.stem}-{side}.txt" for side in "ab")
        assert a.is_file() and b.is_file()
    first = CASES[0].read_text(encoding="utf-8").split("\n")[0].split(": ")[1]
    assert labels[0] == CASE_LABELS.get(first, first)


def test_clough_folds_hold_out_the_task_and_learn_derived_from_the_extra_pairs() -> None:
    # eval-clough's grouped cross-validation: a held-out task's answers are
    # scored by models that never saw that task; derived against non is
    # learnt from the extra (shipped-model) pairs as well, and the 4-class
    # head names cut / light / heavy for answers called derived.
    from eval_clough import grouped_predictions

    rng = np.random.default_rng(2)

    def row(coverage: float) -> dict[str, float]:
        values = dict(zip(FEATURES, rng.random(len(FEATURES)) * 0.05))
        values["coverage_max"] = coverage
        values["jaccard"] = 0.5  # the same for every answer: the 4 tasks' rows do not separate the classes
        return values

    tasks = "abcde"
    classes = ("cut", "light", "heavy", "non")
    rows = [row(0.5) for _ in tasks for _ in classes]
    labels = [c for _ in tasks for c in classes]
    groups = [t for t in tasks for _ in classes]
    # the answers of task "a" carry the label that separates them: only the extra pairs teach it
    for k in range(4):
        rows[k]["coverage_max"] = 0.9 if labels[k] != "non" else 0.1
    extra_rows = [row(c) for c in np.linspace(0.0, 1.0, 200)]
    extra_labels = ["unrelated" if r["coverage_max"] < 0.5 else "rewrite" for r in extra_rows]
    predicted, non = grouped_predictions(rows, labels, groups, (extra_rows, extra_labels))
    assert predicted[:3] != ["non"] * 3 and set(predicted[:3]) <= {"cut", "light", "heavy"}
    assert predicted[3] == "non" and non[3] > 0.5 > max(non[:3])
    alone, _ = grouped_predictions(rows, labels, groups)
    assert set(alone) <= set(classes)
