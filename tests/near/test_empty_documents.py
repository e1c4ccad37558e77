"""Documents without a word token are reported as empty, never paired by Jaccard."""

from __future__ import annotations

import numpy as np

from dedup.document import Document
from dedup.near.verification import measure, verify_pairs
from dedup.scan import scan_documents
from conftest import doc_level

NO_WORDS = ["!!! ??? ... *** ###", "!!! ??? ... --- @@@ \U0001F600\U0001F600", "\u2605 \u2192 \u00a7\u00a7 \u2014 \U0001F389"]


def test_two_empty_shingle_sets_are_not_similar() -> None:
    empty = np.zeros(0, dtype=np.uint64)
    assert measure(0, 1, empty, empty).jaccard == 0.0
    assert verify_pairs(np.array([[0, 1]]), {0: empty, 1: empty}, 0.05) == []


def test_scan_reports_documents_without_words_as_empty() -> None:
    words = "Officials said the talks in the capital would resume next week after a pause."
    docs = [Document(f"symbols{k}", text) for k, text in enumerate(NO_WORDS)]
    docs += [Document("words", words), Document("words copy", words + " Thanks.")]
    for settings in (doc_level(jobs=1, threshold=0.1), doc_level(jobs=1)):
        result = scan_documents(docs, settings).to_dict()
        assert [p["a"] + "|" + p["b"] for p in result["pairs"]] == ["words|words copy"]
        empty = {d["id"] for d in result["documents"] if d.get("empty")}
        assert empty == {"symbols0", "symbols1", "symbols2"}
        assert result["summary"]["empty_documents"] == 3
