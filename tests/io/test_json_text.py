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
from pathlib import Path

import numpy as np
import pytest

from dedup.io import json_text
from dedup.io.json_text import dumps, dumps_bytes, dumps_lines, indented_items

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


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fast_path_where_orjson_agrees(path: Path) -> None:
    case, value = _case(path)
    assert (json_text._orjson(value, 0) is not None) == case["orjson"]


def test_lines_of_records_that_do_not_cut_cleanly() -> None:
    records = [{}, {"a": [{}]}, {"b": {"c": {}}}]
    assert dumps_lines(records) == "".join(_stdlib(r, False) + "\n" for r in records)
    assert dumps_lines([]) == ""
    assert dumps_lines(["x", 1]) == '"x"\n1\n'
