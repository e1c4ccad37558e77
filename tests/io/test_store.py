"""The document store: documents written once to disk, read back by position in any process."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest

from dedup.document import Document, document_ids, document_lengths, document_sources, take
from dedup.engine import LocalEngine
from dedup.io.store import DocumentStore, DocumentView, IdColumn, write_gathered, write_records
from dedup.near.index_spill import IndexSpill, pieces
from dedup.passages.index import candidate_pairs, candidates_and_holders, partitioned_candidate_pairs, shared_fingerprints

DOCS = [
    Document("plain", "A plain text.\n\nTwo paragraphs."),
    Document("meta", "Über die Straße — naïve café 東京", date="2026-01-02", source="wire", url="https://example.org/a", title="Ein Titel", origin="a.jsonl:2"),
    Document("html", "Menu\nHeadline\nBody text here.", origin="page.html", blocks=((0, 4, 1.0, 3), (5, 13, 0.0, 1), (14, 29, 0.0, 0))),
    Document("emoji", "😀 " * 50, source="wire"),
    Document("lone-surrogate", "bad \udc80 byte", source=""),
]


@pytest.fixture
def store(tmp_path):
    with DocumentStore(tmp_path) as found:
        found.extend(DOCS)
        yield found


def test_documents_read_back_equal_what_was_written(store) -> None:
    assert len(store) == len(DOCS)
    assert [store[k] for k in range(len(DOCS))] == DOCS
    assert list(store) == DOCS
    assert store[-1] == DOCS[-1]
    with pytest.raises(IndexError):
        store[len(DOCS)]


@pytest.mark.parametrize("copy", ["kernel", "read-and-write"])
def test_documents_written_elsewhere_are_adopted_in_order_without_the_skipped_ones(tmp_path, monkeypatch, copy) -> None:
    if copy == "read-and-write":
        monkeypatch.setattr("os.copy_file_range", lambda *args: (_ for _ in ()).throw(OSError(18, "cross-device")), raising=False)
    written = tmp_path / "rows-0.bin"
    sizes = write_records(str(written), DOCS)
    assert sizes.shape == (len(DOCS), 2) and sizes[:, 1].sum() == written.stat().st_size
    kept = np.array([True, False, True, True, False])
    expected = [DOCS[0], *(d for d, k in zip(DOCS, kept) if k), Document("last", "Appended after.")]
    (tmp_path / "store").mkdir()
    with DocumentStore(tmp_path / "store") as found:
        found.append(DOCS[0])
        picked = [d for d, k in zip(DOCS, kept) if k]
        found.adopt(str(written), sizes, [d.id for d in picked], [len(d.text) for d in picked], [d.source for d in picked], kept)
        found.append(expected[-1])
        assert list(found) == [found[k] for k in range(len(found))] == expected
        assert not written.exists()
        assert document_sources(found) == [d.source for d in expected] and list(found.chars) == [len(d.text) for d in expected]
        assert list(found.texts(1, 4)) == [d.text for d in expected[1:4]]
        assert pickle.loads(pickle.dumps(found.take([3, 1]))) == [expected[3], expected[1]]


@pytest.mark.parametrize("most", [1, 3, 1024])
def test_pieces_are_written_in_order_a_few_to_a_write(tmp_path, most) -> None:
    rng = np.random.default_rng(5)
    pieces = [rng.integers(0, 256, int(size), dtype=np.uint8).tobytes() for size in rng.integers(0, 5000, 2500)]
    pieces[7:9] = [b"", memoryview(b"a view of bytes")[2:]]
    expected = b"".join(pieces)
    path = tmp_path / "pieces.bin"
    with open(path, "wb", buffering=0) as out:
        write_gathered(out.fileno(), list(pieces), most)
    assert path.read_bytes() == expected


def test_a_write_that_stops_short_goes_on_from_where_it_stopped(tmp_path, monkeypatch) -> None:
    # a gathered write may write less than it was given (a signal, a full disk's quota): the kernel decides, so a
    # write that takes at most 1,000 bytes at a time stands in for one that does
    import os

    real = os.writev

    def short_writev(fd, buffers):
        taken, room = [], 1000
        for buffer in buffers:
            view = memoryview(buffer)[:room]
            taken.append(view)
            room -= len(view)
            if not room:
                break
        return real(fd, taken)

    monkeypatch.setattr(os, "writev", short_writev)
    rng = np.random.default_rng(6)
    pieces = [rng.integers(0, 256, int(size), dtype=np.uint8).tobytes() for size in rng.integers(0, 3000, 300)]
    path = tmp_path / "short.bin"
    with open(path, "wb", buffering=0) as out:
        write_gathered(out.fileno(), list(pieces), 7)
    assert path.read_bytes() == b"".join(pieces)


def test_columns_need_no_text(store) -> None:
    assert document_ids(store) == [d.id for d in DOCS] == document_ids(DOCS)
    assert list(document_lengths(store)) == [len(d.text) for d in DOCS] == document_lengths(DOCS)
    assert document_sources(store) == [d.source for d in DOCS] == document_sources(DOCS)


def test_views_read_when_used_and_arrive_in_a_worker_as_lists(store) -> None:
    view = take(store, [3, 0, 2])
    assert isinstance(view, DocumentView) and view.ids == ["emoji", "plain", "html"]
    assert list(view) == [DOCS[3], DOCS[0], DOCS[2]] and view[1] == DOCS[0]
    assert list(store[1:4]) == DOCS[1:4]
    arrived = pickle.loads(pickle.dumps(view))
    assert type(arrived) is list and arrived == [DOCS[3], DOCS[0], DOCS[2]]
    with LocalEngine(2) as engine:
        assert list(engine.map(_texts, [take(store, [0, 1]), take(store, [4])])) == [[DOCS[0].text, DOCS[1].text], [DOCS[4].text]]


def test_a_portable_store_sends_its_documents_not_its_path(tmp_path) -> None:
    """Workers on another machine cannot read this one's temporary folder:
    a portable view arrives whole after its file is gone."""
    with DocumentStore(tmp_path, portable=True) as portable:
        portable.extend(DOCS)
        sent = pickle.dumps(take(portable, [1, 4]))
    assert not list(tmp_path.iterdir())
    assert pickle.loads(sent) == [DOCS[1], DOCS[4]]


def test_a_run_of_texts_crosses_as_offsets_and_arrives_as_the_texts(store) -> None:
    """What a fingerprint batch sends a worker on this machine: a few bytes a
    document, whatever the length of its text, arriving as a list of str."""
    store.append(Document("long", "A long story. " * 1000))
    texts = [d.text for d in DOCS] + ["A long story. " * 1000]
    run = store.texts(1, 6)
    assert len(run) == 5 and run[2] == texts[3] and list(run) == texts[1:6]
    sent = pickle.dumps(store.texts(1, 6))
    assert len(sent) < 1000 < len(texts[5])
    arrived = pickle.loads(sent)
    assert type(arrived) is list and arrived == texts[1:6]
    assert pickle.loads(pickle.dumps(store.texts(0, 0))) == [] and pickle.loads(pickle.dumps(store.texts(4, 5))) == [texts[4]]


def _texts(docs: list[Document]) -> list[str]:
    assert type(docs) is list
    return [doc.text for doc in docs]


def test_a_list_is_taken_as_a_list() -> None:
    assert take(DOCS, [2, 0]) == [DOCS[2], DOCS[0]]


def test_large_stores_are_read_in_order_across_write_and_read_chunks(tmp_path) -> None:
    docs = [Document(f"d{k}", f"text {k} " * (k % 997 + 1)) for k in range(3000)]
    with DocumentStore(tmp_path) as store:
        store.extend(docs[:1500])
        assert store[1499] == docs[1499]  # read before every document is written
        store.extend(docs[1500:])
        assert list(store) == docs
        assert list(take(store, range(2990, 3000))) == docs[2990:]
        # Pickled, a view is the ids and offsets, not the texts.
        view = take(store, range(900, 990))
        assert len(pickle.dumps(view)) * 20 < len(pickle.dumps(docs[900:990])) and pickle.loads(pickle.dumps(view)) == docs[900:990]


@pytest.mark.parametrize("min_shared", [1, 2, 3])
def test_spilled_index_gives_the_candidates_of_the_whole_index(tmp_path, min_shared: int) -> None:
    rng = np.random.default_rng(5)
    # Hashes over the whole 64-bit range, so that every partition is used,
    # and few enough distinct ones that documents share several.
    vocabulary = rng.integers(0, 2**64, size=400, dtype=np.uint64)
    hashes = vocabulary[rng.integers(0, vocabulary.size, size=6000)]
    owners = rng.integers(0, 300, size=hashes.size)
    spill = IndexSpill(tmp_path)
    for lo in range(0, hashes.size, 1000):
        spill.add(hashes[lo : lo + 1000], owners[lo : lo + 1000])
    assert len(spill) == hashes.size
    expected_pairs, expected_counts = candidate_pairs(hashes, owners, 300, 40, min_shared)
    assert len(expected_pairs) > 100
    # The pairs waiting for their sums held in memory, or spilled by ranges of their first document.
    for folder in (None, tmp_path / "pairs"):
        if folder is not None:
            folder.mkdir()
        pairs, counts = partitioned_candidate_pairs(spill.parts(), 300, 40, min_shared, folder=None if folder is None else str(folder))
        assert np.array_equal(pairs, expected_pairs) and np.array_equal(counts, expected_counts)
        assert counts.dtype == expected_counts.dtype == np.int64
        assert folder is None or not list(folder.iterdir())  # each range removed once summed
    # Each document's held and shared fingerprints: sums over the partitions.
    per_part = [shared_fingerprints(h, o, 300, 40) for h, o in spill.parts()]
    held, shared = shared_fingerprints(hashes, owners, 300, 40)
    assert np.array_equal(sum(p[0] for p in per_part), held) and np.array_equal(sum(p[1] for p in per_part), shared)
    # ... and as the candidates' own pass over the partitions sums them.
    summed = np.zeros(300, dtype=np.int64), np.zeros(300, dtype=np.int64)
    pairs, counts = partitioned_candidate_pairs(spill.parts(), 300, 40, min_shared, holders=summed)
    assert np.array_equal(summed[0], held) and np.array_equal(summed[1], shared) and np.array_equal(pairs, expected_pairs)
    whole = candidates_and_holders(hashes, owners, 300, 40, min_shared)
    assert np.array_equal(whole[0], expected_pairs) and np.array_equal(whole[2][0], held) and np.array_equal(whole[2][1], shared)


def test_a_view_taken_while_a_chunk_is_being_written_reads_it_whole_in_a_worker(tmp_path) -> None:
    """Full chunks are written in the background; a view (read by another
    process, from the file) waits for them."""
    docs = [Document(f"d{k}", f"{k} " + "x" * 300_000) for k in range(40)]  # about 12 MB: several chunks
    with DocumentStore(tmp_path) as store, LocalEngine(2) as engine:
        store.extend(docs)
        views = [take(store, range(k, k + 10)) for k in range(0, 40, 10)]
        assert [doc for part in engine.map(list, views) for doc in part] == docs


def test_batches_ordered_by_hash_are_spilled_as_they_come(tmp_path) -> None:
    """Stage 1 sends each batch ordered by hash (so by partition): a
    partition then reads back as the batch's run of it, in batch order."""
    rng = np.random.default_rng(7)
    spill = IndexSpill(tmp_path)
    batches = []
    for _ in range(3):
        hashes = np.sort(rng.integers(0, 2**64, size=500, dtype=np.uint64))
        owners = rng.integers(0, 100, size=hashes.size, dtype=np.int32)
        spill.add(hashes, owners)
        batches.append((hashes, owners))
    for part in range(IndexSpill.partitions):
        expected = [(h[IndexSpill.partition_of(h) == part], o[IndexSpill.partition_of(h) == part]) for h, o in batches]
        hashes, owners = spill.read(part)
        assert np.array_equal(hashes, np.concatenate([h for h, _ in expected]))
        assert owners.dtype == np.int64 and np.array_equal(owners, np.concatenate([o for _, o in expected]))


