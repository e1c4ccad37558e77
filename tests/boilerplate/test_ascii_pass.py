"""The compiled pass over a batch's ASCII blocks gives each figure its
definition gives, on random texts (white space of every kind, digits, stops
and closers, hard-wrapped and HTML documents, documents that are not ASCII)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedup.boilerplate import ascii_pass
from dedup.boilerplate.ascii_pass import batch_blocks, batch_figures, batch_fingerprints, cut_blocks
from dedup.boilerplate.ascii_stats import ENDS_ELLIPSIS, ENDS_SENTENCE, KEY_WORDS, STOPWORD_HITS, ascii_block_counts
from dedup.boilerplate.blocks import document_blocks
from dedup.boilerplate.features import _ENDS_ELLIPSIS, _ENDS_SENTENCE, _class_counts, _codes, _ends_with, compiled_pass_tables
from dedup.boilerplate.repeats import block_key, keyed_fingerprints
from dedup.boilerplate.sentence_hashes import may_repeat_sentences
from dedup.boilerplate.stopwords import STOPWORDS
from dedup.document import Document
from dedup.text.normalize import normalize_text

PIECES = ["Word", "TWO", "the", "And", "x", "a1", "2026", "5", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\x0b", "\x1c", "\x1f", "\x00"]
PIECES += [".", "...", "!", "?", ":", ";", "'", '"', ")", "]", "|", "/", ">", "-", "e.g.", "said.)"]
WIDE = ["\u00e9", "\u2019", "\uff21", "\u2026"]
WORDS = "the cat sat on a mat and then the dog ran off to see what the cat had done there".split()


def _wrapped(rng: random.Random) -> str:
    """A paragraph hard-wrapped at about 60 characters (some repeated)."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(60, 140))]
    lines, line = [], ""
    for word in words:
        if len(line) + 1 + len(word) > 60:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def _docs(seed: int) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for k in range(600):
        pieces = PIECES + WIDE if k % 7 == 3 else PIECES
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        if k % 11 == 4:
            text = _wrapped(rng)
        elif k % 5 == 1:  # words that repeat: runs to find
            text = "\n".join(" ".join(rng.choice(WORDS[:6]) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 4)))
        blocks = ()
        if k % 13 == 6 and text:  # HTML blocks, one of them ending in a line break
            cut = rng.randint(0, len(text))
            blocks = ((0, cut, 0.5, 3), (cut, len(text), 0.0, 0))
        docs.append(Document(id=str(k), text=text, blocks=blocks))
    return docs


def _repeats_a_run(keys: list[str], n: int) -> bool:
    words = " ".join(keys).split()
    runs = [tuple(words[k : k + n]) for k in range(len(words) - n + 1)]
    return len(set(runs)) < len(runs)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_pass_gives_each_definition(monkeypatch, compiled, seed):
    if not compiled:
        monkeypatch.setattr(ascii_pass, "_pass_loop", None)
        monkeypatch.setattr(ascii_pass, "_lines_loop", None)
    elif ascii_pass._pass_loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    docs = _docs(seed)
    blocks = batch_blocks(docs)
    assert blocks == [document_blocks(doc) for doc in docs]
    assert sum(len(b) > 2 for b in blocks) > 50
    for n in (1, 3, 6):
        figures = batch_figures(docs, blocks, n)
        texts = [[b.text(doc.text) for b in doc_blocks] for doc, doc_blocks in zip(docs, blocks)]
        assert figures.keys == [[normalize_text(t) for t in doc_texts] for doc_texts in texts]
        bare = [block_key(t).encode("utf-8") for doc_texts in texts for t in doc_texts]
        assert figures.bare == bare
        assert figures.bare_words.tolist() == [len(key.split()) for key in bare]
        assert figures.words == [[len(t.split()) for t in doc_texts] if doc.text.isascii() else None for doc, doc_texts in zip(docs, texts)]
        assert figures.repeats == may_repeat_sentences(docs, figures.keys, n)
        for doc, doc_keys, may in zip(docs, figures.keys, figures.repeats):
            # (A collision of run hashes only says True where a repeat is not.)
            assert may or not _repeats_a_run(doc_keys, n), doc.id
        assert sum(figures.repeats) > 40
        for doc, doc_texts, counts in zip(docs, texts, figures.counts):
            if not compiled or not doc.text.isascii():
                assert counts is None
                continue
            assert counts.shape == (len(doc_texts), 13)
            if doc_texts:
                ends = np.cumsum([len(t) + 1 for t in doc_texts]) - 1
                assert counts[:, :9].tolist() == _class_counts(_codes("\n".join(doc_texts)), ends).tolist(), doc.id
            assert counts[:, KEY_WORDS].tolist() == [len(t.split()) for t in doc_texts]
            assert counts[:, ENDS_SENTENCE].tolist() == [_ends_with(_ENDS_SENTENCE, t) for t in doc_texts], doc.id
            assert counts[:, ENDS_ELLIPSIS].tolist() == [_ends_with(_ENDS_ELLIPSIS, t) for t in doc_texts], doc.id


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pass_reads_the_codes_the_lines_were_cut_from(seed):
    if ascii_pass._pass_loop is None or ascii_pass._lines_loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    docs = _docs(seed)
    plain = [doc for doc in docs if ascii_pass._plain_lines(doc)]
    for batch, read in ((plain, True), (docs, False)):
        blocks, lines = cut_blocks(batch)
        assert blocks == batch_blocks(batch)
        assert (lines.positions == [k for k, doc in enumerate(batch) if doc.text.isascii()]) == read
        for n in (1, 3):
            given, again = batch_figures(batch, blocks, n, lines), batch_figures(batch, blocks, n)
            assert (given.keys, given.words, given.repeats, given.bare) == (again.keys, again.words, again.repeats, again.bare)
            assert given.bare_words.tolist() == again.bare_words.tolist()
            assert [None if c is None else c.tolist() for c in given.counts] == [None if c is None else c.tolist() for c in again.counts]
    assert len(plain) > 300 and sum(len(b) > 2 for b in cut_blocks(plain)[0]) > 50


