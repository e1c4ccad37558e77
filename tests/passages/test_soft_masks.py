"""Shared text is not boilerplate on a block classifier's guess alone.

A span the classifier alone calls boilerplate is a soft mask in the pair
pipeline: where the other document shares it, it is reuse (found, counted
as shared); elsewhere it stays out of the measured characters. A hard
mask (a rule, a repeat) always holds.
"""

from __future__ import annotations

from dedup.config import Settings
from dedup.diff import compare
from dedup.document import Document
from dedup.passages.pairs import verify_pairs
from dedup.passages.relations import PairMask

LIST = "\n".join(
    f"Historical map of the {place} drawn by {maker} in {year}"
    for place, maker, year in (
        ("northern coast", "Abraham Ortelius", 1608), ("river valley", "Nicolas Sanson", 1650),
        ("southern islands", "Herman Moll", 1720), ("eastern mountains", "Emanuel Bowen", 1750),
        ("western plains", "Rigobert Bonne", 1780), ("old harbour", "Diogo Homem", 1558),
    )
)
OWN_A = "The library opened its new reading room on Monday. Visitors praised the quiet space and the long opening hours."
OWN_B = "A collector wrote about his favourite maps. He said the old ones were drawn with great care and patience."
MENU = "Home | About | Contact | Sitemap | Privacy"


def _pair(kind: bool | None) -> tuple[Document, Document, dict]:
    """Two documents sharing ``LIST``; in a, the list is masked (soft, hard or not at all)."""
    a = Document("a", OWN_A + "\n" + LIST + "\n" + MENU)
    b = Document("b", OWN_B + "\n" + LIST)
    start = a.text.index(LIST)
    menu = a.text.index(MENU)
    masks = {} if kind is None else {"a": [PairMask(start, start + len(LIST), kind), PairMask(menu, menu + len(MENU), True)]}
    return a, b, masks


def test_a_soft_mask_does_not_hide_text_the_other_document_shares() -> None:
    a, b, masks = _pair(True)
    diff = compare(a, b, Settings(jobs=1), masks)
    assert diff.relation is not None
    start = a.text.index(LIST)
    assert any(p.a.start <= start + 10 and p.a.end >= start + len(LIST) - 10 for p in diff.alignment.passages)
    # the unshared soft-masked menu stays out of the measured characters
    assert diff.measured_chars[0] == len(a.text) - len(MENU)
    assert diff.measured_chars[1] == len(b.text)


def test_a_hard_mask_still_hides_it() -> None:
    a, b, masks = _pair(False)
    diff = compare(a, b, Settings(jobs=1), masks)
    assert diff.relation is None
    assert not diff.alignment.passages
    assert diff.measured_chars[0] == len(a.text) - len(LIST) - len(MENU)


def test_scan_pairs_and_diff_agree_on_soft_masks() -> None:
    a, b, masks = _pair(True)
    settings = Settings(jobs=1)
    [found] = verify_pairs([a, b], [(0, 1)], settings, masks)
    diff = compare(a, b, settings, masks)
    assert found.relation == diff.relation
    assert round(found.alignment.share_a, 6) == round(diff.alignment.share_a, 6)
    assert round(found.alignment.share_b, 6) == round(diff.alignment.share_b, 6)
