"""The compiled exact runs and merge of verbatim passages (dedup/text/_loops.c)
give what the numpy and Python code gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

import dedup.passages.verbatim as verbatim
from dedup.document import Span
from dedup.passages.align import prepare
from dedup.text.sentences import prepare_text


def _compiled() -> None:
    assert verbatim._diagonal_runs is not None and verbatim._merged_runs is not None, (
        "dedup/text/_loops.c was not built: run make install again"
    )


def _text(rng: random.Random, vocab: list[str], n: int) -> str:
    words = [rng.choice(vocab) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 9]).capitalize() + "." for i in range(0, n, 9))


def _pairs() -> list[tuple[str, str, list[Span]]]:
    """Text pairs with copies, edits, repeats past the seed limit, quotations and masks."""
    rng = random.Random(14)
    out = []
    for k in range(30):
        vocab = [f"w{v}" for v in range(rng.choice([3, 12, 400]))]
        a = _text(rng, vocab, rng.randint(0, 400))
        words = a.split()
        for _ in range(rng.randint(0, 20)):  # edits: changed, dropped and inserted words
            if words:
                at = rng.randrange(len(words))
                words[at : at + rng.randint(0, 2)] = [rng.choice(vocab) for _ in range(rng.randint(0, 2))]
        b = _text(rng, vocab, rng.randint(0, 60)) + " " + " ".join(words) + " " + _text(rng, vocab, rng.randint(0, 60))
        if k % 3 == 0:  # quotations over part of the copy, in one text or both
            b = b[:200] + " \u201c" + b[200:600] + "\u201d " + b[600:]
            if k % 2:
                a = "\u201c" + a[:400] + "\u201d" + a[400:]
        masks = [Span(50, 120)] if k % 4 == 1 else []
        out.append((a, b, masks))
    return out


@pytest.mark.parametrize("n", [2, 3, 5])
def test_compiled_runs_equal_the_numpy_runs(n: int) -> None:
    _compiled()
    met_runs = 0
    for a_text, b_text, masks in _pairs():
        a, b = prepare_text(a_text, masks), prepare_text(b_text)
        want = verbatim.exact_runs(verbatim.seed_pairs(a, b, n), n)
        got = verbatim.diagonal_runs(a, b, n)
        assert got.dtype == np.int64 and got.shape == want.shape and np.array_equal(got, want)
        assert np.array_equal(verbatim.diagonal_runs(a, b, n, compiled=False), want)
        met_runs += len(want) > 1
    assert met_runs > 10


@pytest.mark.parametrize(("n", "gap"), [(2, 1), (3, 3), (5, 8)])
def test_compiled_merge_equals_the_python_merge(n: int, gap: int) -> None:
    _compiled()
    merged = 0
    for a_text, b_text, masks in _pairs():
        pa, pb = prepare(a_text, masks), prepare(b_text)
        runs = verbatim.exact_runs(verbatim.seed_pairs(pa.text, pb.text, n), n)
        want = verbatim.merged_runs(runs, (pa.quoted, pb.quoted), n, gap, compiled=False)
        got = verbatim.merged_runs(runs, (pa.quoted, pb.quoted), n, gap)
        assert got == [[a0, a1, b0, b1, m, int(q)] for a0, a1, b0, b1, m, q in want]
        merged += len(want) < len(verbatim.split_runs(runs, pa.quoted, pb.quoted))
    assert merged > 10  # pieces were joined into passages, not only opened


def test_compiled_and_numpy_matches_are_the_same() -> None:
    _compiled()
    quoted_seen = False
    for a_text, b_text, masks in _pairs():
        pa, pb = prepare(a_text, masks), prepare(b_text)
        got = verbatim.capped_verbatim_matches(pa.text, pb.text, 3, 4, 8, (pa.quoted, pb.quoted), max_runs=50)
        compiled = verbatim._diagonal_runs, verbatim._merged_runs
        verbatim._diagonal_runs = verbatim._merged_runs = None
        try:
            want = verbatim.capped_verbatim_matches(pa.text, pb.text, 3, 4, 8, (pa.quoted, pb.quoted), max_runs=50)
        finally:
            verbatim._diagonal_runs, verbatim._merged_runs = compiled
        assert got == want and all(type(m.quoted) is bool for m in got[0])
        quoted_seen |= any(m.quoted for m in got[0])
    assert quoted_seen


def test_compiled_loops_refuse_bad_input() -> None:
    _compiled()
    table = np.zeros(3, dtype=np.uint64)
    with pytest.raises(ValueError):
        verbatim._diagonal_runs(table, np.zeros(2, dtype=np.int64), table, np.zeros(3, dtype=np.int64), 3, 8)
    with pytest.raises(TypeError):
        verbatim._diagonal_runs(np.zeros(3, dtype=np.uint32), np.zeros(3, dtype=np.int64), table, np.zeros(3, dtype=np.int64), 3, 8)
    flags = np.zeros(10, dtype=bool)
    with pytest.raises(ValueError):  # a run past the end of b
        verbatim._merged_runs(np.array([[0, 5, 7]], dtype=np.int64), flags, flags, 3, 2)
    assert verbatim._merged_runs(np.zeros((0, 3), dtype=np.int64), flags, flags, 3, 2) == b""


def test_compiled_cover_equals_the_numpy_cover() -> None:
    from dedup.passages import align

    assert align._compiled_cover is not None, "dedup/text/_loops.c was not built: run make install again"
    shared_pairs = 0
    for a_text, b_text, masks in _pairs():
        pa, pb = prepare(a_text, masks), prepare(b_text)
        matches = verbatim.capped_verbatim_matches(pa.text, pb.text, 3, 4, 6)[0]
        got = align._verbatim_cover(pa.text, pb.text, matches)
        want = align._verbatim_cover(pa.text, pb.text, matches, compiled=False)
        assert all(g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(got, want))
        shared_pairs += int((want[2] < 1.0).sum() > 0 and len(set(want[0].tolist())) < len(want[0]))
    assert shared_pairs > 5  # partial covers, and sentences of a joined to more than one of b
    empty = align._verbatim_cover(pa.text, pb.text, [])
    assert [len(x) for x in empty] == [0, 0, 0]


def test_unmasked_counts_without_masks_equal_the_mask_counts() -> None:
    """The shares, the near-copy test and the side measures count spans'
    unions without masks where nothing is masked or quoted: the same figures."""
    from dedup.config import Settings
    from dedup.passages import align
    from dedup.passages.relations import measure_sides

    settings = Settings()
    measured = 0
    for a_text, b_text, masks in _pairs():
        if masks or not a_text.strip() or not b_text.strip():
            continue
        pa, pb = prepare(a_text), prepare(b_text)
        alignment = align.align_prepared(pa, pb, settings)
        for p, side in ((pa, "a"), (pb, "b")):
            spans = [getattr(q, side) for q in alignment.passages]
            want = int(align.span_mask(len(p.text.text), spans).sum())
            assert p.masked_char_count == 0 and align._unmasked_chars(p, spans) == want
        # a letter outside every passage makes the texts non-ASCII: the mask path, with no dense script
        plain = measure_sides(alignment, settings.passages, (a_text, b_text))
        masked = measure_sides(alignment, settings.passages, (a_text + " \u00e9", b_text + " \u00e9"))
        assert plain == masked
        measured += bool(alignment.passages) and not any(q.quoted for q in alignment.passages)
    assert measured > 5


@pytest.mark.parametrize("n", [1, 3, 5, 40])
def test_compiled_document_stats_equal_the_numpy_stats(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact Jaccard and containments from one compiled call are the
    figures of the two sorted shingle sets (texts empty, shorter than ``n``
    words, copies with edits)."""
    from dedup.passages import align

    assert align._shared_shingles is not None, "dedup/text/_loops.c was not built: run make install again"
    prepared = [(prepare(a_text, masks), prepare(b_text)) for a_text, b_text, masks in _pairs()]
    got = [align.whole_document_stats(pa, pb, n) for pa, pb in prepared]
    monkeypatch.setattr(align, "_shared_shingles", None)
    assert got == [align.whole_document_stats(pa, pb, n) for pa, pb in prepared]
    assert len({g["jaccard"] for g in got}) > 5  # figures of many kinds, not one


