"""The verdicts on one document's blocks, step by step: sections, comment
threads, named blocks, repeats, the classifier and the article guard (the
order is :func:`dedup.boilerplate.detect.document_boilerplate`'s)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.boilerplate.blocks import Block
from dedup.boilerplate.features import HTML_FEATURES, TEXT_FEATURES, block_features
from dedup.boilerplate.guard import headline_before_article, prose_units, protected_blocks
from dedup.boilerplate.model import BlockModel, shipped_model
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
from dedup.boilerplate.spans import CLASSIFIER_REASON, OTHER, REPEAT_IN_DOCUMENT, BoilerplateSpan, Mark
from dedup.document import Document
from dedup.io.html import DOM_FLAGS
from dedup.text.normalize import normalize_text
from dedup.text.sentences import ENDS_SENTENCE, sentence_spans

# A section ends at a paragraph of this many words that the classifier rates
# below this probability of boilerplate: the article has resumed.
_CONTENT_PROBABILITY = 0.3
_CONTENT_WORDS = 15
_SECTION_AFTER_PARAGRAPHS = 2
_ADVERT_MAX_WORDS = 3
# A block mostly of link text is a link to what it names.
_LINK_DENSITY = 0.5
# Blocks of fewer words take the ordinary threshold inside the run of prose.
_INSIDE_MIN_WORDS = 5
# A block that reads as a full sentence (for the plain-text prose guard).
_SENTENCE_WORDS = 10
_HEADING_BIT = 1 << DOM_FLAGS.index("in_heading")
_CONTAINER_BIT = 1 << DOM_FLAGS.index("near_main_container")
# Blocks beside the article: under comments or a sidebar, in an <aside>, or
# hidden (a copy of the article kept for scripts).
_ASIDE_BITS = sum(1 << DOM_FLAGS.index(name) for name in ("attr_comment", "attr_sidebar", "in_aside", "hidden"))
# A block that is a caption: its own element a <figcaption> or <caption>,
# or its own class or id naming one.
_CAPTION_BITS = sum(1 << DOM_FLAGS.index(name) for name in ("own_caption", "own_attr_caption"))
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

def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def mark_sections(text: str, blocks, words: list[int], marks: list, settings, probability) -> None:
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


def mark_threads(texts: list[str], words: list[int], marks: list, start: int) -> None:
    """A comment thread without comment markup: from the first to the last
    of at least two comment signatures past block ``start`` ("Posted by:
    Brad, Glasgow on 11:16am" after each comment, or "Brad says:" before
    it), with the comment that the first signature follows (or the last
    precedes). After a comments header ("Comments", "5 Kommentare"), the
    thread may start before ``start``: the header says where it begins."""
    signed = [(i, side) for i in range(start, len(texts)) if (side := comment_signature(texts[i], words[i]))]
    if signed:
        # (Looked for only when the later part holds a signature: most texts have none.)
        header = next((i for i in range(start) if section_header_kind(texts[i], words[i]) == COMMENTS), start)
        signed = [(i, side) for i in range(header, start) if (side := comment_signature(texts[i], words[i]))] + signed
        start = header
    if len(signed) < THREAD_MIN_SIGNATURES:
        return
    first = signed[0][0] - (signed[0][1] > 0)
    last = signed[-1][0] + (signed[-1][1] < 0)
    first, last = max(first, start), min(last, len(texts) - 1)
    reason = f"in a thread of {len(signed)} signed comments ({_KIND_WORDS[COMMENTS]})"
    for i in range(first, last + 1):
        if marks[i] is None:
            marks[i] = (COMMENTS, reason)


def first_block_past(blocks, offset: float) -> int:
    return next((i for i, b in enumerate(blocks) if b.start >= offset), len(blocks))


def mark_named(texts: list[str], words: list[int], marks: list) -> None:
    for i, text in enumerate(texts):
        if marks[i] is None:
            kind = block_kind(text, words[i])
            if kind in _DIRECT_KINDS or (kind == CAPTION and is_credit(text, words[i])):
                marks[i] = (kind, f"reads as {_KIND_WORDS[kind]}")


def mark_repeats(text: str, blocks, keys: list[str], words: list[int], marks: list, settings) -> None:
    """Later copies of a block are repeats; a link to the text (a menu
    entry naming the article) is no copy of it: the text after it is the
    first copy."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue
        if key in first and _is_link(blocks[first[key]]) and not _is_link(blocks[i]):
            first[key] = i
        elif key in first and words[i] >= settings.repeat_min_words and marks[i] is None:
            line = _line(text, blocks[first[key]].start)
            marks[i] = (REPEAT_IN_DOCUMENT, f"a second copy of line {line} of this document")
        first.setdefault(key, i)


def _is_link(block: Block) -> bool:
    return (block.link_density or 0.0) >= _LINK_DENSITY


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


