"""Labelled pages for the page-level guard, one file each in
``tests/data/boilerplate_guard``: the blocks of a page with the classifier's
probability of boilerplate for each, and the blocks the guard must keep
(``protected``) or leave to the classifier (``not_protected``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dedup.boilerplate.blocks import Block
from dedup.boilerplate.guard import protected_blocks
from dedup.io.html import DOM_FLAGS

CASES = sorted((Path(__file__).parents[1] / "data" / "boilerplate_guard").glob("*.json"))
HEADING_BIT = 1 << DOM_FLAGS.index("in_heading")
CONTAINER_BIT = 1 << DOM_FLAGS.index("near_main_container")
# Blocks beside the article: under comments or a sidebar, or in an <aside>.
ASIDE_BITS = sum(1 << DOM_FLAGS.index(name) for name in ("attr_comment", "attr_sidebar", "in_aside"))


def _page(case: dict) -> tuple[list[str], list[Block]]:
    """The blocks of a case (offsets into the blocks joined by blank lines);
    a ``null`` link density makes them plain-text blocks."""
    texts, blocks, pos = [], [], 0
    for row in case["blocks"]:
        flags = sum(1 << DOM_FLAGS.index(name) for name in row["flags"])
        texts.append(row["text"])
        blocks.append(Block(pos, pos + len(row["text"]), row["link_density"], flags))
        pos += len(row["text"]) + 2
    return texts, blocks


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_guard_case(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    texts, blocks = _page(case)
    probability = np.array([row["probability"] for row in case["blocks"]])
    marked = [p >= 0.5 and not row.get("rule") for p, row in zip(probability, case["blocks"])]
    liftable = [not row.get("rule") for row in case["blocks"]]
    words = [len(t.split()) for t in texts]
    html = case["blocks"][0]["link_density"] is not None
    bits = (HEADING_BIT, CONTAINER_BIT, ASIDE_BITS) if html else (0, 0, 0)
    kept = {texts[i] for i in protected_blocks(texts, words, blocks, liftable, marked, probability, case["title"], *bits)}
    for text in case["protected"]:
        assert text in kept, f"{case['name']}: {text!r} was not kept ({case['note']})"
    for text in case["not_protected"]:
        assert text not in kept, f"{case['name']}: {text!r} was kept ({case['note']})"