def test_compiled_document_stats_refuse_bad_input() -> None:
    from dedup.passages import align

    tokens = np.arange(6, dtype=np.uint64)
    assert align._shared_shingles(tokens, tokens[2:], 3) == (4, 2, 2)
    assert align._shared_shingles(tokens[:0], tokens, 3) == (0, 4, 0)
    with pytest.raises(ValueError):
        align._shared_shingles(tokens, tokens, 0)
    with pytest.raises(TypeError):
        align._shared_shingles(np.zeros(3, dtype=np.uint32), tokens, 3)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_seed_tables_are_the_stable_sort_of_the_seeds(n: int) -> None:
    """A seed table holds the n-grams without masked tokens sorted by hash,
    equal hashes in position order (texts of few words: many equal hashes)."""
    from dedup.text.shingles import shingle_hashes_from_tokens

    for a_text, _, masks in _pairs():
        text = prepare_text(a_text, masks)
        table = verbatim.seed_table(text, n)
        if text.n_tokens < n:
            assert table.hashes.size == table.positions.size == 0
            continue
        hashes = shingle_hashes_from_tokens(text.hashes, n)
        seeds = [(int(hashes[k]), k) for k in range(hashes.size) if not text.masked[k : k + n].any()]
        assert table.hashes.tolist() == [h for h, _ in sorted(seeds)]
        assert table.positions.tolist() == [k for _, k in sorted(seeds)]
        assert table.hashes.dtype == np.uint64 and table.positions.dtype == np.int64


