"""A document's composition, against a definition character by character."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from dedup.results import SHARED_PASSAGE
from dedup.provenance.composition import AS_COPY, AS_SOURCE, BOILERPLATE, PARTS, UNDETERMINED, FIELDS, SharedItems, SharedSpans, composition

_LABEL = {"source": AS_SOURCE, "undetermined": UNDETERMINED, "copy": AS_COPY}


def _by_character(chars: int, shared: list[SharedSpans], boilerplate: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Characters per part and per shared item, one character at a time."""
    labels = [0] * chars
    covered = []
    for item in shared:
        inside = set()
        for start, end in item.spans if item.spans is not None else ((0, chars),):
            inside.update(range(start, min(end, chars)))
        for k in inside:
            labels[k] = max(labels[k], _LABEL[item.role])
        covered.append(len(inside))
    for start, end in boilerplate:
        for k in range(start, min(end, chars)):
            labels[k] = BOILERPLATE
    return [labels.count(part) for part in range(len(PARTS))], covered


def _spans(rng: random.Random, chars: int) -> tuple[tuple[int, int], ...]:
    # overlapping, touching, empty and reaching past the end
    return tuple(sorted((start, start + rng.randint(0, 80)) for start in (rng.randint(0, chars + 10) for _ in range(rng.randint(1, 5)))))


@pytest.mark.parametrize("seed", range(200))
def test_parts_count_each_character_once_under_its_strongest_label(seed: int) -> None:
    rng = random.Random(seed)
    chars = rng.randint(1, 300)
    shared = [
        SharedSpans(f"d{k}", rng.choice(list(_LABEL)), "partial_copy", None if rng.random() < 0.1 else _spans(rng, chars))
        for k in range(rng.randint(0, 4))
    ]
    boilerplate = list(_spans(rng, chars)) if rng.random() < 0.5 else []
    parts, covered = _by_character(chars, shared, boilerplate)
    got = composition(chars, shared, boilerplate)
    assert [got[name] for name in PARTS] == [round(n / chars, 4) for n in parts]
    assert [item["chars"] for item in got["shared_with"]] == covered
    text_chars = chars - parts[BOILERPLATE]
    assert got["original_of_text"] == (round(parts[0] / text_chars, 4) if text_chars else 0.0)


@pytest.mark.parametrize("seed", range(20))
def test_a_batch_of_documents_is_composed_as_each_alone(seed: int) -> None:
    # the array passes over a batch keep each document's spans to itself
    rng = random.Random(seed)
    documents = []
    for k in range(rng.randint(1, 12)):
        chars = rng.choice([0, rng.randint(1, 300)])
        shared = [
            SharedSpans(f"d{m}", rng.choice(list(_LABEL)), "partial_copy", None if rng.random() < 0.1 else _spans(rng, chars))
            for m in range(rng.randint(0, 4))
        ]
        documents.append((f"doc{k}", chars, shared, list(_spans(rng, chars)) if rng.random() < 0.5 else []))
    items = SharedItems([d[0] for d in documents])
    for k, (_, _, shared, _) in enumerate(documents):
        for item in shared:
            items.add(k, item)
    got = [dict(zip(FIELDS, values)) for values in items.compositions(0, [d[1] for d in documents], [d[3] for d in documents])]
    assert got == [composition(chars, shared, boilerplate) for _, chars, shared, boilerplate in documents]
    for (_, chars, shared, boilerplate), found in zip(documents, got):
        if chars:
            parts, covered = _by_character(chars, shared, boilerplate)
            assert [found[name] for name in PARTS] == [round(n / chars, 4) for n in parts]
            assert [item["chars"] for item in found["shared_with"]] == covered


@pytest.mark.parametrize("seed", range(30))
def test_pairs_and_groups_added_in_columns_as_item_by_item(seed: int) -> None:
    # add_pairs and add_groups fill their columns in one step each: the same items as adding them one at a time
    rng = random.Random(seed)
    chars = {f"doc{k}": rng.choice([0, rng.randint(1, 300)]) for k in range(rng.randint(2, 10))}
    ids = list(chars)
    pairs, groups = [], []
    for _ in range(rng.randint(0, 12)):
        a, b = rng.sample(ids, 2)
        kind = rng.choice(["estimated", "passages", "whole"])
        passages = [
            {"a_start": s, "a_end": e, "b_start": t, "b_end": f}
            for (s, e), (t, f) in zip(_spans(rng, chars[a]), _spans(rng, chars[b]))
        ] if kind == "passages" else []
        pairs.append(SimpleNamespace(
            a=a, b=b, relation=rng.choice(["partial_copy", "near_duplicate"]), aligned=kind != "estimated", passages=passages,
            source=rng.choice([None, a, b]), derived=None, shared_chars_a=rng.randint(0, 50), shared_chars_b=rng.randint(0, 50),
        ))
        pairs[-1].derived = {a: b, b: a}.get(pairs[-1].source)
    for number in range(rng.randint(0, 6)):
        members = rng.sample(ids, rng.randint(0, len(ids)))
        documents = [{"id": m, "spans": [list(span) for span in _spans(rng, chars[m])], "chars": 0} for m in members]
        groups.append(SimpleNamespace(id=f"g{number}", documents=documents, source=rng.choice([None, *members[:1], "elsewhere"])))
    asked = ids + ["nobody"]
    by_columns = SharedItems(asked)
    by_columns.add_pairs(pairs)
    by_columns.add_groups(groups)
    one_by_one = SharedItems(asked)
    for pair in pairs:
        for this, other, start, end, estimate in ((pair.a, pair.b, "a_start", "a_end", pair.shared_chars_a), (pair.b, pair.a, "b_start", "b_end", pair.shared_chars_b)):
            role = "source" if pair.source == this else "copy" if pair.derived == this else "undetermined"
            if not pair.aligned:
                one_by_one.add(asked.index(this), SharedSpans(other, role, pair.relation, (), estimate))
            else:
                one_by_one.add(asked.index(this), SharedSpans(other, role, pair.relation, tuple((p[start], p[end]) for p in pair.passages) or None))
    for group in groups:
        for member in group.documents:
            role = "source" if member["id"] == group.source else "copy" if group.source else "undetermined"
            one_by_one.add(asked.index(member["id"]), SharedSpans(group.id, role, SHARED_PASSAGE, tuple(map(tuple, member["spans"]))))
    lengths = [chars.get(d, 10) for d in asked]
    marked = [list(_spans(rng, n)) if rng.random() < 0.3 else [] for n in lengths]
    assert by_columns.compositions(0, lengths, marked) == one_by_one.compositions(0, lengths, marked)


