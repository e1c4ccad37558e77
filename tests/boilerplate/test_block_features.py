"""Block features computed in one pass over many blocks equal their
per-block definitions, to the bit."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from dedup.boilerplate.blocks import Block, document_blocks
from dedup.boilerplate.features import (
    _DIGIT,
    _ENDS_ELLIPSIS,
    _ENDS_SENTENCE,
    _PUNCT,
    _SENTENCE_END,
    _SEPARATORS,
    _WORD,
    STOPWORDS,
    _block_stats,
    block_features,
    documents_block_features,
)
from dedup.boilerplate.rules import block_kind, section_header_kind
from dedup.document import Document

ROOT = Path(__file__).resolve().parents[2]


def reference_stats(text: str) -> list[float]:
    """The text features of one block, one word at a time (the definition)."""
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = max(len(text), 1)
    lowered = [w.lower() for w in words]
    denom = max(n_words, 1)
    return [
        math.log1p(len(text)),
        math.log1p(n_words),
        sum(w in STOPWORDS for w in lowered) / denom,
        len(_PUNCT.findall(text)) / n_chars,
        len(_DIGIT.findall(text)) / n_chars,
        sum(w[0].isupper() for w in words) / denom,
        sum(len(w) > 1 and w.isupper() for w in words) / denom,
        sum(map(len, words)) / denom,
        math.log1p(len(_SENTENCE_END.findall(text))),
        float(bool(_ENDS_SENTENCE.search(text))),
        float(bool(_ENDS_ELLIPSIS.search(text))),
        float(bool(_SEPARATORS.search(text))),
        float(block_kind(text, n_words) is not None),
        float(section_header_kind(text, n_words) is not None),
    ]


# Characters whose case or class is unusual: dotted I (lowers to two
# characters), sigma (lowers by context), title case, circled letters (upper
# case but not word characters), full-width digits, combining marks.
_TRICKY = list("aAzZ09 .!?\u2026\n\t'\"\u2019\u201d)]|\u2022\u00b7\u00bb\u203a/>_-,;:\u00c9\u00e9\u0130\u0131\u03a3\u03c3\u03c2\u01c5\u01c4\u01c6\u00df\u1e9e\uff11\uff21\uff41\u2167\u2177\u4e2d\u0640\u0345\u24b6\u24d0")
_WORDS = ["the", "The", "THE", "And", "I", "A", "AB", "ΟΔΟΣ", "İstanbul", "für", "FÜR", "été", "Share", "5 Comments", "You May Also Like", "...", ")" * 80]


def _random_texts(rng: random.Random, alphabet: list[str]) -> list[str]:
    def piece() -> str:
        if rng.random() < 0.5:
            return rng.choice(_WORDS)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    return [" ".join(piece() for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 6))]


@pytest.mark.parametrize("ascii_only", [True, False])
def test_block_stats_equal_the_per_block_definition(ascii_only):
    rng = random.Random(5)
    alphabet = _TRICKY + [chr(rng.randrange(0x110000)) for _ in range(200)]
    for _ in range(1500):
        texts = _random_texts(rng, alphabet)
        if ascii_only:
            texts = [t.encode("ascii", "ignore").decode() for t in texts]
        expected = np.array([reference_stats(t) for t in texts], dtype=np.float64)
        assert _block_stats(texts).tobytes() == expected.tobytes(), texts


def _corpus() -> list[Document]:
    return [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]


def test_block_stats_on_the_sample_corpus():
    for doc in _corpus():
        texts = [b.text(doc.text) for b in document_blocks(doc)]
        expected = np.array([reference_stats(t) for t in texts], dtype=np.float64)
        assert _block_stats(texts).tobytes() == expected.tobytes()


@pytest.mark.parametrize("links", [False, True])
def test_many_documents_at_once_equal_one_at_a_time(links):
    docs = _corpus()
    blocks = [document_blocks(d) for d in docs]
    if links:
        blocks = [[Block(b.start, b.end, (k % 5) / 4) for k, b in enumerate(bs)] for bs in blocks]
    together = documents_block_features([d.text for d in docs], blocks, links)
    for doc, doc_blocks, X in zip(docs, blocks, together):
        assert X.tobytes() == block_features(doc.text, doc_blocks, links).tobytes()
    assert documents_block_features(["", "x"], [[], [Block(0, 1)]], links)[0].shape[0] == 0


def _one_document_window_mean(values: np.ndarray, window: int) -> np.ndarray:
    """The window mean of one document's blocks (zeros padded on either side)."""
    padded = np.concatenate(([0.0] * window, values, [0.0] * window))
    counts = np.concatenate(([0.0] * window, np.ones(len(values)), [0.0] * window))
    kernel = np.ones(2 * window + 1)
    return np.convolve(padded, kernel, "valid") / np.convolve(counts, kernel, "valid")


@pytest.mark.parametrize("window", [2, 6])
def test_window_means_of_many_documents_equal_one_document_at_a_time(window):
    from dedup.boilerplate.features import _window_means

    rng = np.random.default_rng(window)
    sizes = [int(n) for n in rng.integers(0, 20, size=60)] + [1, 0, 40]
    values = rng.random(sum(sizes)) * 5
    expected, start = [], 0
    for n in sizes:
        if n:  # (a document without blocks has no features)
            expected.append(_one_document_window_mean(values[start : start + n], window))
        start += n
    assert _window_means(values, sizes, window).tobytes() == np.concatenate(expected).tobytes()
    assert _window_means(np.zeros(0), [], window).size == 0