def test_exact_runs_of_positions_far_apart_wrap_as_numpy_does() -> None:
    """Seed positions spanning the whole int64 range: the spans of the
    counting sort overflowed and it wrote out of bounds; now the sort falls
    back, and the diagonals wrap as numpy's int64 subtraction wraps."""
    _compiled()
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    positions_a = np.array([low, high, 0], dtype=np.int64)
    positions_b = np.array([0], dtype=np.int64)
    hashes_a, hashes_b = np.full(3, 7, dtype=np.uint64), np.full(1, 7, dtype=np.uint64)
    runs = np.frombuffer(verbatim._diagonal_runs(hashes_a, positions_a, hashes_b, positions_b, 1, 100), dtype=np.int64).reshape(-1, 3)
    with np.errstate(over="ignore"):
        diagonals = positions_b[0] - positions_a
    assert sorted(runs[:, 2].tolist()) == sorted(diagonals.tolist())
    assert sorted(runs[:, 0].tolist()) == sorted(positions_a.tolist())


@pytest.mark.parametrize("n", [1, 2, 4, 5])
def test_compiled_seed_table_equals_the_numpy_one(n: int) -> None:
    assert verbatim._seed_table is not None, "dedup/text/_loops.c was not built: run make install again"
    met_masked = 0
    for a_text, b_text, masks in _pairs() + [("one two", "", [Span(0, 3)]), ("a b c d e f", "", [Span(0, 11)])]:
        for text in (prepare_text(a_text, masks), prepare_text(b_text)):
            want = verbatim.seed_table(text, n, compiled=False)
            got = verbatim.seed_table(text, n)
            assert got.hashes.dtype == np.uint64 and got.positions.dtype == np.int64
            assert np.array_equal(got.hashes, want.hashes) and np.array_equal(got.positions, want.positions)
            met_masked += bool(text.masked.any()) and 0 < want.hashes.size < text.n_tokens - n + 1
    assert met_masked
