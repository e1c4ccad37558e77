"""Labelled alignment cases, one per file in tests/data/passages.

Each file holds document a, a line ``=====``, then document b. Header lines
starting with ``# `` give the expected relation (``none`` for no pair), the
tokens of a verbatim passage that must be found (``verbatim:``) and of one
that must be flagged as a shared quotation (``quoted:``); ``passages: none``
says that no passage at all may be aligned.
"""

from __future__ import annotations

from pathlib import Path

from conftest import PASSAGE_CASES, each_passage_case, read_pair_case

from dedup.config import Settings
from dedup.document import Document
from dedup.passages.relations import align_documents_symmetric, classify
from dedup.text.normalize import normalize_text, tokenize


def tokens(text: str) -> list[str]:
    return tokenize(normalize_text(text))


@each_passage_case
def test_case(path: Path) -> None:
    header, a, b = read_pair_case(path)
    settings = Settings()
    alignment = align_documents_symmetric(Document("a", a), Document("b", b), settings)
    expected = header["relation"][0]
    assert (classify(alignment, settings.passages, (a, b)) or "none") == expected
    if header.get("passages") == ["none"]:
        assert not alignment.passages, [p.a.text(a) for p in alignment.passages]
    for kind in ("verbatim", "quoted"):
        for wanted in header.get(kind, []):
            found = [
                p for p in alignment.passages
                if p.kind == "verbatim" and tokens(p.a.text(a)) == tokens(wanted) and (kind != "quoted" or p.quoted)
            ]
            assert found, f"no {kind} passage with the tokens of {wanted!r}"
            for p in found:
                # both spans hold the same words, cut exactly at word boundaries of the originals
                assert tokens(p.b.text(b)) == tokens(wanted)
                for text, span in ((a, p.a), (b, p.b)):
                    assert text[span.start].isalnum() and text[span.end - 1].isalnum()


def test_cases_exist() -> None:
    assert len(PASSAGE_CASES) >= 5
