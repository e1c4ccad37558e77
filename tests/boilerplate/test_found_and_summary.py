"""The boilerplate stage's results as the scan reads them: each document's
spans as a plain mapping of every id, and the figures of a row."""

from __future__ import annotations

import json

import numpy as np

from dedup.boilerplate.found import FoundSpans
from dedup.boilerplate.spans import BoilerplateSpan, summarize


def test_found_spans_as_a_dict_are_its_items() -> None:
    ids = [f"d{k}" for k in range(9)]
    found = FoundSpans(ids)
    span = BoilerplateSpan(0, 4, "other", "r")
    found.add_marked(np.array([1, 4, 6]), [[span], [], [span, span]])
    found.add({"d8": [span], "d2": []})
    as_dict = found.as_dict()
    assert as_dict == dict(found.items()) and list(as_dict) == ids
    assert as_dict["d1"] == [span] and as_dict["d0"] == [] and as_dict["d8"] == [span]
    as_dict["d0"].append(span)  # each document's list is its own
    assert as_dict["d3"] == []


def test_a_row_without_spans_has_the_figures_of_none() -> None:
    span = BoilerplateSpan(3, 3, "other", "r")  # empty: covers nothing, as no span
    for length in (0, 1, 57):
        figures = summarize(length, [])
        assert json.dumps(figures) == json.dumps({**summarize(length, [span]), "boilerplate": []})
        assert figures["boilerplate"] is not summarize(length, [])["boilerplate"]
