"""The fast paths of the passage stage give what the plain computations give."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import CORPUS

import dedup.passages.align as align
import dedup.passages.candidates as candidates
import dedup.passages.verify as passages
from dedup.config import Settings
from dedup.document import Document, Span, span_mask
from dedup.near.fingerprints import fingerprint_batch, join_fingerprints
from dedup.passages.pairs import candidate_pairs, find_passage_pairs, fingerprints
from dedup.text.normalize import normalize_with_offsets, token_spans
from dedup.text.sentences import prepare_text
from dedup.text.shingles import token_hash_spans, token_hashes
from dedup.text.vectors import N_FEATURES, cosine_matrix, sentence_counts

TEXTS = [
    "Hello, wörld! it's 北京 2026 — naïve ﬁnal co-op.",
    "नमस्ते दुनिया. ภาษาไทย test123 x² ÀB\u0301c",
    "",
    "   ",
    "One. Two! Three?",
]


def _words(rng: random.Random, n: int) -> str:
    vocab = [f"w{k}" for k in range(400)]
    words = [rng.choice(vocab) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, n, 12))


@pytest.mark.parametrize("text", TEXTS)
def test_token_arrays_equal_the_tokenizer(text: str) -> None:
    norm = normalize_with_offsets(text).text
    spans = token_spans(norm)
    hashes, starts, ends = token_hash_spans(norm)
    arr = np.stack([starts, ends], axis=1)
    assert arr.tolist() == [list(s) for s in spans]
    assert np.array_equal(hashes, token_hashes([norm[a:b] for a, b in spans]))


def _reference_cosine(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """TF-IDF cosine written out densely over the features both hold."""
    da, db = a.toarray().astype(np.float64), b.toarray().astype(np.float64)
    df = (da > 0).sum(axis=0) + (db > 0).sum(axis=0)
    idf = np.log((1.0 + da.shape[0] + db.shape[0]) / (1.0 + df)) + 1.0
    wa, wb = np.log1p(da) * idf, np.log1p(db) * idf
    wa /= np.maximum(np.linalg.norm(wa, axis=1, keepdims=True), 1e-300)
    wb /= np.maximum(np.linalg.norm(wb, axis=1, keepdims=True), 1e-300)
    return wa @ wb.T


def test_counts_and_cosine_equal_the_written_out_formula() -> None:
    first = ["the cat sat on the mat", "", "a dog barked at the cat"]
    second = ["the cat sat on a mat", "nothing alike here", "the dog barked"]
    counts = sentence_counts(first)
    assert counts.shape == (3, N_FEATURES) and counts.has_sorted_indices
    assert counts.getrow(1).nnz == 0
    # " the " padded: 'the' 3-gram appears twice in sentence 0
    assert counts.data.max() >= 2
    got = cosine_matrix(counts, sentence_counts(second))
    assert got.dtype == np.float32
    a, b = sentence_counts(first), sentence_counts(second)
    union = np.union1d(a.indices, b.indices)
    assert np.allclose(got, _reference_cosine(a[:, union], b[:, union]), atol=1e-5)
    assert got[0, 0] > 0.5 and got[1].max() == 0.0 and got[0, 1] < got[0, 0]


def test_near_verbatim_fast_path_keeps_passages_and_relation(monkeypatch) -> None:
    rng = random.Random(7)
    base = _words(rng, 400)
    edited = base.replace("w1 ", "w2 ", 3)
    docs = [Document("a", base), Document("b", edited)]
    fast = find_passage_pairs(docs, Settings())
    monkeypatch.setattr(align, "FAST_PATH_SHARE", 2.0)  # never taken
    full = find_passage_pairs(docs, Settings())
    assert [p.relation for p in fast] == [p.relation for p in full] == ["near_duplicate"]
    assert fast[0].fields() == full[0].fields()
    pa, pb = (align.prepare(d.text) for d in docs)
    align.align_prepared(pa, pb, Settings())
    assert "vectors" in pa.__dict__  # the full path vectorised
    monkeypatch.setattr(align, "FAST_PATH_SHARE", 0.95)
    pa, pb = (align.prepare(d.text) for d in docs)
    align.align_prepared(pa, pb, Settings())
    assert "vectors" not in pa.__dict__  # the fast path did not


def test_pooled_fingerprints_equal_one_pass(monkeypatch) -> None:
    rng = random.Random(11)
    docs = [Document(f"d{k}", _words(rng, 150)) for k in range(12)]
    docs[9] = Document("d9", docs[2].text[:500] + " " + _words(rng, 80))
    single = fingerprints(docs, Settings())
    monkeypatch.setattr(candidates, "_DOCS_PER_WORKER", 4)
    pooled = candidates._pooled_fingerprints(docs, Settings(jobs=2), {})
    assert np.array_equal(single[0], pooled[0]) and np.array_equal(single[1], pooled[1])
    assert [2, 9] in candidate_pairs(docs, Settings(jobs=2)).tolist()


def test_prepared_sentence_texts_blank_masked_sentences() -> None:
    text = "First sentence here. Second one is boilerplate. Third is kept."
    start = text.index("Second")
    from dedup.document import Span

    prepared = prepare_text(text, [Span(start, text.index("Third"))])
    assert prepared.sentence_texts == ["first sentence here", "", "third is kept"]


def test_balanced_chunks_keep_components_together() -> None:
    pairs = [(0, 1), (1, 2), (3, 4), (5, 6), (6, 7), (7, 8), (9, 10)]
    chunks = passages._balanced_chunks(pairs, 3)
    assert sorted(p for c in chunks for p in c) == sorted(pairs)
    where = {p: k for k, c in enumerate(chunks) for p in c}
    assert where[(0, 1)] == where[(1, 2)] and where[(5, 6)] == where[(6, 7)] == where[(7, 8)]
    assert passages._balanced_chunks(pairs, 3) == chunks
    # one component larger than a chunk's share is cut
    chain = [(k, k + 1) for k in range(12)]
    assert [len(c) for c in passages._balanced_chunks(chain, 4)] == [3, 3, 3, 3]


def test_a_cut_component_prepares_its_documents_in_fewer_chunks_than_runs_of_pairs() -> None:
    """Text shared by many documents makes one large component: each pair
    goes where its documents already are, so a document is prepared in
    fewer chunks than when the component is cut into runs of its pairs."""
    rng = random.Random(4)
    holders: dict[int, list[int]] = {}  # each of 200 documents holds 2 of 60 shared sentences
    for doc in range(200):
        for sentence in rng.sample(range(60), 2):
            holders.setdefault(sentence, []).append(doc)
    pairs = sorted({(a, b) for docs in holders.values() for a in docs for b in docs if a < b})
    chunks = passages._balanced_chunks(pairs, 4)
    assert sorted(p for c in chunks for p in c) == pairs and max(len(c) for c in chunks) <= -(-len(pairs) // 4)
    assert passages._balanced_chunks(pairs, 4) == chunks
    size = -(-len(pairs) // 4)
    runs = [pairs[k : k + size] for k in range(0, len(pairs), size)]

    def prepared(parts):
        return sum(len({d for p in part for d in p}) for part in parts)

    assert prepared(chunks) < 0.8 * prepared(runs)


def test_verified_pair_figures_are_the_whole_document_similarity() -> None:
    from dedup.document import Span
    from dedup.text.similarity import document_similarity

    rng = random.Random(5)
    shared = _words(rng, 120)
    a = Document("a", "“Ｆｉｒｓｔ” ﬁnal Café naïve. " + shared + " " + _words(rng, 60))
    b = Document("b", _words(rng, 40) + " " + shared.upper() + "  — end, it’s here.")
    masks = {"a": [Span(0, 20)]}
    [pair] = passages.verify_pairs([a, b], [(0, 1)], Settings(), masks)
    assert pair.alignment.stats == {**document_similarity(a.text, b.text, 5), "ngram": 5}


def test_seed_pairs_equal_the_written_out_definition() -> None:
    from dedup.document import Span
    from dedup.passages.verbatim import seed_pairs

    rng = random.Random(9)
    vocab = ["a", "b", "c"]  # small: many repeated 2-grams, some past the repeat limit
    a_text = " ".join(rng.choice(vocab) for _ in range(80))
    b_text = " ".join(rng.choice(vocab) for _ in range(85))
    a = prepare_text(a_text, [Span(10, 30)])
    b = prepare_text(b_text)
    n = 2
    ta = [tuple(a.hashes[k : k + n]) for k in range(a.n_tokens - n + 1)]
    tb = [tuple(b.hashes[k : k + n]) for k in range(b.n_tokens - n + 1)]
    ok_a = [not a.masked[k : k + n].any() for k in range(len(ta))]
    expected = []
    for i, g in enumerate(ta):
        js = [j for j, h in enumerate(tb) if h == g]
        if ok_a[i] and 0 < len(js) <= 8:
            expected.extend((i, j) for j in js)
    expected.sort(key=lambda p: (p[1] - p[0], p[0]))
    got = seed_pairs(a, b, n)
    assert got.tolist() == [list(p) for p in expected] and len(expected) > 20
    assert any(sum(h == g for h in tb) > 8 for g in ta)  # the repeat limit was met


def test_split_runs_cut_where_quotations_start_and_end() -> None:
    from dedup.passages.verbatim import split_runs

    rng = np.random.default_rng(4)
    qa, qb = rng.random(300) < 0.5, rng.random(320) < 0.5
    qa[100:160] = qb[110:170] = True  # a long quoted stretch on one diagonal
    runs = np.array([[0, 7, 3], [20, 24, 0], [95, 175, 10], [200, 230, -5], [231, 232, 40]])
    expected = []
    for a0, a1, d in runs.tolist():
        flags = [bool(qa[k] and qb[k + d]) for k in range(a0, a1)]
        lo = 0
        for k in range(1, len(flags) + 1):
            if k == len(flags) or flags[k] != flags[lo]:
                expected.append((a0 + lo, a0 + k, d, flags[lo]))
                lo = k
    assert split_runs(runs, qa, qb) == expected
    assert (100, 160, 10, True) in expected
    assert split_runs(np.zeros((0, 3), dtype=np.int64), qa, qb) == []


def _index_docs() -> list[Document]:
    rng = random.Random(5)
    docs = [Document(f"d{k}", _words(rng, rng.randint(0, 300))) for k in range(40)]
    docs += [Document(f"t{k}", text) for k, text in enumerate(TEXTS) if text.strip()]
    docs.append(Document("c", "\u201cQuoted\u201d Caf\u00e9 text \u2014 " + docs[3].text[:600]))
    docs.append(Document("s", "two words"))
    return docs


def test_scan_takes_the_index_fingerprints_of_the_passage_stage() -> None:
    docs = _index_docs()
    settings = Settings()
    fp = fingerprint_batch([d.text for d in docs], settings, index=True)
    hashes, owners = fingerprints(docs, settings)
    assert hashes.size > 100
    assert np.array_equal(fp.index_hashes, hashes) and np.array_equal(fp.index_owners, owners)
    parts = [fingerprint_batch([d.text for d in docs[k : k + 7]], settings, index=True) for k in range(0, len(docs), 7)]
    joined = join_fingerprints(parts, settings.num_perm)
    assert np.array_equal(joined.index_hashes, hashes) and np.array_equal(joined.index_owners, owners)


def test_index_from_the_scan_with_masks_gives_the_same_candidates() -> None:
    docs = _index_docs()
    docs.append(Document("m", docs[3].text))
    settings = Settings()
    index = fingerprints(docs, settings)
    masks = {"d3": [Span(0, len(docs[3].text) // 2)], "m": [Span(10, 400)], "d7": []}
    for given in (None, masks):
        plain = candidates._candidates(docs, settings, given)
        reused = candidates._candidates(docs, settings, given, index)
        assert all(np.array_equal(x, y) for x, y in zip(plain, reused))
    assert not np.array_equal(candidates._candidates(docs, settings, masks)[1], candidates._candidates(docs, settings)[1])


def test_anchors_from_prepared_words_equal_anchors_from_the_index_text() -> None:
    from dedup.passages.index import anchors, word_anchors
    from dedup.text.distinct import distinct
    from dedup.text.normalize import fold_text

    for doc in _index_docs():
        ps = Settings().passages
        got = word_anchors(align.prepare(doc.text).text.hashes, ps.index_ngram, ps.index_sample)
        want = anchors(fold_text(doc.text), ps.index_ngram, ps.index_sample)
        for name in ("words", "hashes", "positions"):
            assert np.array_equal(getattr(got, name), getattr(want, name))
        assert np.array_equal(distinct(got.words), np.unique(got.words))


def test_anchors_of_many_texts_at_once_equal_them_one_by_one() -> None:
    from dedup.passages.index import batch_anchors, word_anchors
    from dedup.text.ngrams import word_hashes
    from dedup.text.normalize import fold_text

    ps = Settings().passages
    # texts shorter than an n-gram between longer ones: no n-gram may cross from one text to the next
    texts = [fold_text(t) for t in TEXTS + ["one two three", "a b c d"] + [doc.text for doc in _index_docs()]]
    texts = texts[5:] + texts[:5]
    for got, text in zip(batch_anchors(texts, ps.index_ngram, ps.index_sample), texts, strict=True):
        want = word_anchors(word_hashes([text])[0], ps.index_ngram, ps.index_sample)
        for name in ("words", "hashes", "positions"):
            assert np.array_equal(getattr(got, name), getattr(want, name))
            assert getattr(got, name).dtype == getattr(want, name).dtype
    assert batch_anchors([], ps.index_ngram, ps.index_sample) == []


def _reference_overlap(a, b, window: int, enough: float) -> float:
    """The context agreement written out with array intersections."""
    from dedup.text.distinct import distinct

    _, ia, ib = np.intersect1d(a.hashes, b.hashes, assume_unique=True, return_indices=True)
    best = 0.0
    for pa, pb in zip(a.positions[ia].tolist(), b.positions[ib].tolist()):
        wa = distinct(np.concatenate((a.words[max(0, pa - window) : pa], a.words[pa + a.n : pa + a.n + window])))
        wb = distinct(np.concatenate((b.words[max(0, pb - window) : pb], b.words[pb + b.n : pb + b.n + window])))
        if wa.size and wb.size:
            best = max(best, np.intersect1d(wa, wb, assume_unique=True).size / min(wa.size, wb.size))
            if best >= enough:
                break
    return best


def test_context_overlap_equals_the_array_definition() -> None:
    from dedup.passages.index import batch_anchors, context_overlap
    from dedup.text.normalize import fold_text

    docs = _index_docs()
    # copies of parts of other documents, so that many pairs share fingerprints
    docs += [Document(f"x{k}", docs[k].text[50:900] + " " + docs[k + 1].text[:400]) for k in range(0, 30, 3)]
    found = batch_anchors([fold_text(d.text) for d in docs], 4, 3)
    agreeing = 0
    for a in found:
        for b in found:
            for window, enough in ((20, 0.3), (20, 1.0), (3, 0.5)):
                got = context_overlap(a, b, window, enough)
                assert got == _reference_overlap(a, b, window, enough)
                agreeing += got > 0
    assert agreeing > 100


def _reference_boost(sims, pa, pb, matches):
    cover = np.zeros_like(sims)
    ta, tb = pa.sentence_tokens, pb.sentence_tokens
    for m in matches:
        for i in np.flatnonzero((ta[:, 0] < m.a_end) & (ta[:, 1] > m.a_start)):
            for j in np.flatnonzero((tb[:, 0] < m.b_end) & (tb[:, 1] > m.b_start)):
                lo = max(ta[i, 0], m.a_start) + m.b_start - m.a_start
                hi = min(ta[i, 1], m.a_end) + m.b_start - m.a_start
                common = min(hi, tb[j, 1]) - max(lo, tb[j, 0])
                smaller = min(ta[i, 1] - ta[i, 0], tb[j, 1] - tb[j, 0])
                cover[i, j] = max(cover[i, j], min(1.0, common / smaller) if common > 0 else 0.0)
    return np.maximum(sims, cover)


def test_verbatim_boost_equals_the_pairwise_definition() -> None:
    from dedup.passages.verbatim import capped_verbatim_matches

    rng = random.Random(9)
    for _ in range(12):
        base = _words(rng, 300)
        long = " ".join(_words(rng, 150).replace(".", "") for _ in range(1))  # one sentence cut in pieces
        a = base + " " + long
        b = _words(rng, 80) + " " + base[: rng.randint(200, len(base))] + " " + long[:900] + " " + _words(rng, 60)
        pa, pb = align.prepare(a).text, align.prepare(b).text
        matches = capped_verbatim_matches(pa, pb, 3, 2, 6)[0]
        assert matches
        sims = np.asarray(np.random.default_rng(rng.randint(0, 99)).random((len(pa.sentences), len(pb.sentences))) * 0.5, dtype=np.float32)
        got = align._verbatim_boost(sims, pa, pb, matches)
        assert got.dtype == sims.dtype and np.array_equal(got, _reference_boost(sims, pa, pb, matches))


def test_uncovered_peak_equals_the_sliding_window_count() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        length, width = rng.randint(0, 300), rng.randint(1, 150)
        spans = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randint(0, length)
            spans.append(Span(start, min(length, start + rng.randint(0, 200))))
        uncovered = ~span_mask(length, spans)
        counts = np.concatenate(([0], np.cumsum(uncovered)))
        expected = int(uncovered.sum()) if length <= width else int((counts[width:] - counts[:-width]).max())
        assert align.uncovered_peak(length, spans, width) == expected


def _near_copy_pairs() -> list[tuple[str, str]]:
    """Near copies edited at either end or in the middle, some with a
    sentence of their own or one told in other words, and the sample
    corpus's documents paired (among them a rewrite)."""
    rng = random.Random(9)
    pairs = []
    for k in range(60):
        base = _words(rng, rng.randint(40, 300))
        words = base.split(" ")
        for _ in range(rng.randint(0, 4)):
            at = rng.choice([0, len(words) - 1, rng.randrange(len(words))])
            words[at] = rng.choice(["changed", "w7.", "Other words here", ""])
        edited = " ".join(words)
        if k % 3 == 0:  # a sentence of its own in the middle
            cut = edited.find(". ", len(edited) // 2) + 2
            edited = edited[:cut] + "In other words the committee agreed to meet again next spring. " + edited[cut:]
        if k % 3 == 1:  # a sentence with its words in another order: reworded, not verbatim
            sentences = edited.split(". ")
            middle = len(sentences) // 2
            sentences[middle] = " ".join(reversed(sentences[middle].split(" "))).capitalize()
            edited = ". ".join(sentences)
        pairs.append((base, edited))
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    pairs += [(a, b) for n, a in enumerate(texts) for b in texts[n + 1 :]]
    return pairs


def test_covered_near_copies_skip_the_reworded_search_with_the_same_alignment(monkeypatch) -> None:
    settings = Settings()
    skipped = reworded = 0
    searched = align.reworded_passages
    for a, b in _near_copy_pairs():
        calls = []
        monkeypatch.setattr(align, "reworded_passages", lambda *args: calls.append(1) or searched(*args))
        monkeypatch.setattr(align, "SKIP_COVERED_REWORDED", True)
        fast = align.align_prepared(align.prepare(a), align.prepare(b), settings)
        skipped += not calls
        monkeypatch.setattr(align, "SKIP_COVERED_REWORDED", False)
        full = align.align_prepared(align.prepare(a), align.prepare(b), settings)
        assert fast.passages == full.passages
        reworded += any(p.kind == align.REWORDED for p in full.passages)
        assert list(fast.sentence_pairs) == list(full.sentence_pairs)
        assert (fast.shared_chars_a, fast.shared_chars_b, fast.share_a, fast.share_b) == (full.shared_chars_a, full.shared_chars_b, full.share_a, full.share_b)
    assert skipped >= 5 and reworded >= 2  # the near copies took the shortcut; the reworded ones did not
