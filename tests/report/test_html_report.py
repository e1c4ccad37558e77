"""The HTML report without a browser: one self-contained page, escaped, under a strict CSP."""

from __future__ import annotations

import base64
import hashlib
import random
import re

from conftest import CORPUS

from dedup.config import Settings
from dedup.diff import diff_documents
from dedup.document import Document
import dedup.report.html as html
from dedup.report.html import content_security_policy, diff_page, render_scan_report
from dedup.scan import scan_documents

SHARED = ("The regional governor said on Tuesday that repairs to the damaged power station would take at least "
          "three weeks, and that schools in the city would stay closed until heating was restored. ")


def _scan_page(docs: list[Document]) -> str:
    settings = Settings(jobs=1)
    return render_scan_report(scan_documents(docs, settings), docs, settings)


def test_policy_allows_no_script_and_only_the_page_style() -> None:
    page = diff_page(diff_documents(str(CORPUS / "000_8aaba136161a1b97.txt"), str(CORPUS / "001_1edf69fc7060fb53.txt"), Settings()))
    policy = content_security_policy()
    assert "script-src 'none'" in policy and "default-src 'none'" in policy and "unsafe" not in policy
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert f"style-src &#39;sha256-{digest}&#39;" in page  # the one style sheet, by its hash
    assert "<script" not in page and "http://" not in page and "https://" not in page and "@import" not in page
    assert page.count("<style>") == 1 and ' style="' not in page


def test_corpus_strings_are_escaped() -> None:
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    docs = [
        Document(f"{evil}-a", f"{evil} {SHARED}{SHARED}", title=evil, source=evil),
        Document("plain-b", f"Another start. {SHARED}{SHARED}"),
    ]
    page = _scan_page(docs)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert 'id="pair-1"' in page  # anchors are numbered, never taken from the corpus


def _sentences(rng: random.Random, n: int) -> str:
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, n, 14))


def test_the_notes_of_cut_lists_agree_with_their_count(monkeypatch) -> None:
    settings = Settings(jobs=1)
    docs = [Document(f"doc-{k}", f"Opening {k} of its own. {SHARED}{SHARED}") for k in range(3)]
    result = scan_documents(docs, settings)
    assert len(result.pairs) == 3
    monkeypatch.setattr(html, "MAX_PAIR_SECTIONS", 2)
    assert "1 more pair is in the JSON output" in render_scan_report(result, docs, settings)
    monkeypatch.setattr(html, "MAX_PAIR_SECTIONS", 1)
    assert "2 more pairs are in the JSON output" in render_scan_report(result, docs, settings)
    # two passages, each quoted by three documents amid text of their own: two groups
    rng = random.Random(4)
    passages = [_sentences(rng, 70), _sentences(rng, 70)]
    docs = [Document(f"q{k}", f"{_sentences(rng, 200)} {passages[k % 2]} {_sentences(rng, 200)}") for k in range(6)]
    result = scan_documents(docs, settings)
    assert len(result.shared_passages) == 2
    assert "1 more group is in the JSON output" in render_scan_report(result, docs, settings)


def test_the_composition_table_says_what_its_shares_are_of() -> None:
    # its "own text" counts every character, boilerplate included, where the text report's "own" leaves boilerplate out
    docs = [Document("a", f"Opening of its own. {SHARED}{SHARED}"), Document("b", f"Another start. {SHARED}{SHARED}")]
    caption = re.search(r"<caption>What each document is made of(.*?)</caption>", _scan_page(docs), re.S).group(1)
    assert "shares of all its characters, boilerplate included" in caption
