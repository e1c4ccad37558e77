"""Counts in messages: the noun plural unless the count is one."""

from __future__ import annotations

from dedup.io import count_of


def test_a_count_takes_a_plural_noun_unless_it_is_one() -> None:
    assert [count_of(n, "pair") for n in (0, 1, 2)] == ["0 pairs", "1 pair", "2 pairs"]
    assert count_of(1, "NUL byte", ",") == "1 NUL byte"
    assert count_of(12345, "NUL byte", ",") == "12,345 NUL bytes"
    assert count_of(12345, "document") == "12345 documents"
