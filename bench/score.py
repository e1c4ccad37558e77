"""Pair precision and recall against the exact-Jaccard truth of the generator.

A tool's output is a set of document pairs. ``dedup`` reports each group of
exact duplicates as pairs with its first member and compares near duplicates
among first members only; since exact copies have the same shingle set, its
pairs are expanded to every pair they imply before scoring. The peers report
every pair they find and are scored as they are.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path


def truth_pairs(truth_path: Path, threshold: float) -> set[tuple[str, str]]:
    """The pairs at or above ``threshold`` exact Jaccard."""
    truth = json.loads(truth_path.read_text())
    return {(a, b) for a, b, common, union in truth["pairs"] if common >= threshold * union}


def dedup_pairs(result: dict) -> set[tuple[str, str]]:
    """Every pair implied by a ``dedup`` scan result (JSON as a dict)."""
    copies: dict[str, list[str]] = {}
    near: list[tuple[str, str]] = []
    for pair in result["pairs"]:
        if pair["relation"] == "exact_duplicate":
            copies.setdefault(pair["a"], [pair["a"]]).append(pair["b"])
        elif pair["relation"] == "near_duplicate":
            near.append((pair["a"], pair["b"]))
    out: set[tuple[str, str]] = set()
    for group in copies.values():
        out.update(_ordered(x, y) for x, y in itertools.combinations(group, 2))
    for a, b in near:
        for x in copies.get(a, [a]):
            for y in copies.get(b, [b]):
                out.add(_ordered(x, y))
    return out


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    """Precision, recall and counts of ``found`` against ``truth``."""
    found = {_ordered(a, b) for a, b in found}
    hits = len(found & truth)
    return {
        "found": len(found),
        "true": len(truth),
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
    }
