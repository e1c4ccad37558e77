"""Stage 1's compiled loops (dedup/text/_loops.c): the passage index's n-gram
sampler and sort, and the tokens of a batch of ASCII texts, equal the numpy
code and the plain-Python definitions."""

from __future__ import annotations

import random
import shutil
import sysconfig

import numpy as np
import pytest

from dedup.text import ngrams, shingles
from dedup.text.ngrams import TextFingerprints, by_hash
from dedup.text.normalize import tokenize
from dedup.text.shingles import batch_tokens, code_tokens, shingle_hash, token_hash

WORDS = ["the", "a", "court", "ruled", "on", "monday", "that", "minister", "said", "42", "x"]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    # few words, so that n-grams and their hashes repeat across texts
    return [" ".join(rng.choice(WORDS) for _ in range(rng.choice([0, 1, 3, 4, 5, 30, 200]))) for _ in range(count)]


def _reference(texts: list[str], n: int, sample: int, base: int) -> tuple[list[int], list[int]]:
    """Every n-gram of each text by its definition (shingle_hash of n tokens), kept by the sample test."""
    hashes, owners = [], []
    for k, text in enumerate(texts):
        tokens = tokenize(text)
        for g in range(len(tokens) - n + 1):
            value = shingle_hash(tokens[g : g + n])
            if (value >> 23) % sample == 0:
                hashes.append(value)
                owners.append(base + k)
    return hashes, owners


@pytest.fixture(params=[True, False], ids=["built", "numpy"])
def built(request, monkeypatch):
    if not request.param:
        monkeypatch.setattr(ngrams, "_sampled_ngrams", None)
        monkeypatch.setattr(ngrams, "_sort_by_hash", None)
    return request.param


@pytest.mark.parametrize("n, sample", [(1, 1), (2, 2), (4, 3), (5, 6), (3, 8)])
def test_fingerprints_of_batch_after_batch_equal_the_definition(built, n, sample) -> None:
    found = TextFingerprints(n, sample)
    expected_hashes, expected_owners = [], []
    base = 0
    for seed in range(12):
        texts = _texts(seed, seed % 5 * 7)
        found.add(*batch_tokens(texts), base=base)
        hashes, owners = _reference(texts, n, sample, base)
        expected_hashes += hashes
        expected_owners += owners
        base += len(texts)
    assert len(expected_hashes) > 100
    assert found.hashes.tolist() == expected_hashes
    assert found.owners.tolist() == expected_owners
    assert found.hashes.dtype == np.uint64 and found.owners.dtype == np.int64


def _pairs(rng: np.random.Generator, size: int, distinct: int | None) -> tuple[np.ndarray, np.ndarray]:
    if distinct is None:
        hashes = rng.integers(0, 2**64, size, dtype=np.uint64)
    else:
        hashes = rng.choice(rng.integers(0, 2**64, distinct, dtype=np.uint64), size)
    return hashes, rng.permutation(size).astype(np.int64)


@pytest.mark.parametrize("size, distinct", [(0, None), (1, None), (7, 2), (100, None), (5000, None), (5000, 3), (70000, None), (70000, 40), (300000, None)])
def test_sort_by_hash_is_a_stable_sort(built, size, distinct) -> None:
    hashes, owners = _pairs(np.random.default_rng(size), size, distinct)
    if size > 100 and distinct is None:
        hashes[::9] = hashes[0]  # one hash many documents hold: a bucket sorted by merges
    ordered, holders = by_hash(hashes, owners)
    order = np.argsort(hashes, kind="stable")
    assert np.array_equal(ordered, hashes[order]) and np.array_equal(holders, owners[order])


@pytest.mark.parametrize("top_bits", [6, 20, 63, 64])
def test_sort_by_hash_is_a_stable_sort_of_hashes_sharing_their_top_bits(built, top_bits) -> None:
    # One partition of the passage index: every hash has the same top bits
    # (with 64, one hash alone; with 63, two).
    hashes, owners = _pairs(np.random.default_rng(top_bits), 40000, None)
    keep = np.uint64((1 << (64 - top_bits)) - 1) if top_bits < 64 else np.uint64(0)
    hashes = (hashes & keep) | np.uint64(0xA5A5A5A5A5A5A5A5 & ~int(keep))
    hashes[::7] = hashes[3]
    ordered, holders = by_hash(hashes, owners)
    order = np.argsort(hashes, kind="stable")
    assert np.array_equal(ordered, hashes[order]) and np.array_equal(holders, owners[order])


def test_the_fingerprint_loops_are_built_where_a_compiler_is() -> None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the numpy passes are used")
    assert ngrams._sampled_ngrams is not None and ngrams._sort_by_hash is not None, "dedup/text/_loops.c was not built: run make install again"


