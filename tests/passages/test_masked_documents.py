"""A document whose every sentence is boilerplate still aligns with others.

Such a document has sentences but no sentence vector features (each
sentence is mostly masked); its words outside the masks can still be shared
with another document, so the pair reaches alignment in ``dedup scan`` and
always in ``dedup diff``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from dedup.config import Settings
from dedup.document import Document, Span
from dedup.passages.align import align_documents
from dedup.text.vectors import cosine_vectors, sentence_counts, sentence_vectors

NOTICE = "Click here to subscribe to our free newsletter for all of the latest news and updates delivered today"


def boilerplate_document(article: str) -> str:
    """Every line a newsletter notice followed by a lower-case fragment of
    ``article``: one sentence per pair of lines, each mostly notice."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", article) if len(s.split()) >= 10 and s[0].isalpha()]
    lines = []
    for sentence in sentences[:16]:
        lines.append(NOTICE)
        lines.append(re.sub(r"[^\w ]", "", " ".join(sentence.split()[:8])).lower())
    return "\n".join(lines) + "\n"


def test_a_side_without_features_gives_zero_cosines() -> None:
    empty = sentence_vectors(sentence_counts(["", ""]))
    full = sentence_vectors(sentence_counts(["the cat sat on the mat", "a dog barked"]))
    for a, b in ((empty, full), (full, empty)):
        sims = cosine_vectors(a, b)
        assert sims.shape == (a.n_rows, b.n_rows) and not sims.any()


def test_align_with_every_sentence_masked(corpus_dir: Path) -> None:
    article = (corpus_dir / "000_8aaba136161a1b97.txt").read_text(encoding="utf-8")
    text = boilerplate_document(article)
    masks = {"a": [Span(m.start(), m.end()) for m in re.finditer(re.escape(NOTICE), text)]}
    alignment = align_documents(Document("a", text), Document("b", article), Settings(), masks=masks)
    assert alignment.count("verbatim") >= 1 and alignment.share_a > 0.5


def test_scan_and_diff_of_a_boilerplate_document(corpus_dir: Path, tmp_path: Path) -> None:
    article = (corpus_dir / "000_8aaba136161a1b97.txt").read_text(encoding="utf-8")
    (tmp_path / "a_boiler.txt").write_text(boilerplate_document(article), encoding="utf-8")
    (tmp_path / "b_article.txt").write_text(article, encoding="utf-8")
    base = [sys.executable, "-m", "dedup"]
    scan = subprocess.run(base + ["scan", str(tmp_path), "--format", "json", "--no-progress", "--jobs", "1"], capture_output=True, text=True)
    assert scan.returncode in (0, 1) and "Traceback" not in scan.stderr, scan.stderr
    assert {d["id"] for d in json.loads(scan.stdout)["documents"]} == {"a_boiler.txt", "b_article.txt"}
    diff = subprocess.run(base + ["diff", str(tmp_path / "a_boiler.txt"), str(tmp_path / "b_article.txt"), "--format", "json"], capture_output=True, text=True)
    assert diff.returncode in (0, 1) and "Traceback" not in diff.stderr, diff.stderr
    assert json.loads(diff.stdout)["passages"]
