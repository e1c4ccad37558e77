"""LSH candidates equal datasketch's, and verification is exact."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from dedup.config import Settings
from dedup.near.candidates import MAX_BUCKET_PAIRS, RECALL_WEIGHTS, candidate_pairs, lsh_params, pairs_from_keys
from dedup.near.fingerprints import fingerprint_batch
from dedup.near.verification import verify_pairs
from dedup.text.similarity import jaccard, overlap


def planted_texts(seed: int, families: int = 12) -> list[str]:
    """Random word texts, each with a few copies edited to various degrees."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    texts = []
    for _ in range(families):
        base = [rng.choice(words) for _ in range(120)]
        texts.append(" ".join(base))
        for edits in rng.sample([0, 2, 4, 8, 16, 30], 3):
            copy = list(base)
            for _ in range(edits):
                copy[rng.randrange(len(copy))] = rng.choice(words)
            texts.append(" ".join(copy))
    rng.shuffle(texts)
    return texts


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128])
@pytest.mark.parametrize("weights", [(0.5, 0.5), RECALL_WEIGHTS])
def test_lsh_params_are_the_ones_minhashlsh_chooses(threshold, num_perm, weights):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    assert lsh_params(threshold, num_perm, weights) == (lsh.b, lsh.r)


@pytest.mark.parametrize("threshold", [0.5, 0.7])
def test_candidates_are_the_pairs_minhashlsh_returns(threshold):
    signatures = fingerprint_batch(planted_texts(1), Settings(num_perm=128)).signatures
    bands, rows = lsh_params(threshold, 128)
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    sketches = [MinHash(num_perm=128, hashvalues=row, scheme="affine32") for row in signatures]
    expected = set()
    for k, sketch in enumerate(sketches):
        expected.update((min(k, o), max(k, o)) for o in lsh.query(sketch))
        lsh.insert(k, sketch)
    found = candidate_pairs(signatures, threshold)
    assert {tuple(p) for p in found.tolist()} == expected
    assert len(expected) > 20  # the planted families are found at all


def test_verification_keeps_exactly_the_pairs_at_or_above_the_threshold():
    texts = planted_texts(2)
    sets = fingerprint_batch(texts, Settings(ngram=5), keep_shingles=True).shingles
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))])
    kept = verify_pairs(pairs, {k: sets[k] for k in range(len(texts))}, 0.8)
    expected = {(i, j) for i, j in pairs.tolist() if jaccard(sets[i], sets[j]) >= 0.8}
    assert {(v.i, v.j) for v in kept} == expected
    assert expected  # some planted pairs are that close
    for v in kept:
        assert v.jaccard == pytest.approx(jaccard(sets[v.i], sets[v.j]))


def test_overlap_counts_the_common_elements():
    rng = np.random.default_rng(3)
    for _ in range(300):
        a = np.unique(rng.integers(0, 60, rng.integers(0, 40)).astype(np.uint64))
        b = np.unique(rng.integers(0, 60, rng.integers(0, 40)).astype(np.uint64))
        assert overlap(a, b) == len(set(a.tolist()) & set(b.tolist()))


def test_a_large_bucket_is_a_star_around_its_first_member_in_input_order():
    rng = np.random.default_rng(3)
    n = 5000
    keys = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64).astype(np.uint64)
    members = np.sort(rng.choice(np.arange(1, n), size=MAX_BUCKET_PAIRS * 3, replace=False))
    keys[members, 0] = 12345
    pairs = pairs_from_keys(keys)
    expected = np.stack([np.full(members.size - 1, members[0]), members[1:]], axis=1)
    assert np.array_equal(pairs, expected)
    subset = np.sort(rng.choice(n, size=n // 2, replace=False))
    inside = members[np.isin(members, subset)]
    assert np.array_equal(pairs_from_keys(keys, subset), np.stack([np.full(inside.size - 1, inside[0]), inside[1:]], axis=1))


@pytest.mark.parametrize("partitions", [1, 2, 5])
def test_the_shuffle_by_band_key_gives_the_pairs_of_the_banding_in_any_partitions(partitions):
    from dedup.near.candidates import band_columns, bucket_pair_codes

    rng = np.random.default_rng(3)
    n, bands = 400, 7
    keys = rng.integers(0, 60, size=(n, bands)).astype(np.uint64)  # small buckets in every band
    keys[:, 2] = 5  # one bucket larger than MAX_BUCKET_PAIRS: a star
    subset = np.sort(rng.choice(n, size=300, replace=False))
    numbers = np.full(n, -1, dtype=np.int64)
    numbers[subset] = subset
    # Batches of rows, each split by key modulo the partitions, as an engine would.
    columns = [band_columns(keys[a : a + 64], numbers[a : a + 64]) for a in range(0, n, 64)]
    codes = []
    for p in range(partitions):
        picked = [(k[k % np.uint64(partitions) == p], v[k % np.uint64(partitions) == p]) for k, v in columns]
        part_keys = np.concatenate([k for k, _ in picked])
        order = np.argsort(part_keys, kind="stable")
        codes.append(bucket_pair_codes(part_keys[order], np.concatenate([v for _, v in picked])[order], n))
    codes = np.unique(np.concatenate(codes))
    expected = pairs_from_keys(keys, subset=subset)
    assert len(subset) > MAX_BUCKET_PAIRS and len(expected) > 1000
    assert np.array_equal(np.stack([codes // n, codes % n], axis=1), expected)


def test_kept_batches_give_the_candidates_of_the_band_keys_without_sending_them_back():
    from dedup.engine import LocalEngine
    from dedup.near.sharded import KeptSets

    rng = np.random.default_rng(5)
    n, bands = 500, 6
    keys = rng.integers(0, 70, size=(n, bands)).astype(np.uint64)
    keys[:, 1] = 9  # a star
    usable = rng.random(n) < 0.8
    kept = KeptSets()
    for first in range(0, n, 90):  # batches as stage 1 keeps them: (band keys, shingle sets) per batch
        kept.parts.append(((keys[first : first + 90], None), min(90, n - first), first))
    with LocalEngine(2, distributed=True) as engine:
        found = kept.candidates(engine, usable)
    assert np.array_equal(found, pairs_from_keys(keys, np.flatnonzero(usable)))
