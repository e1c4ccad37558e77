"""Only each document's strongest candidate partners are aligned (``passages.max_partners``)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedup.config import ConfigError, PassageSettings, Settings
from dedup.document import Document
from dedup.passages.index import shared_fingerprints
from dedup.passages.partners import partner_order, strongest_partners
from dedup.passages.candidates import _candidates
from dedup.passages.pairs import find_passage_pairs
from dedup.scan import scan_documents

_VOCABULARY = ["".join(random.Random(k).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4 + k % 6)) for k in range(4000)]


def _sentences(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCABULARY) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, n, 14))


def _hub_corpus(copies: int) -> list[Document]:
    """A source of ``copies`` passages, and one document per passage quoting
    it (longer passages for later copies), each amid text of its own."""
    rng = random.Random(5)
    passages = [_sentences(rng, 40 + 6 * k) for k in range(copies)]
    docs = [Document("source", " ".join(passages))]
    for k, passage in enumerate(passages):
        docs.append(Document(f"copy{k:02d}", _sentences(rng, 120) + " " + passage + " " + _sentences(rng, 120)))
    return docs


def _written_out(pairs: np.ndarray, counts: np.ndarray, k: int) -> list[bool]:
    """Each document's partners sorted by shared count (most first, then lower index): the first k."""
    partners: dict[int, list[tuple[int, int]]] = {}
    for (i, j), c in zip(pairs.tolist(), counts.tolist()):
        partners.setdefault(i, []).append((-c, j))
        partners.setdefault(j, []).append((-c, i))
    top = {d: {other for _, other in sorted(ps)[:k]} for d, ps in partners.items()}
    return [j in top[i] or i in top[j] for i, j in pairs.tolist()]


def test_strongest_partners_equal_the_written_out_ranking() -> None:
    rng = np.random.default_rng(4)
    codes = np.unique(rng.integers(0, 40 * 40, 300))
    pairs = np.stack([codes // 40, codes % 40], axis=1)
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    counts = rng.integers(2, 6, len(pairs))  # many ties
    for k in (1, 2, 3, 5):
        kept = strongest_partners(pairs, counts, k)
        assert kept.tolist() == _written_out(pairs, counts, k)
        assert 0 < kept.sum() < len(pairs)
    assert strongest_partners(pairs, counts, 0).all()
    assert strongest_partners(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64), 3).size == 0


@pytest.mark.parametrize("offset", [0, 1 << 40])  # documents that fit the packed key, and ones that do not
def test_partner_order_is_the_three_key_ranking(offset: int) -> None:
    rng = np.random.default_rng(7)
    codes = np.unique(rng.integers(0, 60 * 60, 900))
    pairs = np.stack([codes // 60, codes % 60], axis=1) + offset
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    counts = rng.integers(1, 9, len(pairs))
    first, second = np.concatenate((pairs[:, 0], pairs[:, 1])), np.concatenate((pairs[:, 1], pairs[:, 0]))
    strength = np.concatenate((counts, counts))
    written = sorted(range(2 * len(pairs)), key=lambda e: (first[e], -strength[e], second[e]))
    assert partner_order(pairs, counts).tolist() == written
    assert partner_order(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)).size == 0
    # a pair given twice ties with itself: the ranking keeps the edges' order (a stable sort)
    twice, twice_counts = np.concatenate((pairs, pairs[:5])), np.concatenate((counts, counts[:5]))
    first, second = np.concatenate((twice[:, 0], twice[:, 1])), np.concatenate((twice[:, 1], twice[:, 0]))
    strength = np.concatenate((twice_counts, twice_counts))
    assert partner_order(twice, twice_counts).tolist() == sorted(range(2 * len(twice)), key=lambda e: (first[e], -strength[e], second[e]))


def test_hub_aligns_its_strongest_partners_and_counts_the_rest() -> None:
    docs = _hub_corpus(6)
    pairs, counts = _candidates(docs, Settings())
    assert [i for i, _ in pairs.tolist()] == [0] * 6  # only the source pairs with each copy
    every, tally_every = {}, {}
    for found in find_passage_pairs(docs, Settings(passages=PassageSettings(max_partners=0)), tally=tally_every):
        every[found.i, found.j] = (found.relation, found.fields())
    assert tally_every == {"passage_candidates": 6, "passage_candidates_unaligned": 0} and len(every) == 6
    tally: dict[str, int] = {}
    few = find_passage_pairs(docs, Settings(passages=PassageSettings(max_partners=2)), tally=tally)
    # each copy ranks the source first, so every pair is still aligned ...
    assert tally == {"passage_candidates": 6, "passage_candidates_unaligned": 0}
    assert {(p.i, p.j): (p.relation, p.fields()) for p in few} == every


def test_pairs_beyond_every_strongest_partner_are_left_out() -> None:
    # copies of one passage pair with each other: each copy has five partners
    rng = random.Random(9)
    passage = _sentences(rng, 70)
    docs = [Document(f"c{k}", _sentences(rng, 100) + " " + passage + " " + _sentences(rng, 100)) for k in range(6)]
    pairs, counts = _candidates(docs, Settings())
    assert len(pairs) == 15
    tally: dict[str, int] = {}
    found = find_passage_pairs(docs, Settings(passages=PassageSettings(max_partners=1)), tally=tally)
    kept = strongest_partners(pairs, counts, 1)
    assert tally == {"passage_candidates": 15, "passage_candidates_unaligned": int(15 - kept.sum())}
    assert 0 < kept.sum() < 15
    assert {(p.i, p.j) for p in found} == {tuple(p) for p in pairs[kept].tolist()}
    # every document keeps a pair
    assert {d for p in found for d in (p.i, p.j)} == set(range(6))
    everything = find_passage_pairs(docs, Settings(passages=PassageSettings(max_partners=0)))
    by_pair = {(p.i, p.j): p.fields() for p in everything}
    assert len(everything) == 15 and all(by_pair[p.i, p.j] == p.fields() for p in found)


def test_scan_summary_counts_candidates_and_the_unaligned() -> None:
    rng = random.Random(9)
    passage = _sentences(rng, 70)
    docs = [Document(f"c{k}", _sentences(rng, 100) + " " + passage + " " + _sentences(rng, 100)) for k in range(6)]
    summary = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(max_partners=1))).stats
    assert summary["passage_candidates"] == 15 and 0 < summary["passage_candidates_unaligned"] < 15
    assert summary["partial_copy_pairs"] + summary["rewrite_pairs"] == 15 - summary["passage_candidates_unaligned"]


