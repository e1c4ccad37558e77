"""Boilerplate: text that is neither reporting nor reuse, found and explained.

For each document, in order of precedence (a block takes the first verdict
that applies):

1. sections: a short header such as "You May Also Like" or "5 Comments"
   past the first part of the document opens a section that runs to the end
   (kind ``recirculation`` or ``comments``);
2. named blocks: a short block that *is* a sharing prompt, a cookie or
   newsletter notice, a date line or byline (:mod:`dedup.boilerplate.rules`);
3. repeats in the document: a later copy of a block (after normalisation,
   so straight and curly apostrophes meet) is ``repeat_in_document``;
4. repeats in the corpus (:mod:`dedup.boilerplate.repeats`): ``repeat_in_corpus``;
5. the block classifier (:mod:`dedup.boilerplate.model`), HTML or plain-text
   model as the input allows.

Then, inside blocks left unmarked: later copies of sentences of at least
``sentence_min_words`` words, and a metadata prefix at the start of one of
the first blocks (``date 2026-02-04``). Every span carries its kind and a
short reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Callable, Sequence

import numpy as np

from dedup.boilerplate.batches import Batch, ascii_word_counts, batch_document_id, batch_size, document_batches, without_documents
from dedup.boilerplate.blocks import Block, document_blocks, documents_blocks
from dedup.boilerplate.features import block_features, char_table, documents_block_features
from dedup.boilerplate.guard import prose_units, protected_blocks
from dedup.boilerplate.model import BlockModel, shipped_model
from dedup.boilerplate.repeats import RepeatedBlock, corpus_repeats, repeat_index
from dedup.boilerplate.rules import (
    ADVERTISING,
    CAPTION,
    COMMENTS,
    METADATA,
    NAVIGATION,
    THREAD_MIN_SIGNATURES,
    block_kind,
    comment_signature,
    is_credit,
    metadata_prefix,
    section_header_kind,
)
from dedup.boilerplate.sentence_hashes import may_repeat_sentences as _may_repeat_sentences
from dedup.config import BoilerplateSettings
from dedup.document import Document, covered_chars, document_ids, span_mask
from dedup.engine import Engine, FaultBarrier, StageFault, engine_or_local
from dedup.io.html import DOM_FLAGS
from dedup.text.normalize import normalize_text
from dedup.text.sentences import ENDS_SENTENCE, sentence_spans

REPEAT_IN_DOCUMENT = "repeat_in_document"
REPEAT_IN_CORPUS = "repeat_in_corpus"
OTHER = "other"
# A section ends at a paragraph of this many words that the classifier rates
# below this probability of boilerplate: the article has resumed.
_CONTENT_PROBABILITY = 0.3
_CONTENT_WORDS = 15
_SECTION_AFTER_PARAGRAPHS = 2
_ADVERT_MAX_WORDS = 3
# A block that reads as a full sentence (for the plain-text prose guard).
_SENTENCE_WORDS = 10
_HEADING_BIT = 1 << DOM_FLAGS.index("in_heading")
_CONTAINER_BIT = 1 << DOM_FLAGS.index("near_main_container")
_COMMENT_BIT = 1 << DOM_FLAGS.index("attr_comment")
# The reason of a block marked on the classifier's score alone.
_CLASSIFIER_REASON = "the block classifier rates it"
_DIRECT_KINDS = ("sharing", "recirculation", "comments", "legal", METADATA)
_KIND_WORDS = {
    "sharing": "a sharing prompt",
    "recirculation": "a link to other articles",
    "comments": "part of the reader comments",
    "legal": "a legal, cookie or newsletter notice",
    "metadata": "a date line or byline",
    "caption": "a photo credit or caption",
    "advertising": "an advertisement label",
}

__all__ = [
    "BoilerplateSpan",
    "RepeatedBlock",
    "boilerplate_mask",
    "boilerplate_report",
    "classifier_verdict",
    "score_blocks",
    "corpus_repeats",
    "document_boilerplate",
    "find_boilerplate",
    "kept_text",
    "reuse_masks",
    "summarize",
]


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


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _mark_sections(text: str, blocks, words: list[int], marks: list, settings, probability) -> None:
    """A section header past ``section_min_position`` (or after at least
    two paragraphs of prose: a short article with a long comment thread)
    marks the blocks after it, up to the first paragraph the classifier is
    confident is content (without the classifier: to the end)."""
    limit = settings.section_min_position * len(text)
    i = paragraphs = 0
    while i < len(blocks):
        block_text = blocks[i].text(text)
        late = blocks[i].start >= limit or paragraphs >= _SECTION_AFTER_PARAGRAPHS
        kind = section_header_kind(block_text, words[i]) if late else None
        if words[i] >= _CONTENT_WORDS or prose_units(block_text, words[i]) >= _CONTENT_WORDS:
            paragraphs += 1
        if not kind:
            i += 1
            continue
        end = i + 1
        while end < len(blocks) and not (
            probability is not None and probability[end] < _CONTENT_PROBABILITY and words[end] >= _CONTENT_WORDS
        ):
            end += 1
        header = " ".join(blocks[i].text(text).split())[:40]
        reason = f"in the '{header}' section ({_KIND_WORDS[kind]})"
        for j in range(i, end):
            marks[j] = (kind, reason)
        i = end


def _mark_threads(texts: list[str], words: list[int], marks: list, start: int) -> None:
    """A comment thread without comment markup: from the first to the last
    of at least two comment signatures past block ``start`` ("Posted by:
    Brad, Glasgow on 11:16am" after each comment, or "Brad says:" before
    it), with the comment that the first signature follows (or the last
    precedes)."""
    signed = [(i, side) for i in range(start, len(texts)) if (side := comment_signature(texts[i], words[i]))]
    if len(signed) < THREAD_MIN_SIGNATURES:
        return
    first = signed[0][0] - (signed[0][1] > 0)
    last = signed[-1][0] + (signed[-1][1] < 0)
    first, last = max(first, start), min(last, len(texts) - 1)
    reason = f"in a thread of {len(signed)} signed comments ({_KIND_WORDS[COMMENTS]})"
    for i in range(first, last + 1):
        if marks[i] is None:
            marks[i] = (COMMENTS, reason)


def _first_block_past(blocks, offset: float) -> int:
    return next((i for i, b in enumerate(blocks) if b.start >= offset), len(blocks))


def _mark_named(texts: list[str], words: list[int], marks: list) -> None:
    for i, text in enumerate(texts):
        if marks[i] is None:
            kind = block_kind(text, words[i])
            if kind in _DIRECT_KINDS or (kind == CAPTION and is_credit(text, words[i])):
                marks[i] = (kind, f"reads as {_KIND_WORDS[kind]}")


def _mark_repeats(text: str, blocks, keys: list[str], words: list[int], marks: list, settings) -> None:
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue
        if key in first and words[i] >= settings.repeat_min_words and marks[i] is None:
            line = _line(text, blocks[first[key]].start)
            marks[i] = (REPEAT_IN_DOCUMENT, f"a second copy of line {line} of this document")
        first.setdefault(key, i)


def _is_headline(texts: list[str], words: list[int]) -> bool:
    """Whether a plain text opens with a headline: a short line without a
    full stop, followed by a paragraph of prose."""
    return (
        len(texts) > 1
        and words[0] <= 25
        and not texts[0].rstrip().endswith((".", "!", "?", ":"))
        and (words[1] >= 20 or (len(texts) > 2 and words[2] >= 20))
    )


def _prose_run(inside: np.ndarray, texts: list[str], words: list[int]) -> np.ndarray:
    """The run of prose, widened by the full sentences that directly follow
    or precede it (a short closing paragraph of the article)."""
    inside = inside.copy()
    hits = np.flatnonzero(inside)
    if hits.size == 0:
        return inside

    def sentence(i: int) -> bool:
        return words[i] >= _SENTENCE_WORDS and bool(ENDS_SENTENCE.search(texts[i]))

    i = hits[-1] + 1
    while i < len(texts) and sentence(i):
        inside[i] = True
        i += 1
    i = hits[0] - 1
    while i >= 0 and sentence(i):
        inside[i] = True
        i -= 1
    return inside


def _classify(doc: Document, blocks, texts, keys, words, settings, model: BlockModel | None, scored=None):
    """Each block's probability of being boilerplate, and the probability
    it needs to be marked. For plain text: inside the run of prose that
    holds the article, only when the classifier is nearly sure; a headline
    never. ``scored`` is ``(features, probability)`` when already computed."""
    links = bool(doc.blocks)
    model = model or shipped_model("html" if links else "text")
    threshold = settings.html_threshold if links else settings.text_threshold
    threshold = model.threshold if threshold is None else threshold
    if scored is None:
        X = block_features(doc.text, blocks, links, keys)
        probability = model.predict_proba(X)
    else:
        X, probability = scored
    needed = np.full(len(blocks), threshold)
    if not links:
        # Without link density the model is less sure of itself inside the
        # article: there, only a near-certain score marks a block.
        inside = _prose_run(X[:, model.features.index("in_prose_region")] > 0, texts, words)
        needed[inside] = max(threshold, settings.inside_threshold)
        if _is_headline(texts, words):
            needed[0] = np.inf
    return probability, needed


def _mark_classified(blocks, texts, words, marks, probability, needed) -> list[bool]:
    """Mark the blocks the classifier rates high enough, naming the kind
    where the wording says it.

    Returns:
        Per block, whether the guard may keep it (unmarked, or marked
        here); ``None`` when the classifier marked nothing.
    """
    if words and min(words) <= _ADVERT_MAX_WORDS:
        for i, (text, n) in enumerate(zip(texts, words)):
            # A bare advertisement label: a word the classifier alone would
            # weigh against the prose around it.
            if n <= _ADVERT_MAX_WORDS and marks[i] is None and block_kind(text, n) == ADVERTISING:
                marks[i] = (ADVERTISING, f"reads as {_KIND_WORDS[ADVERTISING]}")
    liftable = [mark is None for mark in marks]
    marked = False
    for i in np.flatnonzero(probability >= needed):
        if marks[i] is not None:
            continue
        marked = True
        kind = block_kind(texts[i], words[i])
        if kind is None:
            kind = NAVIGATION if (blocks[i].link_density or 0.0) >= 0.5 else OTHER
        marks[i] = (kind, f"{_CLASSIFIER_REASON} {probability[i]:.0%} likely boilerplate")
    return liftable if marked else None


def _guard(doc: Document, blocks, texts, words, marks, probability, liftable) -> None:
    """Lift the classifier's verdict from the article's core, its prose
    neighbours and headline (:mod:`dedup.boilerplate.guard`)."""
    marked = [lift and mark is not None for lift, mark in zip(liftable, marks)]
    for i in protected_blocks(texts, words, blocks, liftable, marked, probability, doc.title, _HEADING_BIT, _CONTAINER_BIT, _COMMENT_BIT):
        if liftable[i]:
            marks[i] = None


def _block_spans(blocks: Sequence[Block], marks: list) -> list[BoilerplateSpan]:
    """One span per run of consecutive blocks with the same verdict."""
    spans: list[BoilerplateSpan] = []
    previous: Mark | None = None
    for block, mark in zip(blocks, marks):
        if mark is not None and mark == previous:
            spans[-1] = BoilerplateSpan(spans[-1].start, block.end, *mark)
        elif mark is not None:
            spans.append(BoilerplateSpan(block.start, block.end, *mark))
        previous = mark
    return spans


def _sentence_repeats(text: str, blocks, keys, marks, settings) -> list[BoilerplateSpan]:
    """Later copies of sentences, inside blocks that are otherwise unmarked."""
    seen: dict[str, int] = {}
    spans = []
    # An ASCII text is lowered once; a sentence's key is then its words joined.
    lowered = text.lower() if text.isascii() else None
    min_words = settings.sentence_min_words
    for i, block in enumerate(blocks):
        for sentence in sentence_spans(text[block.start : block.end]):
            start, end = block.start + sentence.start, block.start + sentence.end
            if start == block.start and end == block.end:
                key = keys[i]
            elif lowered is not None:
                words = lowered[start:end].split()
                if len(words) < min_words:
                    continue
                key = " ".join(words)
            else:
                key = normalize_text(text[start:end])
            if key.count(" ") + 1 < min_words:
                continue
            if key not in seen:
                seen[key] = start
            elif marks[i] is None:
                line = _line(text, seen[key])
                spans.append(BoilerplateSpan(start, end, REPEAT_IN_DOCUMENT, f"a second copy of a sentence on line {line}"))
    return spans


def _metadata_prefixes(text: str, blocks, marks) -> list[BoilerplateSpan]:
    spans = []
    for i, block in enumerate(blocks[:3]):
        if marks[i] is None:
            size = metadata_prefix(block.text(text))
            if size:
                start, end = block.start, block.start + size
                while end > start and text[end - 1].isspace():
                    end -= 1
                spans.append(BoilerplateSpan(start, end, METADATA, "a date line, not article text"))
    return spans


def document_boilerplate(
    doc: Document,
    settings: BoilerplateSettings,
    blocks: Sequence[Block] | None = None,
    corpus_marks: dict[int, str] | None = None,
    model: BlockModel | None = None,
    scored: tuple[np.ndarray, np.ndarray] | None = None,
    keys: Sequence[str] | None = None,
    sentence_repeats: bool = True,
    words: Sequence[int] | None = None,
) -> list[BoilerplateSpan]:
    """The boilerplate of one document (see the module doc for the order).

    Args:
        doc: The document.
        settings: Boilerplate settings.
        blocks: Its blocks, if already split.
        corpus_marks: ``block index -> reason`` for blocks repeated across the corpus.
        model: A block model to use instead of the shipped one.
        scored: The block features and classifier probabilities, when
            already computed (see :func:`score_blocks`).
        keys: The blocks' normalised texts, when already computed.
        sentence_repeats: ``False`` when the document is known to hold no
            second copy of a sentence (see :func:`_may_repeat_sentences`).
        words: The blocks' word counts (``len(text.split())``), when known.

    Returns:
        Non-overlapping spans, sorted by start.
    """
    blocks = list(document_blocks(doc) if blocks is None else blocks)
    texts = [b.text(doc.text) for b in blocks]
    words = [len(t.split()) for t in texts] if words is None else list(words)
    keys = [normalize_text(t) for t in texts] if keys is None else list(keys)
    marks: list[Mark | None] = [None] * len(blocks)
    probability = needed = None
    if settings.classifier and blocks:
        probability, needed = _classify(doc, blocks, texts, keys, words, settings, model, scored)
    _mark_sections(doc.text, blocks, words, marks, settings, probability)
    _mark_threads(texts, words, marks, _first_block_past(blocks, settings.section_min_position * len(doc.text)))
    _mark_named(texts, words, marks)
    _mark_repeats(doc.text, blocks, keys, words, marks, settings)
    for i, reason in (corpus_marks or {}).items():
        if marks[i] is None:
            marks[i] = (REPEAT_IN_CORPUS, reason)
    if probability is not None:
        liftable = _mark_classified(blocks, texts, words, marks, probability, needed)
        if liftable is not None:
            _guard(doc, blocks, texts, words, marks, probability, liftable)
    spans = _block_spans(blocks, marks)
    if sentence_repeats:
        spans += _sentence_repeats(doc.text, blocks, keys, marks, settings)
    spans += _metadata_prefixes(doc.text, blocks, marks)
    return sorted(spans)


def find_boilerplate(docs: Sequence[Document], settings) -> dict[str, list[BoilerplateSpan]]:
    """The boilerplate of every document of a corpus.

    Args:
        docs: The documents (ids unique).
        settings: :class:`~dedup.config.Settings` (or its ``boilerplate`` part).

    Returns:
        ``{document id: spans}`` for every document (empty lists when
        boilerplate detection is disabled).
    """
    return boilerplate_report(docs, settings)[0]


def boilerplate_report(
    docs: Sequence[Document],
    settings,
    timings: dict[str, float] | None = None,
    engine: Engine | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    faults: list[StageFault] | None = None,
) -> tuple[dict[str, list[BoilerplateSpan]], list[RepeatedBlock]]:
    """:func:`find_boilerplate` and :func:`corpus_repeats` in one pass.

    The corpus-level repeat pass runs here; the per-document work (features,
    classifier, rules, in-document repeats) runs over batches of documents
    on ``engine``, with the same result for any engine.

    Args:
        docs: The documents (ids unique).
        settings: :class:`~dedup.config.Settings` (or its ``boilerplate`` part).
        timings: If given, receives the seconds of the corpus-level repeat
            pass as ``corpus_repeats``.
        engine: What runs the batches; by default a
            :class:`~dedup.engine.LocalEngine` of ``settings.workers`` (one
            when ``settings`` is only the ``boilerplate`` part).
        progress: Called as ``progress("boilerplate", documents done, documents)``.
        faults: Receives a :class:`~dedup.engine.StageFault` per document
            the stage fails on (that document gets no spans; the others are
            as they would be without it). Without it, the first such error
            is raised.

    Returns:
        ``({document id: spans}, repeated blocks)``.
    """
    bp: BoilerplateSettings = getattr(settings, "boilerplate", settings)
    if not bp.enabled:
        return {doc_id: [] for doc_id in document_ids(docs)}, []
    blocks = documents_blocks(docs, faults)
    if bp.classifier:
        # Loaded before any worker starts, so that forked workers share them.
        char_table()
        shipped_model("html"), shipped_model("text")
    marks: dict[int, dict[int, str]] = {}
    repeats: list[RepeatedBlock] = []
    found: dict[str, list[BoilerplateSpan]] = {}
    with engine_or_local(engine, getattr(settings, "workers", 1)) as engine:
        if bp.corpus_repeats:
            started = time.perf_counter()
            index = repeat_index(docs, blocks, bp, engine, faults)
            repeats = index.groups
            for (d, b), g in index.members.items():
                marks.setdefault(d, {})[b] = index.groups[g].reason
            if timings is not None:
                timings["corpus_repeats"] = round(time.perf_counter() - started, 3)
        jobs = document_batches(docs, blocks, marks, getattr(settings, "batch_size", 2000))
        func = partial(_batch_boilerplate, settings=bp)
        if faults is not None:
            func = FaultBarrier(func, batch_size, without_documents, batch_document_id)
        done = 0
        if progress:
            progress("boilerplate", 0, len(docs))
        for part in engine.map(func, jobs):
            if faults is not None:
                faults.extend(StageFault.of("boilerplate", fault) for fault in part.faults)
                done += len(part.faults)
                part = part.result
            found.update(part)
            done += len(part)
            if progress:
                progress("boilerplate", done, len(docs))
    return {doc_id: found.get(doc_id, []) for doc_id in document_ids(docs)}, repeats


def _batch_boilerplate(batch: Batch, settings: BoilerplateSettings) -> dict[str, list[BoilerplateSpan]]:
    """The boilerplate of a batch (documents, their blocks and corpus marks),
    the classifier applied to the whole batch at once."""
    docs, blocks, corpus_marks = batch
    docs = list(docs)  # read once, when the batch comes from a store
    keys = [[normalize_text(b.text(doc.text)) for b in doc_blocks] for doc, doc_blocks in zip(docs, blocks)]
    scored = score_blocks(docs, blocks, keys=keys) if settings.classifier else [None] * len(docs)
    repeats = _may_repeat_sentences(docs, keys, settings.sentence_min_words)
    return {
        doc.id: document_boilerplate(doc, settings, blocks[i], corpus_marks[i], scored=scored[i], keys=keys[i], sentence_repeats=repeats[i], words=ascii_word_counts(doc, keys[i]))
        for i, doc in enumerate(docs)
    }


def score_blocks(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]],
    batch_rows: int = 50_000,
    keys: Sequence[Sequence[str]] | None = None,
) -> list:
    """Features and shipped-classifier probabilities of every document's
    blocks, the model applied to many documents at once.

    Args:
        docs: The documents.
        blocks: Each document's blocks.
        batch_rows: Blocks to score at once.
        keys: Each document's normalised block texts, if already computed.

    Returns:
        Per document, ``(features, probability)``, or ``None`` if it has no blocks.
    """
    out: list = [None] * len(docs)
    for links in (True, False):
        model = shipped_model("html" if links else "text")
        pending: list[int] = []
        rows = 0
        for i, doc in enumerate(docs):
            if bool(doc.blocks) != links or not blocks[i]:
                continue
            pending.append(i)
            rows += len(blocks[i])
            if rows >= batch_rows:
                _predict(docs, blocks, keys, links, model, pending, out)
                pending, rows = [], 0
        _predict(docs, blocks, keys, links, model, pending, out)
    return out


def _predict(docs, blocks, keys, links: bool, model: BlockModel, pending: list[int], out: list) -> None:
    if not pending:
        return
    pending_keys = None if keys is None else [keys[i] for i in pending]
    features = documents_block_features([docs[i].text for i in pending], [blocks[i] for i in pending], links, pending_keys)
    probability = model.predict_proba(np.concatenate(features))
    start = 0
    for i, X in zip(pending, features):
        out[i] = (X, probability[start : start + len(X)])
        start += len(X)


def reuse_masks(found: dict[str, list[BoilerplateSpan]], settings) -> dict[str, list[BoilerplateSpan]]:
    """The spans to leave out of reuse figures per document id: the
    boilerplate found, or none when ``boilerplate.keep`` is set."""
    bp: BoilerplateSettings = getattr(settings, "boilerplate", settings)
    return {} if bp.keep else {doc_id: spans for doc_id, spans in found.items() if spans}


def classifier_verdict(span: BoilerplateSpan) -> bool:
    """Whether ``span`` is boilerplate on the block classifier's score alone
    (no rule, section, repeat or date line says so): a guess that text
    another document shares should not override."""
    return span.reason.startswith(_CLASSIFIER_REASON)


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
    length = text if isinstance(text, int) else len(text)
    chars = covered_chars(length, spans)
    return {
        "boilerplate": [s.to_dict() for s in spans],
        "boilerplate_chars": chars,
        "boilerplate_share": round(chars / length, 4) if length else 0.0,
    }