def test_the_fingerprint_loops_refuse_bad_input() -> None:
    if ngrams._sampled_ngrams is None:
        pytest.skip("dedup/text/_loops.c was not built")
    words = np.arange(10, dtype=np.uint64)
    room = np.empty(10, dtype=np.uint64), np.empty(10, dtype=np.int64)
    with pytest.raises(ValueError, match="rise within"):
        ngrams._sampled_ngrams(words, np.array([0, 11], dtype=np.int64), 2, 1, 0, *room)
    with pytest.raises(ValueError, match="rise within"):
        ngrams._sampled_ngrams(words, np.array([0, 6, 4], dtype=np.int64), 2, 1, 0, *room)
    with pytest.raises(ValueError, match="rise within"):
        ngrams._sampled_ngrams(words, np.array([-1, 10], dtype=np.int64), 2, 1, 0, *room)
    with pytest.raises(TypeError):
        ngrams._sampled_ngrams(words, np.array([0, 10], dtype=np.int64), 2, "1", 0, *room)
    with pytest.raises(ValueError, match="positive"):
        ngrams._sampled_ngrams(words, np.array([0, 10], dtype=np.int64), 2, 0, 0, *room)
    with pytest.raises(ValueError, match="len\\(tokens\\)"):
        ngrams._sampled_ngrams(words, np.array([0, 10], dtype=np.int64), 2, 1, 0, room[0][:5], room[1])
    owners = np.arange(10, dtype=np.int64)
    with pytest.raises(ValueError, match="length"):
        ngrams._sort_by_hash(words, owners[:5], *room)
    with pytest.raises(ValueError, match="must not be"):
        ngrams._sort_by_hash(words, owners, words, room[1])
    with pytest.raises(TypeError):
        ngrams._sort_by_hash(words.view(np.uint32), owners, *room)


def _ascii_batch(seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    texts = []
    for _ in range(rng.randint(0, 25)):
        kind = rng.random()
        if kind < 0.3:  # any ASCII, control characters and line breaks included
            texts.append("".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 200))))
        elif kind < 0.6:  # tokens longer than the table of powers
            texts.append(" ".join("".join(rng.choice("abcXYZ019") for _ in range(rng.randint(1, 90))) for _ in range(rng.randint(0, 8))))
        else:
            texts.append("".join(rng.choice("ab0 .\n") for _ in range(rng.randint(0, 100))))
    codes = np.frombuffer(("\n".join(texts) + "\n").encode("ascii").lower(), dtype=np.uint8)
    return texts, codes, np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


@pytest.mark.parametrize("seed", range(40))
def test_tokens_of_an_ascii_batch_equal_the_token_pattern_either_way(seed, monkeypatch) -> None:
    texts, codes, lengths = _ascii_batch(seed)
    expected = [token_hash(token) for text in texts for token in tokenize(text.lower())]
    starts = np.cumsum([0] + [len(tokenize(text)) for text in texts])
    for built in (True, False):
        if not built:
            monkeypatch.setattr(shingles, "_ascii_text_tokens", None)
        hashes, first = code_tokens(codes, lengths)
        assert hashes.tolist() == expected and first.tolist() == starts.tolist()
        assert hashes.dtype == np.uint64 and first.dtype == np.int64


def test_the_batch_token_loop_refuses_lengths_past_the_codes() -> None:
    loop = shingles._ascii_text_tokens
    if loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    codes = np.frombuffer(b"ab cd\nef\n", dtype=np.uint8)
    hashes, first = np.empty(5, dtype=np.uint64), np.empty(3, dtype=np.int64)
    assert loop(codes, np.array([5, 2], dtype=np.int64), hashes, first) == 3 and first.tolist() == [0, 2, 3]
    with pytest.raises(ValueError, match="run past"):
        loop(codes, np.array([5, 3], dtype=np.int64), hashes, first)
    with pytest.raises(ValueError, match="run past"):
        loop(codes, np.array([-1, 2], dtype=np.int64), hashes, first)
    with pytest.raises(ValueError, match="first"):
        loop(codes, np.array([5, 2], dtype=np.int64), hashes, first[:2])


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_shingle_sets_of_tokens_equal_the_definition_either_way(n, monkeypatch) -> None:
    texts = _texts(7, 60) + ["the " * 3000, "court " + "x " * 200]  # a long text of one repeated shingle
    hashes, first = batch_tokens(texts)
    expected = [sorted({shingle_hash(tokens[g : g + min(n, len(tokens))]) for g in range(max(len(tokens) - n + 1, 1))}) if tokens else []
                for tokens in map(tokenize, texts)]
    for built in (True, False):
        if not built:
            monkeypatch.setattr(shingles, "_segment_shingles", None)
        found = shingles.shingles_of_tokens(hashes, first, n)
        assert [found[k].tolist() for k in range(len(texts))] == expected
        assert found.offsets[0] == 0 and found.hashes.dtype == np.uint64


def test_the_shingle_loop_refuses_bad_input() -> None:
    loop = shingles._segment_shingles
    if loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    tokens, out, offsets = np.arange(6, dtype=np.uint64), np.empty(6, dtype=np.uint64), np.empty(3, dtype=np.int64)
    assert loop(tokens, np.array([0, 4, 6], dtype=np.int64), 3, out, offsets) == 3 and offsets.tolist() == [0, 2, 3]
    with pytest.raises(ValueError, match="rise within"):
        loop(tokens, np.array([0, 4, 7], dtype=np.int64), 3, out, offsets)
    with pytest.raises(ValueError, match="rise within"):
        loop(tokens, np.array([-1, 4, 6], dtype=np.int64), 3, out, offsets)
    with pytest.raises(TypeError, match="items of"):
        loop(tokens, np.array([0, 4, 6], dtype=np.int64), 3, out, offsets.astype(np.int32))
    with pytest.raises(ValueError, match="positive"):
        loop(tokens, np.array([0, 4, 6], dtype=np.int64), 0, out, offsets)
    with pytest.raises(ValueError, match="out hold"):
        loop(tokens, np.array([0, 4, 6], dtype=np.int64), 3, out[:5], offsets)
