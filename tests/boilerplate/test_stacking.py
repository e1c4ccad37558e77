"""The stacked second pass of the plain-text block model and the table/list
features it reads: computed per document whatever batch holds it, stored in
the model's JSON, columns chosen by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.detect import score_blocks
from dedup.boilerplate.features import TEXT_FEATURES, block_features
from dedup.boilerplate.model import model_from_dict, shipped_model
from dedup.boilerplate.stacking import STACKED_FEATURES, stacked_features
from dedup.boilerplate.text_features import TABLE_FEATURES
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


def test_shipped_text_model_is_stacked_and_html_model_is_not():
    text, html = shipped_model("text"), shipped_model("html")
    assert text.second_stage is not None and html.second_stage is None
    assert text.second_stage.features == TEXT_FEATURES + STACKED_FEATURES
    again = model_from_dict(json.loads(json.dumps(text.to_dict())))
    doc = _corpus()[0]
    X = block_features(doc.text, document_blocks(doc), False)
    assert np.array_equal(again.predict_proba(X), text.predict_proba(X))


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


def test_rows_of_a_calendar_read_as_a_table_and_menu_lines_do_not():
    menu = ["Home", "All news", "Racing", "IndyCar", "MotoGP", "Contact"]
    places = ("Interlagos", "Santa Cruz do Sul", "Velo Città", "Campo Grande")
    rows = [f"Round {i}: {d} March – {place}" for i, d, place in zip(range(1, 5), (10, 17, 24, 31), places)]
    text = "\n".join(menu + rows)
    X = block_features(text, document_blocks(Document(id="t", text=text)), False)
    column = {name: X[:, TEXT_FEATURES.index(name)] for name in TABLE_FEATURES}
    assert (column["log_figure_run"][len(menu) :] == np.log1p(len(rows))).all()
    assert (column["log_figure_run"][: len(menu)] == 0).all()
    assert (column["numeric_token_share"][len(menu) :] > 0.2).all()
    assert column["starts_numbered"].sum() == 0
    numbered = "\n".join(menu + [f"{i}. Kyle Busch {5040 - i}" for i in range(1, 4)])
    Y = block_features(numbered, document_blocks(Document(id="n", text=numbered)), False)
    assert Y[len(menu) :, TEXT_FEATURES.index("starts_numbered")].all()
