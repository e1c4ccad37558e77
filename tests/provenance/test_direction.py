"""Direction evidence: dates, wire credits, cited outlets, attributed
quotations, coverage; and the composition of documents."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.document import Document
from dedup.provenance.composition import composition, shared_spans
from dedup.provenance.direction import PairSide, decide, undirected, weighs
from dedup.provenance.pairs import direct_pair
from dedup.provenance.signals import document_signals, is_attributed, parse_date
from dedup.results import PairResult

STORY = "The council approved the new budget on Monday after a long debate about school funding and road repairs."


def test_dates_decide_and_contradiction_is_said() -> None:
    a, b = Document("a", STORY, date="2026-01-02"), Document("b", STORY, date="2025-12-30")
    found = direct_pair(a, b, (0.6, 0.6))
    assert (found.source, found.derived) == ("b", "a") and found.confidence > 0.9
    assert direct_pair(b, a, (0.6, 0.6)).source == "b"
    same = direct_pair(Document("a", STORY, date="2026-01-02"), Document("b", STORY, date="2026-01-02"), (0.6, 0.6))
    assert same.source is None and "both dated 2026-01-02" in same.evidence


def test_no_evidence_is_undetermined() -> None:
    found = direct_pair(Document("a", STORY), Document("b", STORY), (0.6, 0.6))
    assert (found.source, found.derived) == (None, None)
    assert found.evidence == ["no evidence of direction"]


def test_wire_credit_marks_the_wire_copy() -> None:
    wire = Document("wire", "LAHORE (AP) — " + STORY)
    paper = Document("paper", "LAHORE — " + STORY)
    urdu_wire = Document("w", "اسلام آباد (اے پی پی) وزیر اعظم نے اجلاس کی صدارت کی۔")
    assert "اے پی پی" in document_signals(urdu_wire.text).wire_credits
    found = direct_pair(paper, wire, (0.9, 0.9))
    assert (found.source, found.derived) == ("wire", "paper")
    assert "wire credit" in found.evidence[0]


def test_citing_the_other_outlet_marks_the_copy() -> None:
    original = Document("axios", STORY + " The mayor said it was fair.", source="Axios")
    copy = Document("copy", STORY + " The mayor told Axios it was fair.")
    found = direct_pair(copy, original, (0.8, 0.8))
    assert (found.source, found.derived) == ("axios", "copy")
    assert "cites Axios, the outlet of axios" in found.evidence[0]


def test_quotation_attributed_in_one_side_only() -> None:
    quote = '"We will not raise taxes this year"'
    attributed = f'The mayor said {quote} at the meeting.\n'
    bare = f'Taxes were the question. {quote}. The meeting ended.\n'
    assert is_attributed(attributed, attributed.index(quote), attributed.index(quote) + len(quote))
    assert not is_attributed(bare, bare.index(quote), bare.index(quote) + len(quote))
    spans = [(attributed.index(quote), attributed.index(quote) + len(quote), bare.index(quote), bare.index(quote) + len(quote))]
    found = direct_pair(Document("src", attributed), Document("copy", bare), (0.5, 0.5), spans)
    assert found.evidence == ["1 shared quotation attributed in src, not in copy"]
    assert found.source is None  # one quotation alone is not enough to decide


def test_parse_date_forms() -> None:
    assert str(parse_date("2026-01-25T10:00:00Z")) == "2026-01-25"
    assert str(parse_date("01.12.14")) == "2014-12-01"
    assert parse_date("yesterday") is None


def test_composition_roles_and_boilerplate() -> None:
    pairs = [
        PairResult("x", "y", "rewrite", 0.1, 0.2, 0.2, passages=[{"a_start": 0, "a_end": 40, "b_start": 10, "b_end": 50}], source="y", derived="x"),
        PairResult("x", "z", "exact_duplicate", 1.0, 1.0, 1.0),
    ]
    spans = shared_spans(pairs)
    x = composition(100, spans["x"], [(90, 100)])
    assert x["shared_as_copy"] == 0.4 and x["shared_undetermined"] == 0.5 and x["boilerplate"] == 0.1
    assert x["original"] == 0.0
    y = composition(60, spans["y"], [])
    assert y["shared_as_source"] == round(40 / 60, 4) and y["original_of_text"] == round(20 / 60, 4)
    assert [item["role"] for item in x["shared_with"]] == ["copy", "undetermined"]
    alone = composition(50, [], [])
    assert alone["original"] == 1.0 and alone["shared_with"] == []
    assert np.isclose(sum(x[k] for k in ("original", "shared_as_source", "shared_undetermined", "shared_as_copy", "boilerplate")), 1.0)


def test_an_unbracketed_chinese_dateline_is_a_wire_credit() -> None:
    story = "国务院总理今天在人民大会堂作政府工作报告，提出今年经济增长目标。代表们认真审议了报告。"
    wire = Document("wire", "新华社北京3月5日电 " + story)
    paper = Document("paper", story)
    assert document_signals(wire.text).wire_credits == {"新华社"}
    # the agency named inside a sentence is no dateline
    assert not document_signals("他说新华社北京3月5日电是一条旧闻。").wire_credits
    found = direct_pair(paper, wire, (0.9, 0.9))
    assert (found.source, found.derived) == ("wire", "paper")


def test_wire_credit_far_from_the_shared_text_does_not_vote() -> None:
    # A wire story into which another text's paragraph was pasted: its
    # dateline heads its own story, not the shared paragraph.
    pasted = "The committee will publish its findings on the river crossing in the spring, after a public hearing."
    own_story = "BERLIN (AP) — " + " ".join([STORY] * 6)
    host = Document("host", own_story + "\n\n" + pasted)
    origin = Document("origin", "Plans for the bridge were announced in March. " + pasted)
    start_host, start_origin = host.text.index(pasted), origin.text.index(pasted)
    spans = [(start_host, start_host + len(pasted), start_origin, start_origin + len(pasted))]
    far = direct_pair(host, origin, (0.1, 0.7), shared=spans)
    assert far.source is None and not any("wire credit" in e for e in far.evidence)
    # The same credit heading the shared text still marks the wire's copy.
    wire = Document("wire", "BERLIN (AP) — " + pasted)
    heads = [(wire.text.index(pasted), len(wire.text), start_origin, start_origin + len(pasted))]
    assert direct_pair(wire, origin, (0.9, 0.7), shared=heads).source == "wire"


@pytest.mark.parametrize("coverage", [(0.6, 0.6), (0.9, 0.3), (0.2, 0.8), (0.55, 0.3), (0.0, 0.0)])
def test_a_pair_without_evidence_is_answered_as_decide_answers_it(coverage: tuple[float, float]) -> None:
    signals = document_signals(STORY)
    a, b = PairSide("a", STORY, signals, coverage[0]), PairSide("b", STORY, signals, coverage[1])
    assert not weighs(signals, signals)
    assert undirected(a, b) == decide(a, b) and undirected(b, a) == decide(b, a)


def test_signals_weigh_when_both_are_dated_or_either_credits_or_cites() -> None:
    plain, dated = document_signals(STORY), document_signals(STORY, "2026-01-02")
    assert not weighs(plain, dated) and weighs(dated, dated)
    assert weighs(document_signals("LAHORE (AP) — " + STORY), plain)
    assert weighs(plain, document_signals(STORY + " The mayor told Axios it was fair."))
