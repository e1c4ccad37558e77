"""The page-level guard: an article is never emptied by the classifier.

The block classifier judges one block at a time, so on a page it has not
seen it can rate every block of a short article as boilerplate. The guard
looks at the page as a whole: the block with the most prose (the article's
core), the prose and headings right around it and the article's headline
keep their place, whatever the classifier said of them, unless the page is
clearly not an article (its best block is a few words, or mostly links).
Only the classifier's verdicts are lifted; a block a rule named (a sharing
prompt, a comments section, a repeat) stays marked.
"""

from __future__ import annotations

import itertools
import re
from typing import Sequence

import numpy as np

from dedup.boilerplate.blocks import Block
from dedup.text.normalize import normalize_text
from dedup.text.sentences import CLAUSE_MARKS, ENDS_SENTENCE, SCRIPT_STOPS

# Below this many words (word units, see :func:`prose_units`), or at this
# link density, the page's best block is no article.
_ARTICLE_MIN_UNITS = 8
_ARTICLE_MAX_LINK_DENSITY = 0.5
_CORE_SHARE = 0.5
# Next to a core the classifier kept, it is overruled only where it was unsure.
_UNSURE = 0.85
# A neighbour of the core continues the article when it is prose: this many
# word units, few links, ending like a sentence ...
_NEIGHBOUR_MIN_UNITS = 8
_NEIGHBOUR_MAX_LINK_DENSITY = 0.3
# ... or this long, however it ends.
_PARAGRAPH_UNITS = 20
# A heading inside the article (between two of its paragraphs) or its
# headline (before it) is short; so are list items and table rows, of which
# up to this many in a row between two paragraphs belong to the article.
_HEADING_MAX_UNITS = 25
_SANDWICH_MAX_BLOCKS = 12
# In plain text, a longer run of short lines belongs to the article as one
# unit when most of its lines hold a figure: a table written one cell or one
# row per line (standings, a calendar, results). A menu's lines rarely do.
_TABLE_MIN_BLOCKS = 4
_TABLE_FIGURE_SHARE = 0.6
_FIGURE = re.compile(r"\d")
# On HTML, sentences with links in them (a digest of the day's news) still
# continue the article below this link density.
_LINKED_PROSE_MAX_LINK_DENSITY = 0.7
# How far before the article a heading is taken for its headline, when no
# block before it matches the page's title.
# The headline's words are mostly the title's (which adds the site's name).
_TITLE_SHARE = 0.7
_HEADING_LOOKBACK = 8
# The block that repeats the title covers this share of its words, the
# title cut at its separators (the site's name in "Headline | Site" left out).
_TITLE_COVER = 0.8
# How many blocks after that headline the article's core is looked for first.
_HEADLINE_WINDOW = 20
_TITLE_PARTS = re.compile(r"\s+[|\u2013\u2014\u00ab\u00bb:-]+\s+|:\s+|\s+::\s+")
_PLAIN_HEADING_LOOKBACK = 3
# A long block without a sentence stop or a clause mark anywhere is a list
# of words (a tag cloud, a menu), not prose: it weighs this much as a core.
_WORD_LIST_WEIGHT = 0.25
_PUNCTUATED = re.compile(f"[.!?\u2026{SCRIPT_STOPS}{CLAUSE_MARKS}]")
# Chinese, Japanese and Korean write words without spaces: two characters
# count as one word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def prose_units(text: str, words: int) -> int:
    """Words of ``text``, with Chinese, Japanese and Korean characters
    counted two to a word (``words`` is its count of space-separated words)."""
    if text.isascii():
        return words
    cjk = len(_CJK.findall(text))
    return words + cjk // 2 if cjk else words


def _is_heading(block: Block, text: str, units: int, heading_bit: int) -> bool:
    """A short block that reads as a heading: an HTML heading element, or in
    plain text a short line that does not end like a sentence."""
    if units == 0 or units > _HEADING_MAX_UNITS or (block.link_density or 0.0) >= _ARTICLE_MAX_LINK_DENSITY:
        return False
    if block.link_density is not None and heading_bit:
        return bool(block.dom_flags & heading_bit)
    return not ENDS_SENTENCE.search(text) and not text.rstrip().endswith(",")


