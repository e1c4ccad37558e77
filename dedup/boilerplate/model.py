"""The block classifier: a boosted tree ensemble stored as JSON.

The model is trained with scikit-learn (``dedup/boilerplate/models/train_blocks.py``)
and exported as plain arrays: no pickle, so it loads on any platform and
version and cannot run code. Prediction walks all trees for a whole
feature matrix at once: every tree's node arrays are laid end to end, a
leaf pointing to itself, so one step moves every row down every tree (in
the compiled loop ``forest_sums`` row by row, else with numpy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from dedup.boilerplate.stacking import STACKED_FEATURES, stacked_features
from dedup.text.shingles import compiled_loop

# The compiled walk of the trees (``dedup/text/_loops.c``), or ``None``
# where it was not built: numpy walks them, to the same sums.
_forest_sums = compiled_loop("forest_sums")

MODEL_FILES = {"html": "blocks_html.json", "text": "blocks_text.json"}


@dataclass(frozen=True)
class _Tree:
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int


@dataclass(frozen=True)
class BlockModel:
    """A binary classifier of blocks: the probability that a block is boilerplate.

    Attributes:
        features: Names of the feature columns it expects, in order.
        init: The ensemble's starting log-odds.
        learning_rate: The weight of each tree.
        trees: The regression trees.
        threshold: Probability at or above which a block is boilerplate.
        meta: How it was trained (data, seed, parameters, scores).
        second_stage: A model that rates each block again from these
            features and the first pass's probabilities of it and its
            neighbours (:mod:`dedup.boilerplate.stacking`), or ``None``.
    """

    features: tuple[str, ...]
    init: float
    learning_rate: float
    trees: tuple[_Tree, ...]
    threshold: float
    meta: dict[str, Any]
    second_stage: "BlockModel | None" = None

    def columns(self, X: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """The columns of ``X`` (named ``names``) this model reads, in its order.

        Raises:
            ValueError: If ``X`` lacks one of them.
        """
        names = tuple(names)
        if names == self.features:
            return X
        missing = [f for f in self.features if f not in names]
        if missing:
            raise ValueError(f"the block features lack {', '.join(missing)}; retrain the model with train_blocks.py")
        return X[:, [names.index(f) for f in self.features]]

    def decision(self, X: np.ndarray) -> np.ndarray:
        """The log-odds that each row is boilerplate."""
        # Trees compare float32 features, as scikit-learn does.
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ValueError(f"expected a matrix of {len(self.features)} feature columns, got shape {X.shape}")
        raw = np.full(X.shape[0], self.init, dtype=np.float64)
        if _forest_sums is not None:
            forest = self._forest
            _forest_sums(np.ascontiguousarray(X), forest.feature, forest.threshold, forest.left, forest.right, self._scaled_values, forest.roots, raw, forest.depth)
            return raw
        for start in range(0, X.shape[0], _ROWS):
            rows = X[start : start + _ROWS]
            leaves = self._forest.leaf_values(rows)
            part = raw[start : start + len(rows)]
            # Tree by tree, in order: the same sums as one tree at a time.
            for values in leaves:
                part += self.learning_rate * values
        return raw

    @cached_property
    def _forest(self) -> "_Forest":
        return _Forest.of(self.trees)

    @cached_property
    def _scaled_values(self) -> np.ndarray:
        """Each leaf's value times the learning rate (what a tree adds)."""
        return self.learning_rate * self._forest.value

    def first_proba(self, X: np.ndarray) -> np.ndarray:
        """The first pass's probability that each row is boilerplate."""
        # A log-odds far below zero overflows exp to inf: probability 0, as it should be.
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-self.decision(X)))

    def predict_proba(self, X: np.ndarray, sizes: Sequence[int] | None = None) -> np.ndarray:
        """The probability that each row is boilerplate: the first pass's,
        or with a second stage, the second pass's.

        Args:
            X: Feature rows (columns :attr:`features`), the blocks of the
                documents one document after the other.
            sizes: Rows per document; ``None`` for one document.
        """
        probability = self.first_proba(X)
        if self.second_stage is None:
            return probability
        sizes = np.asarray([len(X)] if sizes is None else sizes, dtype=np.int64)
        log_words = np.asarray(X, dtype=np.float64)[:, self.features.index("log_words")]
        stacked = np.hstack((X, stacked_features(probability, log_words, sizes)))
        return self.second_stage.first_proba(stacked)

    def predict(self, X: np.ndarray, sizes: Sequence[int] | None = None) -> np.ndarray:
        """True where a row is boilerplate."""
        return self.predict_proba(X, sizes) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready arrays (what :func:`load_model` reads back)."""
        data = {
            "format": "dedup-gbt-1",
            "features": list(self.features),
            "init": self.init,
            "learning_rate": self.learning_rate,
            "threshold": self.threshold,
            "meta": self.meta,
            "trees": [
                {
                    "feature": t.feature.tolist(),
                    "threshold": t.threshold.tolist(),
                    "left": t.left.tolist(),
                    "right": t.right.tolist(),
                    "value": t.value.tolist(),
                }
                for t in self.trees
            ],
        }
        if self.second_stage is not None:
            data["second_stage"] = self.second_stage.to_dict()
        return data


# Rows walked down the trees at once (bounds the (trees, rows) work arrays).
_ROWS = 4096


@dataclass(frozen=True)
class _Forest:
    """All trees' node arrays end to end, for walking every tree at once.

    A node's ``left`` and ``right`` are indices into the joined arrays; a
    leaf's are its own index (and it compares feature 0 with threshold 0),
    so a row that has reached a leaf stays there.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int

    @classmethod
    def of(cls, trees: tuple[_Tree, ...]) -> "_Forest":
        offsets = np.cumsum([0] + [len(t.left) for t in trees])
        parts: dict[str, list[np.ndarray]] = {"feature": [], "threshold": [], "left": [], "right": []}
        for offset, t in zip(offsets, trees):
            leaf = t.left < 0
            own = np.arange(len(t.left), dtype=np.int64) + offset
            parts["feature"].append(np.where(leaf, 0, np.maximum(t.feature, 0)))
            parts["threshold"].append(np.where(leaf, 0.0, t.threshold))
            parts["left"].append(np.where(leaf, own, t.left + offset))
            parts["right"].append(np.where(leaf, own, t.right + offset))
        empty = {"feature": np.int64, "threshold": np.float64, "left": np.int64, "right": np.int64}
        joined = {k: np.concatenate(v) if v else np.zeros(0, dtype=empty[k]) for k, v in parts.items()}
        value = np.concatenate([t.value for t in trees]) if trees else np.zeros(0)
        depth = max((t.depth for t in trees), default=0)
        return cls(value=value, roots=offsets[:-1].astype(np.int64), depth=depth, **joined)

    def leaf_values(self, X: np.ndarray) -> np.ndarray:
        """``(trees, rows)``: the value of the leaf each row of ``X`` reaches in each tree."""
        n, width = X.shape
        flat = X.ravel()
        base = (np.arange(n, dtype=np.int64) * width)[None, :]
        node = np.repeat(self.roots[:, None], n, axis=1)
        for _ in range(self.depth):
            go_left = flat[base + self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node]


