"""Passage pairs at corpus scale: candidates from the index, verified and labelled."""

from __future__ import annotations

import random

import numpy as np
from conftest import CORPUS

from dedup.config import PassageSettings, Settings
from dedup.document import Document, Span
from dedup.io.corpus import read_corpus
from dedup.passages.index import ngram_hashes, word_hashes
from dedup.passages.pairs import candidate_pairs, find_passage_pairs
from dedup.results import PairResult
from dedup.text.normalize import normalize_text, tokenize


def test_sample_corpus_reports_only_the_rewrite() -> None:
    docs, _ = read_corpus([CORPUS])
    pairs = find_passage_pairs(docs, Settings())
    assert [(docs[p.i].id[:3], docs[p.j].id[:3], p.relation) for p in pairs] == [("000", "001", "rewrite")]
    pair = pairs[0]
    fields = pair.fields()
    assert 0.3 < fields["shared_share_a"] <= 1 and 0.3 < fields["shared_share_b"] <= 1
    assert fields["shared_chars_a"] > 2000
    first = fields["passages"][0]
    assert set(first) == {"a_start", "a_end", "b_start", "b_end", "kind", "score", "quoted"}
    # the fields fit PairResult and survive its JSON form
    result = PairResult(a=docs[pair.i].id, b=docs[pair.j].id, relation=pair.relation, jaccard=0.1,
                        containment_a=0.1, containment_b=0.1, extra=pair.extra(), **fields)
    out = result.to_dict()
    assert out["passages"] == fields["passages"] and out["aligned_sentences"] >= 15


def test_skip_leaves_out_reported_pairs() -> None:
    docs, _ = read_corpus([CORPUS])
    assert find_passage_pairs(docs, Settings(), skip={(0, 1)}) == []
    # a pair inside a duplicate cluster is skipped too: 0-4 and 4-1 reported make 0-1 one cluster
    assert find_passage_pairs(docs, Settings(), skip={(0, 4), (1, 4)}) == []
    assert len(find_passage_pairs(docs, Settings(), skip={(0, 4)})) == 1


def _vocabulary(size: int) -> list[str]:
    rng = random.Random(0)
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(3 + k % 7)) for k in range(size)]


_VOCABULARY = _vocabulary(5000)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_VOCABULARY) for _ in range(n))


def _sentences(text: str) -> str:
    words = text.split()
    return " ".join(" ".join(words[i : i + 15]).capitalize() + "." for i in range(0, len(words), 15))


def test_copied_passage_is_found_among_unrelated_documents() -> None:
    rng = random.Random(3)
    docs = [Document(f"d{k}", _sentences(_words(rng, 300))) for k in range(40)]
    passage = docs[5].text[: docs[5].text.index(".", 600) + 1]
    docs[30] = Document("d30", _sentences(_words(rng, 120)) + " " + passage + " " + _sentences(_words(rng, 120)))
    pairs = find_passage_pairs(docs, Settings())
    assert [(p.i, p.j) for p in pairs] == [(5, 30)]
    assert pairs[0].relation == "partial_copy"
    verbatim = [p for p in pairs[0].passages if p.kind == "verbatim"]
    assert len(verbatim) == 1 and verbatim[0].a.text(docs[5].text) in passage
    # unrelated documents are never even proposed
    assert candidate_pairs(docs, Settings()).tolist() == [[5, 30]]


def test_masks_hide_shared_boilerplate() -> None:
    rng = random.Random(4)
    footer = _sentences(_words(rng, 60))
    a = Document("a", _sentences(_words(rng, 200)) + " " + footer)
    b = Document("b", _sentences(_words(rng, 200)) + " " + footer)
    assert [p.relation for p in find_passage_pairs([a, b], Settings())] == ["partial_copy"]
    masks = {d.id: [Span(d.text.index(footer), len(d.text))] for d in (a, b)}
    assert find_passage_pairs([a, b], Settings(), masks=masks) == []
    assert candidate_pairs([a, b], Settings(), masks).size == 0


def test_index_words_match_the_tokenizer() -> None:
    texts = [normalize_text(t) for t in ("Hello, wörld! it's 北京 2026", "नमस्ते दुनिया", "ＡＢＣ ﬁnal")]
    hashes, owners = word_hashes(texts)
    assert owners.tolist() == [k for k, t in enumerate(texts) for _ in tokenize(t)]
    # equal words hash equal, across texts
    again, _ = word_hashes([texts[0]])
    assert np.array_equal(again, hashes[owners == 0])
    grams, gram_owners = ngram_hashes(hashes, owners, 2)
    assert gram_owners.tolist() == [0] * 6 + [1] + [2]


def test_pool_verification_equals_serial() -> None:
    from dedup.passages.verify import _verify_in_pool, verify_pairs

    docs, _ = read_corpus([CORPUS])
    pairs = [(0, 1), (0, 2), (2, 3), (3, 4)]
    serial = verify_pairs(docs, pairs, Settings())
    pooled = _verify_in_pool(docs, pairs, Settings(), {}, 2)
    assert [(p.i, p.j, p.relation, p.fields()) for p in pooled] == [(p.i, p.j, p.relation, p.fields()) for p in serial]
    assert [(p.i, p.j) for p in serial] == [(0, 1)]


def _with_phrase(rng: random.Random, phrase: str) -> str:
    return _sentences(_words(rng, 150) + " " + phrase + " " + _words(rng, 150))


