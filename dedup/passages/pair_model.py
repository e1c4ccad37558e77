"""The learned pair classifier: a label with a probability, from measured
pair features, where the rules of :mod:`dedup.passages.relations` run out.

The features are symmetric (minima, maxima and sums of the two sides), so
the model's answer does not depend on which document comes first. The model
is a multinomial logistic regression fitted with scikit-learn and shipped as
JSON (``models/pairs.json``: feature names, scaling, coefficients; no
pickle); scoring it needs only NumPy. ``eval/train_pairs.py`` fits it again
reproducibly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from dedup.config import PassageSettings
from dedup.passages.align import Alignment
from dedup.passages.aligned_sentences import sentence_scores
from dedup.passages.relations import SideMeasure, classify, measure_sides

MODEL_FILE = Path(__file__).resolve().parent / "models" / "pairs.json"
UNRELATED = "unrelated"

FEATURES = (
    "coverage_min", "coverage_max", "evidence_min", "evidence_max", "verbatim_share", "reworded_share",
    "quoted_max", "log_passages", "log_longest_verbatim", "log_aligned_sentences", "mean_sentence_score",
    "length_ratio", "jaccard", "containment_min", "containment_max", "log_evidence_weight",
    "verbatim_cover_min", "verbatim_cover_max", "reworded_cover_max", "mean_verbatim_score",
)


def pair_features(alignment: Alignment, settings: PassageSettings, texts: tuple[str, str] | None = None,
                  chars: tuple[int, int] | None = None, sides: tuple[SideMeasure, SideMeasure] | None = None) -> dict[str, float]:
    """The measured features of an aligned pair (see :data:`FEATURES`).

    Args:
        alignment: The pair's alignment, with ``stats`` (Jaccard, containments) when known.
        settings: As for :func:`dedup.passages.relations.classify`.
        texts: Both original texts.
        chars: Measured characters of each side, when known.
        sides: :func:`dedup.passages.relations.measure_sides` with these
            settings, texts and chars, when taken (otherwise measured here).

    Returns:
        Feature name to value; symmetric in the two sides.
    """
    a, b = sides if sides is not None else measure_sides(alignment, settings, texts, chars)
    evidence = a.evidence + b.evidence
    lengths = sorted((max(a.chars, 1), max(b.chars, 1)))
    scores = sentence_scores(alignment.sentence_pairs)
    stats = alignment.stats
    contained = (stats.get("containment_a", 0.0), stats.get("containment_b", 0.0))
    weights = (a.weight, b.weight) if texts else (a.evidence, b.evidence)
    return {
        "coverage_min": min(a.coverage, b.coverage),
        "coverage_max": max(a.coverage, b.coverage),
        "evidence_min": min(a.evidence_coverage, b.evidence_coverage),
        "evidence_max": max(a.evidence_coverage, b.evidence_coverage),
        "verbatim_share": (a.verbatim + b.verbatim) / evidence if evidence else 0.0,
        "reworded_share": (a.reworded + b.reworded) / evidence if evidence else 0.0,
        "quoted_max": max(a.quoted / max(a.chars, 1), b.quoted / max(b.chars, 1)),
        "log_passages": math.log1p(len(alignment.passages)),
        "log_longest_verbatim": math.log1p(min(a.longest_verbatim, b.longest_verbatim)),
        "log_aligned_sentences": math.log1p(len(alignment.sentence_pairs)),
        # np.mean's own sum and division, without its per-call checks
        "mean_sentence_score": float(np.add.reduce(np.array(scores, dtype=np.float64)) / len(scores)) if scores else 0.0,
        "length_ratio": lengths[0] / lengths[1],
        "jaccard": float(stats.get("jaccard", 0.0)),
        "containment_min": float(min(contained)),
        "containment_max": float(max(contained)),
        "log_evidence_weight": math.log1p(min(weights)),
        "verbatim_cover_min": min(a.verbatim / max(a.chars, 1), b.verbatim / max(b.chars, 1)),
        "verbatim_cover_max": max(a.verbatim / max(a.chars, 1), b.verbatim / max(b.chars, 1)),
        "reworded_cover_max": max(a.reworded / max(a.chars, 1), b.reworded / max(b.chars, 1)),
        "mean_verbatim_score": _mean_verbatim_score(alignment),
    }


def _mean_verbatim_score(alignment: Alignment) -> float:
    """Mean score of the verbatim passages (share of their tokens in exact runs), weighted by length."""
    verbatim = [(p.score, len(p.a) + len(p.b)) for p in alignment.passages if p.kind == "verbatim"]
    total = sum(n for _, n in verbatim)
    return sum(s * n for s, n in verbatim) / total if total else 0.0


@dataclass(frozen=True)
class PairModel:
    """A multinomial logistic regression over :data:`FEATURES`.

    Attributes:
        classes: Labels, in the order of the coefficient rows.
        mean: Per feature, subtracted before scaling.
        scale: Per feature, divided by.
        coef: ``(classes, features)`` coefficients.
        intercept: Per class.
        meta: How it was trained (data, seed, counts).
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    meta: dict

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        """Probability of each label."""
        x = (np.array([features[name] for name in FEATURES]) - self.mean) / self.scale
        z = self.coef @ x + self.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        return dict(zip(self.classes, p.tolist()))

    def predict(self, features: dict[str, float]) -> tuple[str, float]:
        """The most likely label and its probability."""
        probs = self.probabilities(features)
        label = max(self.classes, key=lambda c: (probs[c], c))
        return label, probs[label]

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "classes": list(self.classes), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept.tolist(), "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict) -> "PairModel":
        """Raises:
            ValueError: If the model was fitted on other features.
        """
        if tuple(data["features"]) != FEATURES:
            raise ValueError("the pair model was trained on other features; retrain it with eval/train_pairs.py")
        return cls(tuple(data["classes"]), np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]),
                   np.array(data["intercept"]), data.get("meta", {}))


