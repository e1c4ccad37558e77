"""Generated PAN-like pairs: a source text and a suspicious text that holds
passages of it, verbatim, with words shuffled and replaced, or not at all.

Written for the tests (PAN's own data is only read by ``make eval-pan``):
the categories mirror PAN 2013's, the texts are synthetic.
"""

from __future__ import annotations

import random

from conftest import WORDS, synthetic_text

CATEGORIES = ("none", "verbatim", "random", "summary")


def _obfuscate(passage: str, rng: random.Random, rate: float) -> str:
    words = passage.split(" ")
    for k in range(len(words)):
        if rng.random() < rate:
            words[k] = rng.choice(WORDS)
    for _ in range(int(len(words) * rate / 2)):
        k = rng.randrange(len(words) - 1)
        words[k], words[k + 1] = words[k + 1], words[k]
    return " ".join(words)


def pan_like_pair(seed: int) -> tuple[str, str, str]:
    """``(category, suspicious text, source text)`` for one seed."""
    rng = random.Random(seed)
    category = CATEGORIES[seed % len(CATEGORIES)]
    source = synthetic_text(seed * 2 + 1, words=rng.randrange(200, 700), paragraphs=rng.randrange(3, 8))
    own = synthetic_text(seed * 2 + 2, words=rng.randrange(200, 700), paragraphs=rng.randrange(3, 8)).split("\n\n")
    if category != "none":
        paragraphs = source.split("\n\n")
        taken = paragraphs[rng.randrange(len(paragraphs))]
        if category == "random":
            taken = _obfuscate(taken, rng, 0.3)
        elif category == "summary":
            words = taken.split(" ")
            taken = " ".join(words[: max(12, len(words) // 3)]) + "."
        own.insert(rng.randrange(len(own) + 1), taken)
    return category, "\n\n".join(own), source
