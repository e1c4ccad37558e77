"""The sentence-repeat test: the compiled loop and the numpy passes give
each document the verdict of a plain search for a repeated run of words."""

from __future__ import annotations

import random
import shutil
import sysconfig

import numpy as np
import pytest

from dedup.boilerplate import sentence_hashes
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.document import Document


def _repeats_a_run(keys: list[str], n: int) -> bool:
    words = " ".join(keys).split()
    runs = [tuple(words[k : k + n]) for k in range(len(words) - n + 1)]
    return len(set(runs)) < len(runs)


def _documents(seed: int) -> tuple[list[Document], list[list[str]]]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(60)] + ["a", "the", "x" * 30]
    docs, keys = [], []
    for k in range(400):
        blocks = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 14))) for _ in range(rng.randint(0, 6))]
        if k % 4 == 0 and blocks:  # a run copied into a later block, or the same one
            words = blocks[rng.randrange(len(blocks))].split()
            blocks.append(" ".join(words[: rng.randint(0, len(words))]))
        docs.append(Document(id=str(k), text="\n\n".join(blocks)))
        keys.append(blocks)
    docs.append(Document(id="u", text="Caf\u00e9"))  # not ASCII: always searched
    keys.append(["caf\u00e9 one two three four five six"])
    return docs, keys


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("n", [1, 3, 6])
def test_the_verdicts_are_those_of_a_plain_search(monkeypatch, compiled, n):
    if not compiled:
        monkeypatch.setattr(sentence_hashes, "_repeated_runs", None)
    elif sentence_hashes._repeated_runs is None:
        pytest.skip("dedup/text/_loops.c was not built")
    docs, keys = _documents(n)
    expected = [not doc.text.isascii() or _repeats_a_run(doc_keys, n) for doc, doc_keys in zip(docs, keys)]
    assert may_repeat_sentences(docs, keys, n) == expected
    assert 0 < sum(expected) < len(docs)


def test_the_repeated_runs_loop_is_built_where_a_compiler_is():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the numpy passes are used")
    loop = sentence_hashes._repeated_runs
    assert loop is not None, "dedup/text/_loops.c was not built: run make install again"
    flags = np.full(3, 9, dtype=np.uint8)
    loop(np.frombuffer(b"a b a b\na b c\n", dtype=np.uint8), 2, flags)
    assert flags.tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="one word"):
        loop(np.zeros(1, dtype=np.uint8), 0, flags)


@pytest.mark.parametrize("compiled", [True, False])
def test_block_keys_of_a_batch_are_each_blocks_normalised_text(monkeypatch, compiled):
    from dedup.boilerplate.batches import block_keys, keys_and_words
    from dedup.boilerplate.blocks import Block, document_blocks
    from dedup.text import shingles
    from dedup.text.normalize import normalize_text

    if not compiled:
        monkeypatch.setattr(shingles, "ascii_collapsed", None)
    elif shingles.ascii_collapsed is None:
        pytest.skip("dedup/text/_loops.c was not built")
    rng = random.Random(13)
    pieces = ["Word", "TWO", "x", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\x0b", "\x1c", "\x1f", "\x00", ".", "5"]
    wide = pieces + ["\u00e9", "\u2019", "\uff21"]  # every third document: not ASCII
    docs = [Document(id=str(k), text="".join(rng.choice(wide if k % 3 == 0 else pieces) for _ in range(rng.randint(0, 60)))) for k in range(400)]
    blocks = [document_blocks(doc) for doc in docs]
    blocks[0] = []  # a document left without blocks
    blocks[1] = [Block(0, 0)] + [Block(0, len(docs[1].text))]  # an empty block among others
    expected = [[normalize_text(b.text(doc.text)) for b in doc_blocks] for doc, doc_blocks in zip(docs, blocks)]
    assert block_keys(docs, blocks) == expected
    # The word counts that come with them: those of the rules, ASCII documents only.
    words = keys_and_words(docs, blocks)[1]
    assert words == [[len(b.text(doc.text).split()) for b in doc_blocks] if doc.text.isascii() else None for doc, doc_blocks in zip(docs, blocks)]
    assert sum(doc.text.isascii() and len(b) > 1 for doc, b in zip(docs, blocks)) > 20
