"""Alignment of one pair: exact original spans, the seed pair, no-reuse pairs, masks."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from dedup.config import Settings, apply_settings
from dedup.document import Document, Span
from dedup.passages.align import align_documents, select_sentence_pairs
from dedup.passages.relations import classify
from dedup.text.normalize import normalize_text, tokenize
from dedup.text.quotes import quoted_mask
from dedup.text.sentences import prepare_text, sentence_spans

SEED_A = "000_8aaba136161a1b97.txt"
SEED_B = "001_1edf69fc7060fb53.txt"
# Quotations PRODUCT.md lists as kept verbatim by 000 from 001.
QUOTATIONS = [
    "We are very close to a meeting between Putin and Zelensky",
    "knocked out power to the main Arctic naval base of the Russian Northern Fleet in Severomorsk, a city closed to outsiders",
    "We saw a lot of respect in the room",
    "We think those meetings need to happen before a meeting between the leaders",
]


def corpus_doc(name: str) -> Document:
    return Document(name, (CORPUS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_alignment():
    return align_documents(corpus_doc(SEED_A), corpus_doc(SEED_B), Settings())


def test_seed_pair_is_a_rewrite(seed_alignment) -> None:
    assert classify(seed_alignment, Settings().passages) == "rewrite"
    assert seed_alignment.stats["jaccard"] < 0.15  # whole-document similarity alone would miss it
    assert len(seed_alignment.sentence_pairs) >= 15
    assert seed_alignment.count("verbatim") >= 10 and seed_alignment.count("reworded") >= 3


@pytest.mark.parametrize("quotation", QUOTATIONS)
def test_seed_pair_aligns_every_listed_quotation(seed_alignment, quotation: str) -> None:
    a, b = corpus_doc(SEED_A).text, corpus_doc(SEED_B).text
    wanted = normalize_text(quotation)
    assert any(
        wanted in normalize_text(p.a.text(a)) and wanted in normalize_text(p.b.text(b))
        for p in seed_alignment.sentence_pairs
    )
    assert any(wanted in normalize_text(p.a.text(a)) for p in seed_alignment.passages if p.kind == "verbatim")


def test_seed_pair_spans_are_exact_original_text(seed_alignment) -> None:
    a, b = corpus_doc(SEED_A).text, corpus_doc(SEED_B).text
    for p in seed_alignment.passages:
        assert 0 <= p.a.start < p.a.end <= len(a) and 0 <= p.b.start < p.b.end <= len(b)
        if p.kind == "verbatim" and p.score == 1.0:
            # quote styles, dashes and punctuation differ, words do not
            assert tokenize(normalize_text(p.a.text(a))) == tokenize(normalize_text(p.b.text(b)))
            for text, span in ((a, p.a), (b, p.b)):
                assert text[span.start].isalnum() and text[span.end - 1].isalnum()


def test_shared_quotation_is_flagged(seed_alignment) -> None:
    a = corpus_doc(SEED_A).text
    quoted = [normalize_text(p.a.text(a)) for p in seed_alignment.passages if p.quoted]
    assert "we are very close to a meeting between putin and zelensky" in quoted


@pytest.mark.parametrize(
    "first, second",
    [(x, y) for x in sorted(p.name for p in CORPUS.glob("*.txt")) for y in sorted(p.name for p in CORPUS.glob("*.txt")) if x < y and (x, y) != (SEED_A, SEED_B)],
)
def test_topic_overlap_is_not_reuse(first: str, second: str) -> None:
    settings = Settings()
    alignment = align_documents(corpus_doc(first), corpus_doc(second), settings)
    assert classify(alignment, settings.passages) is None


def test_masks_remove_shared_text() -> None:
    shared = "The final figures for the group show a rise of twelve per cent in the second quarter of the year."
    a = Document("a", "Markets were calm. " + shared + " Analysts had expected less.")
    b = Document("b", "Shares rose slightly. " + shared + " Trading was thin all day.")
    settings = Settings()
    plain = align_documents(a, b, settings)
    assert plain.count("verbatim") == 1 and plain.shared_chars_a >= len(shared) - 1
    start = a.text.index(shared)
    masked = align_documents(a, b, settings, masks={"a": [Span(start, start + len(shared))]})
    assert masked.count("verbatim") == 0 and masked.shared_chars_a == 0
    assert classify(masked, settings.passages) is None
    as_pairs = align_documents(a, b, settings, masks={"b": [(b.text.index(shared), len(b.text))]})
    assert as_pairs.count("verbatim") == 0 and as_pairs.shared_chars_b == 0


def test_sentence_spans_cover_original_text() -> None:
    text = "First sentence here. Second one, with “curly quotes.” Third?\n\nA new paragraph\nWith a line break."
    spans = sentence_spans(text)
    assert [s.text(text) for s in spans] == [
        "First sentence here.",
        "Second one, with “curly quotes.”",
        "Third?",
        "A new paragraph",
        "With a line break.",
    ]


def test_token_offsets_point_into_original_after_nfkc() -> None:
    text = "ﬁnal ＡＢＣ “quote” 北京"
    prepared = prepare_text(text)
    words = [text[s:e] for s, e in zip(prepared.token_starts, prepared.token_ends)]
    assert words == ["ﬁnal", "ＡＢＣ", "quote", "北", "京"]


def test_quotation_marks() -> None:
    text = "He said 'it's fine' and left. She wrote “all good” today."
    mask = quoted_mask(text)
    inside = "".join(ch for ch, m in zip(text, mask) if m)
    assert inside == "'it's fine'“all good”"


def test_weak_pairs_need_a_strong_neighbour() -> None:
    import numpy as np

    sims = np.array([[0.9, 0.1, 0.1], [0.1, 0.35, 0.1], [0.1, 0.1, 0.1], ])
    assert select_sentence_pairs(sims, 0.5, 0.3) == [(0, 0), (1, 1)]
    lonely = np.array([[0.35, 0.1], [0.1, 0.1]])
    assert select_sentence_pairs(lonely, 0.5, 0.3) == []


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        apply_settings(Settings(), {"passages.sentence_threshold": "0.2", "passages.context_threshold": "0.4"})


@pytest.mark.parametrize("a, b", [("", ""), ("", "hello"), ("...!!!", "?? ."), ("word", "word")])
def test_tiny_inputs_align_to_nothing(a: str, b: str) -> None:
    alignment = align_documents(Document("a", a), Document("b", b), Settings())
    assert alignment.passages == [] and alignment.share_a == 0.0


def test_library_does_not_import_click_or_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dedup.passages.align, dedup.passages.pairs, dedup.diff, dedup.passages.relations;"
        "print(sorted(m for m in ('click', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_long_sentences_are_cut_on_word_boundaries() -> None:
    text = "Intro line. Start " + " ".join(f"word{k}" for k in range(149)) + " end. Last one."
    prepared = prepare_text(text)
    pieces = [s.text(text) for s in prepared.sentences]
    assert pieces[0] == "Intro line." and pieces[-1] == "Last one."
    middle = pieces[1:-1]
    assert len(middle) == 3 and " ".join(middle) == "Start " + " ".join(f"word{k}" for k in range(149)) + " end."
    assert all(b - a <= 60 for a, b in prepared.sentence_tokens.tolist())


def test_counts_set_when_nothing_is_masked_are_those_the_flags_give() -> None:
    from dedup.document import Span
    from dedup.passages.align import Prepared, prepare
    from dedup.text.quotes import quoted_mask
    from dedup.text.sentences import prepare_text

    text = "A first sentence here. And a \u201cquoted\u201d second one, longer than the first."
    for masks in (None, [], [Span(2, 7)], [Span(5, 5)]):
        got = prepare(text, masks)
        plain = prepare_text(text, list(masks or ()))
        made = Prepared(plain, quoted_mask(text)[plain.token_starts])  # counted from the flags
        assert (got.masked_char_count, got.open_tokens) == (made.masked_char_count, made.open_tokens)
    assert prepare(text, [Span(2, 7)]).masked_char_count == 5
