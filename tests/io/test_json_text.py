"""The one JSON encoder: orjson's speed, the standard library's exact text.

Each case in tests/data/json_text is a value (with ``as`` naming a
conversion for what JSON cannot spell: integer keys, tuples, NumPy floats,
dates) and whether orjson's text may be used for it (``orjson``): the
encoder must write exactly what ``json.dumps`` writes, in every layout,
and must take the fast path where it can.
"""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path

import numpy as np
import pytest

from dedup.io import json_text
from dedup.io.json_text import dumps, dumps_bytes, dumps_lines, dumps_lines_bytes, indented_items, indented_items_bytes

CASES = sorted((Path(__file__).parents[1] / "data" / "json_text").glob("*.json"))


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


BUILD = {
    "plain": lambda value: value,
    "int_keys": lambda value: {int(key): item for key, item in value.items()},
    "tuples": _tuples,
    "numpy": lambda value: [np.float64(v) for v in value],
    "date": lambda value: {"date": datetime.date.fromisoformat(value)},
}


def _case(path: Path) -> tuple[dict, object]:
    case = json.loads(path.read_text(encoding="utf-8"))
    return case, BUILD[case.get("as", "plain")](case["value"])


def _stdlib(value, indent: bool) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2 if indent else None)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_same_text_as_the_standard_library(path: Path) -> None:
    case, value = _case(path)
    if "raises" in case:
        for indent in (False, True):
            with pytest.raises(TypeError):
                _stdlib(value, indent)
            with pytest.raises(TypeError):
                dumps(value, indent)
        return
    for indent in (False, True):
        assert dumps(value, indent) == _stdlib(value, indent)
        try:
            expected = _stdlib(value, indent).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: UTF-8 cannot hold it, either way
            with pytest.raises(UnicodeEncodeError):
                dumps_bytes(value, indent)
        else:
            assert dumps_bytes(value, indent) == expected


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_lines_and_pieces_as_the_standard_library(path: Path) -> None:
    case, value = _case(path)
    if "raises" in case:
        return
    records = [{"k": 1, "v": value}, {"v": value, "x": [value]}]
    assert dumps_lines(records) == "".join(_stdlib(r, False) + "\n" for r in records)
    # rows written a piece at a time inside a list one level deep, as the scan report does
    whole = _stdlib({"rows": records}, True)
    assert '{\n  "rows": [\n' + indented_items(records[:1], 1) + ",\n" + indented_items(records[1:], 1) + "\n  ]\n}" == whole
    # the same text UTF-8 encoded, for a report written in bytes (a lone surrogate fails as encoding it does)
    try:
        encoded = whole.encode("utf-8")
    except UnicodeEncodeError:
        for pieces in (dumps_lines_bytes, lambda rows: indented_items_bytes(rows, 1)):
            with pytest.raises(UnicodeEncodeError):
                pieces(records)
        return
    assert dumps_lines_bytes(records) == dumps_lines(records).encode("utf-8")
    assert b'{\n  "rows": [\n' + indented_items_bytes(records[:1], 1) + b",\n" + indented_items_bytes(records[1:], 1) + b"\n  ]\n}" == encoded


# The walk over the value's floats (compiled where built), and the text and marshal searches alone.
WALKS = {"walk": json_text._floats_as_stdlib, "text": None}


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fast_path_where_orjson_agrees(path: Path, walk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the float walk a string that reads like a float orjson spells apart is
    no reason to leave orjson; with the searches alone it is (``orjson_by_text``)."""
    if walk == "walk" and WALKS[walk] is None:
        pytest.skip("the float walk was not built")
    monkeypatch.setattr(json_text, "_floats_as_stdlib", WALKS[walk])
    case, value = _case(path)
    expected = case["orjson"] if walk == "walk" else case.get("orjson_by_text", case["orjson"])
    assert (json_text._orjson(value, 0) is not None) == expected
    if "raises" not in case:
        for indent in (False, True):
            assert dumps(value, indent) == _stdlib(value, indent)


def _nested(rng: random.Random, depth: int = 0):
    """A random value: containers of floats near every edge the walk tells apart, and other scalars."""
    pick = rng.randrange(9 if depth < 4 else 5)
    if pick == 0:
        return rng.choice([0.0, -0.0, 1e-4, -1e-4, 9.99e-5, 1e-5, 2.5e-7, 1e-300, 5e-324, 1e300, 0.5, float("nan"), float("inf"), -float("inf")])
    if pick == 1:
        return rng.choice(["0.0000", "e-5", "", "x", None, True, 7, -2**70])
    if pick == 2:
        return rng.uniform(-1, 1) * 10.0 ** rng.randrange(-8, 3)
    if pick == 3:
        return rng.choice([np.float64(0.5), datetime.date(2026, 1, 1), b"x", {1, 2}])
    if pick == 4:
        return rng.randrange(-5, 5)
    items = [_nested(rng, depth + 1) for _ in range(rng.randrange(4))]
    if pick == 5:
        return items
    if pick == 6:
        return tuple(items)
    return {f"k{k}": item for k, item in enumerate(items)}


@pytest.mark.skipif(json_text._floats_as_stdlib is None, reason="the float walk was not built")
def test_compiled_float_walk_as_its_reference() -> None:
    rng = random.Random(5)
    values = [_case(path)[1] for path in CASES] + [_nested(rng) for _ in range(3000)]
    deep = 0.5
    for _ in range(300):
        deep = [deep]
    values += [deep, [[[float("nan")]]], {"a": [{"b": (1, 2e-5)}]}, [1e-4] * 3, [0.0001, -0.0]]
    answers = [json_text._floats_as_stdlib(value) for value in values]
    assert answers == [json_text.floats_as_stdlib_reference(value) for value in values]
    assert True in answers and False in answers
    assert answers[-5:] == [False, False, False, True, True]


def test_floats_orjson_spells_apart_still_go_to_the_standard_library() -> None:
    rng = random.Random(11)
    for _ in range(500):
        value = _nested(rng)
        try:
            expected = _stdlib(value, True)
        except (TypeError, ValueError):
            continue
        assert dumps(value, True) == expected
        assert dumps(value) == _stdlib(value, False)


def test_lines_of_records_that_do_not_cut_cleanly() -> None:
    records = [{}, {"a": [{}]}, {"b": {"c": {}}}]
    assert dumps_lines(records) == "".join(_stdlib(r, False) + "\n" for r in records)
    assert dumps_lines([]) == ""
    assert dumps_lines(["x", 1]) == '"x"\n1\n'