def protected_blocks(
    texts: Sequence[str],
    words: Sequence[int],
    blocks: Sequence[Block],
    liftable: Sequence[bool],
    marked: Sequence[bool],
    probability: np.ndarray | None,
    title: str | None = None,
    heading_bit: int = 0,
    container_bit: int = 0,
    aside_bits: int = 0,
) -> list[int]:
    """The blocks the page-level guard keeps (see the module doc).

    Args:
        texts: The blocks' texts.
        words: Their word counts.
        blocks: The blocks (link density and DOM flags for HTML input).
        liftable: Per block, whether it is unmarked or marked only by the
            classifier (the guard may keep it); a rule's verdict stays.
        marked: Per block, whether the classifier marked it. When it left
            the article's core alone, the guard lifts only its unsure verdicts.
        probability: The classifier's probability of boilerplate per block,
            if it ran.
        title: The page's title, when known (the headline matches it).
        heading_bit: The DOM flag of a block inside a heading element.
        container_bit: The DOM flag of a block in or next to the element
            that holds most of the page's prose: when the core has it, the
            article does not continue past a block without it.
        aside_bits: The DOM flags of a block beside the article (under an
            element whose class or id names comments or a sidebar, or in an
            ``<aside>``): such a block is the core only when the page has
            no prose elsewhere.

    Returns:
        Indices of the blocks to keep, in order.
    """
    if not blocks:
        return []
    units = [prose_units(t, w) for t, w in zip(texts, words)]
    density = [b.link_density or 0.0 for b in blocks]
    html = bool(heading_bit) and blocks[0].link_density is not None
    core, core_value, anchor = _core(texts, units, density, blocks, liftable, title, heading_bit, aside_bits)
    if core is None:
        # A page of a headline and a few short lines (a photo post, a
        # one-line blog entry): on HTML the block that repeats the title
        # and the short lines under it are the article.
        return _thin_article(anchor, units, density, liftable) if html else []
    # The article starts at its headline, when a block repeats the title.
    floor = anchor if anchor is not None and anchor < core else -1
    page = _Page(texts, units, density, blocks, liftable, marked, probability, html)
    kept, first = page.article(core, core_value, floor, container_bit)
    headline = None if floor >= 0 or _is_title(texts[core], title) or _is_title(texts[first], title) else _headline(texts, blocks, first, liftable, units, title, heading_bit)
    if headline is not None:
        kept.append(headline)
    return sorted(i for i in kept if liftable[i])