@pytest.mark.parametrize("seed", range(20))
def test_rows_take_their_composition_as_set_composition_stores_it(seed: int) -> None:
    # composed_rows sets each row's fields straight from the composed values: the fields set_composition stores, in its order
    from dedup.provenance.composition import composed_rows
    from dedup.results import DocumentResult

    rng = random.Random(seed)
    ids = [f"doc{k}" for k in range(rng.randint(2, 12))]
    chars = {d: rng.choice([0, rng.randint(1, 300)]) for d in ids}
    pairs = []
    for _ in range(rng.randint(0, 10)):
        a, b = rng.sample(ids, 2)
        passages = [{"a_start": s, "a_end": e, "b_start": t, "b_end": f} for (s, e), (t, f) in zip(_spans(rng, chars[a]), _spans(rng, chars[b]))]
        pairs.append(SimpleNamespace(a=a, b=b, relation="partial_copy", aligned=True, passages=passages, source=rng.choice([None, a]), derived=None))
    boilerplate = {d: [{"start": s, "end": e} for s, e in _spans(rng, chars[d])] for d in ids if rng.random() < 0.3}
    rows = [DocumentResult(d, chars[d], 1, extra={"boilerplate": boilerplate[d]} if d in boilerplate else {}) for d in ids]
    expected = [DocumentResult(d, chars[d], 1, extra=dict(row.extra)) for d, row in zip(ids, rows)]
    items = SharedItems(ids)
    items.add_pairs(pairs)
    spans = [[(s["start"], s["end"]) for s in boilerplate.get(d, ())] for d in ids]
    for row, values in zip(expected, items.compositions(0, [chars[d] for d in ids], spans)):
        row.set_composition(dict(zip(FIELDS, values)))
    composed, alone = composed_rows(rows, pairs)
    assert [list(row.to_dict().items()) for row in composed] == [list(row.to_dict().items()) for row in expected]
    assert alone == sum(not row.extra["shared_with"] for row in expected)


@pytest.mark.parametrize("seed", range(20))
def test_covered_is_the_union_of_each_keys_spans_character_by_character(seed: int) -> None:
    # spans in any order, many sharing a start (ordered by one key, their order among themselves is free)
    import numpy as np

    from dedup.provenance.coverage import covered

    rng = random.Random(seed)
    n = 12
    spans = [(rng.randrange(n), start, start + rng.randint(1, 40)) for start in (rng.choice([0, 5, 5, 20, rng.randint(0, 200)]) for _ in range(150))]
    keys, starts, ends = (np.array(column, dtype=np.int64) for column in zip(*spans))
    expected = [len({c for key, start, end in spans if key == k for c in range(start, end)}) for k in range(n)]
    assert covered(keys, starts, ends, n).tolist() == expected
    assert covered(keys[:0], starts[:0], ends[:0], 3).tolist() == [0, 0, 0]


def _held_composing(documents: int) -> int:
    """Traced peak of composing rows kept in a file, ``documents // 2`` pairs of whole documents among them."""
    import tracemalloc

    from dedup.io.row_spill import SpilledRows, pair_from_dict
    from dedup.near.shard_results import document_from_dict
    from dedup.provenance.composition import composed_rows
    from dedup.results import NEAR_DUPLICATE, DocumentResult, PairResult

    ids = [f"doc-{k:06d}" for k in range(documents)]
    rows, pairs = SpilledRows(document_from_dict), SpilledRows(pair_from_dict)
    rows.extend(DocumentResult(doc_id, 100, 10) for doc_id in ids)
    pairs.extend(PairResult(ids[k], ids[k + 1], NEAR_DUPLICATE, 0.9, 0.95, 0.95, found_by="minhash") for k in range(0, documents, 2))
    tracemalloc.start()
    try:
        composed, _ = composed_rows(rows, pairs, ids=ids)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        composed.close()
        pairs.close()


def test_composing_rows_in_a_file_holds_no_object_per_paired_document() -> None:
    # Five lists (two strings an item) and a dict of every paired id held about
    # 260 bytes a paired document while its rows were rewritten; the items' columns, about 50.
    _held_composing(500)
    per_document = (_held_composing(16_000) - _held_composing(4_000)) / 12_000
    assert per_document < 100, f"{per_document:.0f} bytes a paired document held while composing the rows"
