"""Comparing two documents: what ``dedup diff`` shows, as data.

:func:`diff_documents` resolves the two documents (two files, or two ids of
a corpus), aligns them and returns a :class:`Diff`: the documents, the
alignment, the relation, and per character of each side whether it is
verbatim shared text, reworded shared text or the side's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span, span_mask
from dedup.io.corpus import read_corpus
from dedup.io.problems import ProblemLog
from dedup.passages.align import REWORDED, VERBATIM, Alignment
from dedup.passages.pair_model import label_pair
from dedup.passages.relations import align_documents_symmetric, pair_fields
from dedup.provenance.direction import Direction
from dedup.provenance.pairs import direct_pair

UNIQUE, REWORDED_LABEL, VERBATIM_LABEL, QUOTED_LABEL, BOILERPLATE_LABEL = 0, 1, 2, 3, 4


class DiffInputError(ValueError):
    """A document to compare cannot be found or read."""


@dataclass
class Diff:
    """Two documents and what they share.

    Attributes:
        a: First document.
        b: Second document.
        alignment: Their alignment (``stats`` holds the exact Jaccard and containments).
        relation: ``near_duplicate``, ``partial_copy``, ``rewrite`` or ``None``.
        boilerplate: Boilerplate spans per document id (shown dimmed).
        measured_chars: Characters of each side that the shares are taken
            of: all of them, less the boilerplate left out of the alignment.
        sides: Per-side figures: verbatim, reworded and quoted shares and
            ``extent`` of each side (:func:`dedup.passages.relations.pair_fields`).
        direction: Source, copy, confidence and evidence, for a related pair.
    """

    a: Document
    b: Document
    alignment: Alignment
    relation: str | None
    boilerplate: dict[str, list] = field(default_factory=dict)
    measured_chars: tuple[int, int] | None = None
    sides: dict[str, Any] = field(default_factory=dict)
    direction: Direction | None = None

    def labels(self, side: str) -> np.ndarray:
        """Per character of side ``"a"`` or ``"b"``: 0 own, 1 reworded,
        2 verbatim, 3 a quotation both documents hold (verbatim), 4 boilerplate."""
        doc = self.a if side == "a" else self.b
        text = doc.text
        out = np.zeros(len(text), dtype=np.int8)
        for span in self.boilerplate.get(doc.id, []):
            out[span.start : span.end] = BOILERPLATE_LABEL
        for p in sorted(self.alignment.passages, key=lambda p: (p.kind == VERBATIM, p.quoted)):
            span = p.a if side == "a" else p.b
            label = REWORDED_LABEL if p.kind == REWORDED else QUOTED_LABEL if p.quoted else VERBATIM_LABEL
            out[span.start : span.end] = label
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: both documents' metadata, figures, passages and sentence pairs."""
        al = self.alignment
        return {
            "a": self.a.summary(),
            "b": self.b.summary(),
            "relation": self.relation,
            **al.stats,
            "shared_chars_a": al.shared_chars_a,
            "shared_chars_b": al.shared_chars_b,
            "shared_share_a": round(al.share_a, 4),
            "shared_share_b": round(al.share_b, 4),
            "verbatim_passages": al.count(VERBATIM),
            "reworded_passages": al.count(REWORDED),
            "quoted_passages": sum(p.quoted for p in al.passages),
            **self.sides,
            **(self.direction.to_dict() if self.direction else {"source": None, "derived": None}),
            "aligned_sentences": len(al.sentence_pairs),
            "passages": [p.to_dict() for p in al.passages],
            "sentence_pairs": [s.to_dict() for s in al.sentence_pairs],
            "boilerplate_a": [s.to_dict() for s in self.boilerplate.get(self.a.id, [])],
            "boilerplate_b": [s.to_dict() for s in self.boilerplate.get(self.b.id, [])],
        }


