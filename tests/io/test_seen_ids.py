"""The reader's ids kept on disk (:class:`dedup.io.seen_ids.SeenIds`): the
same documents and problems as the dict in memory, in a memory that does
not grow with the ids read."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

import pytest
from conftest import ROOT

from dedup.io.corpus import CorpusReader, accept_id
from dedup.io.seen_ids import SeenIds

sys.path.insert(0, str(ROOT / "tests" / "near"))
from test_sharded import messy_corpus  # noqa: E402


def odd_ids(folder: Path) -> None:
    """Ids that collide across record files, repeat, hold lone surrogates
    (escaped in JSON) or are integers and strings of the same digits."""
    lines = [
        '{"id": "a\\ud800b", "text": "first text"}',
        '{"id": "a\\ud800b", "text": "the same id again"}',
        '{"id": 7, "text": "an integer id"}',
        '{"id": "7", "text": "a string id of the same digits"}',
        '{"id": "x", "text": "   "}',
    ]
    (folder / "one.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "two.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")


def read(paths: list[str], seen: SeenIds | None) -> tuple[list, list]:
    reader = CorpusReader(paths)
    if seen is not None:
        reader.keep_ids_in(seen)
    docs = [(doc.id, doc.text, doc.origin) for doc in reader]
    return docs, [(p.origin, p.message, p.kind) for p in reader.problems]


@pytest.mark.parametrize("filter_bits", [23, 3], ids=["filter", "every-lookup-in-the-table"])
def test_ids_kept_on_disk_give_the_same_documents_and_problems(tmp_path: Path, filter_bits: int) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    messy_corpus(corpus)
    odd_ids(corpus)
    expected = read([str(corpus)], None)
    seen = SeenIds(tmp_path, filter_bits)
    try:
        assert read([str(corpus)], seen) == expected
    finally:
        seen.close()
    assert any(kind == "duplicate-id" for _, _, kind in expected[1])
    assert any(doc_id.startswith("two.jsonl:") for doc_id, _, _ in expected[0])
    assert not (tmp_path / "seen-ids.sqlite").exists()


def test_ids_kept_on_disk_hold_little_memory(tmp_path: Path) -> None:
    count = 50_000
    ids = [json.dumps(k) + "-an-id-of-some-length" for k in range(count)]  # made before measuring: documents hold them anyway
    seen = SeenIds(tmp_path)
    tracemalloc.start()
    try:
        for k, doc_id in enumerate(ids):
            assert accept_id(seen, "f.jsonl", doc_id, f"f.jsonl:{k + 1}", False, print) == doc_id
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert accept_id(seen, "f.jsonl", ids[123], "f.jsonl:9", False, lambda *problem: None) is None  # still known
    assert seen[ids[123]] == "f.jsonl\0f.jsonl:124"
    seen.close()
    # A dict of the same ids holds about 5 MB (an entry and a string of where each was read).
    assert held < 2_000_000
