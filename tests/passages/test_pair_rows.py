"""The passage stage's hand-off: its pairs as rows merged in order with the
earlier ones, in a list or spilled to a file, the same either way."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np

from dedup.config import Settings
from dedup.document import Document
from dedup.io.row_spill import SpilledRows, pair_from_dict
from dedup.passages.pair_rows import PairTuples, merged_pairs, pair_positions
from dedup.passages.pairs import find_passage_pairs
from dedup.results import EXACT_DUPLICATE, PairResult


def _text(rng: random.Random, words: int) -> str:
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(3 + k % 7)) for k in range(3000)]
    picked = [rng.choice(vocabulary) for _ in range(words)]
    return " ".join(" ".join(picked[k : k + 12]).capitalize() + "." for k in range(0, words, 12))


def _found() -> tuple[list[Document], list]:
    """Documents 2 and 7 share a passage, and 4 and 9 another."""
    rng = random.Random(3)
    docs = [Document(f"d{k}", _text(rng, 300)) for k in range(10)]
    for source, copy in ((2, 7), (4, 9)):
        passage = docs[source].text[: docs[source].text.index(".", 600) + 1]
        docs[copy] = Document(f"d{copy}", _text(rng, 120) + " " + passage + " " + _text(rng, 120))
    found = find_passage_pairs(docs, Settings(), sentences=False)
    assert [(p.i, p.j) for p in found] == [(2, 7), (4, 9)]
    return docs, found


def _earlier() -> list[PairResult]:
    return [PairResult(f"d{a}", f"d{b}", EXACT_DUPLICATE, 1.0, 1.0, 1.0, found_by="exact") for a, b in ((0, 5), (2, 7), (3, 4))]


def test_spilled_rows_equal_the_list_and_keep_the_order() -> None:
    docs, found = _found()
    ids = [doc.id for doc in docs]
    earlier_at = pair_positions(_earlier(), ids)
    in_memory = merged_pairs(_earlier(), earlier_at, list(found), ids)
    relations: Counter[str] = Counter()
    spilled = merged_pairs(_earlier(), earlier_at, list(found), ids, relations, spill=True)
    assert isinstance(in_memory, list) and isinstance(spilled, SpilledRows)
    assert [p.to_dict() for p in spilled] == [p.to_dict() for p in in_memory]
    # ordered by the documents' positions; on a tie (2, 7) the earlier pair first
    assert [(p.a, p.b, p.found_by) for p in in_memory] == [
        ("d0", "d5", "exact"), ("d2", "d7", "exact"), ("d2", "d7", "passages"), ("d3", "d4", "exact"), ("d4", "d9", "passages"),
    ]
    assert relations == Counter(p.relation for p in in_memory)
    assert in_memory[2].passages and in_memory[2].extra == found[0].extra()


def test_rows_are_made_in_order_whatever_order_they_come_in() -> None:
    docs, found = _found()
    ids = [doc.id for doc in docs]
    given = [found[1], found[0]]
    rows = merged_pairs([], pair_positions([], ids), given, ids, spill=True)
    assert [(p.a, p.b) for p in rows] == [("d2", "d7"), ("d4", "d9")]
    # each passage pair is let go once its row is made
    assert given == [None, None]


def test_pair_positions_are_those_of_each_pairs_documents_from_a_list_or_spilled_rows() -> None:
    ids = [f"d{k}" for k in range(10)]
    spilled = SpilledRows(pair_from_dict)
    spilled.extend(_earlier())
    for earlier in (_earlier(), spilled):
        at = pair_positions(earlier, ids)
        assert at.dtype == np.int64 and at.tolist() == [[0, 5], [2, 7], [3, 4]]
    assert pair_positions([], ids).shape == (0, 2)


def test_pair_tuples_read_an_array_as_the_list_of_tuples_it_replaces() -> None:
    at = np.arange(2 * 9000, dtype=np.int64).reshape(-1, 2)  # more than one block
    expected = list(map(tuple, at.tolist()))
    tuples = PairTuples(at)
    assert len(tuples) == len(expected) and list(tuples) == expected and list(tuples) == expected
    assert tuples[4100] == expected[4100] and tuples[-1] == expected[-1] and tuples[3:7] == expected[3:7]
    assert all(type(k) is int for k in tuples[5])


def test_an_index_pairs_row_is_the_one_made_from_its_figures_fields_and_extra() -> None:
    from dedup.passages.estimates import IndexPair
    from dedup.passages.pair_rows import passage_row

    ids = ["d0", "d1", "d2"]
    for pair in (IndexPair(0, 2, 7, 0.35, 0.9, 410, 1200, 0.21), IndexPair(1, 2, 3, 0.8, 0.1, 90, 60, 0.05, wholly_share=0.5)):
        made = PairResult(a=ids[pair.i], b=ids[pair.j], relation=pair.relation, **pair.document_figures(), **pair.fields(), found_by="passages")
        made.extra.update(pair.extra())
        row = passage_row(pair, ids)
        assert row.to_dict() == made.to_dict() and list(row.to_dict()) == list(made.to_dict())
