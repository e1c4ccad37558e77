"""Results of a scan, as plain dataclasses that serialise to JSON.

Field names are a public contract (see README, "JSON output"): later
versions add fields, never rename or remove them.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Callable, Iterable, Iterator

EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"
PARTIAL_COPY = "partial_copy"
REWRITE = "rewrite"
RELATIONS = (EXACT_DUPLICATE, NEAR_DUPLICATE, PARTIAL_COPY, REWRITE)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Garbage collection off while many result objects are built or
    serialised: a million of them would otherwise set off full collections
    that walk all of them again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in ("extra", "metadata"))


@cache
def _plain_dict(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function that makes the dict of a result's plain fields, in order:
    one dict display of attribute reads, made once per class (no Python
    step per field, nor a tuple and a zip a row: a row's dict is built a
    million times over, and this is twice as fast as ``dict(zip(...))``).
    The names are a dataclass's fields, so identifiers."""
    names = _field_names(cls)
    body = ", ".join(f"{name!r}: row.{name}" for name in names)
    namespace: dict[str, Any] = {}
    exec(f"def plain(row):\n    return {{{body}}}\n", namespace)  # noqa: S102 - field names only
    return namespace["plain"]


def _flat(result) -> dict[str, Any]:
    """The plain fields of a result, then its metadata and extra fields.

    Shallow: ``dataclasses.asdict`` deep-copies every value, which costs
    seconds per million documents for nothing (the dict is serialised at once).
    """
    out = _plain_dict(type(result))(result)
    metadata, extra = getattr(result, "metadata", None), getattr(result, "extra", None)
    if metadata:
        out.update(metadata)
    if extra:
        out.update(extra)
    return out


@dataclass(slots=True)
class PairResult:
    """Two documents found to share text.

    Attributes:
        a: Id of the first document (the earlier one in input order).
        b: Id of the second document.
        relation: One of :data:`RELATIONS`.
        jaccard: Exact Jaccard similarity of the two shingle sets.
        containment_a: Share of ``a``'s shingles found in ``b``.
        containment_b: Share of ``b``'s shingles found in ``a``.
        shared_chars_a: Characters of ``a`` inside a shared passage
            (boilerplate excluded); 0 when passages were not aligned.
        shared_chars_b: The same for ``b``.
        shared_share_a: ``shared_chars_a`` over ``a``'s non-boilerplate characters.
        shared_share_b: The same for ``b``.
        passages: Shared passages: ``a_start``, ``a_end``, ``b_start``,
            ``b_end`` (original character offsets), ``kind`` (``verbatim`` or
            ``reworded``), ``score`` and ``quoted``.
        found_by: The stage that found the pair: ``exact`` (same normalised
            text), ``minhash`` (document-level Jaccard at or above
            ``--threshold``) or ``passages`` (aligned shared passages).
        verbatim_share_a: Share of ``a`` in unquoted verbatim passages.
        verbatim_share_b: The same for ``b``.
        reworded_share_a: Share of ``a`` in reworded passages only.
        reworded_share_b: The same for ``b``.
        quoted_share_a: Share of ``a`` in quotations both documents hold.
        quoted_share_b: The same for ``b``.
        extent_a: ``wholly``, ``partially`` or ``none``: how much of ``a``
            would be derived if ``a`` were the copy (COUNTER/METER scheme).
        extent_b: The same for ``b``.
        source: The likely source document (``None``: undetermined).
        derived: The likely copy (``None``: undetermined).
        extent: ``extent_a`` or ``extent_b`` of the derived side; with the
            direction undetermined, the extent both sides share (an exact
            duplicate is ``wholly`` derived), else ``None``.
        direction_confidence: How sure the direction is, 0.5 to 1.
        direction_evidence: The evidence for the direction, in words.
        relation_probability: The shipped pair classifier's probability of
            ``relation`` (``None`` without a model, or for document-level pairs).
    """

    a: str
    b: str
    relation: str
    jaccard: float
    containment_a: float
    containment_b: float
    extra: dict[str, Any] = field(default_factory=dict)
    shared_chars_a: int = 0
    shared_chars_b: int = 0
    shared_share_a: float = 0.0
    shared_share_b: float = 0.0
    passages: list[dict[str, Any]] = field(default_factory=list)
    found_by: str = ""
    verbatim_share_a: float = 0.0
    verbatim_share_b: float = 0.0
    reworded_share_a: float = 0.0
    reworded_share_b: float = 0.0
    quoted_share_a: float = 0.0
    quoted_share_b: float = 0.0
    extent_a: str = ""
    extent_b: str = ""
    source: str | None = None
    derived: str | None = None
    extent: str | None = None
    direction_confidence: float = 0.5
    direction_evidence: list[str] = field(default_factory=list)
    relation_probability: float | None = None

    @property
    def aligned(self) -> bool:
        """False for a pair the passage stage reported from its index without
        an alignment (``aligned: false``: estimated shares, no passages)."""
        return self.extra.get("aligned", True) is not False

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)