def _read_one(path: str, encoding: str | None, problems: ProblemLog | None) -> Document:
    if not os.path.exists(path):
        raise DiffInputError(f"{path}: no such file; give two files, or two ids with --corpus PATH")
    if not os.path.isfile(path):
        raise DiffInputError(f"{path}: not a regular file; give two files, or two ids with --corpus PATH")
    docs, met = read_corpus([path], encoding=encoding)
    if not docs:
        reason = met[0].message if met else "no text"
        raise DiffInputError(f"{path}: cannot be read: {reason}")
    if problems is not None:
        problems.extend(met)  # warnings about a file that was read (e.g. NUL bytes removed)
    return docs[0]


def load_pair(
    first: str,
    second: str,
    corpus: Sequence[str] | None = None,
    encoding: str | None = None,
    problems: ProblemLog | None = None,
) -> tuple[Document, Document, list[Document]]:
    """The two documents to compare, and the corpus they come from.

    Args:
        first: A file, or a document id when ``corpus`` is given.
        second: The same for the other side.
        corpus: Paths of a corpus (folders, JSONL) holding both ids.
        encoding: Encoding of plain-text files (as for :class:`~dedup.io.corpus.CorpusReader`).
        problems: Where problems met while reading go.

    Returns:
        ``(a, b, corpus documents)``; without a corpus, the corpus is ``[a, b]``.

    Raises:
        DiffInputError: If a file or id is missing or unreadable.
    """
    if not corpus:
        a, b = _read_one(first, encoding, problems), _read_one(second, encoding, problems)
        return a, b, [a, b] if a.id != b.id else [a]
    docs, _ = read_corpus(list(corpus), encoding=encoding, problems=problems)
    by_id = {d.id: d for d in docs}
    missing = [x for x in (first, second) if x not in by_id]
    if missing:
        sample = ", ".join(sorted(by_id)[:5])
        raise DiffInputError(f"no document with id {', '.join(missing)} in the corpus (ids look like: {sample})")
    return by_id[first], by_id[second], docs


def diff_documents(
    first: str,
    second: str,
    settings: Settings,
    corpus: Sequence[str] | None = None,
    masks: Mapping[str, Sequence[Span]] | None = None,
    encoding: str | None = None,
    problems: ProblemLog | None = None,
) -> Diff:
    """Load and align two documents (one call for ``dedup diff``).

    Args:
        first: A file, or an id of ``corpus``.
        second: The other one.
        settings: Alignment settings.
        corpus: Paths of a corpus holding both ids, if ids are given.
        masks: Boilerplate spans per document id; by default they are found
            (with the whole corpus, when one is given, for corpus-level
            repeats) unless ``settings.boilerplate`` is disabled.
        encoding: Encoding of plain-text files.
        problems: Where problems met while reading go (e.g. a log that prints them).

    Raises:
        DiffInputError: If a document cannot be found or read.
    """
    a, b, docs = load_pair(first, second, corpus, encoding, problems)
    found: dict[str, list] = {}
    if masks is None and settings.boilerplate.enabled:
        from dedup.boilerplate.detect import find_boilerplate, reuse_masks

        found = find_boilerplate(docs, settings)
        masks = reuse_masks(found, settings)
    alignment = align_documents_symmetric(a, b, settings, masks)
    shown = {key: found.get(key, []) for key in (a.id, b.id)}
    measured = tuple(len(d.text) - int(span_mask(len(d.text), (masks or {}).get(d.id, [])).sum()) for d in (a, b))
    relation, probability = label_pair(alignment, settings.passages, (a.text, b.text), measured)
    sides = {**pair_fields(alignment, relation, settings.passages, measured, (a.text, b.text)), "relation_probability": probability}
    direction = None
    if relation is not None:
        quoted = [(p.a.start, p.a.end, p.b.start, p.b.end) for p in alignment.passages if p.quoted]
        direction = direct_pair(a, b, (alignment.share_a, alignment.share_b), quoted)
    return Diff(a, b, alignment, relation, shown, measured, sides, direction)
