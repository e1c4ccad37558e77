"""A seeded synthetic news-like corpus with planted duplicates and its truth.

Documents are ~600 words drawn from a Zipfian vocabulary of made-up words
(frequent words short, rare words long), cut into sentences with capitals,
commas and full stops. A share of the documents seed a family: 1 to 3
variants that are exact copies (changed only in case and spacing, so their
normalised text is the same) or near copies edited word by word towards a
target exact Jaccard drawn from 0.6 to 1.0, so that some land just below the
0.8 threshold and test precision.

The truth is the exact word 5-gram Jaccard of every pair inside a family
(as ``[id_a, id_b, intersection, union]``),
computed from the generated word ids (the words are lowercase ASCII letters,
so they are exactly the tokens ``dedup`` and the peers see). Pairs across
families share no planted text and are far below any threshold.

With ``--reuse`` it writes a high-reuse corpus instead: every document is
recombined from sentences, half of them (``REUSE_SHARE``) drawn at random
from a shared pool of ``REUSE_POOL_PER_DOC`` sentences per document, the
rest its own: each pooled sentence recurs in about three documents, and
each document shares sentences with a few dozen others. The pool grows with
the corpus, so each document has about as many partners at any size and
the related pairs grow with the documents. (With Zipfian popularity over a
fixed pool they grow with the square: 500 documents gave 17,000 pairs.) It has no
planted duplicates; its truth lists no pairs.

Usage: ``python bench/generate.py N OUT.jsonl [--reuse]`` (truth goes to OUT.truth.json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

VOCABULARY = 60_000
WORDS_PER_DOC = 560
FAMILY_SHARE = 0.10  # share of documents that start a family
EXACT_SHARE = 0.2  # share of variants that are exact copies
NGRAM = 5
REUSE_POOL_PER_DOC = 5  # shared sentences of the high-reuse corpus, per document
REUSE_SHARE = 0.5  # share of each high-reuse document's sentences drawn from the pool
SENTENCES_PER_DOC = 30
_LETTERS = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
_LETTER_P = np.array([12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1])


def make_vocabulary(rng: np.random.Generator) -> np.ndarray:
    """Distinct lowercase words, shortest first (so frequent words are short)."""
    lengths = np.clip(np.round(2 + np.log2(np.arange(VOCABULARY) + 2) * 0.55 + rng.normal(0, 1.0, VOCABULARY)), 1, 14)
    words: list[str] = []
    seen: set[str] = set()
    p = _LETTER_P / _LETTER_P.sum()
    for length in np.sort(lengths).astype(int):
        while True:
            word = "".join(rng.choice(_LETTERS, size=length, p=p))
            if word not in seen:
                seen.add(word)
                words.append(word)
                break
    return np.array(words, dtype=object)


class Writer:
    """Turns word ids into news-like text."""

    def __init__(self, vocab: np.ndarray, rng: np.random.Generator) -> None:
        self.vocab = vocab
        self.rng = rng
        weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
        self.cdf = np.cumsum(weights / weights.sum())

    def words(self, count: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, self.rng.random(count)), len(self.vocab) - 1)

    def render(self, ids: np.ndarray) -> str:
        words = self.vocab[ids].tolist()
        cuts = np.cumsum(self.rng.integers(8, 30, size=len(words) // 8 + 2))
        for end in cuts[cuts <= len(words)]:
            words[end - 1] = words[end - 1] + "."
        for start in np.concatenate(([0], cuts[cuts < len(words)])):
            words[start] = words[start].capitalize()
        for k in np.flatnonzero(self.rng.random(len(words)) < 0.04):
            if not words[k].endswith("."):
                words[k] = words[k] + ","
        return " ".join(words)


def edit(ids: np.ndarray, target: float, writer: Writer, rng: np.random.Generator) -> np.ndarray:
    """Substitute, delete and insert words until about ``target`` Jaccard."""
    shingles = max(len(ids) - NGRAM + 1, 1)
    # Each isolated edit changes about NGRAM shingles on each side.
    edits = int(round(shingles * (1 - target) / (NGRAM * (1 + target))))
    out = ids.copy()
    for pos in np.sort(rng.choice(len(ids), size=min(edits, len(ids)), replace=False))[::-1]:
        kind = rng.integers(3)
        if kind == 0:
            out[pos] = writer.words(1)[0]
        elif kind == 1:
            out = np.delete(out, pos)
        else:
            out = np.insert(out, pos, writer.words(1)[0])
    return out


def shingle_set(ids: np.ndarray) -> set[tuple[int, ...]]:
    items = ids.tolist()
    n = min(NGRAM, len(items))
    return {tuple(items[i : i + n]) for i in range(len(items) - n + 1)}


def exact_variant(text: str, rng: np.random.Generator) -> str:
    """The same text in other case and spacing (same normalised text)."""
    if rng.random() < 0.5:
        return text.upper()
    return text.replace(". ", ".  \n")


def generate(n_docs: int, out_path: Path, seed: int = 20260121) -> dict:
    """Write ``n_docs`` JSONL documents to ``out_path`` and return the truth."""
    rng = np.random.default_rng(seed)
    writer = Writer(make_vocabulary(rng), rng)
    slots: list[tuple] = []
    while len(slots) < n_docs:
        ids = writer.words(int(rng.integers(WORDS_PER_DOC - 150, WORDS_PER_DOC + 150)))
        family = [("base", ids)]
        if rng.random() < FAMILY_SHARE:
            for _ in range(int(rng.integers(1, 4))):
                if rng.random() < EXACT_SHARE:
                    family.append(("exact", ids))
                else:
                    family.append(("near", edit(ids, float(rng.uniform(0.6, 1.0)), writer, rng)))
        slots.append(tuple(family))
    return _write(slots, n_docs, out_path, writer, rng)


def generate_reuse(n_docs: int, out_path: Path, seed: int = 20261129) -> dict:
    """Write ``n_docs`` JSONL documents recombined from shared and own sentences."""
    rng = np.random.default_rng(seed)
    writer = Writer(make_vocabulary(rng), rng)
    pool_size = REUSE_POOL_PER_DOC * n_docs
    pool = _sentences(writer.render(writer.words(pool_size * 20)))[:pool_size]
    size = 0
    with out_path.open("w", encoding="utf-8") as handle:
        for k in range(n_docs):
            shared = int(rng.binomial(SENTENCES_PER_DOC, REUSE_SHARE))
            own = _sentences(writer.render(writer.words((SENTENCES_PER_DOC - shared) * 19 + 10)))
            picked = [pool[i] for i in rng.integers(0, len(pool), size=shared)]
            sentences = own + picked
            order = rng.permutation(len(sentences))
            line = json.dumps({"id": f"r{k:07d}", "text": " ".join(sentences[i] for i in order)}) + "\n"
            size += len(line.encode("utf-8"))
            handle.write(line)
    return {"documents": n_docs, "bytes": size, "pairs": []}


def _sentences(text: str) -> list[str]:
    """The sentences of a rendered text (each ends with a full stop)."""
    return [part if part.endswith(".") else part + "." for part in text.split(". ") if part]


def _write(families, n_docs, out_path, writer, rng) -> dict:
    # Scatter family members over the corpus so copies are far apart.
    order = rng.permutation(sum(len(f) for f in families))
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    members: list[list[int]] = []
    entries: list[tuple[int, str, np.ndarray]] = []
    k = 0
    for family in families:
        ids_of = []
        base_text = None
        for kind, ids in family:
            text = writer.render(ids) if kind != "exact" else exact_variant(base_text, rng)
            base_text = base_text or text
            entries.append((int(position[k]), text, ids))
            ids_of.append(int(position[k]))
            k += 1
        if len(ids_of) > 1:
            members.append(ids_of)
    entries.sort(key=lambda e: e[0])
    entries = entries[:n_docs]
    kept = {e[0] for e in entries}
    truth_pairs = _truth(members, {e[0]: e[2] for e in entries if e[0] in kept}, kept)
    size = 0
    with out_path.open("w", encoding="utf-8") as handle:
        for pos, text, _ in entries:
            line = json.dumps({"id": f"d{pos:07d}", "text": text}) + "\n"
            size += len(line.encode("utf-8"))
            handle.write(line)
    return {"documents": len(entries), "bytes": size, "pairs": truth_pairs}


def _truth(members, ids_at, kept) -> list[list]:
    pairs = []
    for family in members:
        present = [m for m in family if m in kept]
        sets = {m: shingle_set(ids_at[m]) for m in present}
        for x in range(len(present)):
            for y in range(x + 1, len(present)):
                a, b = sorted((present[x], present[y]))
                common = len(sets[a] & sets[b])
                pairs.append([f"d{a:07d}", f"d{b:07d}", common, len(sets[a]) + len(sets[b]) - common])
    return sorted(pairs)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or not argv[1].isdigit() or "-h" in argv or "--help" in argv:
        print("usage: python bench/generate.py N OUT.jsonl [--reuse]  (truth goes to OUT.truth.json)", file=sys.stderr)
        return 0 if "-h" in argv or "--help" in argv else 2
    n_docs, out = int(argv[1]), Path(argv[2])
    truth = generate_reuse(n_docs, out) if "--reuse" in argv[3:] else generate(n_docs, out)
    Path(str(out).removesuffix(".jsonl") + ".truth.json").write_text(json.dumps(truth))
    print(f"{truth['documents']} documents, {truth['bytes'] / 1e6:.1f} MB, {len(truth['pairs'])} family pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
