"""Corpora with known duplicates, derived documents and boilerplate, for the clean tests."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import edit_words, synthetic_text

SHARING = "Share and Follow"
LEGAL = "Copyright 2026 Example News. All rights reserved."
NEWSLETTER = "Sign up for our daily newsletter to get the latest news."

BASES = 12
PLANTED = {
    # id: (kind, base index)
    "exact-0": ("exact", 0),
    "exact-1": ("exact", 3),
    "near-0": ("near", 1),
    "near-1": ("near", 4),
    "near-2": ("near", 1),
    "derived-0": ("derived", 6),
    "partial-0": ("partial", 8),
    "partial-1": ("partial", 9),
}


def _with_boilerplate(body: str) -> str:
    return "\n\n".join([SHARING, body, NEWSLETTER, LEGAL])


def planted_records() -> list[dict]:
    """Base articles (dated 2026-01-01…) with boilerplate lines, then later copies.

    ``exact``: the same text; ``near``: 1 % of its words changed (Jaccard
    about 0.9); ``derived``: four of the base's six paragraphs and one of its
    own; ``partial``: three of the base's paragraphs and three of its own.
    """
    bodies = [synthetic_text(seed, words=600, paragraphs=6) for seed in range(BASES)]
    records = [
        {"id": f"base-{k:02d}", "text": _with_boilerplate(body), "date": f"2026-01-{k + 1:02d}", "url": f"https://news.example/{k}", "rank": k}
        for k, body in enumerate(bodies)
    ]
    for n, (doc_id, (kind, base)) in enumerate(PLANTED.items()):
        paragraphs = bodies[base].split("\n\n")
        own = synthetic_text(1000 + n, words=600, paragraphs=6).split("\n\n")
        if kind == "exact":
            body = bodies[base]
        elif kind == "near":
            body = edit_words(bodies[base], 0.01, seed=n)
        elif kind == "derived":
            body = "\n\n".join(paragraphs[:4] + own[:1])
        else:
            body = "\n\n".join(paragraphs[:3] + own[:3])
        records.append({"id": doc_id, "text": _with_boilerplate(body), "date": "2026-02-01", "url": f"https://copies.example/{doc_id}", "rank": 100 + n})
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