def classifier_threshold(links: bool, settings, model: BlockModel | None = None) -> float:
    """The probability at or above which the classifier marks a block (the
    least any block needs: see :func:`classify`).

    Args:
        links: Whether the document is HTML (has link densities).
        settings: Boilerplate settings.
        model: The block model (by default the shipped one of the document's kind).
    """
    threshold = settings.html_threshold if links else settings.text_threshold
    if threshold is None:
        threshold = (model or shipped_model("html" if links else "text")).threshold
    return threshold


def classify(doc: Document, blocks, texts, keys, words, settings, model: BlockModel | None, scored=None):
    """Each block's probability of being boilerplate, and the probability
    it needs to be marked. For plain text: inside the run of prose that
    holds the article, only when the classifier is nearly sure; a headline
    never. ``scored`` is ``(features, probability)`` when already computed."""
    links = bool(doc.blocks)
    model = model or shipped_model("html" if links else "text")
    threshold = classifier_threshold(links, settings, model)
    names = HTML_FEATURES if links else TEXT_FEATURES
    if scored is None:
        X = block_features(doc.text, blocks, links, keys)
        probability = model.predict_proba(model.columns(X, names))
    else:
        X, probability = scored
    needed = np.full(len(blocks), threshold)
    # Every block needs at least ``threshold`` (below, only more): when all
    # fall short of it, nothing is marked whatever else is needed.
    if not links and not (probability < threshold).all():
        # Without link density the model is less sure of itself inside the
        # article: there, only a surer score marks a block. A line of a few
        # words (a menu entry, a section name between teasers) is judged as
        # anywhere else: the prose run of a page can span its teasers.
        inside = _prose_run(X[:, names.index("in_prose_region")] > 0, texts, words)
        inside &= np.asarray(words) >= _INSIDE_MIN_WORDS
        needed[inside] = max(threshold, settings.inside_threshold)
        if _is_headline(texts, words):
            needed[0] = np.inf
    return probability, needed


def mark_classified(blocks, texts, words, marks, probability, needed) -> list[bool]:
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
        marks[i] = (kind, f"{CLASSIFIER_REASON} {probability[i]:.0%} likely boilerplate")
    return liftable if marked else None


def guard(doc: Document, blocks, texts, words, marks, probability, liftable) -> None:
    """Lift the classifier's verdict from the article's core, its prose
    neighbours and headline (:mod:`dedup.boilerplate.guard`)."""
    marked = [lift and mark is not None for lift, mark in zip(liftable, marks)]
    for i in protected_blocks(texts, words, blocks, liftable, marked, probability, doc.title, _HEADING_BIT, _CONTAINER_BIT, _ASIDE_BITS):
        # A photo caption the classifier marked keeps its verdict: it sits
        # inside the article but is not its text.
        if liftable[i] and not (marked[i] and blocks[i].dom_flags & _CAPTION_BITS):
            marks[i] = None


def mark_before_headline(doc: Document, texts: list[str], words: list[int], marks: list) -> None:
    """In plain text with a title, the blocks before the article's headline
    (the block that repeats the title, with prose after it) are the page
    around the article: teasers of other stories, a ticker, a menu. Without
    link density the classifier takes a teaser (a headline run into its
    summary) for prose; its place before the headline says what it is."""
    if doc.blocks or not doc.title:
        return
    by_rule = [mark is not None and not mark[1].startswith(CLASSIFIER_REASON) for mark in marks]
    start = headline_before_article(texts, words, [not rule for rule in by_rule], doc.title)
    for i in range(start or 0):
        if marks[i] is None:
            marks[i] = (OTHER, "before the article's headline")


def block_spans(blocks: Sequence[Block], marks: list) -> list[BoilerplateSpan]:
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


def sentence_repeats(text: str, blocks, keys, marks, settings) -> list[BoilerplateSpan]:
    """Later copies of sentences, inside blocks that are otherwise unmarked."""
    seen: dict[str, int] = {}
    linked: set[str] = set()  # keys whose first copy is a link
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
                if _is_link(block):
                    linked.add(key)
            elif key in linked and not _is_link(block):
                # (A link naming the text is no copy of it: see mark_repeats.)
                seen[key] = start
                linked.discard(key)
            elif marks[i] is None:
                line = _line(text, seen[key])
                spans.append(BoilerplateSpan(start, end, REPEAT_IN_DOCUMENT, f"a second copy of a sentence on line {line}"))
    return spans


# Blocks at the start of a document where a metadata prefix is looked for.
METADATA_BLOCKS = 3


def metadata_prefixes(text: str, blocks, marks) -> list[BoilerplateSpan]:
    spans = []
    for i, block in enumerate(blocks[:METADATA_BLOCKS]):
        if marks[i] is None:
            size = metadata_prefix(block.text(text))
            if size:
                start, end = block.start, block.start + size
                while end > start and text[end - 1].isspace():
                    end -= 1
                spans.append(BoilerplateSpan(start, end, METADATA, "a date line, not article text"))
    return spans
