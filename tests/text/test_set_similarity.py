"""set_similarity takes the overlap once: the same figures as jaccard and containment."""

from __future__ import annotations

import numpy as np

from dedup.text.similarity import containment, jaccard, set_similarity


def test_set_similarity_equals_jaccard_and_containments() -> None:
    rng = np.random.default_rng(1)
    cases = [(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64))]
    for _ in range(500):
        a, b = (np.unique(rng.integers(0, 50, rng.integers(0, 30)).astype(np.uint64)) for _ in range(2))
        cases.append((a, b))
    for a, b in cases:
        want = {"jaccard": round(jaccard(a, b), 6), "containment_a": round(containment(a, b), 6), "containment_b": round(containment(b, a), 6)}
        assert set_similarity(a, b) == want
    assert set_similarity(*cases[0]) == {"jaccard": 1.0, "containment_a": 0.0, "containment_b": 0.0}
