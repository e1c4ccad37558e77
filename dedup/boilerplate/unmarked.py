"""Documents the rules would leave without a span, known from a batch's figures.

Most documents of a corpus hold no boilerplate at all, and for them
:func:`dedup.boilerplate.detect.document_boilerplate` runs every rule to
find nothing: its Python is then most of the per-document cost. Each step
marks a block only on a condition that can be tested without it: a rule's
pattern (:func:`~dedup.boilerplate.rules.block_kind`, of which every
section header is one; a comment signature; a metadata prefix in one of
the first three blocks), a second copy of a block or of a sentence, a
corpus mark, a classifier probability at the threshold every block needs
at least, or, in plain text with a title, the blocks before its headline.
A document where none holds gets no span, whatever the rules would weigh:
:func:`surely_unmarked` finds those, so that the rules run only on the
others, with the same output.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.boilerplate.ascii_stats import WORDS
from dedup.boilerplate.blocks import Block
from dedup.boilerplate.features import BASE_FEATURES
from dedup.boilerplate.marking import METADATA_BLOCKS, classifier_threshold
from dedup.boilerplate.rules import KIND_MAX_WORDS, SIGNATURE_MAX_WORDS, block_kind, comment_signature, metadata_prefix, same_kind_words
from dedup.document import Document

# The feature that says whether block_kind names a block (with the features' word count).
_NAMED_KIND = BASE_FEATURES.index("named_kind")


def surely_unmarked(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]],
    keys: Sequence[Sequence[str]],
    words: Sequence[Sequence[int] | None],
    scored: Sequence,
    sentence_repeats: Sequence[bool],
    corpus_marks: Sequence[dict | None],
    settings,
    counts: Sequence[np.ndarray | None] | None = None,
) -> list[bool]:
    """Per document of a batch, whether ``document_boilerplate`` surely
    gives it no span (``False`` says nothing: the rules decide).

    Args:
        docs: The documents.
        blocks: Each one's blocks.
        keys: Each one's normalised block texts.
        words: Each one's block word counts (``len(text.split())``), or
            ``None`` where not known (the document is then left to the rules).
        scored: Each one's ``(features, probability)`` (``None`` without
            blocks), or ``None`` each when the classifier is off.
        sentence_repeats: Whether each may repeat a sentence
            (:func:`dedup.boilerplate.sentence_hashes.may_repeat_sentences`).
        corpus_marks: Each one's corpus marks (or ``None``).
        settings: Boilerplate settings.
        counts: Each one's block figures from the compiled pass
            (:class:`dedup.boilerplate.ascii_pass.BatchFigures`' ``counts``),
            where it read them: a block whose feature word count and
            ``words`` fall between the same limits of ``block_kind`` takes
            its kind from its features instead of matching the patterns again.
    """
    highest = _highest_probabilities(scored) if settings.classifier else None
    out = []
    thresholds = {html: classifier_threshold(html, settings) for html in (False, True)}
    for i, doc in enumerate(docs):
        doc_blocks, doc_words = blocks[i], words[i]
        if not doc_blocks:
            out.append(not corpus_marks[i])
            continue
        out.append(
            doc_words is not None
            and not corpus_marks[i]
            and not sentence_repeats[i]
            and not (doc.title and not doc.blocks)  # (the blocks before a plain text's headline)
            and (highest is None or not highest[i] >= thresholds[bool(doc.blocks)])
            and (len(keys[i]) < 2 or len(set(keys[i])) == len(keys[i]))
            and _no_rule_applies(doc.text, doc_blocks, doc_words, scored[i], counts[i] if counts is not None else None)
        )
    return out


def _highest_probabilities(scored: Sequence) -> list[float]:
    """Each document's highest block probability (``nan`` without blocks)."""
    kept = [s[1] for s in scored if s is not None and len(s[1])]
    if not kept:
        return [float("nan")] * len(scored)
    sizes = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
    tops = iter(np.maximum.reduceat(np.concatenate(kept), np.cumsum(sizes) - sizes).tolist())
    return [next(tops) if s is not None and len(s[1]) else float("nan") for s in scored]


def _no_rule_applies(text: str, blocks: Sequence[Block], words: Sequence[int], scored=None, counts: np.ndarray | None = None) -> bool:
    """Whether no block is named by a rule's pattern, signs a comment or
    (among the first blocks) opens with a metadata prefix (``scored`` and
    ``counts``: the document's, where known, see :func:`surely_unmarked`)."""
    features = scored[0] if scored is not None and counts is not None else None
    for i, (block, n) in enumerate(zip(blocks, words)):
        block_text = block.text(text) if i < METADATA_BLOCKS or n <= KIND_MAX_WORDS else ""
        if i < METADATA_BLOCKS and metadata_prefix(block_text):
            return False
        if n <= KIND_MAX_WORDS:
            if features is not None and same_kind_words(int(counts[i, WORDS]), n):
                named = bool(features[i, _NAMED_KIND])
            else:
                named = block_kind(block_text, n) is not None
            if named or (n <= SIGNATURE_MAX_WORDS and comment_signature(block_text, n)):
                return False
    return True
