"""Documents with nothing to mark, told apart before the rules run.

Most documents of a corpus have no boilerplate at all, yet
:func:`dedup.boilerplate.detect.document_boilerplate` walks every step of
its order for each (sections, threads, named blocks, repeats, the
classifier's thresholds inside and outside the prose, the guard). Each step
marks a block only when something cheap to test holds: a pattern of
:mod:`dedup.boilerplate.rules` matches a block, two blocks share a key, the
classifier rates a block at its threshold or above, a corpus mark is given,
a sentence may repeat. :func:`nothing_to_mark` tests those conditions, each
wider than the step it stands for, so a document it clears gets no span
from the full pass (a test holds the two to that on the labelled cases).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.boilerplate.blocks import Block
from dedup.boilerplate.model import shipped_model
from dedup.boilerplate.rules import THREAD_MIN_SIGNATURES, block_kind, comment_signature, metadata_prefix, section_header_kind
from dedup.config import BoilerplateSettings
from dedup.document import Document

# metadata_prefixes looks at the first blocks only.
_PREFIX_BLOCKS = 3


def nothing_to_mark(
    doc: Document,
    blocks: Sequence[Block],
    keys: Sequence[str],
    words: Sequence[int],
    settings: BoilerplateSettings,
    probability: np.ndarray | None,
    corpus_marks: dict | None,
    sentence_repeats: bool,
) -> bool:
    """Whether the document certainly has no boilerplate span (``False``
    when it may have one: the full pass decides).

    Args:
        doc: The document.
        blocks: Its blocks.
        keys: Their normalised texts.
        words: Their word counts (``len(text.split())``).
        settings: Boilerplate settings.
        probability: The shipped classifier's probability per block, when
            the classifier runs.
        corpus_marks: The document's blocks repeated across the corpus.
        sentence_repeats: Whether a sentence may occur twice in it.
    """
    if corpus_marks or sentence_repeats:
        return False
    if settings.classifier and blocks:
        if probability is None:
            return False
        links = bool(doc.blocks)
        threshold = settings.html_threshold if links else settings.text_threshold
        if threshold is None:
            threshold = shipped_model("html" if links else "text").threshold
        # Every block needs at least the threshold to be marked (more inside the prose).
        if (probability >= threshold).any():
            return False
    nonempty = [key for key in keys if key]
    if len(set(nonempty)) != len(nonempty):
        return False
    signatures = 0
    text = doc.text
    for i, block in enumerate(blocks):
        piece, n = text[block.start : block.end], words[i]
        if block_kind(piece, n) is not None or section_header_kind(piece, n) is not None:
            return False
        if i < _PREFIX_BLOCKS and metadata_prefix(piece):
            return False
        signatures += comment_signature(piece, n) != 0
    return signatures < THREAD_MIN_SIGNATURES
