"""Deterministic synthetic news-like documents for boilerplate tests."""

from __future__ import annotations

import random

from dedup.document import Document

WORDS = (
    "the council said on monday that a new plan for the river port would cost more than expected while "
    "residents of the northern district asked for a meeting with the mayor about water prices and the "
    "school budget after a long winter in which heating bills rose sharply across the region officials "
    "added that talks with the unions were going well but no agreement had been reached yet"
).split()


def sentence(rng: random.Random, words: int = 18) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 3) -> str:
    return " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(sentences))


def synthetic_docs(n: int, seed: int, footer: str | None = None, sources: list[str] | None = None) -> list[Document]:
    """``n`` documents of five random paragraphs, each ending with ``footer`` if given."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        paragraphs = [paragraph(rng) for _ in range(5)]
        if footer:
            paragraphs.append(footer)
        source = sources[i % len(sources)] if sources else None
        docs.append(Document(id=f"doc{i:03d}", text="\n\n".join(paragraphs), source=source))
    return docs
