"""Counts in messages: the noun plural unless the count is one."""

from __future__ import annotations

from dedup.io import count_of


def test_a_count_takes_a_plural_noun_unless_it_is_one() -> None:
    assert [count_of(n, "pair") for n in (0, 1, 2)] == ["0 pairs", "1 pair", "2 pairs"]
    assert count_of(1, "NUL byte", ",") == "1 NUL byte"
    assert count_of(12345, "NUL byte", ",") == "12,345 NUL bytes"
    assert count_of(12345, "document") == "12345 documents"


def test_the_closing_line_of_unshown_problems_agrees_with_its_count() -> None:
    from dedup.io import omitted_message

    assert omitted_message(1) == "… and 1 more problem like this"
    assert omitted_message(31978) == "… and 31,978 more problems like this"