def test_line_breaks_are_counted_as_far_as_asked():
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(["a", " ", "\n", "\r\n", "\n\n"]) for _ in range(rng.randint(0, 12)))
        for count in range(7):
            assert ascii_pass._breaks_at_least(text, count) == (text.count("\n") >= count), (text, count)


def test_a_document_whose_blocks_cannot_be_cut_is_one_fault():
    docs = [Document(id="a", text="One line\nTwo lines"), Document(id="b", text="x", blocks=((0, "not a number", 0.0),)), Document(id="c", text="Three")]
    faults = []
    blocks = batch_blocks(docs, faults)
    assert blocks[0] == document_blocks(docs[0]) and blocks[1] is None and blocks[2] == document_blocks(docs[2])
    assert [f.documents for f in faults] == [("b",)]
    with pytest.raises(ValueError):
        batch_blocks(docs)


def test_the_compiled_pass_refuses_bounds_outside_the_codes():
    if ascii_pass._pass_loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    from dedup.boilerplate.features import compiled_pass_tables

    codes = np.frombuffer(b"abc def", dtype=np.uint8)
    outputs = (np.empty(20, np.uint8), np.empty((1, 2), np.int64), np.empty(10, np.uint8), np.empty(1, np.int64), np.empty((1, 13), np.int64), np.empty(1, np.uint8))
    with pytest.raises(ValueError, match="outside"):
        ascii_pass._pass_loop(codes, np.array([[0, 9]], np.int64), np.array([1], np.int64), *compiled_pass_tables(), *outputs, 3)
    with pytest.raises(ValueError, match="add up"):
        ascii_pass._pass_loop(codes, np.array([[0, 3]], np.int64), np.array([0], np.int64), *compiled_pass_tables(), *outputs, 3)
    assert ascii_pass._pass_loop(codes, np.array([[0, 7]], np.int64), np.array([1], np.int64), *compiled_pass_tables(), *outputs, 1) == len(b"abc def \n")
    assert outputs[-1].tolist() == [0]


