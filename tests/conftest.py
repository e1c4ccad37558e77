"""Shared fixtures: the sample corpus and deterministic synthetic documents."""

from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest

from dedup.config import PassageSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

WORDS = (
    "the of and to in a is that for on with as was by at from his her it an are were be this "
    "minister talks border city officials power heating winter strike region meeting leaders peace "
    "report said told agency week year government military forces capital outage energy plant "
    "negotiations delegation ceasefire president spokesman statement sources analysts market prices "
    "village river bridge train station hospital school water supply repair crews damage attack drone "
    "missile defence air night morning evening residents families shelter cold temperatures snow"
).split()


# The labelled alignment cases of data/passages (read by read_pair_case), and a
# decorator running a test once per case, named by its file.
PASSAGE_CASES = sorted((Path(__file__).resolve().parent / "data" / "passages").glob("*.txt"))
each_passage_case = pytest.mark.parametrize("path", PASSAGE_CASES, ids=[p.stem for p in PASSAGE_CASES])


def read_pair_case(path: Path) -> tuple[dict[str, list[str]], str, str]:
    """A labelled pair case: header lines ``# key: value`` (collected per key),
    then document a, a line ``=====``, then document b."""
    header: dict[str, list[str]] = {}
    body = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("# "):
            key, _, value = line[2:].partition(": ")
            header.setdefault(key, []).append(value)
        else:
            body.append(line)
    a, b = "\n".join(body).split("\n=====\n")
    return header, a, b


def synthetic_text(seed: int, words: int = 600, paragraphs: int = 6) -> str:
    """A deterministic news-like text of ``words`` words in ``paragraphs`` paragraphs."""
    rng = random.Random(seed)
    per = words // paragraphs
    out = []
    for _ in range(paragraphs):
        body = [rng.choice(WORDS) if rng.random() < 0.7 else f"w{rng.randrange(5000)}" for _ in range(per)]
        body[0] = body[0].capitalize()
        out.append(" ".join(body) + ".")
    return "\n\n".join(out)


def edit_words(text: str, rate: float, seed: int) -> str:
    """Replace a share ``rate`` of the words of ``text`` with other words."""
    rng = random.Random(seed)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), int(len(words) * rate)):
        words[i] = rng.choice(EDIT_WORDS)
    return " ".join(words)


def doc_level(**values) -> Settings:
    """Document-level settings (passages off): the streaming path of scan_corpus."""
    return Settings(passages=PassageSettings(enabled=False), **values)


EDIT_WORDS = "said reported added claimed announced noted confirmed denied warned stressed urged".split()


@pytest.fixture(autouse=True)
def _collector_as_it_was():
    """The garbage collector's state given back after each test: a command
    run in this process (``CliRunner``) freezes what lives and collects less
    often, as a batch process does, and would carry that into later tests."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if not frozen:
        gc.unfreeze()


@pytest.fixture
def corpus_dir() -> Path:
    return CORPUS
