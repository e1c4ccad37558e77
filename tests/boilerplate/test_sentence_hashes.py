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
