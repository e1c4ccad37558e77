"""Comparing two documents: what ``dedup diff`` shows, as data.

:func:`diff_documents` resolves the two documents (two files, or two ids of
a corpus), aligns them and returns a :class:`Diff`: the documents, the
alignment, the relation, the word-level comparison of every passage
(:func:`dedup.passages.words.word_diff`), and per character of each side
whether it is verbatim shared text, a shared or altered quotation, reworded
shared text, a changed word, boilerplate or the side's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span
from dedup.io.corpus import read_corpus
from dedup.io.problems import ProblemLog
from dedup.passages.align import REWORDED, VERBATIM, Alignment
from dedup.passages.pair_model import label_pair
from dedup.passages.relations import align_documents_symmetric, measured_chars, pair_fields
from dedup.passages.words import (
    ALTERED_QUOTATION, CHANGED, EDITED, SHARED_QUOTATION, WordDiff, word_diff,
)
from dedup.provenance.direction import Direction
from dedup.provenance.pairs import direct_pair
from dedup.results import EXACT_DUPLICATE
from dedup.text.normalize import UNSEGMENTED_CHAR, normalize_text

UNIQUE, REWORDED_LABEL, VERBATIM_LABEL, QUOTED_LABEL, BOILERPLATE_LABEL = 0, 1, 2, 3, 4
CHANGED_LABEL, ALTERED_LABEL = 5, 6
# The label each word segment kind paints its characters with.
SEGMENT_LABELS = {
    VERBATIM: VERBATIM_LABEL, SHARED_QUOTATION: QUOTED_LABEL, ALTERED_QUOTATION: ALTERED_LABEL,
    REWORDED: REWORDED_LABEL, CHANGED: CHANGED_LABEL,
}


class DiffInputError(ValueError):
    """A document to compare cannot be found or read."""


@dataclass
class Diff:
    """Two documents and what they share.

    Attributes:
        a: First document.
        b: Second document.
        alignment: Their alignment (``stats`` holds the exact Jaccard and containments).
        relation: ``exact_duplicate``, ``near_duplicate``, ``partial_copy``,
            ``rewrite`` or ``None``.
        boilerplate: Boilerplate spans per document id (shown dimmed).
        measured_chars: Characters of each side that the shares are taken
            of: all of them, less the boilerplate left out of the alignment.
        sides: Per-side figures: verbatim, reworded and quoted shares and
            ``extent`` of each side (:func:`dedup.passages.relations.pair_fields`).
        direction: Source, copy, confidence and evidence, for a related pair.
        words: The word-level comparison of every passage.
        shingle_unit: ``word``, ``character`` (scripts without spaces) or
            ``word and character``: what the n-grams of the Jaccard are made of.
    """

    a: Document
    b: Document
    alignment: Alignment
    relation: str | None
    boilerplate: dict[str, list] = field(default_factory=dict)
    measured_chars: tuple[int, int] | None = None
    sides: dict[str, Any] = field(default_factory=dict)
    direction: Direction | None = None
    words: WordDiff = field(default_factory=WordDiff)
    shingle_unit: str = "word"

    def labels(self, side: str) -> np.ndarray:
        """Per character of side ``"a"`` or ``"b"``: 0 own, 1 reworded,
        2 verbatim, 3 a quotation both documents hold word for word,
        4 boilerplate, 5 a changed word, 6 an altered quotation."""
        doc = self.a if side == "a" else self.b
        text = doc.text
        out = np.zeros(len(text), dtype=np.int8)
        for span in self.boilerplate.get(doc.id, []):
            out[span.start : span.end] = BOILERPLATE_LABEL
        # Reworded passages first: a verbatim passage inside one shows through.
        order = sorted(range(len(self.alignment.passages)), key=lambda k: self.alignment.passages[k].kind == VERBATIM)
        by_passage: dict[int, list] = {}
        for segment in self.words.segments:
            span = segment.a if side == "a" else segment.b
            if span is not None:
                by_passage.setdefault(segment.passage, []).append((span, SEGMENT_LABELS[segment.kind]))
        for index in order:
            previous = None
            for span, label in by_passage.get(index, []):
                # What stands between two segments of one kind (spaces,
                # punctuation) takes their kind; between two kinds, neither.
                if previous is not None and previous[1] == label != CHANGED_LABEL:
                    out[previous[0].end : span.start] = label
                elif previous is not None:
                    out[previous[0].end : span.start] = np.where(out[previous[0].end : span.start] == BOILERPLATE_LABEL,
                                                                 BOILERPLATE_LABEL, UNIQUE)
                out[span.start : span.end] = label
                previous = (span, label)
        return out

    def rows(self) -> list[tuple[Span | None, float | None, Span | None]]:
        """The side-by-side layout: aligned sentences facing each other
        (``(a, score, b)``) and each side's own sentences alone on their
        side (``(a, None, None)`` or ``(None, None, b)``), in text order."""
        al = self.alignment
        pairs = sorted(al.sentence_pairs, key=lambda p: (p.a.start, p.b.start))
        used_a = {(p.a.start, p.a.end) for p in pairs}
        used_b = {(p.b.start, p.b.end) for p in pairs}
        own_a = [s for s in al.sentences_a if (s.start, s.end) not in used_a]
        own_b = [s for s in al.sentences_b if (s.start, s.end) not in used_b]
        rows: list[tuple[Span | None, float | None, Span | None]] = []
        ia = ib = 0
        for pair in pairs:
            while ia < len(own_a) and own_a[ia].start < pair.a.start:
                rows.append((own_a[ia], None, None))
                ia += 1
            while ib < len(own_b) and own_b[ib].start < pair.b.start:
                rows.append((None, None, own_b[ib]))
                ib += 1
            rows.append((pair.a, pair.score, pair.b))
        rows.extend((s, None, None) for s in own_a[ia:])
        rows.extend((None, None, s) for s in own_b[ib:])
        return rows

    def word_pieces(self, passage: int) -> list[tuple[str, str]]:
        """One passage as a word diff, as ``(text, kind)`` pieces in a's order:
        shared words once (kind ``verbatim``, ``shared_quotation``,
        ``altered_quotation`` or ``reworded``), a change as a's words
        (``deleted``) then b's (``inserted``) and its flags (``flags``),
        and what stands between them (kind ``""``)."""
        out: list[tuple[str, str]] = []
        a_text, b_text = self.a.text, self.b.text
        cursor = self.alignment.passages[passage].a.start
        for segment in (s for s in self.words.segments if s.passage == passage):
            if segment.a is not None:
                out.append((a_text[cursor : segment.a.start], ""))
                cursor = segment.a.end
            if segment.kind != CHANGED:
                out.append((segment.a.text(a_text), segment.kind))
                continue
            if segment.a is not None:
                out.append((segment.a.text(a_text), "deleted"))
            if segment.b is not None:
                out.append((segment.b.text(b_text), "inserted"))
            if segment.flags:
                out.append(("/".join(segment.flags), "flags"))
        return out

    def figures(self) -> list[tuple[str, str]]:
        """The pair's figures as ``(name, value)`` lines, for any view:
        relation, likely source where known, exact Jaccard, containments,
        shares, passage counts."""
        al = self.alignment
        rows = [("relation", self.relation or "unrelated"), *self._source_rows()]
        rows += [("jaccard", f"{al.stats.get('jaccard', 0.0):.4f} (exact, {self.shingle_unit} {al.stats.get('ngram', '')}-grams)"),
                 ("containment", f"a in b {al.stats.get('containment_a', 0.0):.4f}, b in a {al.stats.get('containment_b', 0.0):.4f}")]
        open_a, open_b = self.measured_chars or (len(self.a.text), len(self.b.text))
        note = "; boilerplate left out" if open_a < len(self.a.text) or open_b < len(self.b.text) else ""
        rows.append(("shared", f"a {al.shared_chars_a} of {open_a} chars ({al.share_a:.1%}), "
                               f"b {al.shared_chars_b} of {open_b} chars ({al.share_b:.1%}){note}"))
        counts = self.passage_counts()
        rows.append(("passages", f"{counts['verbatim']} verbatim, {counts['edited']} edited, {counts['reworded']} reworded; "
                                 f"{counts['shared_quotation']} with a shared quotation, {counts['altered_quotation']} with an altered one; "
                                 f"{counts['moved']} moved; {len(al.sentence_pairs)} aligned sentence pairs"))
        return rows

    def _source_rows(self) -> list[tuple[str, str]]:
        """The likely source and how sure, where the provenance stage decided it."""
        direction = self.direction
        if direction is None:
            return []
        if not direction.source:
            return [("source", f"undetermined (confidence {direction.confidence:.2f})")]
        side = "a" if direction.source == self.a.id else "b"
        rows = [("source", f"{side}, {direction.source} (confidence {direction.confidence:.2f})")]
        if direction.evidence:
            rows.append(("evidence", "; ".join(direction.evidence[:3])))
        return rows

    def passage_counts(self) -> dict[str, int]:
        """Passages by word-level kind, and those holding a shared or altered quotation."""
        counts = {kind: self.words.count(kind) for kind in (VERBATIM, EDITED, REWORDED)}
        for kind in (SHARED_QUOTATION, ALTERED_QUOTATION):
            counts[kind] = len({s.passage for s in self.words.segments if s.kind == kind})
        counts["moved"] = sum(p.moved for p in self.words.passages)
        return counts

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
            "shingle_unit": self.shingle_unit,
            "verbatim_passages": self.words.count(VERBATIM),
            "edited_passages": self.words.count(EDITED),
            "reworded_passages": self.words.count(REWORDED),
            "quoted_passages": sum(p.quoted for p in al.passages),
            **self.sides,
            **(self.direction.to_dict() if self.direction else {"source": None, "derived": None}),
            "shared_quotations": sum(s.kind == SHARED_QUOTATION for s in self.words.segments),
            "altered_quotations": sum(s.kind == ALTERED_QUOTATION for s in self.words.segments),
            "changed_words": sum(p.changed_words for p in self.words.passages),
            "aligned_sentences": len(al.sentence_pairs),
            "passages": [
                {**p.to_dict(), "kind": w.kind, "found_as": p.kind, "changed_words": w.changed_words, "moved": w.moved}
                for p, w in zip(al.passages, self.words.passages)
            ],
            "segments": [s.to_dict(self.a.text, self.b.text) for s in self.words.segments],
            "sentence_pairs": [s.to_dict() for s in al.sentence_pairs],
            "boilerplate_a": [s.to_dict() for s in self.boilerplate.get(self.a.id, [])],
            "boilerplate_b": [s.to_dict() for s in self.boilerplate.get(self.b.id, [])],
        }


def label_runs(labels: np.ndarray, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, label)`` of each run of one label in ``labels[start:end]``."""
    end = len(labels) if end is None else end
    if start >= end:
        return []
    part = np.asarray(labels[start:end])
    cuts = (np.flatnonzero(part[1:] != part[:-1]) + 1 + start).tolist()
    return [(lo, hi, int(labels[lo])) for lo, hi in zip([start, *cuts], [*cuts, end])]


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
        sample = ", ".join(map(repr, sorted(by_id)[:5]))
        raise DiffInputError(f"no document with id {', '.join(map(repr, missing))} in the corpus (ids look like: {sample})")
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
        DiffInputError: If a document cannot be found or read, or is longer
            than ``settings.max_chars``.
    """
    a, b, docs = load_pair(first, second, corpus, encoding, problems)
    for doc, given in ((a, first), (b, second)):
        # A scan reads such a document in parts; aligning it whole could take hours and gigabytes.
        if len(doc.text) > settings.max_chars:
            raise DiffInputError(
                f"{given}: {len(doc.text):,} characters, more than max_chars ({settings.max_chars:,}); "
                "raise max_chars in the configuration to compare it whole"
            )
    found: dict[str, list] = {}
    if masks is None and settings.boilerplate.enabled:
        from dedup.boilerplate.detect import find_boilerplate, reuse_masks

        found = find_boilerplate(docs, settings)
        masks = reuse_masks(found, settings)
    return compare(a, b, settings, masks, found)


def compare(
    a: Document,
    b: Document,
    settings: Settings,
    masks: Mapping[str, Sequence[Span]] | None = None,
    boilerplate: Mapping[str, list] | None = None,
) -> Diff:
    """Align two documents already read, and compare the words of every passage.

    Args:
        a: First document.
        b: Second document.
        settings: Alignment settings.
        masks: Spans per document id left out of the alignment (boilerplate).
        boilerplate: Boilerplate spans per document id, to show dimmed.

    Returns:
        The :class:`Diff`; ``relation`` is ``exact_duplicate`` when the two
        normalised texts are equal.
    """
    alignment = align_documents_symmetric(a, b, settings, masks)
    shown = {key: list((boilerplate or {}).get(key, [])) for key in (a.id, b.id)}
    measured = measured_chars(alignment, (a.text, b.text), ((masks or {}).get(a.id), (masks or {}).get(b.id)))
    if normalize_text(a.text) == normalize_text(b.text):
        relation, probability = EXACT_DUPLICATE, None
    else:
        relation, probability = label_pair(alignment, settings.passages, (a.text, b.text), measured)
    sides = {**pair_fields(alignment, relation, settings.passages, measured, (a.text, b.text)), "relation_probability": probability}
    direction = None
    if relation is not None:
        spans = [(p.a.start, p.a.end, p.b.start, p.b.end) for p in alignment.passages]
        quoted = [span for span, p in zip(spans, alignment.passages) if p.quoted]
        direction = direct_pair(a, b, (alignment.share_a, alignment.share_b), quoted, shared=spans)
    return Diff(
        a, b, alignment, relation, shown, measured, sides=sides, direction=direction,
        words=word_diff(a.text, b.text, alignment.passages), shingle_unit=shingle_unit(a.text + "\n" + b.text),
    )


def shingle_unit(text: str) -> str:
    """What word n-grams of ``text`` are made of: ``word``, ``character``
    (scripts written without spaces, where each character is a token) or
    ``word and character`` when both kinds are common."""
    tokens = normalize_text(text).split()
    if not tokens:
        return "word"
    characters = sum(len(UNSEGMENTED_CHAR.findall(t)) for t in tokens)
    words = sum(not UNSEGMENTED_CHAR.search(t) for t in tokens)
    share = characters / max(characters + words, 1)
    return "character" if share >= 0.8 else "word" if share <= 0.2 else "word and character"
