"""A document's composition, against a definition character by character."""

from __future__ import annotations

import random

import pytest

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
    items = SharedItems()
    for doc_id, _, shared, _ in documents:
        for item in shared:
            items.add(doc_id, item)
    got = [dict(zip(FIELDS, values)) for values in items.compositions([d[0] for d in documents], [d[1] for d in documents], [d[3] for d in documents])]
    assert got == [composition(chars, shared, boilerplate) for _, chars, shared, boilerplate in documents]
    for (_, chars, shared, boilerplate), found in zip(documents, got):
        if chars:
            parts, covered = _by_character(chars, shared, boilerplate)
            assert [found[name] for name in PARTS] == [round(n / chars, 4) for n in parts]
            assert [item["chars"] for item in found["shared_with"]] == covered
