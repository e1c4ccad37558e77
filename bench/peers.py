"""The peers, each in its plain documented usage, on a JSONL corpus.

Run in the bench environment (which has gaoya, rensa and datasketch):
``python bench/peers.py TOOL CORPUS.jsonl OUT.json``. Writes
``{"pairs": [[id_a, id_b], ...]}``. Every peer uses word 5-grams of the
lowercased text, 128 permutations and threshold 0.8, and keeps a candidate
pair only if its MinHash estimate reaches the threshold (gaoya does this
inside ``query``); none verifies the exact Jaccard.

Tools:
    gaoya       MinHashStringIndex, Rust word analyzer, par_bulk_insert_docs /
                par_bulk_query (rayon threads: RAYON_NUM_THREADS).
    rensa       RMinHash.update + RMinHashLSH insert/query.
    datasketch  MinHash.update_batch + MinHashLSH insert/query.
    python      tokenise + 5-grams + xxhash in plain Python, no MinHash
                (the floor every Python-level loop pays; finds no pairs).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Iterator

import numpy as np

NGRAM = 5
NUM_PERM = 128
THRESHOLD = 0.8
BANDS = 16  # gaoya and rensa: 16 bands of 8 rows
CHUNK = 10_000
_WORD = re.compile(r"\w+")


def read(path: str) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield str(record["id"]), record["text"]


def shingles(text: str) -> list[str]:
    tokens = _WORD.findall(text.lower())
    n = min(NGRAM, len(tokens))
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)] if tokens else []


def run_datasketch(path: str) -> list[tuple[str, str]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    values: dict[str, np.ndarray] = {}
    pairs = []
    for doc_id, text in read(path):
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        for other in lsh.query(m):
            if np.mean(values[other] == m.hashvalues) >= THRESHOLD:
                pairs.append((other, doc_id))
        lsh.insert(doc_id, m)
        values[doc_id] = m.hashvalues
    return pairs


def run_rensa(path: str) -> list[tuple[str, str]]:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=BANDS)
    hashes: list = []
    ids: list[str] = []
    pairs = []
    for doc_id, text in read(path):
        m = RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(shingles(text))
        for other in lsh.query(m):
            if m.jaccard(hashes[other]) >= THRESHOLD:
                pairs.append((ids[other], doc_id))
        lsh.insert(len(ids), m)
        hashes.append(m)
        ids.append(doc_id)
    return pairs


def run_gaoya(path: str) -> list[tuple[str, str]]:
    import gaoya

    index = gaoya.minhash.MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=THRESHOLD,
        num_bands=BANDS,
        band_size=NUM_PERM // BANDS,
        analyzer="word",
        lowercase=True,
        ngram_range=(NGRAM, NGRAM),
        id_container="smallvec",
    )
    ids: list[str] = []
    for chunk in _chunks(read(path)):
        index.par_bulk_insert_docs(list(range(len(ids), len(ids) + len(chunk))), [t for _, t in chunk])
        ids.extend(doc_id for doc_id, _ in chunk)
    pairs = []
    start = 0
    for chunk in _chunks(read(path)):
        for offset, found in enumerate(index.par_bulk_query([t for _, t in chunk])):
            me = start + offset
            pairs.extend((ids[other], ids[me]) for other in found if other < me)
        start += len(chunk)
    return pairs


def run_python(path: str) -> list[tuple[str, str]]:
    import xxhash

    digest = xxhash.xxh64_intdigest
    total = 0
    for _, text in read(path):
        total += len({digest(s.encode("utf-8")) for s in shingles(text)})
    return []


def _chunks(items: Iterator[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


TOOLS = {"gaoya": run_gaoya, "rensa": run_rensa, "datasketch": run_datasketch, "python": run_python}


def main(argv: list[str]) -> int:
    tool, corpus, out = argv[1:4]
    pairs = TOOLS[tool](corpus)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"pairs": pairs}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
