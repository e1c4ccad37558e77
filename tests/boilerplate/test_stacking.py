"""A block model's stacked second pass (a per-model option): its features
computed per document whatever batch holds it, the exported model equal to
its estimators, stored in the model's JSON; a model's columns chosen by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import score_blocks
from dedup.boilerplate.features import TEXT_FEATURES, block_features
from dedup.boilerplate.model import model_from_dict, shipped_model
from dedup.boilerplate.stacking import STACKED_FEATURES, stacked_features
from dedup.boilerplate.models.train_blocks import SEED, fit_model, sklearn_probabilities
from dedup.document import Document

ROOT = Path(__file__).resolve().parents[2]


def _corpus() -> list[Document]:
    return [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]


def test_stacked_features_of_a_batch_equal_each_document_alone():
    rng = np.random.default_rng(3)
    sizes = [1, 5, 0, 9, 2]
    probability = rng.random(sum(sizes))
    log_words = np.log1p(rng.integers(0, 80, sum(sizes)).astype(float))
    together = stacked_features(probability, log_words, np.array(sizes))
    starts = np.cumsum([0] + sizes)
    alone = [stacked_features(probability[a:b], log_words[a:b], np.array([b - a])) for a, b in zip(starts, starts[1:])]
    assert together.shape == (sum(sizes), len(STACKED_FEATURES))
    np.testing.assert_array_equal(together, np.concatenate(alone))


def test_distance_to_confident_article_text_and_the_span_it_makes():
    # Boilerplate, article, a short unsure line, article, boilerplate.
    probability = np.array([0.9, 0.1, 0.6, 0.05, 0.95])
    log_words = np.log1p(np.array([3, 60, 4, 40, 5], dtype=float))
    X = stacked_features(probability, log_words, np.array([5]))
    column = {name: X[:, i] for i, name in enumerate(STACKED_FEATURES)}
    np.testing.assert_array_equal(column["stack_inside_content_span"], [0, 1, 1, 1, 0])
    np.testing.assert_allclose(column["stack_blocks_since_content"][2], np.log1p(1))
    np.testing.assert_allclose(column["stack_blocks_until_content"][0], np.log1p(1))
    np.testing.assert_allclose(column["stack_content_words_before"], [0, 0, 0.6, 0.6, 1.0])
    np.testing.assert_array_equal(column["stack_prev_probability"][0], -1.0)


@pytest.fixture(scope="module")
def stacked_model():
    """A stacked plain-text model fitted on the sample corpus (short blocks
    labelled boilerplate) and the written examples, with its estimators."""
    docs = _corpus()
    xs, ys, pages = [], [], []
    for index, doc in enumerate(docs):
        blocks = document_blocks(doc)
        X = block_features(doc.text, blocks, False)
        xs.append(X)
        ys.append((np.array([len(b.text(doc.text).split()) for b in blocks]) < 8).astype(np.int64))
        pages.append(np.full(len(X), index))
    X, y, pages = np.concatenate(xs), np.concatenate(ys), np.concatenate(pages)
    return fit_model(X, y, np.ones(len(y)), False, SEED, pages=pages, sites=pages, stacked=True)


def test_a_stacked_model_gives_what_its_estimators_give(stacked_model):
    model, estimators = stacked_model
    assert model.second_stage is not None and model.second_stage.features == TEXT_FEATURES + STACKED_FEATURES
    assert model.meta["second_stage"]["grouped_by"] == "site"
    for doc in _corpus():
        X = block_features(doc.text, document_blocks(doc), False)
        np.testing.assert_allclose(model.predict_proba(X), sklearn_probabilities(estimators, X), rtol=0, atol=1e-9)
        # The second pass changes the first pass's verdicts.
        assert not np.array_equal(model.predict_proba(X), model.first_proba(X))


def test_a_stacked_model_round_trips_through_json(stacked_model):
    model, _ = stacked_model
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    doc = _corpus()[0]
    X = block_features(doc.text, document_blocks(doc), False)
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    assert model_from_dict(json.loads(json.dumps(shipped_model("html").to_dict()))).second_stage is None


def test_a_stacked_model_scores_a_batch_as_each_document_alone(stacked_model):
    model, _ = stacked_model
    docs = _corpus()
    features = [block_features(doc.text, document_blocks(doc), False) for doc in docs]
    together = model.predict_proba(np.concatenate(features), [len(X) for X in features])
    alone = np.concatenate([model.predict_proba(X) for X in features])
    assert together.tobytes() == alone.tobytes()


def test_batch_scores_equal_one_document_at_a_time():
    docs = _corpus()
    blocks = [document_blocks(doc) for doc in docs]
    together = score_blocks(docs, blocks)
    model = shipped_model("text")
    for doc, doc_blocks, scored in zip(docs, blocks, together):
        alone = model.predict_proba(block_features(doc.text, doc_blocks, False))
        np.testing.assert_allclose(scored[1], alone, rtol=0, atol=1e-12)


def test_model_reads_its_columns_by_name():
    model = shipped_model("text")
    doc = _corpus()[1]
    X = block_features(doc.text, document_blocks(doc), False)
    extra = ("unrelated",) + tuple(reversed(TEXT_FEATURES))
    shuffled = np.hstack((np.full((len(X), 1), 7.0), X[:, ::-1]))
    assert np.array_equal(model.predict_proba(model.columns(shuffled, extra)), model.predict_proba(X))
    with pytest.raises(ValueError, match="lack"):
        model.columns(X[:, 1:], TEXT_FEATURES[1:])