def test_spilled_index_sums_counts_too_large_for_their_packed_bits(tmp_path) -> None:
    """With ids of up to 2**31 documents a pair's code leaves two bits for
    its count in a partition: larger counts are summed apart, to the same
    candidates and counts as the whole index gives."""
    rng = np.random.default_rng(11)
    # Half the hashes in one partition, where pairs share dozens.
    vocabulary = np.concatenate((rng.integers(0, 2**58, size=150, dtype=np.uint64), rng.integers(0, 2**64, size=150, dtype=np.uint64)))
    hashes = vocabulary[rng.integers(0, vocabulary.size, size=8000)]
    owners = rng.integers(0, 40, size=hashes.size)
    spill = IndexSpill(tmp_path)
    spill.add(hashes, owners)
    n_docs = 2**31
    pairs, counts = partitioned_candidate_pairs(spill.parts(), n_docs, 40, 2)
    expected_pairs, expected_counts = candidate_pairs(hashes, owners, n_docs, 40, 2)
    assert counts.max() > 3 and len(expected_pairs) > 100
    assert np.array_equal(pairs, expected_pairs) and np.array_equal(counts, expected_counts)


def test_a_partition_cut_into_pieces_by_hash_gives_the_candidates_of_the_whole_index(tmp_path) -> None:
    """Pieces bound the candidate search's memory: each hash stays in one
    piece, so the pairs and counts are those of the whole index."""
    rng = np.random.default_rng(5)
    vocabulary = rng.integers(0, 2**64, size=600, dtype=np.uint64)
    hashes = vocabulary[rng.integers(0, vocabulary.size, size=20_000)]
    owners = rng.integers(0, 300, size=hashes.size)
    spill = IndexSpill(tmp_path)
    spill.add(hashes, owners)
    cut = [piece for part in spill.parts() for piece in pieces(*part, most=40)]
    assert len(cut) > 2 * IndexSpill.partitions
    assert sum(h.size for h, _ in cut) == hashes.size
    assert all(not set(a.tolist()) & set(b.tolist()) for (a, _), (b, _) in zip(cut, cut[1:]))  # no hash in two pieces
    pairs, counts = partitioned_candidate_pairs(cut, 300, 40, 2)
    expected_pairs, expected_counts = candidate_pairs(hashes, owners, 300, 40, 2)
    assert len(expected_pairs) > 100
    assert np.array_equal(pairs, expected_pairs) and np.array_equal(counts, expected_counts)


