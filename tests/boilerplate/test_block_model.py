"""The shipped block classifier: loads from JSON and gives the training-time labels."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import document_boilerplate
from dedup.boilerplate.features import HTML_FEATURES, TEXT_FEATURES, block_features
from dedup.boilerplate import model as model_module
from dedup.boilerplate.model import model_from_dict, shipped_model
from dedup.config import BoilerplateSettings
from dedup.document import Document

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "tests" / "data" / "block_model_expected.json").read_text(encoding="utf-8"))


def _corpus():
    return [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]


@pytest.mark.parametrize("kind", ["html", "text"])
def test_shipped_model_reproduces_training_predictions(kind):
    model = shipped_model(kind)
    assert model.features == (HTML_FEATURES if kind == "html" else TEXT_FEATURES)
    for doc in _corpus():
        X = block_features(doc.text, document_blocks(doc), kind == "html")
        expected = np.array(EXPECTED[kind][doc.id])
        got = model.predict_proba(X)
        np.testing.assert_allclose(got, expected, atol=1e-9)
        assert np.array_equal(got >= model.threshold, expected >= model.threshold)


def test_model_round_trips_through_json():
    model = shipped_model("text")
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    doc = _corpus()[1]
    X = block_features(doc.text, document_blocks(doc), False)
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))


def test_model_rejects_wrong_feature_count_and_format():
    model = shipped_model("html")
    with pytest.raises(ValueError, match="feature columns"):
        model.predict_proba(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="dedup-gbt-1"):
        model_from_dict({"format": "pickle"})


def test_classifier_separates_prose_from_menu_lines():
    text = "\n".join(
        ["Home | World | Business | Sport | Contact us"]
        + [
            "The council said on Monday that the new plan for the river port would cost more than it had "
            "expected, and that the work would start in the spring after a long consultation with residents."
        ]
        * 1
        + [
            "Residents of the northern district asked for a meeting with the mayor about water prices, which "
            "have risen sharply since the winter, and about the budget of the two schools in the area."
        ]
        + ["Privacy policy | Terms of use | Cookie settings", "© 2026 Example News Ltd. All rights reserved."]
    )
    doc = Document(id="x", text=text)
    p = shipped_model("text").predict_proba(block_features(text, document_blocks(doc), False))
    assert p[1] < 0.5 and p[2] < 0.5
    assert p[3] > 0.5 and p[4] > 0.5


def test_word_salad_paragraphs_of_prose_length_are_content():
    # Random English words (not the ones the model was trained with), no
    # sentence punctuation: long runs of words read as content, also the
    # last paragraph of a document.
    vocabulary = (
        "apple river mountain quickly yellow window garden market silver engine forest bottle carpet ladder "
        "pencil rocket thunder violin whisper harbour castle meadow lantern blanket island orange velvet "
        "compass feather marble pocket ribbon saddle tunnel"
    ).split()
    rng = random.Random(7)
    paragraphs = [" ".join(rng.choice(vocabulary) for _ in range(100)) for _ in range(3)]
    doc = Document(id="salad.txt", text="\n".join(paragraphs))
    model = shipped_model("text")
    probability = model.predict_proba(block_features(doc.text, document_blocks(doc), False))
    assert (probability < model.threshold).all()
    assert document_boilerplate(doc, BoilerplateSettings()) == []


def _one_tree_at_a_time(model, X):
    """The ensemble's log-odds walked one tree at a time (the definition)."""
    X = np.asarray(X, dtype=np.float32).astype(np.float64)
    raw = np.full(X.shape[0], model.init)
    rows = np.arange(X.shape[0])
    for tree in model.trees:
        node = np.zeros(X.shape[0], dtype=np.int64)
        for _ in range(tree.depth):
            go_left = X[rows, np.maximum(tree.feature[node], 0)] <= tree.threshold[node]
            step = np.where(go_left, tree.left[node], tree.right[node])
            node = np.where(tree.left[node] < 0, node, step)
        raw += model.learning_rate * tree.value[node]
    return raw


@pytest.mark.parametrize("walk", ["compiled", "numpy"])
@pytest.mark.parametrize("kind", ["html", "text"])
def test_all_trees_at_once_equal_one_tree_at_a_time_to_the_bit(kind, walk, monkeypatch):
    if walk == "numpy":
        monkeypatch.setattr(model_module, "_forest_sums", None)
    elif model_module._forest_sums is None:
        pytest.skip("the compiled loops were not built")
    model = shipped_model(kind)
    rng = np.random.default_rng(5)
    # More rows than one walk takes, values around the split thresholds.
    X = rng.normal(0.5, 1.5, size=(9000, len(model.features)))
    X[::7] = 0.0
    assert model.decision(X).tobytes() == _one_tree_at_a_time(model, X).tobytes()
    assert model.decision(X[:0]).shape == (0,)
