"""Relation gates with an absolute floor, and near duplicates however found."""

from __future__ import annotations

from conftest import edit_words, synthetic_text

from dedup.config import PassageSettings, Settings
from dedup.document import Document
from dedup.passages.relations import align_documents_symmetric, classify
from dedup.scan import scan_documents

PASSAGE = (
    "The regional water authority confirmed on Thursday that the reservoir above the valley had fallen to its lowest "
    "level in forty years, and that engineers would begin releasing water from the northern dam to keep the river "
    "navigable for the grain barges that carry most of the harvest downstream to the port before the winter closes "
    "the locks and the ice makes the channel impassable for months."
)


def _with_passage(seed: int, passage: str) -> str:
    text = synthetic_text(seed, words=1600, paragraphs=12).split("\n\n")
    text.insert(6, passage)
    return "\n\n".join(text)


def test_long_verbatim_passage_is_a_copy_however_small_its_share() -> None:
    assert len(PASSAGE) >= 300
    a, b = Document("a", _with_passage(1, PASSAGE)), Document("b", _with_passage(2, PASSAGE))
    settings = Settings()
    alignment = align_documents_symmetric(a, b, settings)
    assert max(alignment.share_a, alignment.share_b) < settings.passages.min_shared_share
    assert classify(alignment, settings.passages, (a.text, b.text)) == "partial_copy"
    higher = PassageSettings(verbatim_floor_chars=len(PASSAGE) + 50)
    assert classify(alignment, higher, (a.text, b.text)) is None


def test_short_passage_under_the_floor_and_share_is_not_a_pair() -> None:
    short = PASSAGE[:150].rsplit(" ", 1)[0] + "."
    a, b = Document("a", _with_passage(1, short)), Document("b", _with_passage(2, short))
    alignment = align_documents_symmetric(a, b, Settings())
    assert classify(alignment, Settings().passages, (a.text, b.text)) is None


def test_near_duplicates_found_by_passages_join_the_clusters() -> None:
    base = synthetic_text(5, words=800, paragraphs=8)
    docs = [Document("first", base, date="2026-01-01"), Document("edited", edit_words(base, 0.08, 3)), Document("other", synthetic_text(9))]
    result = scan_documents(docs, Settings(jobs=1, threshold=0.8))
    [pair] = result.pairs
    assert pair.jaccard < 0.8  # below the document-level threshold: not a minhash pair
    assert (pair.relation, pair.found_by) == ("near_duplicate", "passages")
    assert pair.extent_a == pair.extent_b == "wholly"
    assert result.stats["clusters"] == 1 and result.stats["duplicates_to_remove"] == 1
    rows = {d.id: d for d in result.documents}
    assert rows["edited"].duplicate_of == "first" and rows["other"].cluster is None
    assert (pair.source, pair.derived) == ("first", "edited") or pair.source is None


def test_document_level_pairs_say_which_stage_found_them() -> None:
    base = synthetic_text(7, words=800, paragraphs=8)
    docs = [Document("x", base), Document("y", base), Document("z", edit_words(base, 0.01, 4))]
    result = scan_documents(docs, Settings(jobs=1))
    found = {(p.a, p.b): p.found_by for p in result.pairs}
    assert found[("x", "y")] == "exact"
    assert found[("x", "z")] == "minhash"
    assert all(p.jaccard >= 0.8 for p in result.pairs if p.found_by == "minhash")


def test_orders_before_is_the_order_key_comparison_and_hashes_only_on_a_length_tie() -> None:
    from dedup.document import Span
    from dedup.passages.align import prepare

    texts = ["The ministry said so.", "The ministry said no.", "A city of eight million people.", "The ministry said so."]
    docs = [prepare(t) for t in texts] + [prepare(texts[0], [Span(0, 4)])]
    for a in docs:
        for b in docs:
            assert a.orders_before(b) == (a.order_key < b.order_key)
    shorter, longer = prepare(texts[0]), prepare(texts[2])
    assert shorter.orders_before(longer) and not longer.orders_before(shorter)
    assert "order_key" not in vars(shorter) and "order_key" not in vars(longer)  # lengths differ: no text hashed


def test_union_of_passage_spans_counts_what_covered_chars_counts() -> None:
    import random

    from dedup.document import Span, covered_chars, span_mask, union_length

    rng = random.Random(4)
    for _ in range(3000):
        spans = [Span(a, a + rng.randint(0, 40)) for a in (rng.randint(0, 200) for _ in range(rng.randint(1, 6)))]
        length = rng.choice([max(s.end for s in spans), rng.randint(0, 250)])
        assert union_length(length, [(s.start, s.end) for s in spans]) == covered_chars(length, spans) == int(span_mask(length, spans).sum())


def test_a_loose_verbatim_passage_counts_as_verbatim_unless_in_a_dense_script() -> None:
    from dedup.document import Span
    from dedup.passages.align import VERBATIM, Passage
    from dedup.passages.relations import _is_verbatim

    ps = PassageSettings()
    loose = Passage(Span(0, 12), Span(0, 12), VERBATIM, ps.dense_verbatim_score - 0.1)
    assert _is_verbatim(loose, ps, ("plain words here", "plain words here"))
    assert _is_verbatim(loose, ps, ("plain words h\u00e9re", "plain words here"))  # not ASCII, not dense
    dense = "\u4e2d\u6587\u7684\u53e5\u5b50\u91cc\u6ca1\u6709\u7a7a\u683c\u3002"
    assert not _is_verbatim(loose, ps, (dense, dense))
    assert _is_verbatim(Passage(Span(0, 12), Span(0, 12), VERBATIM, ps.dense_verbatim_score), ps, (dense, dense))
