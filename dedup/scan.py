"""The document-level scan: documents in, verified duplicate pairs and clusters out.

Stages, in order (each a function over a batch, so it can run in a pool):

1. :func:`fingerprint_batch` — normalise, shingle, hash: exact-text hash,
   the set of 64-bit shingle hashes, the MinHash signature.
2. exact duplicates — documents with the same normalised text.
3. :func:`dedup.candidates.candidate_pairs` — LSH banding over signatures.
4. verification — the exact Jaccard of every candidate; only pairs at or
   above the threshold are reported.
5. :func:`dedup.clusters.cluster_documents` — union-find, representatives.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import xxhash

from dedup.candidates import candidate_pairs
from dedup.clusters import cluster_documents
from dedup.config import Settings
from dedup.corpus import InputProblem
from dedup.document import Document
from dedup.normalize import normalize_text
from dedup.results import (
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    ClusterResult,
    DocumentResult,
    PairResult,
    ScanResult,
)
from dedup.shingles import fold32, shingle_hashes
from dedup.signatures import minhash_signatures
from dedup.similarity import containment, jaccard

Progress = Callable[[str, int, int], None]


@dataclass
class Fingerprints:
    """Per-document hashes for a batch.

    Attributes:
        exact: 128-bit hash of each normalised text, as bytes.
        shingles: Sorted unique uint64 shingle hashes of each document.
        signatures: ``(n, num_perm)`` uint32 MinHash matrix.
    """

    exact: list[bytes]
    shingles: list[np.ndarray]
    signatures: np.ndarray


def fingerprint_batch(texts: Sequence[str], settings: Settings) -> Fingerprints:
    """Fingerprint a batch of original texts (a pure function of its input)."""
    exact: list[bytes] = []
    shingles: list[np.ndarray] = []
    for text in texts:
        normalized = normalize_text(text)
        exact.append(xxhash.xxh3_128_digest(normalized.encode("utf-8")))
        shingles.append(np.unique(shingle_hashes(normalized, settings.ngram)))
    signatures = minhash_signatures([fold32(s) for s in shingles], settings.num_perm, settings.seed)
    return Fingerprints(exact, shingles, signatures)


def fingerprint_documents(docs: Sequence[Document], settings: Settings, progress: Progress | None = None) -> Fingerprints:
    """Fingerprint all documents, batch by batch."""
    exact: list[bytes] = []
    shingles: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for start in range(0, len(docs), settings.batch_size):
        batch = fingerprint_batch([d.text for d in docs[start : start + settings.batch_size]], settings)
        exact.extend(batch.exact)
        shingles.extend(batch.shingles)
        blocks.append(batch.signatures)
        if progress:
            progress("fingerprint", min(start + settings.batch_size, len(docs)), len(docs))
    signatures = np.concatenate(blocks) if blocks else np.zeros((0, settings.num_perm), dtype=np.uint32)
    return Fingerprints(exact, shingles, signatures)


def exact_groups(exact: Sequence[bytes]) -> list[list[int]]:
    """Indices of documents with identical normalised text, groups of two or more."""
    by_hash: dict[bytes, list[int]] = {}
    for i, digest in enumerate(exact):
        by_hash.setdefault(digest, []).append(i)
    return [g for g in by_hash.values() if len(g) > 1]


def _pair(docs, shingles, i, j, relation, score=None) -> PairResult:
    a, b = shingles[i], shingles[j]
    return PairResult(
        a=docs[i].id,
        b=docs[j].id,
        relation=relation,
        jaccard=round(jaccard(a, b) if score is None else score, 6),
        containment_a=round(containment(a, b), 6),
        containment_b=round(containment(b, a), 6),
    )


def near_duplicate_pairs(fp: Fingerprints, heads: np.ndarray, settings: Settings) -> list[tuple[int, int, float]]:
    """Verified near-duplicate pairs among ``heads`` (document indices).

    Returns:
        ``(i, j, jaccard)`` with ``i < j`` for every candidate whose exact
        Jaccard reaches ``settings.threshold``.
    """
    found = candidate_pairs(fp.signatures[heads], settings.candidate_threshold)
    verified = []
    for x, y in found:
        i, j = int(heads[x]), int(heads[y])
        score = jaccard(fp.shingles[i], fp.shingles[j])
        if score >= settings.threshold:
            verified.append((min(i, j), max(i, j), score))
    return verified


def scan_documents(
    docs: Sequence[Document],
    settings: Settings,
    problems: Sequence[InputProblem] = (),
    progress: Progress | None = None,
) -> ScanResult:
    """Find exact and near-duplicate documents.

    Args:
        docs: The documents, ids unique.
        settings: What to look for.
        problems: Input problems met while reading, carried into the result.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        A :class:`ScanResult`; pairs ordered by ``(a, b)`` input order.
    """
    started = time.perf_counter()
    fp = fingerprint_documents(docs, settings, progress)
    pairs: list[tuple[int, int, PairResult]] = []
    edges: list[tuple[int, int]] = []
    is_head = np.ones(len(docs), dtype=bool)
    for group in exact_groups(fp.exact):
        head = group[0]
        is_head[group[1:]] = False
        for other in group[1:]:
            pairs.append((head, other, _pair(docs, fp.shingles, head, other, EXACT_DUPLICATE, 1.0)))
            edges.append((head, other))
    near = near_duplicate_pairs(fp, np.flatnonzero(is_head), settings)
    for i, j, score in near:
        pairs.append((i, j, _pair(docs, fp.shingles, i, j, NEAR_DUPLICATE, score)))
        edges.append((i, j))
    if progress:
        progress("verify", len(docs), len(docs))
    pairs.sort(key=lambda item: (item[0], item[1]))
    clusters = cluster_documents(len(docs), edges, docs)
    results = [
        DocumentResult(
            id=d.id,
            chars=len(d.text),
            shingles=int(fp.shingles[k].size),
            metadata={key: getattr(d, key) for key in ("date", "source", "url", "title") if getattr(d, key)},
        )
        for k, d in enumerate(docs)
    ]
    cluster_results = []
    for index, (members, rep) in enumerate(clusters):
        cluster_results.append(ClusterResult(members=[docs[m].id for m in members], representative=docs[rep].id))
        for m in members:
            results[m].cluster = index
            if m != rep:
                results[m].duplicate_of = docs[rep].id
    stats = {
        "documents": len(docs),
        "skipped_inputs": len(problems),
        "exact_duplicate_pairs": sum(p.relation == EXACT_DUPLICATE for _, _, p in pairs),
        "near_duplicate_pairs": len(near),
        "clusters": len(cluster_results),
        "duplicates_to_remove": sum(len(m) - 1 for m, _ in clusters),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return ScanResult(
        documents=results,
        pairs=[p for _, _, p in pairs],
        clusters=cluster_results,
        problems=[{"origin": p.origin, "message": p.message} for p in problems],
        settings=settings.to_dict(),
        stats=stats,
    )
