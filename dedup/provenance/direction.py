"""Which document of a related pair is the source, how sure, and why.

Each kind of evidence adds a weight for one side (log-odds, positive for
``a`` as the source); the confidence is the logistic of the total, and
below ``min_confidence`` the answer is ``undetermined``:

* **dates** (weight 3): the earlier document is the source; other evidence
  that contradicts the dates strongly enough can outweigh them, and the
  evidence then says so;
* **wire credit** (1.5): a text carrying a news agency's credit ("(AP)",
  "(اے پی پی)") that the other does not is the wire's own copy;
* **cited outlet** (2.5 when the other document's ``source`` is the outlet
  cited, 0.5 otherwise): a text citing another outlet's reporting ("told
  Axios") took it from there;
* a credit or a citation speaks for the shared text only where it stands in
  it or heads it (at most :data:`NEAR_SHARED` characters before a shared
  passage): a dateline at the top of a long document into which someone
  else's paragraph was pasted is that document's own story, not the
  paragraph's origin (on PAN's pairs, such datelines and parenthesised
  initials far from the shared passages named the copy as the source);
* **attributed quotations** (0.5 each, at most 1.5): a quotation both hold,
  attributed to its speaker in one and bare in the other: original
  reporting attributes;
* **containment asymmetry** (no weight, said in the evidence): a side
  mostly covered by the other where the other is not. It points both ways
  (a copy that trims its source is the more covered side, one that adds its
  own material the less covered); on the Urdu news-reuse pairs the more
  covered side was the copy about as often as the source, so it does not
  vote.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

from dedup.io.wording import count_of
from dedup.provenance.signals import DocumentSignals, is_attributed

DATE_WEIGHT = 3.0
WIRE_WEIGHT = 1.5
CITED_SOURCE_WEIGHT = 2.5
CITED_WEIGHT = 0.5
QUOTE_WEIGHT = 0.5
QUOTE_CAP = 1.5
COVERAGE_WEIGHT = 0.0
# A side this much more covered than the other (and at least half covered) is worth a mention.
COVERAGE_GAP = 0.25
# Below this confidence the direction is undetermined.
MIN_CONFIDENCE = 0.65
# A credit or citation this many characters before a shared passage heads it (a dateline, a lead).
NEAR_SHARED = 400


@dataclass
class Direction:
    """The direction of a pair.

    Attributes:
        source: Id of the likely source, ``None`` when undetermined.
        derived: Id of the likely copy, ``None`` when undetermined.
        confidence: Logistic of the weighed evidence, 0.5 (none) to 1.
        evidence: Each piece of evidence, in words, strongest first.
    """

    source: str | None
    derived: str | None
    confidence: float
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "derived": self.derived, "direction_confidence": round(self.confidence, 3),
                "direction_evidence": list(self.evidence)}


class PairSide(NamedTuple):
    """One side of a pair as direction reads it (a named tuple: two are made
    per pair, millions on a high-reuse corpus).

    Attributes:
        id: Document id.
        text: Original text.
        signals: :func:`dedup.provenance.signals.document_signals` of it.
        coverage: Share of it inside passages shared with the other side.
        source_name: Its ``source`` field (the outlet), if any.
        shared: ``(start, end)`` of its passages shared with the other
            side; ``None`` when the whole document is shared (a pair found
            on whole documents) or the passages are unknown.
    """

    id: str
    text: str
    signals: DocumentSignals
    coverage: float
    source_name: str | None = None
    shared: tuple[tuple[int, int], ...] | None = None

    def near_shared(self, offset: int) -> bool:
        """Does a credit or citation at ``offset`` stand in or head a shared passage?"""
        if self.shared is None:
            return True
        return any(start - NEAR_SHARED <= offset < end for start, end in self.shared)

    def wire_credits(self) -> set[str]:
        """Its wire credits that speak for the shared text."""
        return {name for name, at in self.signals.wire_at if self.near_shared(at)}

    def cited(self) -> set[str]:
        """Outlets it cites where it shares text."""
        return {name for name, at in self.signals.cited_at if self.near_shared(at)}


Weighed = list[tuple[float, str]]  # (weight for a as the source, the evidence in words)


def _dates(a: PairSide, b: PairSide) -> Weighed:
    da, db = a.signals.date, b.signals.date
    if da is None or db is None:
        return []
    if da == db:
        return [(0.0, f"both dated {da.isoformat()}")]
    first, second = (a, b) if da < db else (b, a)
    sign = 1.0 if first is a else -1.0
    return [(sign * DATE_WEIGHT, f"{first.id} is dated {first.signals.date.isoformat()}, before {second.id} ({second.signals.date.isoformat()})")]


def _wire(a: PairSide, b: PairSide) -> Weighed:
    if not a.signals.wire_at and not b.signals.wire_at:  # most texts carry no credit
        return []
    only_a = a.wire_credits() - b.signals.wire_credits
    only_b = b.wire_credits() - a.signals.wire_credits
    if only_a and not only_b:
        return [(WIRE_WEIGHT, f"{a.id} carries the wire credit ({', '.join(sorted(only_a))}) that {b.id} lacks")]
    if only_b and not only_a:
        return [(-WIRE_WEIGHT, f"{b.id} carries the wire credit ({', '.join(sorted(only_b))}) that {a.id} lacks")]
    return []


def _cited(a: PairSide, b: PairSide) -> Weighed:
    if not a.signals.cited_at and not b.signals.cited_at:  # most texts cite no outlet
        return []
    out: Weighed = []
    for this, other, sign in ((a, b, -1.0), (b, a, 1.0)):
        cited = this.cited()
        extra = sorted(cited - other.signals.cited)
        named = sorted(c for c in cited if other.source_name and c.casefold() == other.source_name.casefold())
        if named:
            out.append((sign * CITED_SOURCE_WEIGHT, f"{this.id} cites {named[0]}, the outlet of {other.id}"))
        elif extra:
            out.append((sign * CITED_WEIGHT, f"{this.id} cites reporting by {', '.join(extra[:3])}, which {other.id} does not"))
    return out


def _quotes(a: PairSide, b: PairSide, quoted: Sequence[tuple[int, int, int, int]]) -> Weighed:
    if not quoted:
        return []
    only_a = only_b = 0
    for a0, a1, b0, b1 in quoted:
        in_a, in_b = is_attributed(a.text, a0, a1), is_attributed(b.text, b0, b1)
        only_a += in_a and not in_b
        only_b += in_b and not in_a
    net = only_a - only_b
    if net == 0:
        return []
    this, other = (a, b) if net > 0 else (b, a)
    weight = math.copysign(min(QUOTE_CAP, QUOTE_WEIGHT * abs(net)), net)
    count = abs(net)
    return [(weight, f"{count_of(count, 'shared quotation')} attributed in {this.id}, not in {other.id}")]


def _coverage(a: PairSide, b: PairSide) -> Weighed:
    for this, other, sign in ((a, b, -1.0), (b, a, 1.0)):
        if this.coverage >= 0.5 and this.coverage - other.coverage >= COVERAGE_GAP:
            return [(sign * COVERAGE_WEIGHT, f"{this.coverage:.0%} of {this.id} lies in shared passages against {other.coverage:.0%} of {other.id} (no vote: it points both ways)")]
    return []


def weighs(a: DocumentSignals, b: DocumentSignals) -> bool:
    """Whether two documents' signals hold evidence of direction: both
    dated, or a wire credit or a cited outlet on either side (shared
    quotations aside). Most pairs of a corpus without dates hold none."""
    return bool((a.date is not None and b.date is not None) or a.wire_at or b.wire_at or a.cited_at or b.cited_at)


def undirected(a: PairSide, b: PairSide) -> Direction:
    """:func:`decide` for two sides for which :func:`weighs` is false and
    that share no quotation: the coverage, which does not vote, is the only
    evidence, and the direction is undetermined (without the sorting and
    summing of evidence that is not there)."""
    if COVERAGE_WEIGHT:
        return decide(a, b)
    evidence = [text for _, text in _coverage(a, b)]
    return Direction(None, None, 0.5, evidence or ["no evidence of direction"])


def decide(a: PairSide, b: PairSide, quoted: Sequence[tuple[int, int, int, int]] = (), min_confidence: float = MIN_CONFIDENCE) -> Direction:
    """Weigh the evidence for the direction of a related pair.

    Symmetric: swapping ``a`` and ``b`` negates every weight, so the answer
    (source, derived, confidence) is the same.

    Args:
        a: One side.
        b: The other side.
        quoted: Shared quotations as ``(a_start, a_end, b_start, b_end)``.
        min_confidence: Below this, the direction is undetermined.

    Returns:
        A :class:`Direction`.
    """
    dated = _dates(a, b)
    others = _wire(a, b) + _cited(a, b) + _quotes(a, b, quoted) + _coverage(a, b)
    total = sum(w for w, _ in dated + others)
    confidence = 1.0 / (1.0 + math.exp(-abs(total)))
    evidence = [text for w, text in sorted(dated + others, key=lambda item: (-abs(item[0]), item[1]))]
    date_weight = sum(w for w, _ in dated)
    if date_weight and total * date_weight < 0:
        evidence.insert(0, "the other evidence outweighs the dates")
    if confidence < min_confidence or total == 0:
        return Direction(None, None, round(confidence, 3), evidence or ["no evidence of direction"])
    source, derived = (a, b) if total > 0 else (b, a)
    return Direction(source.id, derived.id, round(confidence, 3), evidence)
