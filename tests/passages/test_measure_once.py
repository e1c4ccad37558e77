"""Each side of an alignment measured once (``relations.measure_sides``) and
shared by the rules, the pair model and the per-side fields: every figure
equals the one each of them measures for itself, on every labelled
alignment case of tests/data/passages (dense scripts among them)."""

from __future__ import annotations

from pathlib import Path

from conftest import each_passage_case, read_pair_case

from dedup.config import Settings
from dedup.document import Document
from dedup.passages.pair_model import label_pair, pair_features
from dedup.passages.relations import align_documents_symmetric, classify, measure_side, measure_sides, pair_fields, verbatim_share
from dedup.passages.verify import _plain_sides


@each_passage_case
def test_sides_measured_once_give_the_same_figures(path: Path) -> None:
    _, a, b = read_pair_case(path)
    settings = Settings()
    ps, texts = settings.passages, (a, b)
    alignment = align_documents_symmetric(Document("a", a), Document("b", b), settings)
    chars = (len(a) - 3, len(b))  # measured characters given, as `dedup diff` gives them
    for given in (None, chars):
        sides = measure_sides(alignment, ps, texts, given)
        assert sides == tuple(measure_side(alignment, side, given[k] if given else None, ps, texts) for k, side in enumerate("ab"))
        assert pair_features(alignment, ps, texts, given, sides) == pair_features(alignment, ps, texts, given)
        assert label_pair(alignment, ps, texts, given, sides) == label_pair(alignment, ps, texts, given)
        relation = classify(alignment, ps, texts)
        assert pair_fields(alignment, relation, ps, given, texts, sides) == pair_fields(alignment, relation, ps, given, texts)
    sides = measure_sides(alignment, ps, texts)
    assert classify(alignment, ps, texts, sides) == classify(alignment, ps, texts)
    plain = _plain_sides(alignment, ps, sides)
    if plain is not None:
        assert verbatim_share(alignment, plain) == verbatim_share(alignment)
    assert verbatim_share(alignment, measure_sides(alignment)) == verbatim_share(alignment)