def _tree_depth(left: np.ndarray, right: np.ndarray) -> int:
    depth = np.zeros(len(left), dtype=np.int64)
    for node in range(len(left)):  # children always follow their parent
        for child in (left[node], right[node]):
            if child >= 0:
                depth[child] = depth[node] + 1
    return int(depth.max()) if len(depth) else 0


def model_from_dict(data: dict[str, Any]) -> BlockModel:
    """Build a :class:`BlockModel` from its JSON form.

    Raises:
        ValueError: If the data is not a ``dedup-gbt-1`` model.
    """
    if data.get("format") != "dedup-gbt-1":
        raise ValueError("not a dedup block model (format 'dedup-gbt-1' expected); retrain it with train_blocks.py")
    trees = []
    for t in data["trees"]:
        left = np.asarray(t["left"], dtype=np.int64)
        right = np.asarray(t["right"], dtype=np.int64)
        trees.append(
            _Tree(
                feature=np.asarray(t["feature"], dtype=np.int64),
                threshold=np.asarray(t["threshold"], dtype=np.float64),
                left=left,
                right=right,
                value=np.asarray(t["value"], dtype=np.float64),
                depth=_tree_depth(left, right),
            )
        )
    return BlockModel(
        features=tuple(data["features"]),
        init=float(data["init"]),
        learning_rate=float(data["learning_rate"]),
        trees=tuple(trees),
        threshold=float(data["threshold"]),
        meta=dict(data.get("meta", {})),
        second_stage=model_from_dict(data["second_stage"]) if data.get("second_stage") else None,
    )


def load_model(path: str | Path) -> BlockModel:
    """Read a model from a JSON file."""
    return model_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=4)
def shipped_model(kind: str) -> BlockModel:
    """The model shipped inside the package: ``"html"`` (with link density)
    or ``"text"`` (plain text only)."""
    if kind not in MODEL_FILES:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(MODEL_FILES)}")
    text = resources.files("dedup.boilerplate").joinpath("models", MODEL_FILES[kind]).read_text(encoding="utf-8")
    return model_from_dict(json.loads(text))


def model_from_sklearn(
    estimator, features: tuple[str, ...], threshold: float, meta: dict[str, Any], second_stage=None
) -> BlockModel:
    """Export a fitted binary ``GradientBoostingClassifier`` (classes 0/1,
    1 = boilerplate) to a :class:`BlockModel`; ``second_stage`` is another
    such estimator, fitted on ``features`` and :data:`STACKED_FEATURES`."""
    trees = []
    for (regressor,) in estimator.estimators_:
        t = regressor.tree_
        left = t.children_left.astype(np.int64)
        right = t.children_right.astype(np.int64)
        trees.append(
            _Tree(
                feature=t.feature.astype(np.int64),
                threshold=t.threshold.astype(np.float64),
                left=left,
                right=right,
                value=t.value[:, 0, 0].astype(np.float64),
                depth=_tree_depth(left, right),
            )
        )
    model = BlockModel(tuple(features), 0.0, float(estimator.learning_rate), tuple(trees), threshold, meta)
    # The starting log-odds is whatever the ensemble adds to its trees.
    probe = np.zeros((1, len(features)))
    init = float(estimator.decision_function(probe)[0] - model.decision(probe)[0])
    second = None
    if second_stage is not None:
        second = model_from_sklearn(second_stage, tuple(features) + STACKED_FEATURES, threshold, {})
    return BlockModel(tuple(features), init, model.learning_rate, tuple(trees), threshold, meta, second)
