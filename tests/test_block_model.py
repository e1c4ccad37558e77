"""The shipped block classifier: loads from JSON and gives the training-time labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dedup.block_features import HTML_FEATURES, TEXT_FEATURES, block_features
from dedup.block_model import model_from_dict, shipped_model
from dedup.blocks import document_blocks
from dedup.document import Document

ROOT = Path(__file__).resolve().parents[1]
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
