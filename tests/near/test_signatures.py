"""Whole-array tokens, shingles and MinHash equal their plain references."""

from __future__ import annotations

import random
import shutil
import sysconfig

import numpy as np
import pytest
from datasketch import MinHash

from dedup.config import Settings
from dedup.near.fingerprints import ascii_codes, code_digests, exact_digests, fingerprint_batch, numpy_code_digests, prepare
from dedup.near import fingerprints, signatures
from dedup.near.signatures import minhash_segments, numpy_segments, permutations, shingle_minhash
from dedup.text.ngrams import TextFingerprints
from dedup.text.normalize import normalize_text, token_spans, tokenize
from dedup.text import shingles
from dedup.text.shingles import ascii_collapsed, code_token_spans, fold32, numpy_token_spans, reference_shingles, shingle_batch, shingle_hash, shingle_hash32, token_hash, token_hash_array

# Letters of each script, with spaces, punctuation, digits and combining marks.
SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyzÀÉçñøß  ,.;'’\"-—0123456789\u0301\u0308_\t\n",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГ  ,.«»-\u0301",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي  ،.؟\u064b\u064e\u064f\u0650\u0651\u0652٠١٢",
    "cjk": "日本語中文漢字かなカタカナひらがな한국어  、。・ー「」\u3099\u309a",
    "devanagari": "अआइईउऊऋएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह  ।,\u093e\u093f\u0940\u0941\u0942\u094d\u0902",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ  ฯ\u0e31\u0e34\u0e35\u0e48\u0e49abc",
    "mixed": "abcабвابت日本अआกข  ,.\u0301\u093e\u0e31\u064e1234",
    "ascii": "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789  ,.;'\"-_\t\n!?@[`{\x7f",
}


def random_texts(alphabet: str, count: int, seed: int, max_len: int = 80) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len))) for _ in range(count)]


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_token_hashes_and_positions_match_the_token_pattern(script):
    for text in random_texts(SCRIPTS[script], 300, seed=1):
        normalized = normalize_text(text)
        hashes, starts = token_hash_array(normalized)
        assert hashes.tolist() == [token_hash(t) for t in tokenize(normalized)]
        assert starts.tolist() == [a for a, _ in token_spans(normalized)]


@pytest.mark.parametrize("built", [True, False], ids=["built", "numpy"])
def test_ascii_token_spans_match_the_token_pattern_either_way(built):
    spans = code_token_spans if built else numpy_token_spans
    rng = random.Random(6)
    texts = ["", " ", "a", "word", " lead", "trail ", "a_b-c", "x" * 5000] + random_texts("".join(map(chr, range(128))), 300, seed=6)
    texts += ["".join(rng.choice("ab0 .") for _ in range(rng.randint(0, 60))) for _ in range(300)]
    for text in texts:
        hashes, starts, ends = spans(np.frombuffer(text.encode("ascii"), dtype=np.uint8))
        assert hashes.dtype == np.uint64 and starts.dtype == ends.dtype == np.int64
        assert hashes.tolist() == [token_hash(t) for t in tokenize(text)]
        assert list(zip(starts.tolist(), ends.tolist())) == token_spans(text)


def test_the_token_loop_is_built_where_a_compiler_is():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the numpy passes are used")
    assert shingles._ascii_token_hashes is not None, "dedup/text/_loops.c was not built: run make install again"
    with pytest.raises(ValueError, match="outputs"):
        shingles._ascii_token_hashes(np.zeros(10, dtype=np.uint8), *(np.empty(5, dtype=t) for t in (np.uint64, np.int64, np.int64)))


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("n", [1, 3, 5])
def test_shingle_batch_equals_reference_sets(script, n):
    texts = [normalize_text(t) for t in random_texts(SCRIPTS[script], 200, seed=2)]
    batch = shingle_batch(texts, n)
    assert len(batch) == len(texts)
    for k, text in enumerate(texts):
        expected = sorted({shingle_hash(s) for s in reference_shingles(text, n)})
        assert batch[k].tolist() == expected


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_signatures_equal_datasketch_affine32_with_the_reference_hash(script):
    settings = Settings(num_perm=64, seed=7, ngram=3)
    texts = random_texts(SCRIPTS[script], 40, seed=3, max_len=300)
    signatures = fingerprint_batch(texts, settings).signatures
    for k, text in enumerate(texts):
        reference = MinHash(num_perm=64, seed=7, scheme="affine32", hashfunc=shingle_hash32)
        reference.update_batch(reference_shingles(normalize_text(text), 3))
        assert signatures[k].tolist() == reference.hashvalues.tolist()


def minhash_signatures(hash_lists: list[np.ndarray], num_perm: int, seed: int, segments=minhash_segments, used: int | None = None) -> np.ndarray:
    """:func:`minhash_segments` (or ``segments``) of one uint32 hash array per document."""
    offsets = np.concatenate(([0], np.cumsum([len(h) for h in hash_lists]))).astype(np.int64)
    values = np.concatenate(hash_lists) if hash_lists else np.zeros(0, dtype=np.uint32)
    return segments(values, offsets, num_perm, seed, used)