class _Page:
    """A page's blocks as the guard grows the article out from its core:
    which blocks are prose, which are short blocks that may sit between
    prose (a subheading, list items, table rows), and how far each run goes.

    Args:
        texts, units, density, blocks, liftable, marked: Per block, as
            :func:`protected_blocks` has them (``units``: word units).
        probability: The classifier's probability of boilerplate per block,
            or ``None`` when it did not run.
        html: Whether the page is HTML (link density and DOM flags known).
    """

    def __init__(self, texts, units, density, blocks, liftable, marked, probability: np.ndarray | None, html: bool) -> None:
        self.texts, self.units, self.density, self.blocks = texts, units, density, blocks
        self.liftable, self.marked, self.html = liftable, marked, html
        self.n = len(blocks)
        self.p = np.zeros(self.n) if probability is None else probability
        # On HTML, a list item that is a sentence with links in it (a week's
        # news, each line a link to its story) is the article's, not a menu's.
        self.linked_sentence = [units[i] >= _NEIGHBOUR_MIN_UNITS and bool(ENDS_SENTENCE.search(texts[i])) for i in range(self.n)] if html else []
        self.sure, self.inside, self.thin = np.inf, 0, False

    def article(self, core: int, core_value: float, floor: int, container_bit: int) -> tuple[list[int], int]:
        """The blocks of the article around ``core`` (headline aside), and its first block.

        Args:
            core: The article's core block.
            core_value: Its prose weight.
            floor: The block that repeats the title, before the core, or -1.
            container_bit: As for :func:`protected_blocks`.
        """
        # A thin article (a headline over a list, a paragraph over a table) may
        # end with its short blocks: after it come only short blocks to the end
        # of the page (a comments link, a footer line a rule named).
        self.thin = core_value < _PARAGRAPH_UNITS
        # When the classifier kept the core it found the article: around it,
        # it is overruled only where it was unsure.
        self.sure = _UNSURE if not self.marked[core] else np.inf
        # On an HTML page whose core lies in the main container, the article
        # stops where the container does (a sidebar, a comment list after it).
        self.inside = container_bit if self.blocks[core].dom_flags & container_bit else 0
        kept = [core]
        first = last = core
        # Outwards while the text is prose, or short blocks between prose.
        while step := self.reach(last + 1, 1):
            kept.extend(range(last + 1, last + 1 + step))
            last += step
        if self.thin and self.html:
            # A thin article ends with the short lines that directly follow it.
            kept.extend(itertools.takewhile(self.short, range(last + 1, min(last + 1 + _SANDWICH_MAX_BLOCKS, self.n))))
        while first - 1 > floor and (step := self.reach(first - 1, -1)):
            step = min(step, first - max(floor, 0))
            kept.extend(range(first - step, first))
            first -= step
        if floor >= 0:
            # Between the headline and the core: the article's opening (a date
            # line, a list), however many short blocks it holds; on HTML, the
            # short blocks that directly follow the headline when a longer
            # block (a tag line of links) comes between them and the core.
            if all(self.short(i) for i in range(floor + 1, first)):
                kept.extend(range(floor + 1, first))
            elif self.html:
                kept.extend(itertools.takewhile(self.short, range(floor + 1, first)))
            kept.append(floor)
        return kept, first

    def prose(self, i: int) -> bool:
        """Whether block ``i`` is prose the article continues with."""
        density = self.density[i]
        return (
            self.liftable[i]
            and (not self.inside or bool(self.blocks[i].dom_flags & self.inside))
            and (not self.marked[i] or self.p[i] < self.sure)
            and (_is_paragraph(self.texts[i], self.units[i], density) or (self.html and self.linked_sentence[i] and density < _LINKED_PROSE_MAX_LINK_DENSITY))
        )

    def short(self, i: int) -> bool:
        """Whether block ``i`` is a short block that may sit inside the article."""
        # (A short block a rule marked, such as an advertisement label or a
        # teaser line, stays marked but does not end the article.)
        if self.inside and not self.blocks[i].dom_flags & self.inside:
            return False
        if not self.liftable[i]:
            return 0 < self.units[i] <= _HEADING_MAX_UNITS
        few_links = self.density[i] < _ARTICLE_MAX_LINK_DENSITY or (self.html and self.linked_sentence[i])
        return 0 < self.units[i] <= _HEADING_MAX_UNITS and few_links and (not self.marked[i] or self.p[i] < self.sure)

    def reach(self, i: int, step: int) -> int:
        """How many blocks from ``i`` on (in direction ``step``) continue the
        article: prose, or a run of short blocks (a subheading, list items,
        table rows) that more prose follows (or, after a thin article, the
        end of the page)."""
        n, j = self.n, i
        while 0 <= j < n and self.short(j) and not self.prose(j) and abs(j - i) < _SANDWICH_MAX_BLOCKS:
            j += step
        if not self.html and abs(j - i) == _SANDWICH_MAX_BLOCKS:
            j = self._table_end(i, j, step)
        if 0 <= j < n and self.prose(j):
            return abs(j - i) + 1
        return n - i if self.thin and step > 0 and j == n and i < n else 0

    def _table_end(self, i: int, j: int, step: int) -> int:
        """Where the run of short blocks from ``i`` ends when it reads as a
        table (:data:`_TABLE_FIGURE_SHARE` of its blocks hold a figure),
        else ``j`` (where the ordinary run stopped)."""
        end = j
        while 0 <= end < self.n and self.short(end) and not self.prose(end):
            end += step
        run = range(i, end, step)
        figures = sum(bool(_FIGURE.search(self.texts[k])) for k in run)
        return end if len(run) >= _TABLE_MIN_BLOCKS and figures >= _TABLE_FIGURE_SHARE * len(run) else j