@pytest.mark.parametrize("near", [(3, None), (4, 12), (None, None)])
def test_batch_fingerprints_are_the_keyed_fingerprints(near):
    docs = _docs(5)
    blocks = batch_blocks(docs)
    figures = batch_figures(docs, blocks, 6)
    places = [10 + 2 * k for k in range(len(docs))]
    keyed, at = [], 0
    for place, doc_blocks in zip(places, blocks):
        keyed.append((place, [(b.start, b.end) for b in doc_blocks], figures.bare[at : at + len(doc_blocks)]))
        at += len(doc_blocks)
    expected = keyed_fingerprints(keyed, [], *near)
    found = batch_fingerprints(places, blocks, figures.bare, figures.bare_words, [], *near)
    for name in ("doc_idx", "block_idx", "starts", "ends", "hashes", "long_rows", "signatures"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name
    assert found.hashes.size > 1000 and (near[0] is None or found.long_rows.size > 50)
    # The blocks' bounds as the lines were cut in C give the same fingerprints.
    plain = [k for k, doc in enumerate(docs) if ascii_pass._plain_lines(doc)]
    if ascii_pass._lines_loop is None:
        return
    plain_blocks, lines = cut_blocks([docs[k] for k in plain])
    assert len(lines.positions) == len(plain) > 300
    plain_figures = batch_figures([docs[k] for k in plain], plain_blocks, 6, lines)
    given = batch_fingerprints(plain, plain_blocks, plain_figures.bare, plain_figures.bare_words, [], *near, lines.edges)
    again = batch_fingerprints(plain, plain_blocks, plain_figures.bare, plain_figures.bare_words, [], *near)
    for name in ("doc_idx", "block_idx", "starts", "ends", "hashes", "long_rows", "signatures"):
        assert np.array_equal(getattr(given, name), getattr(again, name)), name


def test_the_compiled_pass_reads_stopwords_of_every_case_length_and_place():
    # The loop packs a word's key as it reads the word (its last 8 codes):
    # stopwords in any case, inside longer words, of 8 codes or more, and
    # ending the text are counted as the numpy definition counts them.
    if ascii_pass._pass_loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    stops = sorted(w for w in STOPWORDS if w.isascii())
    rng = random.Random(12)
    words = []
    for w in stops:
        words += [w, w.upper(), w.capitalize(), "x" + w, w + "s", w + w, "q" * (8 - len(w)) + w, "q" * (9 - len(w)) + w, w + "q" * (9 - len(w)), "1" + w]
    separators = [" ", "  ", "\n", "\n\n", ", ", ". ", "'", "-", "\t"]
    docs = []
    for k in range(300):
        picked = [rng.choice(words) for _ in range(rng.randint(1, 40))]
        text = "".join(word + rng.choice(separators) for word in picked[:-1]) + picked[-1]  # a word ends the text
        docs.append(Document(id=str(k), text=text))
    blocks = batch_blocks(docs)
    figures = batch_figures(docs, blocks, 3)
    hits = 0
    for doc, doc_blocks, counts in zip(docs, blocks, figures.counts):
        texts = [b.text(doc.text) for b in doc_blocks]
        ends = np.cumsum([len(t) + 1 for t in texts]) - 1
        want = _class_counts(_codes("\n".join(texts)), ends)
        assert counts[:, :9].tolist() == want.tolist(), doc.id
        assert ascii_block_counts(_codes("\n".join(texts)), ends, compiled_pass_tables()).tolist() == want.tolist(), doc.id
        hits += int(want[:, STOPWORD_HITS].sum())
    assert hits > 500
    text = "The THE the xthe thex thethe between xbetween qqbetween betweenqq 1the because"
    [counts] = batch_figures([Document("t", text)], batch_blocks([Document("t", text)]), 3).counts
    assert counts[:, STOPWORD_HITS].tolist() == [5]


def test_the_pieces_are_their_definition():
    if ascii_pass._pieces_loop is None:
        pytest.skip("dedup/text/_loops.c was not built")
    rng = random.Random(5)
    codes = np.frombuffer("".join(rng.choice(PIECES) for _ in range(3000)).encode("ascii"), dtype=np.uint8)
    edges = np.array(sorted(rng.choices(range(codes.size + 1), k=400)), dtype=np.int64)
    starts, ends = edges[:-1], edges[1:]
    for text in (True, False):
        pieces = ascii_pass.ascii_pieces(codes, starts, ends, text)
        assert pieces == ascii_pass.pieces_of(codes, starts, ends, text)
        assert all(type(p) is (str if text else bytes) for p in pieces) and sum(not p for p in pieces) > 10
    assert ascii_pass.ascii_pieces(codes, starts[:0], ends[:0], True) == []
    with pytest.raises(ValueError):
        ascii_pass.ascii_pieces(codes, np.array([5]), np.array([codes.size + 1]), False)
    with pytest.raises(ValueError):
        ascii_pass.ascii_pieces(codes, np.array([5]), np.array([4]), False)
    with pytest.raises(UnicodeDecodeError):
        ascii_pass.ascii_pieces(np.frombuffer("caf\u00e9".encode("utf-8"), dtype=np.uint8), np.array([0]), np.array([5]), True)
