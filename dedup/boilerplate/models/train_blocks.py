"""Train the shipped block classifiers again, reproducibly.

Usage (from the repository root)::

    .venv/bin/python -m dedup.boilerplate.models.train_blocks

Training data: the article-extraction benchmark (MIT licence, 181 news and
blog pages with the hand-made article body), read from ``../shared/data``
relative to the repository root or from ``$DEDUP_DATA``. Each page is turned
into blocks by :mod:`dedup.io.html`; a block is labelled content when most of
its word trigrams (or, for blocks under three words, the whole block) occur
in the gold article body, boilerplate otherwise. Two models are fitted with
a fixed seed and written to ``dedup/boilerplate/models/``: ``blocks_html.json`` (with
link density) and ``blocks_text.json`` (only what plain text offers). The
predictions of each model on the sample corpus are written to
``tests/data/block_model_expected.json`` so that a test can check that the
exported JSON gives the same labels as the fitted model.

The plain-text model also learns from labelled examples written here
(:func:`written_examples`): documents of prose-length paragraphs of random
English words, labelled content, so that a long run of words is not taken
for boilerplate only because it lacks punctuation or function words, or
ends the document.

Which labelled data may train a shipped model is a matter of its licence
(each data set's ``SOURCE.md``): a model trained on it ships in this MIT
package. The article-extraction benchmark is MIT: used. The dragnet data is
AGPLv3: a model trained on it would carry that licence's terms into the
package, so it is never used here (it is for evaluation only). The Urdu
COUNTER pairs are CC BY-NC-SA and say not to ship models trained on them;
PAN 2013, the Clough-Stevenson answers and MRPC hold no boilerplate labels.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from dedup.boilerplate.blocks import Block, document_blocks
from dedup.boilerplate.features import HTML_FEATURES, TEXT_FEATURES, block_features
from dedup.boilerplate.model import model_from_sklearn
from dedup.boilerplate.stacking import stacked_features
from dedup.document import Document
from dedup.io.html import decode_html, document_from_html
from dedup.text.normalize import normalize_text, tokenize

SEED = 20260121
REPO_ROOT = Path(__file__).resolve().parents[3]
MODELS_DIR = Path(__file__).resolve().parent
EXPECTED_FILE = REPO_ROOT / "tests" / "data" / "block_model_expected.json"
GBT_PARAMS = {"n_estimators": 200, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8, "min_samples_leaf": 5}
THRESHOLDS = {"html": 0.5, "text": 0.5}
# Which models have a second, stacked pass (see :mod:`dedup.boilerplate.stacking`).
# Neither for now: a stacked plain-text model (with table and list features),
# measured, lost text after a table in the labelled cases and 0.002 F1 on the
# dragnet test split.
STACKED = {"html": False, "text": False}
STACK_PARAMS = {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8, "min_samples_leaf": 5}
# Folds, grouped by site, of the out-of-fold first-pass probabilities the second pass learns from.
STACK_FOLDS = 5


def data_root() -> Path:
    """Where the labelled data lives: ``$DEDUP_DATA`` or ``../shared/data``
    next to the repository."""
    env = os.environ.get("DEDUP_DATA")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data")


@dataclass(frozen=True)
class Page:
    """One labelled page: its document (blocks with link density), site and gold text."""

    id: str
    site: str
    doc: Document
    gold: str


def site_of(url: str) -> str:
    """The site a URL belongs to (``blogs.wsj.com`` -> ``wsj.com``), for grouping folds."""
    host = urlparse(url).netloc.lower().split(":")[0]
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net", "ac", "gov"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def load_benchmark(root: Path) -> list[Page]:
    """The article-extraction benchmark's pages, in id order."""
    folder = root / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        path = folder / "html" / f"{page_id}.html.gz"
        if not path.is_file():
            continue
        html = decode_html(gzip.decompress(path.read_bytes()))
        doc = document_from_html(html, page_id, origin=str(path))
        pages.append(Page(page_id, site_of(truth[page_id]["url"]), doc, truth[page_id]["articleBody"]))
    return pages


def block_labels(doc: Document, blocks: list[Block], gold: str) -> np.ndarray:
    """1 for blocks that are boilerplate (not in the gold body), 0 for content."""
    gold_tokens = tokenize(normalize_text(gold))
    trigrams = set(zip(gold_tokens, gold_tokens[1:], gold_tokens[2:]))
    gold_joined = f" {' '.join(gold_tokens)} "
    labels = np.ones(len(blocks), dtype=np.int64)
    for i, block in enumerate(blocks):
        tokens = tokenize(normalize_text(block.text(doc.text)))
        if not tokens:
            continue
        if len(tokens) < 3:
            inside = f" {' '.join(tokens)} " in gold_joined
        else:
            grams = list(zip(tokens, tokens[1:], tokens[2:]))
            inside = sum(g in trigrams for g in grams) >= 0.5 * len(grams)
        labels[i] = 0 if inside else 1
    return labels


