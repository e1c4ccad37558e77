"""Where each shared-passage group lies in each of its documents.

The group's fingerprints are found again in each member's words (the
same words and sampled n-grams the index took, boilerplate masks left
out): a run of them, no more than ``passages.anchor_window`` words apart,
is one span, from the first word of its first n-gram to the last word of
its last. Sampling keeps one n-gram in ``index_sample``, so a span may
start or end a few words inside the text shared.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings
from dedup.document import Document, Span, span_mask
from dedup.passages.groups import Groups
from dedup.text.ngrams import sampled
from dedup.text.normalize import normalize_with_offsets
from dedup.text.shingles import shingle_hashes_from_tokens, token_hash_spans


def indexed_words(doc: Document, spans: Sequence[Span] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The words the passage index reads in ``doc`` (as
    :func:`dedup.passages.candidates.index_text` gives them), with where
    each starts and ends in the original text.

    Returns:
        ``(hashes, starts, ends)``: uint64 word hashes and int64 offsets.
    """
    if not spans and doc.text.isascii():  # folding ASCII is lowering it, one character for one
        return token_hash_spans(doc.text.lower())
    normalized = normalize_with_offsets(doc.text)
    text = normalized.text
    if spans:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
        codes[span_mask(len(doc.text), spans)[normalized.starts]] = 32
        text = codes.tobytes().decode("utf-32-le")
    hashes, starts, ends = token_hash_spans(text)
    return hashes, normalized.starts[starts], normalized.ends[ends - 1]


def group_spans(
    docs: Sequence[Document], groups: Groups, settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The character spans of every group in every one of its documents.

    Args:
        docs: The documents.
        groups: The groups (:meth:`dedup.passages.groups.GroupCollector.groups`).
        settings: ``index_ngram``, ``index_sample`` and ``anchor_window``.
        masks: Boilerplate spans per document id (left out, as the index leaves them).

    Returns:
        ``(group, document, start, end)`` int64 arrays, one entry a span,
        ordered by group, document and start.
    """
    masks = masks or {}
    n = settings.index_ngram
    found: list[tuple[np.ndarray, ...]] = []
    members = np.unique(np.concatenate(groups.members)) if len(groups) else np.zeros(0, dtype=np.int64)
    for k in members.tolist():
        doc = docs[k]
        words, starts, ends = indexed_words(doc, masks.get(doc.id))
        if words.size < n:
            continue
        grams = shingle_hashes_from_tokens(words, n)
        position = np.flatnonzero(sampled(grams, settings.index_sample))
        at = np.minimum(np.searchsorted(groups.hashes, grams[position]), groups.hashes.size - 1)
        hit = groups.hashes[at] == grams[position]
        position = position[hit]
        found.append((groups.group_of[at[hit]], np.full(position.size, k, dtype=np.int64), position, starts[position], ends[position + n - 1]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    group, doc_at, position, first, last = (np.concatenate(column) for column in zip(*found))
    order = np.lexsort((position, doc_at, group))
    group, doc_at, position, first, last = group[order], doc_at[order], position[order], first[order], last[order]
    new = np.ones(group.size, dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (doc_at[1:] != doc_at[:-1]) | (position[1:] - position[:-1] > settings.anchor_window)
    begins = np.flatnonzero(new)
    span_ends = np.maximum.reduceat(last, begins)
    return group[begins], doc_at[begins], first[begins], span_ends