@dataclass(slots=True)
class ClusterResult:
    """Documents connected by duplicate pairs, and the one to keep."""

    members: list[str]
    representative: str

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)


SHARED_PASSAGE = "shared_passage"  # the relation of a shared-passage group's rows (JSONL, CSV)


@dataclass(slots=True)
class GroupResult:
    """Text shared verbatim by several documents, reported once for all of them.

    Attributes:
        id: ``g1``, ``g2``, ... in order of the group's first document.
        documents: Per document, in corpus order: ``id``, ``spans``
            (``[start, end]`` character offsets where the index finds the
            text, see docs/passages.md) and ``chars`` (covered by them).
        chars: The shared text's characters (the median over its documents).
        fingerprints: Sampled word n-grams the documents all hold.
        source: The document dated before every other one; ``None`` when
            dates are missing or the earliest is shared (undetermined).
        direction_evidence: ``earliest date``, or ``undetermined``.
        text: The shared text as the first document holds it (up to 300 characters).
    """

    id: str
    documents: list[dict[str, Any]]
    chars: int
    fingerprints: int
    source: str | None = None
    direction_evidence: str = "undetermined"
    text: str = ""

    def member_ids(self) -> list[str]:
        """The ids of the group's documents."""
        return [d["id"] for d in self.documents]

    @staticmethod
    def widest_first(groups: Iterable["GroupResult"]) -> list["GroupResult"]:
        """``groups`` in the order reports show them: most documents first, then most characters."""
        return sorted(groups, key=lambda g: (-len(g.documents), -g.chars))

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)


@dataclass(slots=True)
class DocumentResult:
    """One document's place in the results.

    Attributes:
        id: Document id.
        chars: Length of the original text in characters.
        shingles: Number of distinct shingles.
        cluster: Index into ``clusters`` of the document's cluster, if any.
        duplicate_of: The cluster representative, for any other member.
        metadata: date, source, url and title where known.
        extra: Further fields; with passages, the composition (see
            :attr:`composition`) as flat fields ``composition_*`` and
            ``shared_with``, so that a document row stays one flat record.
    """

    id: str
    chars: int
    shingles: int
    cluster: int | None = None
    duplicate_of: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def composition(self) -> dict[str, Any] | None:
        """Shares of the document's characters (``original``,
        ``shared_as_source``, ``shared_as_copy``, ``shared_undetermined``,
        ``boilerplate``, ``original_of_text``) and ``shared_with`` (the other
        document, this one's role, the relation, the characters covered);
        ``None`` when passages were not looked for."""
        if "shared_with" not in self.extra:
            return None
        out = {key[len(COMPOSITION_PREFIX):]: value for key, value in self.extra.items() if key.startswith(COMPOSITION_PREFIX)}
        out["shared_with"] = self.extra["shared_with"]
        return out

    def set_composition(self, composition: dict[str, Any]) -> None:
        """Store a composition as flat fields (see :attr:`composition`)."""
        self.extra.update(zip(map(_flat_key, composition), composition.values()))

    def to_dict(self) -> dict[str, Any]:
        return _flat(self)


COMPOSITION_PREFIX = "composition_"


def composition_keys(names: Iterable[str]) -> tuple[str, ...]:
    """The row fields that a composition's ``names`` are stored under (see
    :meth:`DocumentResult.set_composition`), in order."""
    return tuple(map(_flat_key, names))


@cache
def _flat_key(key: str) -> str:
    """The field of a composition part in a document row: one string for
    every row (a key built per row would be six new strings a document,
    about 400 bytes, and a million documents hold their rows at once)."""
    return key if key == "shared_with" else COMPOSITION_PREFIX + key


@dataclass
class ScanResult:
    """Everything a scan found.

    ``faults`` holds the documents and pairs a stage failed on (each also a
    problem), with their tracebacks; it is not part of the JSON output.
    """

    documents: list[DocumentResult]
    pairs: list[PairResult]
    clusters: list[ClusterResult]
    problems: list[dict[str, Any]]
    settings: dict[str, Any]
    stats: dict[str, Any]
    timing: dict[str, Any] = field(default_factory=dict)
    faults: list[Any] = field(default_factory=list, repr=False)
    shared_passages: list[GroupResult] = field(default_factory=list)

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        """The JSON object of the result.

        Args:
            rows: Include the documents, pairs and clusters as dicts; when
                false, their keys hold ``None`` (in their places, for a
                writer that encodes the rows a chunk at a time).
        """
        from dedup.version import __version__

        return {
            "version": __version__,
            "settings": self.settings,
            "summary": self.stats,
            "documents": [d.to_dict() for d in self.documents] if rows else None,
            "pairs": [p.to_dict() for p in self.pairs] if rows else None,
            "clusters": [c.to_dict() for c in self.clusters] if rows else None,
            "shared_passages": [g.to_dict() for g in self.shared_passages] if rows else None,
            "problems": self.problems,
            "timing": self.timing,
        }