def page_arrays(pages: list[Page], links: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, sample weights and page index of every block."""
    xs, ys, ws, groups = [], [], [], []
    for index, page in enumerate(pages):
        blocks = document_blocks(page.doc)
        if not blocks:
            continue
        X = block_features(page.doc.text, blocks, links)
        xs.append(X)
        ys.append(block_labels(page.doc, blocks, page.gold))
        # Long blocks weigh more: the score counts words, not blocks.
        ws.append(1.0 + np.expm1(X[:, 1]))
        groups.append(np.full(len(blocks), index))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(groups)


# Common English words (nouns, verbs, adjectives, a few function words)
# for the written word-salad examples.
SALAD_WORDS = tuple(
    """time year people way day man thing woman life child world school state family student group
    country problem hand part place case week company system program question work government number
    night point home water room mother area money story fact month lot right study book eye job word
    business issue side kind head house service friend father power hour game line end member law car
    city community name president team minute idea kid body information back parent face others level
    office door health person art war history party result change morning reason research girl guy
    moment air teacher force education foot boy age policy process music market sense nation plan
    college interest death experience effect class control care field development role effort rate
    heart drug show leader light voice wife police mind price report decision son view relationship
    town road arm difference value building action model season society tax director position player
    record paper space ground form event official matter center couple site project activity star table
    need court oil situation cost industry figure street image phone data picture practice piece land
    product doctor wall patient worker news test movie north love support technology step baby computer
    type attention film tree source organization hair window evidence population site garden river
    bright quiet heavy early local recent strong simple green young ancient careful open sudden warm
    run walk carry bring follow build remember consider appear serve send expect stay fall reach
    remain suggest raise pass sell require report decide pull explain hope develop drive return
    the a of and to in is for on with as by at from that""".split()
)


def written_examples(seed: int = SEED, documents: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labelled examples written here for the plain-text model: documents of
    one to six paragraphs of 40 to 160 random words (some with sentence
    punctuation, some without), every block content.

    Returns:
        ``(X, y, w, g)`` as :func:`page_arrays` gives them (text features;
        ``g`` numbers the documents from 0).
    """
    rng = random.Random(seed)
    xs, ws, groups = [], [], []
    for _ in range(documents):
        paragraphs = []
        for _ in range(rng.randint(1, 6)):
            words = [rng.choice(SALAD_WORDS) for _ in range(rng.randint(40, 160))]
            if rng.random() < 0.5:
                words = [w + "." if rng.random() < 0.07 else w for w in words]
                words[0] = words[0].capitalize()
                words[-1] = words[-1].rstrip(".") + "."
            paragraphs.append(" ".join(words))
        text = "\n\n".join(paragraphs) if rng.random() < 0.5 else "\n".join(paragraphs)
        X = block_features(text, document_blocks(Document(id="written", text=text)), False)
        xs.append(X)
        ws.append(1.0 + np.expm1(X[:, 1]))
        groups.append(np.full(len(X), len(groups)))
    X = np.concatenate(xs)
    return X, np.zeros(len(X), dtype=np.int64), np.concatenate(ws), np.concatenate(groups)


def fit_model(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    links: bool,
    seed: int = SEED,
    meta: dict | None = None,
    pages: np.ndarray | None = None,
    sites: np.ndarray | None = None,
    stacked: bool | None = None,
):
    """Fit a gradient-boosted tree ensemble and export it (the plain-text
    model with :func:`written_examples` added to ``X``), with its second,
    stacked pass where :data:`STACKED` says so.

    Args:
        X: Feature rows, each page's blocks in order, one page after another.
        y: 1 for boilerplate, 0 for content.
        w: Sample weights.
        links: HTML model (with link density) or plain-text model.
        seed: Random seed.
        meta: Added to the model's ``meta``.
        pages: Per row, its page (rows of a page are contiguous); needed
            for a stacked model.
        sites: Per row, its page's site: the out-of-fold probabilities the
            second pass learns from come from folds grouped by it.
        stacked: Whether to fit a second pass; ``None``: as :data:`STACKED` says.

    Returns:
        ``(model, estimators)``: the exported :class:`BlockModel` and the
        fitted scikit-learn estimators of its two passes (the second
        ``None`` when it has one).
    """
    from sklearn.ensemble import GradientBoostingClassifier

    kind = "html" if links else "text"
    stacked = STACKED[kind] if stacked is None else stacked
    if stacked and (pages is None or sites is None):
        raise ValueError(f"the {kind} model is stacked: pass each row's page and site")
    if not links:
        Xw, yw, ww, gw = written_examples(seed)
        if stacked:
            # Each written document is a page of a site of its own.
            pages = np.concatenate((pages, gw + pages.max() + 1))
            sites = np.concatenate((sites, gw + sites.max() + 1))
        X, y, w = np.concatenate((X, Xw)), np.concatenate((y, yw)), np.concatenate((w, ww))
    estimator = GradientBoostingClassifier(random_state=seed, **GBT_PARAMS)
    estimator.fit(X, y, sample_weight=w)
    second = None
    if stacked:
        second = GradientBoostingClassifier(random_state=seed, **STACK_PARAMS)
        second.fit(np.hstack((X, _out_of_fold_stack(X, y, w, pages, sites, seed))), y, sample_weight=w)
    features = HTML_FEATURES if links else TEXT_FEATURES
    info = {"seed": seed, "params": GBT_PARAMS, **(meta or {})}
    if stacked:
        info["second_stage"] = {"params": STACK_PARAMS, "folds": STACK_FOLDS, "grouped_by": "site"}
    return model_from_sklearn(estimator, features, THRESHOLDS[kind], info, second), (estimator, second)


def _out_of_fold_stack(X, y, w, pages: np.ndarray, sites: np.ndarray, seed: int) -> np.ndarray:
    """The stacked features of every row from first-pass probabilities of
    models that did not see its site (so the second pass learns how far to
    trust a first pass on a page it has not seen)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    probability = np.zeros(len(y))
    for train, test in GroupKFold(STACK_FOLDS).split(X, groups=sites):
        fold = GradientBoostingClassifier(random_state=seed, **GBT_PARAMS)
        fold.fit(X[train], y[train], sample_weight=w[train])
        probability[test] = fold.predict_proba(X[test])[:, 1]
    sizes = np.diff(np.flatnonzero(np.concatenate(([True], pages[1:] != pages[:-1], [True]))))
    return stacked_features(probability, X[:, TEXT_FEATURES.index("log_words")], sizes)


def sample_corpus() -> list[Document]:
    """The repository's sample corpus (for the expected-labels file)."""
    folder = REPO_ROOT / "corpus"
    return [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


def sklearn_probabilities(estimators: tuple, X: np.ndarray) -> np.ndarray:
    """The fitted estimators' probabilities of boilerplate for one
    document's feature rows (through the second pass when there is one)."""
    first, second = estimators
    probability = first.predict_proba(X)[:, 1]
    if second is None:
        return probability
    stacked = stacked_features(probability, X[:, TEXT_FEATURES.index("log_words")], np.array([len(X)]))
    return second.predict_proba(np.hstack((X, stacked)))[:, 1]


def expected_predictions(estimators: dict) -> dict:
    """Each model's fitted estimators' probabilities on the sample corpus's blocks."""
    out: dict = {}
    for kind, fitted in estimators.items():
        rows = {}
        for doc in sample_corpus():
            X = block_features(doc.text, document_blocks(doc), kind == "html")
            rows[doc.id] = [round(float(p), 12) for p in sklearn_probabilities(fitted, X)]
        out[kind] = rows
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--kind", choices=("html", "text", "both"), default="both", help="which model to train (default both)")
    args = parser.parse_args(argv)
    root = data_root()
    if not (root / "article-extraction-benchmark" / "ground-truth.json").is_file():
        print(f"article-extraction-benchmark not found under {root}; set DEDUP_DATA", file=sys.stderr)
        return 2
    pages = load_benchmark(root)
    site_names = sorted({p.site for p in pages})
    site_index = np.array([site_names.index(p.site) for p in pages])
    kinds = ("html", "text") if args.kind == "both" else (args.kind,)
    models, estimators = {}, {}
    for kind in kinds:
        links = kind == "html"
        X, y, w, g = page_arrays(pages, links)
        meta = {"data": "article-extraction-benchmark (MIT)", "pages": len(pages), "blocks": int(len(y))}
        models[kind], estimators[kind] = fit_model(X, y, w, links, args.seed, meta, g, site_index[g])
        print(f"{kind}: {len(pages)} pages, {len(y)} blocks, {y.mean():.1%} boilerplate")
    # A model not trained now keeps its expected labels.
    expected = json.loads(EXPECTED_FILE.read_text(encoding="utf-8")) if EXPECTED_FILE.is_file() else {}
    expected.update(expected_predictions(estimators))
    for kind, model in models.items():
        path = MODELS_DIR / f"blocks_{kind}.json"
        path.write_text(json.dumps(model.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    EXPECTED_FILE.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED_FILE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
