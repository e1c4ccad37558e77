"""Counts in messages for people: ``1 pair``, ``2 pairs``."""

from __future__ import annotations


def count_of(n: int, noun: str, number_format: str = "") -> str:
    """``n`` and ``noun``, the noun plural (an ``s`` added) unless ``n`` is one.

    Args:
        n: The count.
        noun: Its noun, singular.
        number_format: How ``n`` is written (a format spec: ``","`` groups thousands).
    """
    number = format(n, number_format)
    return f"{number} {noun}" if n == 1 else f"{number} {noun}s"
