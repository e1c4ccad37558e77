"""The spans of shared-passage groups found on workers, a run of member
documents each, are those found in one process: same spans, estimates,
texts and dates, in the same order, read from a list or from a store."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedup.config import Settings
from dedup.document import Document, Span
from dedup.engine import LocalEngine
from dedup.io.store import temporary_store
from dedup.passages.candidates import candidates_and_shares
from dedup.passages.group_spans import GroupSpans, _even_cuts, group_spans
from dedup.passages.groups import GroupCollector, Groups

_VOCABULARY = ["".join(random.Random(k).choice("abcdefghijklmnopqrstuvwxyzé") for _ in range(4 + k % 6)) for k in range(3000)]


def by_group(found: GroupSpans) -> dict[str, dict[int, list]]:
    """The entries of ``found`` per group, as lists: ``spans`` (``(document
    index, [[start, end], ...])`` of each member), ``estimates`` and ``chars``."""
    flat, ends = found.spans.tolist(), found.span_ends.tolist()
    member_spans = [flat[a:b] for a, b in zip([0, *ends[:-1]], ends)]
    out: dict[str, dict[int, list]] = {"spans": {}, "estimates": {}, "chars": {}}
    rows = zip(found.group.tolist(), found.document.tolist(), member_spans, found.estimates.tolist(), found.chars.tolist())
    for g, document, spans, estimate, chars in rows:
        out["spans"].setdefault(g, []).append((document, spans))
        out["estimates"].setdefault(g, []).append(estimate)
        out["chars"].setdefault(g, []).append(chars)
    return out


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_VOCABULARY) for _ in range(n))


def _corpus() -> tuple[list[Document], dict[str, list[Span]]]:
    """Forty documents quoting overlapping sets of five passages amid text
    of their own, and a sixth quoted in the last ten only; some dated, some
    not ASCII, some with a boilerplate mask over part of a quote."""
    rng = random.Random(3)
    passages = [_words(rng, 80) for _ in range(6)]
    docs, masks = [], {}
    for k in range(40):
        quoted = [p for m, p in enumerate(passages[:5]) if (k + m) % 3 == 0 or k % 5 == m]
        quoted += [passages[5]] if k >= 30 and k % 2 == 0 else []
        parts = [_words(rng, 60)]
        for passage in quoted:
            parts += [passage, _words(rng, 40)]
        text = " ".join(parts)
        docs.append(Document(f"d{k:02d}", text, date=f"2024-01-{1 + k % 28:02d}" if k % 4 else None))
        if k % 7 == 3 and quoted:
            start = text.index(quoted[0])
            masks[docs[-1].id] = [Span(start + 50, start + 200)]
    return docs, masks


def _groups(docs: list[Document], settings: Settings, masks: dict[str, list[Span]]) -> Groups:
    ps = settings.passages
    collector = GroupCollector(len(docs), ps.group_min_docs, ps.index_max_docs)
    candidates_and_shares(docs, settings, masks, shares=True, collector=collector)
    return collector.groups(ps.min_shared_fingerprints)


def _ordered(found: GroupSpans) -> list:
    """Every field: per group (or document), its values in their order (a group's documents in corpus order)."""
    grouped = by_group(found)
    return [grouped["spans"], found.texts, found.dates, grouped["estimates"], grouped["chars"]]


@pytest.mark.parametrize("workers", [2, 3])
def test_spans_found_in_runs_on_workers_are_those_found_in_one_process(workers: int) -> None:
    docs, masks = _corpus()
    settings = Settings(jobs=1)
    ps = settings.passages
    groups = _groups(docs, settings, masks)
    assert len(groups) >= 5 and len(np.unique(np.concatenate(groups.members))) == len(docs)
    alone = group_spans(docs, groups, ps, masks, 301)
    spans = by_group(alone)["spans"]
    assert len(spans) == len(groups) and alone.dates and any(len(found) > 1 for g in spans.values() for _, found in g)
    with LocalEngine(workers) as engine:
        pooled = group_spans(docs, groups, ps, masks, 301, engine, workers, docs_per_worker=1)
    assert _ordered(pooled) == _ordered(alone)
    with temporary_store() as store, LocalEngine(2) as engine:
        store.extend(docs)
        assert _ordered(group_spans(store, groups, ps, masks, 301, engine, 2, docs_per_worker=1)) == _ordered(alone)
    # without an engine, one is made for the call
    assert _ordered(group_spans(docs, groups, ps, masks, 301, None, 2, docs_per_worker=1)) == _ordered(alone)


def test_a_group_first_found_in_a_later_run_keeps_the_text_of_its_first_document() -> None:
    docs, masks = _corpus()
    settings = Settings(jobs=1)
    groups = _groups(docs, settings, masks)
    alone = group_spans(docs, groups, settings.passages, masks, 301)
    late = [g for g, members in by_group(alone)["spans"].items() if members[0][0] >= len(docs) // 2]
    assert late  # some group's first document lies in the second half
    with LocalEngine(2) as engine:
        pooled = group_spans(docs, groups, settings.passages, masks, 301, engine, 2, docs_per_worker=1)
    assert all(pooled.texts[g] == alone.texts[g] for g in late)
    assert _ordered(pooled) == _ordered(alone)


def test_too_few_members_per_worker_stay_in_this_process() -> None:
    docs, masks = _corpus()
    settings = Settings(jobs=1)
    groups = _groups(docs, settings, masks)
    engine = LocalEngine(2)
    found = group_spans(docs, groups, settings.passages, masks, 301, engine, 2)  # 40 members, far below the default floor
    assert engine._executor is None  # no pool was started
    assert _ordered(found) == _ordered(group_spans(docs, groups, settings.passages, masks, 301))


@pytest.mark.parametrize("lengths, parts", [([5] * 10, 4), ([1, 1, 1, 100, 1, 1], 3), ([7], 4), ([3, 3], 5), ([100, 1, 1, 1], 2)])
def test_runs_are_contiguous_non_empty_and_cover_every_document(lengths: list[int], parts: int) -> None:
    cuts = _even_cuts(np.array(lengths, dtype=np.int64), parts)
    assert cuts[0] == 0 and cuts[-1] == len(lengths) and len(cuts) - 1 <= parts
    assert all(a < b for a, b in zip(cuts[:-1], cuts[1:]))


def _run(entries: list[tuple[int, int, list[list[int]], int]]) -> tuple[np.ndarray, ...]:
    """A batch's columns from ``(group, document, spans, chars)`` entries (estimates equal to chars)."""
    group, document, spans, chars = zip(*entries)
    return (
        np.array(group), np.array(document), np.array(chars), np.array(chars),
        np.array([len(s) for s in spans]), np.array([span for s in spans for span in s]).reshape(-1, 2),
    )


def test_runs_joined_keep_each_groups_documents_in_corpus_order_and_the_text_of_its_first() -> None:
    from dedup.passages.group_spans import _by_group, _RunFindings

    first = _RunFindings([_run([(4, 0, [[0, 5]], 5), (1, 0, [[9, 12]], 3)]), _run([(4, 2, [[3, 8], [10, 12]], 5)])], {4: "early", 1: "one"}, {0: "2024-01-01"})
    second = _RunFindings([_run([(1, 5, [[1, 2]], 1), (4, 5, [[6, 9]], 3), (7, 6, [[0, 4]], 4)])], {1: "late one", 4: "late", 7: "seven"}, {6: "2024-02-02"})
    joined = _by_group([first.joined(), second.joined()])
    grouped = by_group(joined)
    assert grouped["spans"] == {1: [(0, [[9, 12]]), (5, [[1, 2]])], 4: [(0, [[0, 5]]), (2, [[3, 8], [10, 12]]), (5, [[6, 9]])], 7: [(6, [[0, 4]])]}
    assert grouped["estimates"] == grouped["chars"] == {1: [3, 1], 4: [5, 5, 3], 7: [4]}
    assert joined.group_bounds(9).tolist() == [0, 0, 2, 2, 2, 5, 5, 5, 6, 6]
    assert joined.texts == {4: "early", 1: "one", 7: "seven"} and joined.dates == {0: "2024-01-01", 6: "2024-02-02"}
    empty = _by_group([])
    assert _ordered(_by_group([_RunFindings()])) == _ordered(empty) == _ordered(GroupSpans()) and empty.spans.shape == (0, 2)


@pytest.mark.parametrize("seed", range(5))
def test_group_medians_are_median_int_of_each_group(seed: int) -> None:
    from dedup.passages.group_rows import group_medians, median_int

    rng = np.random.default_rng(seed)
    group = np.sort(rng.integers(0, 30, 200))
    values = rng.integers(0, 1000, group.size)
    bounds = np.searchsorted(group, np.arange(41))
    expected = [median_int(values[group == g].tolist()) if (group == g).any() else 0 for g in range(40)]
    assert group_medians(values, group, bounds).tolist() == expected


@pytest.mark.parametrize("high", [1000, 2**40])
def test_values_sorted_within_their_groups_are_those_of_a_sort_by_group_then_value(high: int) -> None:
    # one sort of packed keys where values and groups fit in 32 bits each, two keys beyond
    from dedup.passages.group_rows import _sorted_within

    rng = np.random.default_rng(high % 97)
    group = np.sort(rng.integers(0, 50, 500))
    values = rng.integers(0, high, group.size)
    assert _sorted_within(values, group).tolist() == [v for _, v in sorted(zip(group.tolist(), values.tolist()))]
    assert _sorted_within(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).size == 0


def test_a_batchs_words_are_each_documents_indexed_words() -> None:
    # texts hashed in one call (ASCII, unmasked: empty, without words, words at either end) and one at a time
    from dedup.passages.group_spans import _batch_words, indexed_words

    texts = ["Alpha beta, gamma.", "", "  ...  ", "one", "Ünïcode wörds here", "delta epsilon zeta eta", "x", "masked words are left out"]
    batch = [(10 + k, Document(f"d{k}", text)) for k, text in enumerate(texts)]
    masks = {"d7": [Span(7, 13)]}
    hashes, starts, ends, owner, base = _batch_words(batch, masks)
    starts, ends = starts - base[owner], ends - base[owner]
    for b, (_, doc) in enumerate(batch):
        words, first, last = indexed_words(doc, masks.get(doc.id))
        mine = owner == b
        assert hashes[mine].tolist() == words.tolist() and starts[mine].tolist() == first.tolist() and ends[mine].tolist() == last.tolist()
    assert owner.size == sum(indexed_words(doc, masks.get(doc.id))[0].size for _, doc in batch) > 0
    assert [part.size for part in _batch_words([(0, Document("e", ""))], {})] == [0, 0, 0, 0, 1]


@pytest.mark.parametrize("size", [0, 1, 7, 5000])
def test_hash_table_finds_the_first_position_searchsorted_gives(size: int) -> None:
    from dedup.passages.group_spans import HashTable

    rng = np.random.default_rng(size)
    hashes = np.sort(rng.integers(0, 1 << 63, size, dtype=np.uint64) << np.uint64(1))
    if size > 10:
        hashes = np.sort(np.concatenate((hashes, hashes[::97])))  # repeats, and buckets of several
        hashes[100:140] = hashes[100]
    keys = np.concatenate((rng.choice(hashes, 300) if size else np.zeros(0, dtype=np.uint64), rng.integers(0, 1 << 63, 300, dtype=np.uint64) | np.uint64(1)))
    at = np.searchsorted(hashes, keys)
    there = (at < hashes.size) & (hashes[np.minimum(at, max(hashes.size - 1, 0))] == keys) if size else np.zeros(keys.size, dtype=bool)
    assert HashTable(hashes).find(keys).tolist() == np.where(there, at, -1).tolist()


@pytest.mark.parametrize("batch_chars", [1, 9000])
def test_spans_found_in_small_batches_are_those_found_in_one(monkeypatch: pytest.MonkeyPatch, batch_chars: int) -> None:
    # a batch ends before the texts joined pass its characters; a longer document is a batch of its own
    import dedup.passages.group_spans as spans_module

    # (in this process, as here, the batches are of _LOCAL_BATCH_CHARS; on workers, of _BATCH_CHARS)
    docs, masks = _corpus()
    settings = Settings(jobs=1)
    groups = _groups(docs, settings, masks)
    sizes: list[int] = []
    real = spans_module._batch_spans
    monkeypatch.setattr(spans_module, "_batch_spans", lambda batch, *rest: (sizes.append(len(batch)), real(batch, *rest))[1])
    monkeypatch.setattr(spans_module, "_LOCAL_BATCH_CHARS", 1 << 20)
    whole = group_spans(docs, groups, settings.passages, masks, 301)
    assert sizes == [len(docs)]
    sizes.clear()
    monkeypatch.setattr(spans_module, "_LOCAL_BATCH_CHARS", batch_chars)
    assert _ordered(group_spans(docs, groups, settings.passages, masks, 301)) == _ordered(whole)
    assert sum(sizes) == len(docs) and (max(sizes) == 1 if batch_chars == 1 else 1 < max(sizes) < len(docs))


@pytest.mark.parametrize("n_documents, n_groups, n_positions", [(5, 9, 40), (300, 3000, 1 << 20), (1 << 20, 1 << 30, 1 << 20)])
def test_triples_sorted_by_document_group_position_are_those_lexsort_orders(n_documents: int, n_groups: int, n_positions: int) -> None:
    # packed in one int64 where the three fit (the last case does not: 21 + 31 + 21 bits)
    from dedup.passages.group_spans import document_group_position_sorted

    rng = np.random.default_rng(n_groups)
    position = rng.choice(n_positions, min(n_positions, 4000), replace=False)
    document, group = rng.integers(0, n_documents, position.size), rng.integers(0, n_groups, position.size)
    group[:50] = n_groups - 1
    document[:50] = n_documents - 1
    order = np.lexsort((position, group, document))
    found = document_group_position_sorted(document, group, position, n_documents, n_groups, n_positions)
    assert [column.tolist() for column in found] == [document[order].tolist(), group[order].tolist(), position[order].tolist()]
