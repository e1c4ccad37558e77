"""The compiled anchor check of candidate pairs (dedup/text/_loops.c) decides
as the reference does: each text's :class:`~dedup.passages.index.Anchors`
and :func:`~dedup.passages.index.context_overlap`."""

from __future__ import annotations

import random

import numpy as np
import pytest

import dedup.passages.verify as verify
from dedup.config import PassageSettings, Settings
from dedup.document import Document, Span, document_ids
from dedup.passages.relations import PairMask
from dedup.text.shingles import HASH_CHUNK_CHARS


def _compiled() -> None:
    assert verify._anchor_overlaps is not None, "dedup/text/_loops.c was not built: run make install again"


def _documents(rng: random.Random) -> list[Document]:
    """Texts that copy, reword and only quote a stock phrase of each other,
    short ones, empty ones, non-ASCII ones, and enough of them that their
    words are hashed in several batches."""
    vocab = [f"w{v}" for v in range(300)]
    stock = "as a matter of fact it was said"
    base = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 700))) for _ in range(40)]
    texts = []
    for k in range(360):
        words = rng.choice(base).split()
        for _ in range(rng.randint(0, 30)):  # edits
            if words:
                at = rng.randrange(len(words))
                words[at : at + rng.randint(0, 3)] = [rng.choice(vocab) for _ in range(rng.randint(0, 3))]
        text = " ".join(words)
        if k % 5 == 0:  # the stock phrase in a text of its own
            text = " ".join(rng.choice(vocab) for _ in range(rng.randint(5, 300))) + f" {stock} " + text[: rng.randint(0, 400)]
        if k % 17 == 0:
            text = text.replace("w1", "w\u00e91")  # folded to another word; not ASCII
        if k % 29 == 0:
            text = " ".join(text.split()[:3])  # fewer words than an n-gram
        texts.append(text)
    texts.append(" ".join(rng.choice(vocab[:40]) for _ in range(HASH_CHUNK_CHARS // 4)))  # longer than one pass
    texts.append(texts[-1][: HASH_CHUNK_CHARS // 2])
    return [Document(f"d{k}", text) for k, text in enumerate(texts)]


@pytest.mark.parametrize("ngram, sample, window", [(4, 3, 20), (3, 2, 5), (5, 4, 1), (1, 1, 3), (4, 6, 40)])
def test_compiled_anchor_check_equals_the_reference(ngram: int, sample: int, window: int) -> None:
    _compiled()
    rng = random.Random(ngram * 100 + sample * 10 + window)
    docs = _documents(rng)
    ids = document_ids(docs)
    masks = {"d3": [Span(10, 200)], "d8": [PairMask(0, 50, soft=True), PairMask(100, 900)]}  # hard ones blanked out
    n = len(docs)
    pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(1500)] + [(n - 1, n - 2), (n - 2, n - 1), (0, 0)]
    for enough in (0.3, 0.8, 1.0):
        ps = PassageSettings(index_ngram=ngram, index_sample=sample, anchor_window=window, min_anchor_overlap=enough)
        want = verify.context_overlaps(docs, ids, pairs, masks, ps, compiled=False)
        got = verify.context_overlaps(docs, ids, pairs, masks, ps)
        assert len(got) == len(want) == len(pairs)
        # the same decision; the same share below the stop (and at 1.0 the stop is the highest share)
        assert [g >= enough for g in got] == [w >= enough for w in want]
        assert [g for g in got if g < enough or enough == 1.0] == [w for w in want if w < enough or enough == 1.0]
        decided = sum(w >= enough for w in want)
        assert 0 < decided < len(pairs)
    assert verify.context_overlaps(docs, ids, [], masks, ps) == []


def test_the_anchor_check_passes_copies_and_stops_shared_phrases() -> None:
    _compiled()
    rng = random.Random(3)
    words = [f"w{v}" for v in range(2000)]
    story = " ".join(rng.choice(words) for _ in range(300))
    phrase = "as a matter of fact it was said that"
    docs = [
        Document("story", story),
        Document("copy", "Preface here. " + story),
        Document("phrase_a", " ".join(rng.choice(words) for _ in range(80)) + f" {phrase} " + " ".join(rng.choice(words) for _ in range(80))),
        Document("phrase_b", " ".join(rng.choice(words) for _ in range(80)) + f" {phrase} " + " ".join(rng.choice(words) for _ in range(80))),
    ]
    ps = Settings().passages
    ids = document_ids(docs)
    for compiled in (True, False):
        copy, phrase_only = verify.context_overlaps(docs, ids, [(0, 1), (2, 3)], {}, ps, compiled=compiled)
        assert copy >= ps.min_anchor_overlap > phrase_only


def test_pairs_left_out_by_the_anchor_check_are_those_of_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    _compiled()
    rng = random.Random(5)
    docs = _documents(rng)[:120]
    pairs = sorted({tuple(sorted((rng.randrange(120), rng.randrange(120)))) for _ in range(300)} - {(k, k) for k in range(120)})
    settings = Settings()
    shared = [rng.randrange(12) for _ in pairs]
    got = [(p.i, p.j, p.relation) for p in verify.verify_pairs(docs, pairs, settings, shared=shared)]
    monkeypatch.setattr(verify, "_anchor_overlaps", None)  # the reference: each text's Anchors
    want = [(p.i, p.j, p.relation) for p in verify.verify_pairs(docs, pairs, settings, shared=shared)]
    assert got == want and got
    assert np.unique([p[:2] for p in got], axis=0).shape[0] == len(got)


# In a fresh interpreter: a window or an n-gram far longer than any text
# (its buffers' size overflowed, and the loop wrote past them) reads each
# whole text, as the reference does.
_HUGE = """
import random, sys
sys.path.insert(0, {tests!r})
from test_anchor_overlaps import _documents
import dedup.passages.verify as verify
from dedup.config import PassageSettings
from dedup.document import document_ids

rng = random.Random(7)
docs = _documents(rng)[:60]
ids = document_ids(docs)
pairs = [(rng.randrange(60), rng.randrange(60)) for _ in range(200)]
for ngram, window in ((3, 2**62), (3, 2**61 + 5), (2**62, 20)):
    ps = PassageSettings(index_ngram=ngram, index_sample=2, anchor_window=window, min_anchor_overlap=1.0)
    got = verify.context_overlaps(docs, ids, pairs, {{}}, ps)
    want = verify.context_overlaps(docs, ids, pairs, {{}}, ps, compiled=False)
    assert got == want, (ngram, window)
    print(sum(share > 0 for share in got))
"""


def test_a_window_or_ngram_longer_than_every_text_is_the_whole_text() -> None:
    import os
    import subprocess
    import sys

    _compiled()
    run = subprocess.run([sys.executable, "-c", _HUGE.format(tests=os.path.dirname(__file__))], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    overlapping = list(map(int, run.stdout.split()))
    assert overlapping[0] > 0 and overlapping[1] > 0 and overlapping[2] == 0
