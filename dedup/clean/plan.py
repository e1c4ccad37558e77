"""What to do with each document: keep it (perhaps edited) or remove it, and why.

The plan is made from a finished scan, in four steps, each of which only
looks at documents still kept:

1. one document per duplicate cluster is kept (the keep rule picks it);
2. a near-duplicate pair the passage stage found outside the clusters
   loses its lower-ranked side;
3. with ``drop_derived``, a document whose text lies in passages shared
   with a higher-ranked kept document for at least that share is removed;
4. with ``drop_shared_passages``, each kept document loses the passages it
   shares with a higher-ranked kept document (the source keeps them); one
   left with fewer than ``min_chars`` characters is removed.

Boilerplate spans are then cut from what is kept (unless kept on purpose).
Every decision names its reason, the ids it relates to and its figures, as
datatrove's filters record why each document was dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from dedup.document import Document, parse_date
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, GroupResult, PairResult, ScanResult

KEEP_RULES = ("source", "earliest", "longest")
KEPT, REMOVED, REFUSED, SKIPPED = "kept", "removed", "refused", "skipped"


@dataclass(frozen=True)
class CleanSettings:
    """How ``dedup clean`` chooses and edits what it keeps.

    Attributes:
        keep: Which member of a cluster is kept: ``source`` (the pair's
            source where the scan determined one, else as ``earliest``),
            ``earliest`` (earliest ``date``, then first read) or ``longest``.
        keep_boilerplate: Leave boilerplate in the kept text.
        drop_derived: Remove a document when at least this share of it lies
            in passages shared with a kept document; ``None`` keeps them.
        drop_shared_passages: Cut from each kept document the passages it
            shares with a document kept before it.
        min_chars: A document edited down to fewer non-space characters than
            this is removed.

    Raises:
        ValueError: For an unknown keep rule or a share outside (0, 1].
    """

    keep: str = "source"
    keep_boilerplate: bool = False
    drop_derived: float | None = None
    drop_shared_passages: bool = False
    min_chars: int = 200

    def __post_init__(self) -> None:
        if self.keep not in KEEP_RULES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_RULES)}, got {self.keep!r}")
        if self.drop_derived is not None and not 0.0 < self.drop_derived <= 1.0:
            raise ValueError(f"drop_derived must be in (0, 1], got {self.drop_derived}")
        if self.min_chars < 0:
            raise ValueError(f"min_chars must be at least 0, got {self.min_chars}")

    @property
    def needs_passages(self) -> bool:
        """Whether the plan reads shared passages (the scan's costliest stage)."""
        return self.drop_derived is not None or self.drop_shared_passages


@dataclass
class Decision:
    """What happens to one input document, and why.

    Attributes:
        id: The document id.
        origin: Where it was read (``file`` or ``file:line``).
        action: ``kept``, ``removed`` or ``refused``.
        reason: Why it was removed or refused (``exact_duplicate``,
            ``near_duplicate``, ``derived``, ``too_little_text``,
            ``unsafe_id``); ``None`` for a document kept as it was.
        kept_id: For a removal caused by another document: the id of the
            kept document it duplicates or derives from.
        related: Other ids the decision depends on.
        figures: The numbers behind it (similarity, shares, characters).
        cuts: ``(start, end)`` spans removed from a kept document's text.
        text: The kept document's new text, when edited.
    """

    id: str
    origin: str
    action: str = KEPT
    reason: str | None = None
    kept_id: str | None = None
    related: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    cuts: list[tuple[int, int]] = field(default_factory=list, repr=False)
    text: str | None = field(default=None, repr=False)

    def remove(self, reason: str, kept_id: str | None, **figures: Any) -> None:
        self.action, self.reason, self.kept_id = REMOVED, reason, kept_id
        if kept_id is not None and kept_id not in self.related:
            self.related.insert(0, kept_id)
        self.figures.update(figures)
        self.cuts, self.text = [], None

    def to_dict(self) -> dict[str, Any]:
        """The decision as a log line."""
        out: dict[str, Any] = {"id": self.id, "action": self.action, "reason": self.reason}
        if self.kept_id is not None:
            out["kept_id"] = self.kept_id
        out["related"] = self.related
        out.update(self.figures)
        out["origin"] = self.origin
        return out


def rank_documents(docs: Sequence[Document], rule: str) -> dict[str, int]:
    """Each id's rank under the keep rule: 0 is kept first.

    ``earliest`` (and ``source``, for documents no pair orders): dated
    documents by date (read as the scan's direction reads them,
    :func:`dedup.document.parse_date`; a date that does not parse counts as
    none), then undated ones, each in input order. ``longest``: most
    characters first, then input order.
    """
    if rule == "longest":
        order = sorted(range(len(docs)), key=lambda k: (-len(docs[k].text), k))
    else:
        days = [parse_date(doc.date) for doc in docs]
        order = sorted(range(len(docs)), key=lambda k: (days[k] is None, days[k] or date.min, k))
    return {docs[k].id: rank for rank, k in enumerate(order)}


def pair_source(pair: PairResult) -> str | None:
    """The pair's source, when the scan's provenance stage named one."""
    return pair.source if pair.source in (pair.a, pair.b) else None


class _Planner:
    """The four steps over one scan result (see the module docstring)."""

    def __init__(self, docs: Sequence[Document], result: ScanResult, settings: CleanSettings, unwritable: dict[str, str]) -> None:
        self.docs = {doc.id: doc for doc in docs}
        self.result = result
        self.settings = settings
        self.rank = rank_documents(docs, settings.keep)
        self.decisions = {doc.id: Decision(doc.id, doc.origin) for doc in docs}
        # Refused before anything is chosen, so a document that cannot be
        # written is never the one its duplicates are removed in favour of.
        for doc_id, message in unwritable.items():
            decision = self.decisions[doc_id]
            decision.action, decision.reason = REFUSED, "unsafe_id"
            decision.figures["message"] = message
        self.pairs_of: dict[str, list[PairResult]] = {}
        for pair in result.pairs:
            self.pairs_of.setdefault(pair.a, []).append(pair)
            self.pairs_of.setdefault(pair.b, []).append(pair)
        # each document's groups, with its own entry in each (its spans there)
        self.groups_of: dict[str, list[tuple[GroupResult, dict]]] = {}
        for group in result.shared_passages:
            for member in group.documents:
                self.groups_of.setdefault(member["id"], []).append((group, member))

    def kept(self, doc_id: str) -> bool:
        return self.decisions[doc_id].action == KEPT

    def first(self, pair: PairResult) -> tuple[str, str]:
        """``(source, copy)`` of a pair: the provenance stage's answer for
        ``keep=source`` when it has one, else by rank."""
        source = pair_source(pair) if self.settings.keep == "source" else None
        if source is None:
            source = pair.a if self.rank[pair.a] <= self.rank[pair.b] else pair.b
        return source, pair.b if source == pair.a else pair.a

    def clusters(self) -> None:
        by_pair = {(p.a, p.b): p for p in self.result.pairs if p.relation in (EXACT_DUPLICATE, NEAR_DUPLICATE)}
        for index, cluster in enumerate(self.result.clusters):
            keeper = self._keeper([m for m in cluster.members if self.decisions[m].action != REFUSED])
            if keeper is None:
                continue
            for member in cluster.members:
                if member == keeper or not self.kept(member):
                    continue
                pair = by_pair.get((member, keeper)) or by_pair.get((keeper, member))
                relation = pair.relation if pair else NEAR_DUPLICATE
                figures = {"cluster": index, "cluster_size": len(cluster.members)}
                if pair:
                    figures["jaccard"] = pair.jaccard
                else:  # joined to the keeper through other members
                    self.decisions[member].related.extend(m for m in cluster.members if m not in (member, keeper))
                self.decisions[member].remove(relation, keeper, **figures)

    def _keeper(self, members: Sequence[str]) -> str | None:
        if not members:
            return None
        if self.settings.keep == "source":
            wins = {m: 0 for m in members}
            for m in members:
                for pair in self.pairs_of.get(m, ()):
                    if pair.a == m and pair_source(pair) in wins:
                        wins[pair_source(pair)] += 1  # type: ignore[index]
            return min(members, key=lambda m: (-wins[m], self.rank[m]))
        return min(members, key=self.rank.__getitem__)

    def passage_duplicates(self) -> None:
        for pair in self.result.pairs:
            if pair.relation == NEAR_DUPLICATE and self.kept(pair.a) and self.kept(pair.b):
                source, copy = self.first(pair)
                self.decisions[copy].remove(NEAR_DUPLICATE, source, jaccard=pair.jaccard, found_by="passages")

    def ordered(self) -> list[str]:
        return sorted(self.decisions, key=self.rank.__getitem__)

    def derived(self, share: float) -> None:
        for doc_id in self.ordered():
            if not self.kept(doc_id):
                continue
            best = None
            for pair in self.pairs_of.get(doc_id, ()):
                if not pair.aligned:  # an estimate from the index removes no document
                    continue
                source, copy = self.first(pair)
                mine = pair.shared_share_a if pair.a == doc_id else pair.shared_share_b
                if copy == doc_id and self.kept(source) and mine >= share and (best is None or mine > best[1]):
                    best = (pair, mine, source)
            if best:
                pair, mine, source = best
                self.decisions[doc_id].remove("derived", source, shared_share=round(mine, 4), relation=pair.relation)

    def shared_passages(self) -> None:
        for doc_id in self.ordered():
            if not self.kept(doc_id):
                continue
            decision = self.decisions[doc_id]
            for pair in self.pairs_of.get(doc_id, ()):
                source, copy = self.first(pair)
                if copy != doc_id or not self.kept(source) or not pair.passages:
                    continue
                side = "a" if pair.a == doc_id else "b"
                decision.cuts.extend((p[f"{side}_start"], p[f"{side}_end"]) for p in pair.passages)
                decision.related.append(source)
            self._group_cuts(decision)
            decision.related = list(dict.fromkeys(decision.related))
            if decision.cuts:
                decision.figures["shared_passage_chars"] = _covered(decision.cuts)
                self._check_length(decision, self._cut_text(decision))

    def _group_cuts(self, decision: Decision) -> None:
        """Cut from a kept document the shared-passage groups it holds, unless
        it is the group's keeper: its source when ``keep=source`` and the
        source is kept, else the kept member first by rank."""
        for group, member in self.groups_of.get(decision.id, ()):
            kept = [m for m in group.member_ids() if self.kept(m)]
            keeper = group.source if self.settings.keep == "source" and group.source in kept else min(kept, key=self.rank.__getitem__)
            if keeper != decision.id:
                decision.cuts.extend((start, end) for start, end in member["spans"])
                decision.related.append(keeper)

    def boilerplate(self) -> None:
        rows = {row.id: row for row in self.result.documents}
        for doc_id, decision in self.decisions.items():
            if not self.kept(doc_id):
                continue
            spans = [(s["start"], s["end"]) for s in rows[doc_id].extra.get("boilerplate", ())] if not self.settings.keep_boilerplate else []
            if spans:
                decision.figures["boilerplate_chars"] = _covered(spans)
                decision.cuts.extend(spans)
            if decision.cuts:
                text = self._cut_text(decision)
                decision.text = text
                decision.figures.update(chars_before=len(self.docs[doc_id].text), chars_after=len(text))
                self._check_length(decision, text)

    def _cut_text(self, decision: Decision) -> str:
        return cut_spans(self.docs[decision.id].text, decision.cuts)

    def _check_length(self, decision: Decision, text: str) -> None:
        left = sum(not ch.isspace() for ch in text)
        if left < self.settings.min_chars:
            kept_id = decision.related[0] if decision.related else None
            decision.remove("too_little_text", kept_id, chars_left=left, min_chars=self.settings.min_chars)


def _covered(spans: Iterable[tuple[int, int]]) -> int:
    """Characters inside at least one of ``spans``."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def cut_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` without ``spans``: the pieces left, one line break between
    two of them, so the words on either side of a cut never run together."""
    pieces, pos = [], 0
    for start, end in sorted(spans):
        if start > pos:
            pieces.append(text[pos:start])
        pos = max(pos, end)
    if pos == 0:
        return text
    pieces.append(text[pos:])
    return "\n".join(piece.strip("\n") for piece in pieces if piece.strip())


def plan_clean(
    docs: Sequence[Document], result: ScanResult, settings: CleanSettings, unwritable: dict[str, str] | None = None
) -> dict[str, Decision]:
    """Decide, for every document of a scan, what ``dedup clean`` does with it.

    Args:
        docs: The documents scanned, in input order.
        result: Their scan (with passages when ``settings.needs_passages``,
            with boilerplate unless ``settings.keep_boilerplate``).
        settings: The keep rule and what else to drop.
        unwritable: Documents that cannot be written (id → why), refused
            first and never kept in place of their duplicates.

    Returns:
        A decision per document id, in input order.
    """
    planner = _Planner(docs, result, settings, unwritable or {})
    planner.clusters()
    planner.passage_duplicates()
    if settings.drop_derived is not None:
        planner.derived(settings.drop_derived)
    if settings.drop_shared_passages:
        planner.shared_passages()
    planner.boilerplate()
    return planner.decisions