def test_ids_are_kept_in_one_buffer_and_read_back_as_they_were_given() -> None:
    ids = ["plain", "", "é€😀", "lone \ud800 surrogate", "x" * 300]
    column = IdColumn(ids)
    assert list(column) == ids and [column[k] for k in range(-5, 5)] == ids + ids
    assert column[1:4] == ids[1:4] and column == ids and column != ids[:4] and pickle.loads(pickle.dumps(column)) == ids
    with pytest.raises(IndexError):
        column[5]


def test_a_store_keeps_no_string_a_document_for_its_ids(tmp_path) -> None:
    # The ids of every document, as str objects in a list, grew the scan's memory by about 65 bytes a document.
    many = [f"document-{k:07d}" for k in range(20_000)]
    tracemalloc.start()
    try:
        with DocumentStore(tmp_path) as store:
            before = tracemalloc.get_traced_memory()[0]
            store.ids.extend(many)
            held = tracemalloc.get_traced_memory()[0] - before
            assert store.ids[12_345] == many[12_345]
    finally:
        tracemalloc.stop()
    assert held < 32 * len(many)  # 16 bytes of text and 8 of its end; a list of the strings holds 73


def test_threads_reading_a_new_store_at_once_read_whole_records_through_one_descriptor(tmp_path) -> None:
    # the passage stage aligns its pairs on one thread while another makes its groups' rows: both read the store
    import os
    import threading

    def descriptors_of(path: str) -> int:
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") == path for fd in os.listdir("/proc/self/fd"))

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc to count open files")
    for attempt in range(60):
        (tmp_path / str(attempt)).mkdir()
        with DocumentStore(tmp_path / str(attempt)) as store:
            for k in range(4):
                store.append(Document(str(k), f"Text number {k}."))
            start = threading.Barrier(8)
            read: list[str] = []

            def reader(k: int) -> None:
                start.wait()
                read.append(store[k % 4].text)

            threads = [threading.Thread(target=reader, args=(k,)) for k in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(read) == sorted(f"Text number {k % 4}." for k in range(8))
            assert descriptors_of(os.path.realpath(store.path)) == 2  # the writer's and the one reader's
