"""Where each shared-passage group lies in each of its documents.

The group's fingerprints are found again in each member's words (the
same words and sampled n-grams the index took, boilerplate masks left
out): a run of them, no more than ``passages.anchor_window`` words apart,
is one span, from the first word of its first n-gram to the last word of
its last. Sampling keeps one n-gram in ``index_sample``, so a span may
start or end a few words inside the text shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class GroupSpans:
    """What :func:`group_spans` finds, each member document read once.

    Attributes:
        spans: Per group, ``(document index, [[start, end], ...])`` of each
            member holding it, in corpus order.
        texts: Per group, the text of its first span in its first document.
        dates: The date of each member document that has one.
    """

    spans: dict[int, list[tuple[int, list[list[int]]]]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    dates: dict[int, str] = field(default_factory=dict)


def group_spans(
    docs: Sequence[Document], groups: Groups, settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None,
    text_chars: int = 300,
) -> GroupSpans:
    """The character spans of every group in every one of its documents.

    Args:
        docs: The documents.
        groups: The groups (:meth:`dedup.passages.groups.GroupCollector.groups`).
        settings: ``index_ngram``, ``index_sample`` and ``anchor_window``.
        masks: Boilerplate spans per document id (left out, as the index leaves them).
        text_chars: Characters kept of each group's text.

    Returns:
        A :class:`GroupSpans`.
    """
    masks = masks or {}
    n = settings.index_ngram
    out = GroupSpans()
    members = np.unique(np.concatenate(groups.members)) if len(groups) else np.zeros(0, dtype=np.int64)
    for k in members.tolist():
        doc = docs[k]
        if doc.date:
            out.dates[k] = doc.date
        words, starts, ends = indexed_words(doc, masks.get(doc.id))
        if words.size < n:
            continue
        grams = shingle_hashes_from_tokens(words, n)
        position = np.flatnonzero(sampled(grams, settings.index_sample))
        at = np.minimum(np.searchsorted(groups.hashes, grams[position]), groups.hashes.size - 1)
        hit = groups.hashes[at] == grams[position]
        position, group = position[hit], groups.group_of[at[hit]]
        order = np.lexsort((position, group))
        position, group = position[order], group[order]
        new = np.ones(group.size, dtype=bool)
        new[1:] = (group[1:] != group[:-1]) | (position[1:] - position[:-1] > settings.anchor_window)
        begins = np.flatnonzero(new)
        last = np.maximum.reduceat(position, begins) if begins.size else begins
        for g, first, end in zip(group[begins].tolist(), starts[position[begins]].tolist(), ends[last + n - 1].tolist()):
            held = out.spans.setdefault(g, [])
            if held and held[-1][0] == k:
                held[-1][1].append([first, end])
                continue
            held.append((k, [[first, end]]))
            if g not in out.texts:  # members come in corpus order: this is the group's first document
                out.texts[g] = doc.text[first : min(end, first + text_chars)]
    return out
