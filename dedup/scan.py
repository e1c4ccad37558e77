"""The document-level scan: documents in, verified duplicate pairs and clusters out.

Stages, in order (the per-document ones run over batches in a process pool,
:mod:`dedup.pool`, so the output is the same for any ``--jobs``):

1. fingerprint (:func:`dedup.fingerprints.fingerprint_batch`) — normalise,
   shingle, hash: the exact-text hash, the distinct shingle count and the
   MinHash signature of every document. The texts are streamed; only these
   compact values (about ``4 * num_perm + 40`` bytes a document) are kept.
2. exact duplicates (:func:`exact_groups`) — documents with the same
   normalised text; the first of each group stands for it from here on.
3. candidates (:func:`dedup.candidates.candidate_pairs`) — LSH banding tuned
   below the threshold, for recall.
4. verification (:func:`dedup.verification.verify_stream`) — a second pass
   recomputes the shingle sets of the documents in candidate pairs and keeps
   the pairs whose exact Jaccard reaches the threshold.
5. clusters (:func:`dedup.clusters.cluster_documents`) — union-find, representatives.
"""

from __future__ import annotations

import io
import json
import os
import resource
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.candidates import candidate_pairs
from dedup.clusters import cluster_documents
from dedup.config import Settings
from dedup.corpus import JSONL_SUFFIXES, CorpusReader, InputProblem
from dedup.document import Document
from dedup.fingerprints import Fingerprints, fingerprint_batch, join_fingerprints, shingle_texts
from dedup.pool import StagePool
from dedup.results import EXACT_DUPLICATE, NEAR_DUPLICATE, ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.shingles import ShingleBatch, char_classes
from dedup.verification import Verified, documents_in, verify_stream

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; ``total`` is 0 while a stream's length is unknown."""

# Given the table and the wanted indices, yields (index, text) in index order.
TextSource = Callable[["DocumentTable", np.ndarray], Iterator[tuple[int, str]]]