def test_stock_phrase_alone_is_not_aligned(monkeypatch) -> None:
    import dedup.passages.verify as passages
    from dedup.passages.index import anchors, context_overlap

    rng = random.Random(8)
    settings = Settings()
    ps = settings.passages
    # a phrase of 7 words (too short to be a passage) holding two fingerprints
    phrase = _words(rng, 7)
    while anchors(normalize_text(phrase), ps.index_ngram, ps.index_sample).hashes.size < 2:
        phrase = _words(rng, 7)
    stock = [Document(f"s{k}", _with_phrase(rng, phrase)) for k in range(2)]
    passage = _words(rng, 80)
    copies = [Document(f"c{k}", _sentences(_words(rng, 100) + " " + passage + " " + _words(rng, 100))) for k in range(2)]
    assert candidate_pairs(stock, settings).tolist() == [[0, 1]]
    assert candidate_pairs(copies, settings).tolist() == [[0, 1]]
    found = {}
    for name, docs in (("stock", stock), ("copies", copies)):
        a, b = (anchors(normalize_text(d.text), ps.index_ngram, ps.index_sample) for d in docs)
        found[name] = context_overlap(a, b, ps.anchor_window)
    assert found["stock"] < ps.min_anchor_overlap <= found["copies"]
    aligned = []
    original = passages.align_prepared
    monkeypatch.setattr(passages, "align_prepared", lambda pa, pb, s: aligned.append(1) or original(pa, pb, s))
    assert find_passage_pairs(stock, settings) == []
    assert aligned == []  # the stock phrase never reached the aligner
    assert [p.relation for p in find_passage_pairs(copies, settings)] == ["partial_copy"]
    assert aligned == [1]
    off = Settings(passages=PassageSettings(min_anchor_overlap=0.0))
    assert find_passage_pairs(stock, off) == []
    assert aligned == [1, 1]  # with the check off every candidate is aligned


def test_index_pairs_equal_the_written_out_definition() -> None:
    from itertools import combinations

    from dedup.passages.index import candidate_pairs as index_pairs

    rng = np.random.default_rng(2)
    n_docs, max_docs, min_shared = 30, 4, 2
    hashes = rng.integers(0, 60, 400).astype(np.uint64)  # repeats within and across documents
    owners = rng.integers(0, n_docs, 400)
    holders = {}
    for h, o in zip(hashes.tolist(), owners.tolist()):
        holders.setdefault(h, set()).add(o)
    shared = {}
    for docs_of in holders.values():
        if 1 < len(docs_of) <= max_docs:
            for pair in combinations(sorted(docs_of), 2):
                shared[pair] = shared.get(pair, 0) + 1
    expected = sorted(p for p, count in shared.items() if count >= min_shared)
    got, counts = index_pairs(hashes, owners, n_docs, max_docs, min_shared)
    assert [tuple(p) for p in got.tolist()] == expected and len(expected) > 5
    assert counts.tolist() == [shared[p] for p in expected]
    assert index_pairs(np.arange(5, dtype=np.uint64), np.arange(5), 5, 4, 1)[0].size == 0


def test_pairs_sharing_many_fingerprints_skip_the_context_check(monkeypatch) -> None:
    import dedup.passages.verify as passages
    from dedup.passages.candidates import _candidates

    rng = random.Random(12)
    passage = _words(rng, 90)
    docs = [Document(f"c{k}", _sentences(_words(rng, 100) + " " + passage + " " + _words(rng, 100))) for k in range(2)]
    pairs, counts = _candidates(docs, Settings())
    assert pairs.tolist() == [[0, 1]] and counts[0] >= passages.ANCHORS_ENOUGH
    checked = []
    original = passages.context_overlaps
    monkeypatch.setattr(passages, "context_overlaps", lambda docs, ids, pairs, *a: checked.extend(pairs) or original(docs, ids, pairs, *a))
    assert [p.relation for p in find_passage_pairs(docs, Settings())] == ["partial_copy"]
    assert checked == []
    assert [p.relation for p in passages.verify_pairs(docs, [(0, 1)], Settings())] == ["partial_copy"]
    assert checked == [(0, 1)]  # without the counts every pair is checked


def test_passages_start_and_end_at_word_characters() -> None:
    docs, _ = read_corpus([CORPUS])
    [pair] = find_passage_pairs(docs, Settings())
    a, b = docs[pair.i].text, docs[pair.j].text
    kinds = set()
    for p in pair.passages:
        kinds.add(p.kind)
        for text, span in ((a, p.a), (b, p.b)):
            assert text[span.start].isalnum() and text[span.end - 1].isalnum(), (p.kind, span.text(text))
    assert kinds == {"verbatim", "reworded"}


def test_slim_pairs_keep_their_fields_and_figures() -> None:
    from dedup.passages.verify import _verify_in_pool, verify_pairs

    docs, _ = read_corpus([CORPUS])
    pairs = [(0, 1), (0, 2), (2, 3), (3, 4)]
    full = verify_pairs(docs, pairs, Settings())
    assert full and full[0].alignment.sentence_pairs and full[0].alignment.sentences_a
    for slim in (verify_pairs(docs, pairs, Settings(), sentences=False), _verify_in_pool(docs, pairs, Settings(), {}, 2, sentences=False)):
        assert [(p.i, p.j, p.relation, p.fields(), p.extra(), p.alignment.stats) for p in slim] == [
            (p.i, p.j, p.relation, p.fields(), p.extra(), p.alignment.stats) for p in full
        ]
        assert all(not p.alignment.sentence_pairs and not p.alignment.sentences_a for p in slim)
    assert full[0].extra()["aligned_sentences"] == len(full[0].alignment.sentence_pairs) > 0
