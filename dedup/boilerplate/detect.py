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

from typing import Callable, Sequence

import numpy as np

from dedup.boilerplate.blocks import Block, document_blocks
from dedup.boilerplate.features import HTML_FEATURES, TEXT_FEATURES, char_table, documents_block_features
from dedup.boilerplate.marking import (
    Mark,
    block_spans,
    classify,
    first_block_past,
    guard,
    mark_before_headline,
    mark_classified,
    mark_named,
    mark_repeats,
    mark_sections,
    mark_threads,
    metadata_prefixes,
    sentence_repeats as find_sentence_repeats,
)
from dedup.boilerplate.model import BlockModel, shipped_model
from dedup.boilerplate.repeats import RepeatedBlock, corpus_repeats
from dedup.boilerplate.spans import (
    OTHER,
    REPEAT_IN_CORPUS,
    REPEAT_IN_DOCUMENT,
    BoilerplateSpan,
    boilerplate_mask,
    classifier_verdict,
    kept_text,
    reuse_masks,
    summarize,
)
from dedup.config import BoilerplateSettings
from dedup.document import Document, document_ids
from dedup.engine import Engine, StageFault, engine_or_local
from dedup.text.normalize import normalize_text

__all__ = [
    "OTHER",
    "REPEAT_IN_CORPUS",
    "REPEAT_IN_DOCUMENT",
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
            second copy of a sentence (see :func:`dedup.boilerplate.sentence_hashes.may_repeat_sentences`).
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
        probability, needed = classify(doc, blocks, texts, keys, words, settings, model, scored)
    mark_sections(doc.text, blocks, words, marks, settings, probability)
    mark_threads(texts, words, marks, first_block_past(blocks, settings.section_min_position * len(doc.text)))
    mark_named(texts, words, marks)
    mark_repeats(doc.text, blocks, keys, words, marks, settings)
    for i, reason in (corpus_marks or {}).items():
        if marks[i] is None:
            marks[i] = (REPEAT_IN_CORPUS, reason)
    if probability is not None:
        liftable = mark_classified(blocks, texts, words, marks, probability, needed)
        if liftable is not None:
            guard(doc, blocks, texts, words, marks, probability, liftable)
        mark_before_headline(doc, texts, words, marks)
    spans = block_spans(blocks, marks)
    if sentence_repeats:
        spans += find_sentence_repeats(doc.text, blocks, keys, marks, settings)
    spans += metadata_prefixes(doc.text, blocks, marks)
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
    preload_models(bp)
    # Imported here: the passes run this module's per-document functions.
    from dedup.boilerplate.passes import boilerplate_passes

    with engine_or_local(engine, getattr(settings, "workers", 1)) as engine:
        return boilerplate_passes(docs, bp, engine, getattr(settings, "batch_size", 2000), timings, progress, faults)


def preload_models(settings: BoilerplateSettings) -> None:
    """Load what the classifier reads before any worker starts, so that forked workers share it."""
    if settings.classifier:
        char_table()
        shipped_model("html"), shipped_model("text")


def score_blocks(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]],
    batch_rows: int = 50_000,
    keys: Sequence[Sequence[str]] | None = None,
    figures: Sequence[np.ndarray | None] | None = None,
) -> list:
    """Features and shipped-classifier probabilities of every document's
    blocks, the model applied to many documents at once.

    Args:
        docs: The documents.
        blocks: Each document's blocks.
        batch_rows: Blocks to score at once.
        keys: Each document's normalised block texts, if already computed.
        figures: Each document's block figures from the compiled pass
            (:class:`dedup.boilerplate.ascii_pass.BatchFigures`), where it read them.

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
                _predict(docs, blocks, keys, figures, links, model, pending, out)
                pending, rows = [], 0
        _predict(docs, blocks, keys, figures, links, model, pending, out)
    return out


def _predict(docs, blocks, keys, figures, links: bool, model: BlockModel, pending: list[int], out: list) -> None:
    if not pending:
        return
    pending_keys = None if keys is None else [keys[i] for i in pending]
    pending_figures = None if figures is None else [figures[i] for i in pending]
    features = documents_block_features([docs[i].text for i in pending], [blocks[i] for i in pending], links, pending_keys, pending_figures)
    names = HTML_FEATURES if links else TEXT_FEATURES
    sizes = [len(X) for X in features]
    probability = model.predict_proba(model.columns(np.concatenate(features), names), sizes)
    start = 0
    for i, X in zip(pending, features):
        out[i] = (X, probability[start : start + len(X)])
        start += len(X)