def test_negative_max_partners_is_refused() -> None:
    with pytest.raises(ConfigError, match="max_partners"):
        PassageSettings(max_partners=-1)


def test_shared_fingerprints_equal_the_written_out_counts() -> None:
    rng = np.random.default_rng(6)
    n_docs, max_docs = 25, 3
    hashes = rng.integers(0, 80, 500).astype(np.uint64)  # repeats within and across documents
    owners = rng.integers(0, n_docs, 500)
    holders: dict[int, set[int]] = {}
    for h, o in zip(hashes.tolist(), owners.tolist()):
        holders.setdefault(h, set()).add(o)
    held = [sum(d in docs for docs in holders.values()) for d in range(n_docs)]
    shared = [sum(d in docs and 1 < len(docs) <= max_docs for docs in holders.values()) for d in range(n_docs)]
    got_held, got_shared = shared_fingerprints(hashes, owners, n_docs, max_docs)
    assert got_held.tolist() == held and got_shared.tolist() == shared and 0 < sum(shared) < sum(held)
    empty = shared_fingerprints(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), 3, max_docs)
    assert [a.tolist() for a in empty] == [[0, 0, 0], [0, 0, 0]]


def test_every_document_gets_its_shared_fingerprint_share() -> None:
    rng = random.Random(9)
    passage = _sentences(rng, 70)
    docs = [Document(f"c{k}", _sentences(rng, 100) + " " + passage + " " + _sentences(rng, 100)) for k in range(4)]
    docs.append(Document("alone", _sentences(rng, 200)))
    result = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(max_partners=1)))
    shares = {row.id: row.extra["shared_fingerprint_share"] for row in result.documents}
    # the passage is about a quarter of each copy; the lone document shares nothing
    assert shares["alone"] == 0.0
    assert all(0.15 < shares[f"c{k}"] < 0.4 for k in range(4)), shares
    assert result.stats["passage_candidates_unaligned"] > 0  # unaligned documents still get their share
