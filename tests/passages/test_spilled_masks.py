"""The passage candidates of a spilled index equal those of the index held
in memory when most documents have boilerplate masks, whose fingerprints
are taken again and spilled a few thousand documents at a time."""

from __future__ import annotations

import os

import numpy as np

from dedup.config import Settings
from dedup.document import Document, Span
from dedup.near.index_spill import IndexSpill
from dedup.passages.candidates import candidates_and_shares, fingerprints


def corpus(size: int, seed: int = 7) -> tuple[list[Document], dict[str, list[Span]]]:
    """News-like documents that share sentences with others, and a masked
    first sentence (a byline) for nine in ten of them."""
    rng = np.random.default_rng(seed)
    words = [f"w{k}" for k in range(3000)]
    pool = [" ".join(rng.choice(words, 14)) + "." for _ in range(size // 2)]
    docs, masks = [], {}
    for k in range(size):
        byline = f"By staff writer {k % 40} for the daily wire."
        text = " ".join([byline, *(pool[int(p)] for p in rng.integers(0, len(pool), 6))])
        docs.append(Document(f"d{k}", text))
        if k % 10:
            masks[f"d{k}"] = [Span(0, len(byline))]
    return docs, masks


def test_masked_documents_spilled_in_chunks_give_the_candidates_of_the_index_in_memory(tmp_path) -> None:
    # More masked documents than one chunk (2,000 a worker), so that the
    # partitions of the masked fingerprints are written by several chunks.
    docs, masks = corpus(4500)
    settings = Settings(jobs=1)
    hashes, owners = fingerprints(docs, settings)
    spill = IndexSpill(tmp_path)
    for lo in range(0, len(docs), 1000):
        mine = (owners >= lo) & (owners < lo + 1000)
        spill.add(hashes[mine], owners[mine])
    in_memory = candidates_and_shares(docs, settings, masks, (hashes, owners), shares=True)
    spilled = candidates_and_shares(docs, settings, masks, spill, shares=True)
    assert len(in_memory[0]) > 1000
    assert np.array_equal(spilled[0], in_memory[0]) and np.array_equal(spilled[1], in_memory[1])
    assert all(np.array_equal(a, b) for a, b in zip(spilled[2], in_memory[2]))
    masked_parts = os.listdir(tmp_path / "masked")
    assert masked_parts and all(name.startswith("index-") for name in masked_parts)
