"""The documents' signals read in batches on the workers give the directions
read in one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup.config import Settings
from dedup.provenance import pairs as provenance_pairs
from dedup.scan import scan_corpus

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _corpus(tmp_path: Path) -> Path:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    records = [{"id": f"orig-{k}", "text": text, "date": f"2026-03-0{k + 1}"} for k, text in enumerate(texts)]
    # copies that carry the evidence each signal reads: a wire credit, a cited outlet, a later date
    records.append({"id": "wire", "text": "WASHINGTON (AP) — " + texts[2]})
    records.append({"id": "cites", "text": texts[3] + "\n\nThe figures were first reported by Axios, officials told Axios.", "source": "Daily"})
    records.append({"id": "later", "text": texts[4], "date": "2026-04-01"})
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("batch", [1, 2])
def test_directions_with_signals_read_on_workers_equal_one_process(tmp_path: Path, monkeypatch, batch: int) -> None:
    corpus = _corpus(tmp_path)
    alone = scan_corpus([corpus], Settings(jobs=1)).to_dict()["pairs"]
    monkeypatch.setattr(provenance_pairs, "_SIGNALS_BATCH", batch)  # several batches, so the workers take them
    pooled = scan_corpus([corpus], Settings(jobs=2)).to_dict()["pairs"]
    assert pooled == alone
    evidence = " ".join(line for pair in pooled for line in pair["direction_evidence"])
    assert "wire credit" in evidence and "before" in evidence


def _held_directing(documents: int) -> int:
    """Traced peak of directing ``documents // 2`` pairs of documents that carry no signal (no credit, no date)."""
    import tracemalloc

    from dedup.document import Document
    from dedup.results import NEAR_DUPLICATE, PairResult

    docs = [Document(f"doc-{k:06d}", f"Text number {k} says little of where it comes from. " * 3) for k in range(documents)]
    pairs = [PairResult(docs[k].id, docs[k + 1].id, NEAR_DUPLICATE, 0.9, 0.95, 0.95, found_by="minhash") for k in range(0, documents, 2)]
    tracemalloc.start()
    try:
        provenance_pairs.direct_pairs(docs, pairs, Settings(jobs=1))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_documents_with_equal_signals_share_one_signals_object() -> None:
    # A DocumentSignals of its own for every paired document (three frozensets,
    # a tuple or two) made the driver hold about 0.9 KB a document until the pairs
    # were directed; a dict of the paired documents' signals by position, 256 bytes.
    # Each is now a number into a table of the distinct values: about 40 bytes.
    _held_directing(500)  # what the first call caches
    per_document = (_held_directing(16_000) - _held_directing(4_000)) / 12_000
    assert per_document < 100, f"{per_document:.0f} bytes a paired document held while directing the pairs"


def _held_directing_stored(documents: int) -> int:
    """:func:`_held_directing` with the documents in a store, whose ids are read anew as strings."""
    import tracemalloc

    from dedup.document import Document
    from dedup.io.store import temporary_store
    from dedup.results import NEAR_DUPLICATE, PairResult

    with temporary_store() as store:
        store.extend(Document(f"doc-{k:06d}", f"Text number {k} says little of where it comes from. " * 3) for k in range(documents))
        pairs = [PairResult(f"doc-{k:06d}", f"doc-{k + 1:06d}", NEAR_DUPLICATE, 0.9, 0.95, 0.95, found_by="minhash") for k in range(0, documents, 2)]
        tracemalloc.start()
        try:
            provenance_pairs.direct_pairs(store, pairs, Settings(jobs=1))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_directing_pairs_of_stored_documents_holds_no_object_per_paired_id() -> None:
    # The signals were kept by a second string of each paired id, and the set of
    # paired ids lived on beside the positions: about 335 bytes a paired document;
    # then a dict from each paired id to its position, 256. Its hash and a few
    # numbers a pair now: about 20.
    _held_directing_stored(500)
    per_document = (_held_directing_stored(16_000) - _held_directing_stored(4_000)) / 12_000
    assert per_document < 80, f"{per_document:.0f} bytes a paired document held while directing the pairs"
