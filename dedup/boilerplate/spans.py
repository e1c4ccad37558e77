"""Boilerplate spans: what the stage reports per document, and the text
left when they are removed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dedup.document import covered_chars, span_mask

REPEAT_IN_DOCUMENT = "repeat_in_document"
REPEAT_IN_CORPUS = "repeat_in_corpus"
OTHER = "other"
# The reason of a block marked on the classifier's score alone.
CLASSIFIER_REASON = "the block classifier rates it"


@dataclass(frozen=True, order=True)
class BoilerplateSpan:
    """A stretch of boilerplate in a document's original text.

    Attributes:
        start: Offset of its first character.
        end: Offset just past its last character.
        kind: ``repeat_in_document``, ``repeat_in_corpus``, ``sharing``,
            ``recirculation``, ``comments``, ``navigation``, ``legal``,
            ``caption``, ``metadata`` or ``other``.
        reason: Why, in a short sentence.
    """

    start: int
    end: int
    kind: str
    reason: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "kind": self.kind, "reason": self.reason}  # asdict without its deep copy

    @property
    def soft(self) -> bool:
        """Boilerplate on the block classifier's score alone: in a pair,
        text the other document shares here is reuse (see :func:`classifier_verdict`)."""
        return classifier_verdict(self)


Mark = tuple[str, str]  # (kind, reason)


def reuse_masks(found: dict[str, list[BoilerplateSpan]], settings) -> dict[str, list[BoilerplateSpan]]:
    """The spans to leave out of reuse figures per document id: the
    boilerplate found, or none when ``boilerplate.keep`` is set."""
    bp: BoilerplateSettings = getattr(settings, "boilerplate", settings)
    return {} if bp.keep else {doc_id: spans for doc_id, spans in found.items() if spans}


def classifier_verdict(span: BoilerplateSpan) -> bool:
    """Whether ``span`` is boilerplate on the block classifier's score alone
    (no rule, section, repeat or date line says so): a guess that text
    another document shares should not override."""
    return span.reason.startswith(CLASSIFIER_REASON)


# The mask of boilerplate spans is the general span mask.
boilerplate_mask = span_mask


def kept_text(text: str, spans: Sequence[BoilerplateSpan]) -> str:
    """``text`` with its boilerplate spans removed (each replaced by a line break)."""
    parts, pos = [], 0
    for span in sorted(spans):
        if span.start > pos:
            parts.append(text[pos : span.start])
        parts.append("\n")
        pos = max(pos, span.end)
    parts.append(text[pos:])
    return "".join(parts)


def summarize(text: str | int, spans: Sequence[BoilerplateSpan]) -> dict:
    """Per-document JSON fields: the spans, boilerplate characters and share.

    Args:
        text: The document's text, or its length in characters.
        spans: Its boilerplate spans.
    """
    if not spans:  # most documents: nothing to sum
        return {"boilerplate": [], "boilerplate_chars": 0, "boilerplate_share": 0.0}
    length = text if isinstance(text, int) else len(text)
    chars = covered_chars(length, spans)
    return {
        "boilerplate": [s.to_dict() for s in spans],
        "boilerplate_chars": chars,
        "boilerplate_share": round(chars / length, 4) if length else 0.0,
    }