def _core(texts, units, density, blocks, liftable, title, heading_bit: int, aside_bits: int) -> tuple[int | None, float, int | None]:
    """The article's core (``None`` when the page's best block is no
    article), the prose score of its run and the block that repeats the
    page's title (:func:`_title_block`).

    The core is the first block with at least half the page's most prose,
    whatever the classifier thinks of it: the article comes before its
    comments, which may hold a longer paragraph. A paragraph counts with the
    run of paragraphs it opens or belongs to (a short article of a few
    paragraphs before one long notice). Blocks beside the article and before
    its headline compete only when the page has no prose elsewhere.
    """
    n = len(texts)
    score = [_prose_score(texts[i], units[i], density[i]) if liftable[i] else -1.0 for i in range(n)]
    aside = [bool(blocks[i].dom_flags & aside_bits) for i in range(n)]
    anchor = _title_block(texts, units, density, liftable, title)
    if anchor is None and heading_bit and blocks[0].link_density is not None:
        anchor = _heading_title_block(texts, units, density, blocks, liftable, title, heading_bit)
    # A block under comments or in a sidebar (a reader's comment, the
    # blogger's profile) is not the core; nor is one before the block that
    # repeats the page's title: the article follows its headline, closely
    # when the blocks right after it hold prose.
    choices = [[aside]]
    if anchor is not None:
        choices.append([[not anchor < i <= anchor + _HEADLINE_WINDOW for i in range(n)], [i <= anchor for i in range(n)]])
    for choice in choices:
        for beside in choice:
            elsewhere = [-1.0 if beside[i] else value for i, value in enumerate(score)]
            if any(beside) and max(_run_scores(texts, units, density, liftable, elsewhere)) >= _ARTICLE_MIN_UNITS:
                score = elsewhere
                break
    best = max(score)
    value = _run_scores(texts, units, density, liftable, score)
    candidates = [i for i, v in enumerate(value) if v >= _CORE_SHARE * best]
    eligible = [i for i in candidates if units[i] >= _ARTICLE_MIN_UNITS and density[i] < _ARTICLE_MAX_LINK_DENSITY]
    # A heading is the core only on a page without a paragraph that could
    # be: the article's text follows its headline.
    paragraphs = [
        i for i in eligible
        if _is_paragraph(texts[i], units[i], density[i]) and not _is_heading(blocks[i], texts[i], units[i], heading_bit)
    ]
    core = (paragraphs or eligible or candidates)[0]
    if score[core] <= 0 or units[core] < _ARTICLE_MIN_UNITS or density[core] >= _ARTICLE_MAX_LINK_DENSITY:
        return None, 0.0, anchor
    return core, value[core], anchor


def _thin_article(anchor: int | None, units, density, liftable) -> list[int]:
    """The headline that repeats the page's title and the run of short
    lines under it (at most :data:`_SANDWICH_MAX_BLOCKS`), on a page without
    a paragraph of prose; nothing without such a headline."""
    if anchor is None:
        return []
    kept = [anchor]
    for i in range(anchor + 1, min(anchor + 1 + _SANDWICH_MAX_BLOCKS, len(units))):
        if not (0 < units[i] <= _HEADING_MAX_UNITS and density[i] < _ARTICLE_MAX_LINK_DENSITY):
            break
        if liftable[i]:
            kept.append(i)
    return kept


def _heading_title_block(texts, units, density, blocks, liftable, title: str | None, heading_bit: int) -> int | None:
    """On HTML, the first heading element that repeats any part of the
    page's title of two or more words (the headline in "Site: Headline -
    Date", where the longest part is the site's name)."""
    if not title:
        return None
    parts = [set(normalize_text(part).split()) for part in _TITLE_PARTS.split(title)]
    parts = [part for part in parts if len(part) >= 2]
    for i, text in enumerate(texts):
        if not (blocks[i].dom_flags & heading_bit and liftable[i] and density[i] < _ARTICLE_MAX_LINK_DENSITY):
            continue
        if 2 <= units[i] <= _HEADING_MAX_UNITS and _is_title(text, title):
            words = set(normalize_text(text).split())
            if any(len(part & words) >= _TITLE_COVER * len(part) for part in parts):
                return i
    return None


