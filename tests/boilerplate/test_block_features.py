"""Block features computed in one pass over many blocks equal their
per-block definitions, to the bit."""

from __future__ import annotations

import math
import random
import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from dedup.boilerplate import ascii_stats
from dedup.boilerplate.blocks import Block, document_blocks
from dedup.boilerplate.features import (
    HTML_FEATURES,
    TEXT_FEATURES,
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
    char_table,
    documents_block_features,
)
from dedup.boilerplate.rules import block_kind, section_header_kind
from dedup.document import Document
from dedup.io.html import DOM_FLAGS
from dedup.text.normalize import normalize_text

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


def reference_document_features(text: str, blocks: list[Block], links: bool) -> np.ndarray:
    """The feature matrix of one document, block by block and neighbour by
    neighbour (the definition the batched computation must equal)."""
    texts = [b.text(text) for b in blocks]
    n = len(texts)
    stats = np.array([reference_stats(t) for t in texts], dtype=np.float64).reshape(n, 14)
    words = [len(_WORD.findall(t)) for t in texts]
    lengths = [len(t) for t in texts]
    density = [b.link_density or 0.0 for b in blocks]
    stop = stats[:, 2].tolist() if n else []
    log_words = stats[:, 1].tolist() if n else []

    def around(values, i, window):
        near = values[max(i - window, 0) : i + window + 1]
        return sum(near) / len(near)

    def prev(values, i):
        return values[i - 1] if i > 0 else 0.0

    def after(values, i):
        return values[i + 1] if i + 1 < n else 0.0

    prose = [i for i in range(n) if words[i] >= 25 and stop[i] >= 0.25 and density[i] < 0.3]
    longest = words.index(max(words)) if n else 0
    keys = [normalize_text(t) for t in texts]
    rows = []
    for i in range(n):
        header = [stats[j, 13] > 0 for j in range(i)]
        rank = sum(w < words[i] for w in words) + sum(w == words[i] for w in words[:i])
        row = list(stats[i]) + [
            i / max(n - 1, 1),
            sum(lengths[:i]) / max(sum(lengths), 1),
            float(np.log1p(sum(words))),
            prev(log_words, i),
            after(log_words, i),
            around(log_words, i, 2),
            around(stop, i, 2),
            float(any(header) and not stats[i, 13] > 0),
            float(np.log(keys.count(keys[i]) if n > 1 else 1)),
            rank / max(n - 1, 1),
            sum(words[:i]) / max(sum(words), 1),
            (i - longest) / max(n, 1),
            around(log_words, i, 6),
            prev(stop, i),
            after(stop, i),
            float(bool(prose) and prose[0] <= i <= prose[-1]),
            float(np.log1p(min(abs(i - p) for p in prose) if prose else n)),
        ]
        if links:
            row += [density[i], prev(density, i), after(density, i), around(density, i, 2), around(density, i, 6)]
            row += [float(blocks[i].dom_flags >> k & 1) for k in range(len(DOM_FLAGS))]
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(n, len(HTML_FEATURES if links else TEXT_FEATURES))


def _random_documents(rng: random.Random, count: int) -> tuple[list[str], list[list[Block]]]:
    """Documents of 0 to 30 blocks: prose paragraphs (some repeated), menu
    lines, section headers; random link densities and DOM flags."""
    pieces = ["Home | News | Sport", "You May Also Like", "5 Comments", "Share", "Read more...",
              " ".join(["the council said that the plan would cost more than expected"] * 3)]
    texts, blocks = [], []
    for _ in range(count):
        parts = []
        for _ in range(rng.choice([0, 1, 1, 2, 3, 8, 30])):
            if rng.random() < 0.5:
                parts.append(rng.choice(pieces))
            else:
                parts.append(" ".join(rng.choice(_WORDS[:14] + ["of", "and", "word"]) for _ in range(rng.randint(1, 60))))
        text, doc_blocks, pos = "", [], 0
        for part in parts:
            doc_blocks.append(Block(pos, pos + len(part), rng.choice([0.0, 0.25, 0.5, 1.0]), rng.getrandbits(len(DOM_FLAGS))))
            text += part + "\n\n"
            pos += len(part) + 2
        texts.append(text)
        blocks.append(doc_blocks)
    return texts, blocks


@pytest.mark.parametrize("links", [False, True])
def test_batched_features_equal_the_per_document_definition(links):
    rng = random.Random(11)
    texts, blocks = _random_documents(rng, 300)
    docs = _corpus()
    texts += [d.text for d in docs]
    blocks += [document_blocks(d) for d in docs]
    together = documents_block_features(texts, blocks, links)
    assert len(together) == len(texts)
    for text, doc_blocks, X in zip(texts, blocks, together):
        assert X.tobytes() == reference_document_features(text, doc_blocks, links).tobytes(), text[:200]


def _without_compiled_loop(monkeypatch) -> None:
    """Make :func:`_block_stats` take its numpy counts (what runs where
    ``dedup/text/_loops.c`` was not built)."""
    monkeypatch.setattr(ascii_stats, "_block_stats_loop", None)


def test_block_stats_without_the_compiled_loop_equal_the_per_block_definition(monkeypatch):
    _without_compiled_loop(monkeypatch)
    rng = random.Random(6)
    for _ in range(500):
        texts = [t.encode("ascii", "ignore").decode() for t in _random_texts(rng, _TRICKY)]
        expected = np.array([reference_stats(t) for t in texts], dtype=np.float64)
        assert _block_stats(texts).tobytes() == expected.tobytes(), texts


def test_compiled_and_numpy_block_counts_agree_on_many_blocks(monkeypatch):
    # Whole batches of ASCII blocks, as the stage passes them: the compiled
    # loop and the numpy passes give the same matrix and word counts, to the bit.
    rng = random.Random(7)
    alphabet = [c for c in _TRICKY if c.isascii()] + [chr(c) for c in range(128)]
    texts = [t.encode("ascii", "ignore").decode() for _ in range(300) for t in _random_texts(rng, alphabet)]
    texts += [doc.text for doc in _corpus() if doc.text.isascii()]
    assert all(t.isascii() for t in texts)
    compiled, compiled_words = _block_stats(texts, counts=True)
    _without_compiled_loop(monkeypatch)
    numpy_stats, numpy_words = _block_stats(texts, counts=True)
    assert compiled.tobytes() == numpy_stats.tobytes()
    assert compiled_words.tolist() == numpy_words.tolist()


def test_the_block_stats_loop_is_built_where_a_compiler_is():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the numpy passes are used")
    assert ascii_stats._block_stats_loop is not None, "dedup/text/_loops.c was not built: run make install again"
    codes = np.frombuffer(b"ab\ncd", dtype=np.uint8)
    tables = ascii_stats.compiled_tables(char_table().bits, char_table().lower, STOPWORDS)
    with pytest.raises(ValueError, match="ends"):
        ascii_stats.ascii_block_counts(codes, np.array([2, 9]), tables)
    assert ascii_stats.ascii_block_counts(codes, np.array([2, 5]), tables)[:, ascii_stats.WORDS].tolist() == [1, 1]