@dataclass
class DocumentTable:
    """What the scan keeps of each document while the texts stream past.

    Attributes:
        ids: Document ids, in input order.
        chars: Length of each original text.
        metadata: date, source, url and title, for documents that have any.
        files: The files documents were read from.
        file_of: Index into ``files`` of each document.
        line_of: Line of each document in its file (JSONL), 0 for a whole file.
    """

    ids: list[str] = field(default_factory=list)
    chars: array = field(default_factory=lambda: array("q"))
    metadata: dict[int, dict[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    file_of: array = field(default_factory=lambda: array("l"))
    line_of: array = field(default_factory=lambda: array("q"))
    _file_index: dict[str, int] = field(default_factory=dict, repr=False)
    _prefix: str = field(default="\0", repr=False)
    _prefix_file: int = field(default=0, repr=False)

    def add(self, doc: Document) -> None:
        if doc.date or doc.source or doc.url or doc.title:
            meta = {key: getattr(doc, key) for key in ("date", "source", "url", "title") if getattr(doc, key)}
            self.metadata[len(self.ids)] = meta
        self.ids.append(doc.id)
        self.chars.append(len(doc.text))
        origin = doc.origin
        # Consecutive documents mostly come from one JSONL file: reuse its prefix.
        tail = origin[len(self._prefix) :]
        if origin.startswith(self._prefix) and tail.isdigit():
            self.file_of.append(self._prefix_file)
            self.line_of.append(int(tail))
            return
        file, line = _location(origin)
        if file not in self._file_index:
            self._file_index[file] = len(self.files)
            self.files.append(file)
        self._prefix, self._prefix_file = (file + ":" if line else "\0"), self._file_index[file]
        self.file_of.append(self._prefix_file)
        self.line_of.append(line)

    def __len__(self) -> int:
        return len(self.ids)


def _location(origin: str) -> tuple[str, int]:
    """(file, line) of a reader origin: ``path:line`` for JSONL, ``path`` for a file."""
    head, _, tail = origin.rpartition(":")
    if head and tail.isdigit() and head.lower().endswith(JSONL_SUFFIXES):
        return head, int(tail)
    return origin, 0

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class _Member:
    """What :func:`dedup.clusters.representative_key` reads of a document:
    ``id``, ``date`` and ``len(text)`` (a ``range`` of the right length,
    so the text need not be kept)."""

    id: str
    date: str | None
    text: range


def _batches(docs: Iterable[Document], table: DocumentTable, size: int, progress: Progress | None) -> Iterator[list[str]]:
    batch: list[str] = []
    for doc in docs:
        table.add(doc)
        batch.append(doc.text)
        if len(batch) >= size:
            yield batch
            batch = []
            if progress:
                progress("fingerprint", len(table), 0)
    if batch:
        yield batch


def fingerprint_stream(docs: Iterable[Document], settings: Settings, pool: StagePool, progress: Progress | None = None) -> tuple[DocumentTable, Fingerprints]:
    """Stage 1 over a stream of documents: the table and their fingerprints."""
    table = DocumentTable()
    func = partial(fingerprint_batch, settings=settings)
    parts = list(pool.map(func, _batches(docs, table, settings.batch_size, progress)))
    return table, join_fingerprints(parts, settings.num_perm, join_signatures=False)


def exact_groups(exact: np.ndarray | Sequence[bytes]) -> list[list[int]]:
    """Indices of documents with identical normalised text, groups of two or more.

    Args:
        exact: ``(n, 2)`` uint64 text hashes (or one ``bytes`` digest per document).

    Returns:
        Groups in input order of their first member, members in input order.
    """
    if not isinstance(exact, np.ndarray):
        exact = np.frombuffer(b"".join(exact), dtype=np.uint64).reshape(len(exact), -1) if len(exact) else np.zeros((0, 2), np.uint64)
    if len(exact) < 2:
        return []
    order = np.lexsort(exact.T[::-1])
    ordered = exact[order]
    same = (ordered[1:] == ordered[:-1]).all(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    sizes = np.diff(np.concatenate((starts, [len(exact)])))
    groups = [sorted(order[s : s + k].tolist()) for s, k in zip(starts[sizes > 1], sizes[sizes > 1])]
    return sorted(groups)


def near_candidates(signatures: np.ndarray | Sequence[np.ndarray], heads: np.ndarray, settings: Settings) -> np.ndarray:
    """Stage 3: candidate pairs among ``heads``, as ``(k, 2)`` document indices ``i < j``.

    Args:
        signatures: The MinHash matrix, or its consecutive blocks.
        heads: Sorted indices of the documents to pair.
        settings: ``candidate_threshold`` is used.
    """
    return candidate_pairs(signatures, settings.candidate_threshold, subset=heads)


def _shingle_job(job: tuple[list[int], list[str]], ngram: int) -> tuple[list[int], ShingleBatch]:
    indices, texts = job
    return indices, shingle_texts(texts, ngram)


def _jobs(texts: Iterator[tuple[int, str]], size: int) -> Iterator[tuple[list[int], list[str]]]:
    indices: list[int] = []
    batch: list[str] = []
    for index, text in texts:
        indices.append(index)
        batch.append(text)
        if len(batch) >= size:
            yield indices, batch
            indices, batch = [], []
    if batch:
        yield indices, batch


def _shingle_stream(texts: Iterator[tuple[int, str]], settings: Settings, pool: StagePool) -> Iterator[tuple[int, np.ndarray]]:
    """(index, shingle set) of the given texts, in their order, computed in the pool."""
    jobs = _jobs(texts, settings.batch_size)
    for indices, sets in pool.map(partial(_shingle_job, ngram=settings.ngram), jobs):
        for position, index in enumerate(indices):
            yield index, sets[position]


def verify_candidates(pairs: np.ndarray, texts: Iterator[tuple[int, str]], settings: Settings, pool: StagePool) -> list[Verified]:
    """Stage 4: the candidates whose exact Jaccard reaches the threshold.

    Args:
        pairs: ``(k, 2)`` candidate document indices ``i < j``.
        texts: ``(index, text)`` of every document in ``pairs``, in index order.
        settings: ``ngram`` and ``threshold`` are used.
        pool: Where the shingle sets are computed.
    """
    if len(pairs) == 0:
        return []
    stream = _shingle_stream(texts, settings, pool)
    return list(verify_stream(pairs, stream, settings.threshold))


def _peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_worker_mb": round(workers, 1)}


def _run(docs: Iterable[Document], texts: TextSource, settings: Settings, problems: Sequence[InputProblem], progress: Progress | None) -> ScanResult:
    started = time.perf_counter()
    clock = _StageClock()
    char_classes()  # built once here, shared with forked workers
    with StagePool(settings.workers) as pool:
        table, fp = fingerprint_stream(docs, settings, pool, progress)
        clock.lap("fingerprint")
        groups = exact_groups(fp.exact)
        is_head = np.ones(len(table), dtype=bool)
        for group in groups:
            is_head[group[1:]] = False
        candidates = near_candidates(fp.signatures, np.flatnonzero(is_head), settings)
        del fp.signatures
        clock.lap("candidates")
        if progress:
            progress("candidates", len(candidates), len(candidates))
        near = verify_candidates(candidates, texts(table, documents_in(candidates)), settings, pool)
        clock.lap("verify")
    if progress:
        progress("verify", len(table), len(table))
    result = _assemble(table, fp.counts, groups, near, problems, settings, {"candidate_pairs": int(len(candidates))}, started)
    clock.lap("assemble")
    result.stats["stage_seconds"] = clock.laps
    return result


class _StageClock:
    """Seconds spent in each stage (reported in the stats)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = round(now - self._last, 3)
        self._last = now


def _assemble(table, counts, groups, near, problems, settings, extra_stats, started) -> ScanResult:
    """Stage 5 and the result: pairs, clusters, per-document rows, stats."""
    pairs: list[tuple[int, int, PairResult]] = []
    edges: list[tuple[int, int]] = []
    for group in groups:
        head = group[0]
        for other in group[1:]:
            share = 1.0 if counts[head] else 0.0
            pairs.append((head, other, PairResult(table.ids[head], table.ids[other], EXACT_DUPLICATE, 1.0, share, share)))
            edges.append((head, other))
    for v in near:
        result = PairResult(table.ids[v.i], table.ids[v.j], NEAR_DUPLICATE, round(v.jaccard, 6), round(v.containment_i, 6), round(v.containment_j, 6))
        pairs.append((v.i, v.j, result))
        edges.append((v.i, v.j))
    pairs.sort(key=lambda item: (item[0], item[1]))
    members = {m: _Member(table.ids[m], table.metadata.get(m, {}).get("date"), range(table.chars[m])) for edge in edges for m in edge}
    clusters = cluster_documents(len(table), edges, members)
    results = [
        DocumentResult(id=doc_id, chars=table.chars[k], shingles=int(counts[k]), metadata=dict(table.metadata.get(k, {})))
        for k, doc_id in enumerate(table.ids)
    ]
    cluster_results = []
    for index, (group, rep) in enumerate(clusters):
        cluster_results.append(ClusterResult(members=[table.ids[m] for m in group], representative=table.ids[rep]))
        for m in group:
            results[m].cluster = index
            if m != rep:
                results[m].duplicate_of = table.ids[rep]
    stats = {
        "documents": len(table),
        "skipped_inputs": len(problems),
        "exact_duplicate_pairs": sum(p.relation == EXACT_DUPLICATE for _, _, p in pairs),
        "near_duplicate_pairs": len(near),
        "clusters": len(cluster_results),
        "duplicates_to_remove": sum(len(m) - 1 for m, _ in clusters),
        **extra_stats,
        "workers": settings.workers,
        **_peak_rss_mb(),
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


def scan_documents(
    docs: Sequence[Document],
    settings: Settings,
    problems: Sequence[InputProblem] = (),
    progress: Progress | None = None,
) -> ScanResult:
    """Find exact and near-duplicate documents among documents in memory.

    Args:
        docs: The documents, ids unique.
        settings: What to look for.
        problems: Input problems met while reading, carried into the result.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        A :class:`ScanResult`; pairs ordered by ``(a, b)`` input order.
    """

    def texts(table: DocumentTable, wanted: np.ndarray) -> Iterator[tuple[int, str]]:
        return ((int(i), docs[i].text) for i in wanted)

    return _run(docs, texts, settings, problems, progress)


def scan_corpus(paths: Sequence[str | os.PathLike], settings: Settings, progress: Progress | None = None) -> ScanResult:
    """Find exact and near-duplicate documents in files, never holding all texts.

    The inputs are read twice: once to fingerprint every document, once to
    recompute the shingle sets of the documents in candidate pairs. JSONL on
    standard input (``-``) is copied to a temporary file for the second read.

    Args:
        paths: As for :class:`dedup.corpus.CorpusReader`.
        settings: What to look for.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        A :class:`ScanResult` with the reader's problems.

    Raises:
        RuntimeError: If the inputs change between the two reads.
    """
    paths = [str(p) for p in paths]
    with tempfile.TemporaryDirectory(prefix="dedup-") as tmp:
        reader = CorpusReader(_spool_stdin(paths, tmp))
        result = _run(reader, _reread, settings, (), progress)
        spool = os.path.join(tmp, "stdin.jsonl")
    result.problems = [{"origin": p.origin.replace(spool, "<stdin>"), "message": p.message} for p in reader.problems]
    result.stats["skipped_inputs"] = len(reader.problems)
    return result


def _reread(table: DocumentTable, wanted: np.ndarray) -> Iterator[tuple[int, str]]:
    """The texts of the wanted documents, read again from where the table says they are."""
    want = wanted.tolist()
    k = 0
    while k < len(want):
        file = table.files[table.file_of[want[k]]]
        if table.line_of[want[k]] == 0:
            yield want[k], _whole_file_text(file)
            k += 1
            continue
        lines: dict[int, int] = {}
        while k < len(want) and table.files[table.file_of[want[k]]] == file and table.line_of[want[k]]:
            lines[table.line_of[want[k]]] = want[k]
            k += 1
        for index, record in _jsonl_lines(file, lines):
            if str(record.get("id")) != table.ids[index]:
                raise RuntimeError(f"{file} changed during the scan (line of {table.ids[index]!r}); scan again")
            yield index, record["text"]


def _jsonl_lines(path: str, lines: dict[int, int]) -> Iterator[tuple[int, dict]]:
    """``(index, record)`` for the wanted line numbers of a JSONL file, numbered as the reader numbers them.

    Lines are split on ``\\n`` in binary and only the wanted ones decoded;
    a file with a carriage return anywhere but before a line feed is read
    in text mode instead, which splits on it as the reader does.
    """
    last = max(lines)
    with open(path, "rb") as handle:
        found = []
        for lineno, raw in enumerate(handle, 1):
            if b"\r" in raw and raw.find(b"\r") != len(raw) - 2:
                break
            if lineno in lines:
                found.append((lines[lineno], raw[3:] if lineno == 1 and raw.startswith(b"\xef\xbb\xbf") else raw))
            if lineno >= last:
                for index, raw_line in found:
                    yield index, json.loads(raw_line.decode("utf-8"))
                return
    with open(path, "rb") as handle:
        stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
        for lineno in range(1, last + 1):
            line = stream.readline()
            if lineno in lines:
                yield lines[lineno], json.loads(line)


def _whole_file_text(path: str) -> str:
    docs = list(CorpusReader([path]))
    if len(docs) != 1:
        raise RuntimeError(f"{path} changed during the scan; scan again")
    return docs[0].text


def _spool_stdin(paths: list[str], folder: str) -> list[str]:
    """Replace ``-`` by a file holding standard input's JSONL lines."""
    if "-" not in paths:
        return paths
    import shutil
    import sys

    spool = os.path.join(folder, "stdin.jsonl")
    with open(spool, "w", encoding="utf-8") as out:
        shutil.copyfileobj(sys.stdin, out)
    return [spool if p == "-" else p for p in paths]