def _title_block(texts, units, density, liftable, title: str | None) -> int | None:
    """The first block that is the page's title without the site's name
    (the longest part of the title between separators such as " | "), not
    a link: the article's headline."""
    if not title:
        return None
    headline = max(_TITLE_PARTS.split(title), key=lambda part: len(part.split()))
    wanted = set(normalize_text(headline).split())
    if len(wanted) < 2:
        return None
    for i, text in enumerate(texts):
        if liftable[i] and density[i] < _ARTICLE_MAX_LINK_DENSITY and 2 <= units[i] <= _HEADING_MAX_UNITS and _is_title(text, title):
            if len(wanted & set(normalize_text(text).split())) >= _TITLE_COVER * len(wanted):
                return i
    return None


def _prose_score(text: str, units: int, density: float) -> float:
    """How much a block weighs as the article's core: its words outside links,
    less for a long list of words without punctuation."""
    score = units * (1.0 - density)
    return score * _WORD_LIST_WEIGHT if units >= _PARAGRAPH_UNITS and not _PUNCTUATED.search(text) else score


def _run_scores(texts, units, density, liftable, score: list[float]) -> list[float]:
    """Per block, its prose score, or for a paragraph of prose the score of
    the run of consecutive paragraphs it belongs to: an article of a few
    short paragraphs outweighs one long notice or comment."""
    value = list(score)
    i = 0
    while i < len(score):
        j = i
        while j < len(score) and score[j] > 0 and liftable[j] and _is_paragraph(texts[j], units[j], density[j]):
            j += 1
        if j > i:
            total = sum(score[i:j])
            value[i:j] = [total] * (j - i)
        i = max(j, i + 1)
    return value


def _is_paragraph(text: str, units: int, density: float) -> bool:
    """A block of prose: enough words, few links, ending like a sentence or long."""
    return (
        units >= _NEIGHBOUR_MIN_UNITS
        and density < _NEIGHBOUR_MAX_LINK_DENSITY
        and (units >= _PARAGRAPH_UNITS or bool(ENDS_SENTENCE.search(text)))
    )


def _is_title(text: str, title: str | None) -> bool:
    """Whether a block reads as the page's title: two or more words, mostly the title's."""
    if not title:
        return False
    words = normalize_text(text).split()
    title_words = set(normalize_text(title).split())
    return 2 <= len(words) <= _HEADING_MAX_UNITS and sum(w in title_words for w in words) >= _TITLE_SHARE * len(words)


def _headline(texts, blocks, first: int, liftable, units, title: str | None, heading_bit: int) -> int | None:
    """The article's headline before block ``first``: the nearest block
    whose words are mostly the title's, else the nearest heading."""
    if title:
        for i in range(first - 1, -1, -1):
            # (A blog's headline is often a link to the post itself.)
            if liftable[i] and 2 <= units[i] <= _HEADING_MAX_UNITS and _is_title(texts[i], title):
                return i
    lookback = _HEADING_LOOKBACK if heading_bit and blocks[0].link_density is not None else _PLAIN_HEADING_LOOKBACK
    for i in range(first - 1, max(first - lookback, 0) - 1, -1):
        if liftable[i] and units[i] >= 2 and _is_heading(blocks[i], texts[i], units[i], heading_bit):
            return i
    return None


def headline_before_article(texts: Sequence[str], words: Sequence[int], liftable: Sequence[bool], title: str | None) -> int | None:
    """The block that repeats the page's title when a paragraph of prose
    follows it closely (within :data:`_HEADLINE_WINDOW` blocks): the start
    of the article; ``None`` when there is no such block.

    Args:
        texts: The blocks' texts (plain text: no link density).
        words: Their word counts.
        liftable: Per block, whether no rule has marked it.
        title: The page's title, when known.

    Returns:
        The headline's index, or ``None``.
    """
    units = [prose_units(t, w) for t, w in zip(texts, words)]
    density = [0.0] * len(texts)
    anchor = _title_block(texts, units, density, liftable, title)
    if anchor is None:
        return None
    after = range(anchor + 1, min(anchor + 1 + _HEADLINE_WINDOW, len(texts)))
    return anchor if any(_is_paragraph(texts[i], units[i], 0.0) for i in after) else None
