"""Packed document ids read back as the strings they were."""

from __future__ import annotations

import pytest

from dedup.document import Document
from dedup.io.id_column import IdColumn
from dedup.io.store import DocumentStore

IDS = ["a", "", "été", "file.jsonl:7", "\ud800lone", "日本語", "x" * 300]


def test_ids_come_back_by_position_slice_and_iteration():
    ids = IdColumn(IDS)
    assert len(ids) == len(IDS)
    assert [ids[k] for k in range(len(IDS))] == IDS
    assert list(ids) == IDS and ids[-1] == IDS[-1] and ids[2:5] == IDS[2:5]
    assert ids == IDS and ids != IDS[:-1]
    with pytest.raises(IndexError):
        ids[len(IDS)]


def test_a_store_keeps_its_ids_packed(tmp_path):
    with DocumentStore(tmp_path) as store:
        store.extend(Document(doc_id, f"text {k}") for k, doc_id in enumerate(IDS))
        assert isinstance(store.ids, IdColumn)
        assert [doc.id for doc in store] == IDS and store[4].id == IDS[4]
        assert [doc.id for doc in store.take([5, 0])] == [IDS[5], IDS[0]]