@pytest.mark.parametrize("segments", [minhash_segments, numpy_segments], ids=["built", "numpy"])
def test_minhash_of_raw_hash_lists_equals_datasketch_for_every_size(segments):
    rng = np.random.default_rng(4)
    sizes = [0, 1, 2, 3, 700, 9000, 0, 5, 4, 6, 7, 701]  # every remainder of four values a pass
    lists = [rng.integers(0, 2**32, size=s, dtype=np.uint64).astype(np.uint32) for s in sizes]
    signatures = minhash_signatures(lists, 128, 3, segments)
    for values, row in zip(lists, signatures):
        reference = MinHash(num_perm=128, seed=3, scheme="affine32", hashfunc=int)
        reference.update_batch(values.tolist())
        assert row.tolist() == reference.hashvalues.tolist()


@pytest.mark.parametrize("segments", [minhash_segments, numpy_segments], ids=["built", "numpy"])
def test_only_the_permutations_used_are_computed(segments):
    rng = np.random.default_rng(5)
    lists = [rng.integers(0, 2**32, size=s, dtype=np.uint64).astype(np.uint32) for s in (40, 0, 9000, 3)]
    every = minhash_signatures(lists, 128, 9, segments)
    used = minhash_signatures(lists, 128, 9, segments, used=126)
    assert used.shape == (4, 126)
    assert np.array_equal(used, every[:, :126])