@cache
def shipped_model() -> PairModel | None:
    """The shipped model, or ``None`` when it is absent."""
    if not MODEL_FILE.is_file():
        return None
    return PairModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def label_pair(alignment: Alignment, settings: PassageSettings, texts: tuple[str, str],
               chars: tuple[int, int] | None = None, sides: tuple[SideMeasure, SideMeasure] | None = None
               ) -> tuple[str | None, float | None]:
    """The relation of an aligned pair and the model's probability of it.

    The rules (:func:`dedup.passages.relations.classify`) decide first.
    Where they find no relation but the pair shares passages of at least
    ``min_shared_chars`` (the absolute floor stays), the model decides: the
    pair is related when the model gives ``classifier_threshold`` or more to
    the related classes together, with the most likely of them as its label.

    Args:
        alignment: The pair's alignment.
        settings: Thresholds (as for :func:`dedup.passages.relations.classify`).
        texts: Both original texts.
        chars: Measured characters of each side, when known.
        sides: :func:`dedup.passages.relations.measure_sides` with these
            settings, texts and chars, when taken: the rules and the model
            read the same measures.

    Returns:
        ``(relation or None, probability)``; the probability is the model's
        for the label given (for ``None``: that the pair is unrelated), and
        ``None`` when no model is shipped.
    """
    if sides is None:
        sides = measure_sides(alignment, settings, texts, chars)
    # the rules take each side's characters from the alignment, not from ``chars``
    relation = classify(alignment, settings, texts, sides if chars is None else None)
    model = shipped_model()
    if model is None:
        return relation, None
    features = pair_features(alignment, settings, texts, chars, sides)
    probs = model.probabilities(features)
    if relation is not None:
        return relation, round(probs.get(relation, 0.0), 4)
    big_enough = alignment.passages and math.expm1(features["log_evidence_weight"]) >= settings.min_shared_chars
    related = 1.0 - probs.get(UNRELATED, 0.0)
    if big_enough and related >= settings.classifier_threshold:
        label = max((c for c in model.classes if c != UNRELATED), key=lambda c: (probs[c], c))
        return label, round(probs[label], 4)
    return None, round(probs.get(UNRELATED, 1.0), 4)
