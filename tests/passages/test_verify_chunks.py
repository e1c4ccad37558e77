"""Verification chunks bounded by the documents they carry."""

from __future__ import annotations

import random

import dedup.passages.verify as verify
from dedup.config import Settings
from dedup.document import Document


def _shared_sentence_corpus(n_docs: int, seed: int) -> list[Document]:
    """Documents each made of own words and two of twelve long shared sentences."""
    rng = random.Random(seed)
    vocabulary = [f"w{k}" for k in range(3000)]
    shared = [" ".join(rng.choices(vocabulary, k=30)).capitalize() + "." for _ in range(12)]
    docs = []
    for k in range(n_docs):
        own = [" ".join(rng.choices(vocabulary, k=20)).capitalize() + "." for _ in range(6)]
        docs.append(Document(f"d{k}", " ".join(own[:3] + rng.sample(shared, 2) + own[3:])))
    return docs


def test_chunks_grow_with_the_documents_they_carry(monkeypatch) -> None:
    pairs = [(k, k + 1) for k in range(0, 100, 2)]  # 100 documents
    assert verify.chunk_count(pairs, 2) == 2 * verify._CHUNKS_PER_WORKER
    monkeypatch.setattr(verify, "_DOCS_PER_CHUNK", 10)
    assert verify.chunk_count(pairs, 2) == 10
    chunks = verify._balanced_chunks(pairs, verify.chunk_count(pairs, 2))
    assert max(len({k for pair in chunk for k in pair}) for chunk in chunks) <= 10


def test_many_small_chunks_verify_as_one_process_does(monkeypatch) -> None:
    docs = _shared_sentence_corpus(24, seed=3)
    pairs = [(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs)) if (i + j) % 3 == 0]
    serial = verify.verify_pairs(docs, pairs, Settings())
    assert serial, "the corpus shares sentences: some pairs must be reported"
    monkeypatch.setattr(verify, "_DOCS_PER_CHUNK", 5)
    assert verify.chunk_count(pairs, 2) > 2 * verify._CHUNKS_PER_WORKER
    pooled = verify._verify_in_pool(docs, pairs, Settings(), {}, 2)
    assert [(p.i, p.j, p.relation, p.fields()) for p in pooled] == [(p.i, p.j, p.relation, p.fields()) for p in serial]


class _CountedTakes(list):
    """Documents that count the chunks cut from them (``take``)."""

    takes = 0

    def take(self, indices):
        self.takes += 1
        return [self[k] for k in indices]


def test_a_chunk_is_made_when_the_engine_takes_it(monkeypatch) -> None:
    docs = _CountedTakes(_shared_sentence_corpus(24, seed=5))
    pairs = [(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs)) if (i + j) % 3 == 0]
    serial = verify.verify_pairs(docs, pairs, Settings())
    made_by_chunk = []
    monkeypatch.setattr(verify, "_PAIRS_PER_CHUNK", 10)
    # one worker: chunks of _PAIRS_PER_CHUNK candidates, each aligned in this process before the next is taken
    pooled = verify._verify_in_pool(docs, pairs, Settings(), {}, 1, progress=lambda stage, done, total: made_by_chunk.append((done, docs.takes)))
    assert [(p.i, p.j, p.relation, p.fields()) for p in pooled] == [(p.i, p.j, p.relation, p.fields()) for p in serial]
    assert len(made_by_chunk) > 2, "several chunks"
    # before the first chunk's pairs are aligned, no chunk is made; after the n-th, n are (not all of them at once)
    assert [takes for _, takes in made_by_chunk] == list(range(len(made_by_chunk)))


def test_chunks_of_python_and_numpy_integers_are_the_same_python_pairs() -> None:
    # the pairs of Python integers are kept as given (a scan's driver holds them once), others made so
    import numpy as np

    rng = random.Random(7)
    pairs = sorted({(i, j) for i, j in ((rng.randrange(300), rng.randrange(300)) for _ in range(400)) if i < j})
    given = [tuple(pair) for pair in pairs]
    chunks = verify._balanced_chunks(given, 5)
    assert len(chunks) == 5 and sorted(p for c in chunks for p in c) == pairs
    kept = {id(pair) for pair in given}
    assert all(id(pair) in kept for chunk in chunks for pair in chunk)
    for other in (np.array(pairs, dtype=np.int64), [tuple(p) for p in np.array(pairs, dtype=np.int32)]):
        again = verify._balanced_chunks(other, 5)
        assert again == chunks and all(type(k) is int for chunk in again for pair in chunk for k in pair)