@pytest.mark.parametrize("built", [True, False], ids=["built", "numpy"])
def test_minhash_of_64_bit_shingle_hashes_folds_them_as_fold32(monkeypatch, built):
    if not built:
        monkeypatch.setattr(signatures, "_shingle_minima", None)
    elif signatures._shingle_minima is None:
        pytest.skip("dedup/text/_loops.c was not built")
    rng = np.random.default_rng(6)
    sizes = [0, 1, 2, 3, 4, 5, 700, 0, 9001]
    hashes = rng.integers(0, 2**64, sum(sizes), dtype=np.uint64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    for used in (None, 126):
        expected = numpy_segments(fold32(hashes), offsets, 128, 7, used)
        assert np.array_equal(shingle_minhash(hashes, offsets, 128, 7, used), expected)
    if built:
        a, b = permutations(128, 7)
        out = np.empty((1, 4), dtype=np.uint32)
        with pytest.raises(ValueError, match="rise within"):
            signatures._shingle_minima(hashes[:10], np.array([0, 11], dtype=np.int64), a[:4], b[:4], out)
        with pytest.raises(ValueError, match="do not agree"):
            signatures._shingle_minima(hashes[:10], np.array([0, 10], dtype=np.int64), a[:4], b[:3], out)


def test_the_c_loop_is_built_where_a_compiler_is():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the numpy blocks are used")
    assert signatures._segment_minima is not None, "dedup/text/_loops.c was not built: run make install again"


def test_the_c_loop_refuses_offsets_outside_the_values():
    if signatures._segment_minima is None:
        pytest.skip("the C loop is not built")
    values = np.arange(10, dtype=np.uint32)
    a, b = permutations(4, 1)
    out = np.empty((1, 4), dtype=np.uint32)
    with pytest.raises(ValueError, match="offsets"):
        signatures._segment_minima(values, np.array([0, 11], dtype=np.int64), a[:4], b[:4], out)
    with pytest.raises(ValueError, match="agree"):
        signatures._segment_minima(values, np.array([0, 10], dtype=np.int64), a[:4], b[:3], out)
    with pytest.raises(TypeError):
        signatures._segment_minima(values.astype(np.uint64), np.array([0, 10], dtype=np.int64), a[:4], b[:4], out)


@pytest.mark.parametrize("seed", [1, 42])
def test_permutations_are_datasketchs(seed):
    a, b = permutations(128, seed)
    reference = MinHash(num_perm=128, seed=seed, scheme="affine32").permutations
    assert a.tolist() == reference[0].tolist()
    assert b.tolist() == reference[1].tolist()


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_exact_digests_equal_the_digest_of_normalised_text_in_any_batching(script):
    alphabet = SCRIPTS[script] + " \t\r\n\x0b\x0c\x1c\x1fAB"
    texts = random_texts(alphabet, 120, seed=5, max_len=30) + ["", " ", "\n\n", "a", " a ", "A  b\t"]
    expected = exact_digests([normalize_text(t) for t in texts])
    for size in (1, 2, 7, 128):
        for start in range(0, len(texts), size):
            digests, _ = prepare(texts[start : start + size])
            assert (digests == expected[start : start + size]).all()


@pytest.mark.parametrize("digests", [code_digests, numpy_code_digests], ids=["built", "numpy"])
def test_ascii_batch_digests_equal_the_digest_of_normalised_text(digests):
    texts = random_texts("aB1 \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f.,'-\x00\x7f", 400, seed=8, max_len=40)
    texts += ["", " ", "\n\n", "a", " a ", "A  b\t", "x" * 3000, " " * 3000]
    codes, lengths = ascii_codes([t.lower() for t in texts])
    assert (digests(codes, lengths) == exact_digests([normalize_text(t) for t in texts])).all()


@pytest.mark.parametrize("seed", range(4))
def test_ascii_batch_digests_of_long_texts_equal_numpys(seed):
    # Long runs of words and single spaces, now and then a run of white space
    # (at every offset from a text's start), as news text is.
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(b"abcdefghij0.,' ", dtype=np.uint8)
    texts = []
    for _ in range(60):
        codes = alphabet[rng.integers(0, alphabet.size, rng.integers(0, 400))].copy()
        for at in rng.integers(0, max(codes.size, 1), rng.integers(0, 4)):
            if at < codes.size:
                codes[at] = rng.choice(np.frombuffer(b" \t\n\x0b\x0c\r\x1c\x1f", dtype=np.uint8))
        texts.append(codes.tobytes().decode("ascii"))
    texts += [" " * 17 + "a" * 33, "a" * 16 + " " * 16 + "b" * 16, "a" * 15 + "  " + "b" * 31 + "\n"]
    codes, lengths = ascii_codes(texts)
    assert (code_digests(codes, lengths) == numpy_code_digests(codes, lengths)).all()
    assert (code_digests(codes, lengths) == exact_digests([normalize_text(t) for t in texts])).all()


def test_the_collapse_loop_refuses_lengths_past_the_codes():
    if ascii_collapsed is None:
        pytest.skip("the C loop is not built")
    codes, lengths = ascii_codes(["ab c", "d"])
    out, ends = np.empty(codes.size, dtype=np.uint8), np.empty(2, dtype=np.int64)
    ascii_collapsed(codes, lengths, out, ends)
    assert out[: ends[-1]].tobytes() == b"ab cd" and ends.tolist() == [4, 5]
    with pytest.raises(ValueError, match="run past"):
        ascii_collapsed(codes, np.array([4, 2], dtype=np.int64), out, ends)
    with pytest.raises(ValueError, match="out needs"):
        ascii_collapsed(codes, lengths, out[:3], ends)


def normalize_fast(text: str) -> str:
    """:func:`normalize_text` with a short cut for ASCII: NFKC and the quote
    and dash folds change nothing there and case folding is ``lower``, so
    normalising is collapsing whitespace (what :func:`prepare` relies on)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return normalize_text(text)


def test_ascii_short_cut_normalises_like_normalize_text():
    for text in random_texts("aB1 \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f.,'\"-_\x00\x7f", 500, seed=6):
        assert normalize_fast(text) == normalize_text(text)


def test_copies_differing_in_case_and_spacing_get_one_digest():
    digests, _ = prepare(["The  cat\nsat.", "the cat sat. ", "THE CAT SAT.", "the cat sat!"])
    assert (digests[0] == digests[1]).all() and (digests[0] == digests[2]).all()
    assert not (digests[0] == digests[3]).all()


@pytest.mark.parametrize("count", [0, 1, fingerprints.SUB_BATCH, 2 * fingerprints.SUB_BATCH + 45])
def test_a_spilled_batch_holds_the_shingle_sets_it_would_keep(tmp_path, count):
    # A spilled batch writes its sub-batches' sets one after the other (never
    # joined in memory): the file must hold what the kept, joined sets hold.
    scripts = list(SCRIPTS.values())
    texts = ["" if k % 17 == 5 else random_texts(scripts[k % len(scripts)], 1, seed=k, max_len=400)[0] for k in range(count)]  # some empty, most not ASCII
    settings = Settings()
    kept = fingerprint_batch(texts, settings, keep_shingles=True, index=True)
    spilled = fingerprint_batch(texts, settings, spill=(str(tmp_path), 7), index=True)
    written = np.fromfile(tmp_path / spilled.spilled, dtype="<u8")
    assert spilled.shingles is None and np.array_equal(written, kept.shingles.hashes)
    assert np.array_equal(spilled.counts, kept.counts) and np.array_equal(spilled.counts, np.diff(kept.shingles.offsets))
    assert np.array_equal(spilled.signatures, kept.signatures) and np.array_equal(spilled.exact, kept.exact)
    # The index fingerprints, in arrays sized for the whole batch at once, are those gathered without that room.
    grams = TextFingerprints(settings.passages.index_ngram, settings.passages.index_sample)
    for start in range(0, count, fingerprints.SUB_BATCH):
        _, tokens, first = fingerprints.prepare_tokens(texts[start : start + fingerprints.SUB_BATCH])
        grams.add(tokens, first, start)
    assert np.array_equal(spilled.index_hashes, grams.hashes) and np.array_equal(spilled.index_owners, grams.owners)
    assert count < 2 or (kept.counts.sum() > 0 and grams.hashes.size > 0)
