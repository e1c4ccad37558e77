"""Blocks that recur across the corpus: template text and syndicated lines.

Every block is reduced to a key (normalised, digits dropped so that "5
Comments" and "12 Comments" meet) and hashed; blocks with equal hashes form
a group. With ``near_repeats``, blocks of enough words are also grouped when
their word-trigram MinHash signatures collide in LSH and their exact
trigram Jaccard reaches ``near_threshold``. A group found in at least
:meth:`~dedup.config.BoilerplateSettings.min_corpus_docs` documents (a floor
that grows with the corpus) is a repeat. Where documents carry a ``source``,
a repeat within one source is the site's *template*, a repeat across sources
is *syndication* (marked only when it is a short stock line: longer shared
text is reuse, for passage detection to report). A group whose blocks make
up most of the documents it occurs in is a copied passage, not boilerplate.
"""

from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Callable, Iterator, Sequence

import numpy as np
import xxhash

from dedup.boilerplate.blocks import Block, document_blocks
from dedup.config import BoilerplateSettings
from dedup.document import Document, document_ids, document_lengths, document_sources, take
from dedup.engine import Engine, FaultBarrier, StageFault, engine_or_local, runs_by_size
from dedup.engine.faults import describe
from dedup.near.candidates import candidate_pairs
from dedup.near.clusters import UnionFind
from dedup.near.signatures import shingle_minhash
from dedup.text.normalize import normalize_ascii, normalize_text
from dedup.text.shingles import batch_token_hashes, shingle_hashes_from_tokens
from dedup.text.similarity import jaccard

TEMPLATE = "template"
SYNDICATION = "syndication"
UNKNOWN = "unknown"
_NO_DIGITS = str.maketrans("", "", "0123456789")
_NEAR_NGRAM = 3
NEAR_PERM = 32
_NEAR_SEED = 7
_EXAMPLES = 5


@dataclass(frozen=True)
class RepeatedBlock:
    """A block (or a family of near-identical blocks) found in many documents.

    Attributes:
        text: The block as it reads in its first document.
        documents: How many documents contain it.
        occurrences: How many times it occurs in all.
        examples: Ids of the first documents containing it (up to five).
        sources: The distinct known sources of those documents.
        spread: ``template`` (one source), ``syndication`` (several) or
            ``unknown`` (no source known).
        near: Whether the group joins near-identical, not only identical, blocks.
        boilerplate: Whether its occurrences are marked as boilerplate.
        reason: Why it is, or is not, boilerplate.
    """

    text: str
    documents: int
    occurrences: int
    examples: tuple[str, ...]
    sources: tuple[str, ...]
    spread: str
    near: bool
    boilerplate: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RepeatIndex:
    """Repeated groups and where their blocks are.

    Attributes:
        groups: One :class:`RepeatedBlock` per repeated group.
        members: ``(doc_index, block_index) -> group index`` for every block
            of a repeated group.
        unsplit: Documents whose blocks could not be cut (each has a
            fault; it has no blocks).
    """

    groups: list[RepeatedBlock]
    members: dict[tuple[int, int], int]
    unsplit: frozenset[int] = frozenset()


def block_key(text: str) -> str:
    """What two blocks must share to count as the same: the normalised text
    (:func:`dedup.text.normalize.normalize_text`) without digits, so that "5 Comments" and "12
    Comments" meet."""
    if text.isascii():
        return _ascii_key(text).decode("ascii")
    return " ".join(normalize_text(text).translate(_NO_DIGITS).split())


def _ascii_key(text: str) -> bytes:
    """:func:`block_key` of ASCII text, as bytes."""
    return normalize_ascii(text, b"0123456789")


@dataclass
class BlockFingerprints:
    """Every non-empty block key of a run of documents, as hashes.

    Attributes:
        doc_idx: Document of each key (index into the documents).
        block_idx: Block of each key within its document.
        starts: Offset of each key's block in its document's text.
        ends: Offset just past each key's block.
        hashes: xxh3 hash of each key.
        long_rows: The rows whose key has enough words for near matching.
        signatures: Trigram MinHash signature of each of those keys.
        unsplit: ``(document index, fault)`` of each document whose
            blocks could not be cut.
    """

    doc_idx: np.ndarray
    block_idx: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    long_rows: np.ndarray
    signatures: np.ndarray
    unsplit: list[tuple[int, StageFault]] = field(default_factory=list)

    def block_text(self, docs: Sequence[Document], row: int) -> str:
        """The text of the block of key ``row``."""
        return docs[int(self.doc_idx[row])].text[int(self.starts[row]) : int(self.ends[row])]


# A run of documents to fingerprint: the index of its first document, the
# documents, each one's block bounds (``None``: cut them here) and the
# positions of documents to leave without blocks.
FingerprintJob = tuple[int, Sequence[Document], "list[list[tuple[int, int]]] | None", frozenset]


def _run_blocks(job: FingerprintJob, report_faults: bool) -> Iterator[tuple[int, list[tuple[int, int]] | None, StageFault | None]]:
    """``(document index, block bounds, fault)`` of each document of a run,
    its blocks cut here unless the job brings them; with ``report_faults``
    a document whose blocks cannot be cut has none and a fault (without, the
    error is raised)."""
    first, docs, spans_of, skipped = job
    for k, doc in enumerate(docs):
        if k in skipped:
            yield first + k, [], None
        elif spans_of is not None:
            yield first + k, spans_of[k], None
        else:
            try:
                yield first + k, [(b.start, b.end) for b in document_blocks(doc)], None
            except Exception as error:  # noqa: BLE001 - one document never costs the run
                if not report_faults:
                    raise
                yield first + k, None, StageFault("boilerplate", (doc.id,), describe(error), traceback.format_exc())


def _block_fingerprints(job: FingerprintJob, near_words: int | None, near_max_words: int | None, report_faults: bool = False) -> BlockFingerprints:
    """Key hashes (and, with ``near_words``, the trigram signatures of keys
    of at least that many words) of the blocks of a run of documents.

    Args:
        job: See :data:`FingerprintJob`.
        near_words: Words a key needs for near matching; ``None``: no near matching.
        near_max_words: Words above which a key is matched only exactly (``None``: no limit).
        report_faults: Give a document whose blocks cannot be cut no blocks
            and a fault, instead of raising its error.
    """
    docs = job[1]
    keyed: list[tuple[int, list[tuple[int, int]], list[bytes]]] = []
    unsplit: list[tuple[int, StageFault]] = []
    for (d, spans, fault), doc in zip(_run_blocks(job, report_faults), docs):
        if fault is not None:
            unsplit.append((d, fault))
            continue
        text = doc.text
        ascii_text = text.isascii()
        keyed.append((d, spans, [_ascii_key(text[s:e]) if ascii_text else block_key(text[s:e]).encode("utf-8") for s, e in spans]))
    return keyed_fingerprints(keyed, unsplit, near_words, near_max_words)


def key_of_normalized(normalized: str) -> bytes:
    """:func:`block_key` (as UTF-8) of a block whose normalised text
    (:func:`dedup.text.normalize.normalize_text`) is ``normalized``: the
    same without digits, so that a pass that has normalised its blocks
    need not normalise them again."""
    key = normalized.encode("utf-8")
    # (A digit is one byte in UTF-8, never part of another character's.)
    if len(key.translate(None, b"0123456789")) == len(key):
        return key
    return " ".join(normalized.translate(_NO_DIGITS).split()).encode("utf-8")


def keyed_fingerprints(
    keyed: Sequence[tuple[int, Sequence[tuple[int, int]], Sequence[bytes]]],
    unsplit: list[tuple[int, StageFault]],
    near_words: int | None,
    near_max_words: int | None,
) -> BlockFingerprints:
    """The :class:`BlockFingerprints` of blocks already keyed.

    Args:
        keyed: Per document, ``(document index, block bounds, block keys)``
            (the keys as :func:`block_key` makes them, UTF-8).
        unsplit: ``(document index, fault)`` of the documents whose blocks could not be cut.
        near_words: Words a key needs for near matching; ``None``: no near matching.
        near_max_words: Words above which a key is matched only exactly (``None``: no limit).
    """
    most = near_max_words if near_max_words is not None else float("inf")
    # One list per column (numpy converts flat lists of ints fastest).
    doc_of: list[int] = []
    block_of: list[int] = []
    edges: list[int] = []
    hashes: list[int] = []
    long_rows: list[int] = []
    long_keys: list[str] = []
    digest = xxhash.xxh3_64_intdigest
    for d, spans, keys in keyed:
        for b, ((start, end), key) in enumerate(zip(spans, keys)):
            if not key:
                continue
            if near_words is not None and near_words <= key.count(b" ") + 1 <= most:
                long_rows.append(len(hashes))
                long_keys.append(key.decode("utf-8"))
            doc_of.append(d)
            block_of.append(b)
            edges += (start, end)
            hashes.append(digest(key))
    offsets = np.array(edges, dtype=np.int64).reshape(-1, 2)
    return BlockFingerprints(
        np.array(doc_of, dtype=np.int64),
        np.array(block_of, dtype=np.int64),
        offsets[:, 0].copy(),
        offsets[:, 1].copy(),
        np.array(hashes, dtype=np.uint64),
        np.array(long_rows, dtype=np.int64),
        key_signatures(long_keys),
        unsplit,
    )


def key_signatures(long_keys: list[str]) -> np.ndarray:
    """The trigram MinHash signature of each key (of at least three words)."""
    if not long_keys:
        return np.zeros((0, NEAR_PERM), dtype=np.uint32)
    grams, bounds = _trigram_hashes(long_keys)
    return shingle_minhash(grams, bounds, NEAR_PERM, _NEAR_SEED)


def _fingerprint_jobs(docs, blocks) -> Iterator[FingerprintJob]:
    """The documents (and their block bounds, when given) in runs of about
    ``_CHUNK_BYTES`` characters (cut by the lengths alone: from a store, the
    documents are read, and their blocks cut, in the process that
    fingerprints them)."""
    lengths = document_lengths(docs)
    for first, run in runs_by_size(range(len(docs)), lengths.__getitem__, _CHUNK_BYTES):
        spans = None if blocks is None else [[(b.start, b.end) for b in blocks[k]] for k in run]
        yield first, take(docs, run), spans, frozenset()


def _job_size(job: FingerprintJob) -> int:
    return len(job[1])


def _without_blocks(job: FingerprintJob, positions: set[int]) -> FingerprintJob:
    """The run with the documents at ``positions`` left without blocks."""
    first, docs, spans_of, skipped = job
    return first, docs, spans_of, skipped | frozenset(positions)


def _all_fingerprints(docs, blocks, settings: BoilerplateSettings, engine: Engine, faults: list[StageFault] | None = None) -> BlockFingerprints:
    near_words, near_max_words = near_word_range(settings)
    func = partial(_block_fingerprints, near_words=near_words, near_max_words=near_max_words, report_faults=faults is not None)
    return joined_fingerprints(keyed_runs(docs, _fingerprint_jobs(docs, blocks), func, engine, faults))


def near_word_range(settings: BoilerplateSettings) -> tuple[int | None, int | None]:
    """The words a block key needs for near matching (``None``: none is
    near-matched), and the most it may have."""
    near_words = max(settings.near_min_words, _NEAR_NGRAM) if settings.near_repeats else None
    return near_words, settings.near_max_words


def keyed_runs(
    docs,
    jobs: Iterator[FingerprintJob],
    func: Callable,
    engine: Engine,
    faults: list[StageFault] | None,
    fingerprints_of: Callable = lambda part: part,
    received: Callable | None = None,
) -> list:
    """``func`` of each run of documents, in order; with ``faults``, each
    run behind a :class:`~dedup.engine.FaultBarrier` that leaves a document
    it fails on without blocks, and ``faults`` receiving first the faults of
    documents whose blocks could not be cut, then those of documents that
    could not be keyed.

    Args:
        docs: The documents.
        jobs: The runs (:data:`FingerprintJob`).
        func: What keys a run.
        engine: Where the runs are keyed.
        faults: See above; ``None``: an error is raised.
        fingerprints_of: The :class:`BlockFingerprints` of one of ``func``'s results.
        received: Called with each of ``func``'s results as it arrives.
    """
    if faults is None:
        parts = []
        for part in engine.map(func, jobs):
            parts.append(part)
            if received:
                received(part)
        return parts
    firsts: list[int] = []

    def noted() -> Iterator[FingerprintJob]:
        for job in jobs:
            firsts.append(job[0])
            yield job

    ids = document_ids(docs)
    parts, keying = [], []
    for k, guarded in enumerate(engine.map(FaultBarrier(func, _job_size, _without_blocks), noted())):
        parts.append(guarded.result)
        if received:
            received(guarded.result)
        keying.extend(StageFault.of("boilerplate", fault, [ids[firsts[k] + fault.position]]) for fault in guarded.faults)
    # Blocks are cut before they are keyed: their faults come first.
    faults.extend(fault for part in parts for _, fault in fingerprints_of(part).unsplit)
    faults.extend(keying)
    return parts


def joined_fingerprints(parts: Sequence[BlockFingerprints]) -> BlockFingerprints:
    """The fingerprints of consecutive runs of documents, as one."""
    offsets = np.cumsum([0] + [p.hashes.size for p in parts])
    empty = np.zeros(0, dtype=np.int64)
    return BlockFingerprints(
        *(np.concatenate([getattr(p, name) for p in parts] or [empty]) for name in ("doc_idx", "block_idx", "starts", "ends")),
        np.concatenate([p.hashes for p in parts] or [np.zeros(0, dtype=np.uint64)]),
        np.concatenate([p.long_rows + offset for p, offset in zip(parts, offsets)] or [empty]),
        np.concatenate([p.signatures for p in parts] or [np.zeros((0, NEAR_PERM), dtype=np.uint32)]),
        [u for p in parts for u in p.unsplit],
    )


_CHUNK_BYTES = 1 << 20


def _trigram_hashes(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit hashes of every key's word trigrams, all in one array,
    computed without a Python loop over words (in chunks of about a
    megabyte, to bound memory).

    Args:
        keys: Keys of at least three words each.

    Returns:
        ``(hashes, bounds)``: key ``i``'s trigram hashes are
        ``hashes[bounds[i]:bounds[i + 1]]``.
    """
    hashes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    chunk: list[str] = []
    size = 0
    for key in keys:
        chunk.append(key)
        size += len(key) + 1
        if size >= _CHUNK_BYTES:
            _chunk_trigrams(chunk, hashes, counts)
            chunk, size = [], 0
    if chunk:
        _chunk_trigrams(chunk, hashes, counts)
    all_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    return np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64), np.concatenate(([0], np.cumsum(all_counts)))


def _chunk_trigrams(keys: list[str], hashes: list[np.ndarray], counts: list[np.ndarray]) -> None:
    words, key_of_word = batch_token_hashes(keys)
    if words.size < _NEAR_NGRAM:
        counts.append(np.zeros(len(keys), dtype=np.int64))
        return
    grams = shingle_hashes_from_tokens(words, _NEAR_NGRAM)
    inside = key_of_word[: grams.size] == key_of_word[_NEAR_NGRAM - 1 :]
    hashes.append(grams[inside])
    counts.append(np.bincount(key_of_word[: grams.size][inside], minlength=len(keys)))


def _near_unions(docs, fp: BlockFingerprints, first_rows: np.ndarray, settings: BoilerplateSettings) -> UnionFind:
    """Union exact groups whose keys are near-identical (trigram MinHash + exact check).

    Args:
        docs: The documents.
        fp: The block fingerprints.
        first_rows: For each exact group (in hash order), its first row in ``fp``.
        settings: Boilerplate settings.
    """
    sets = UnionFind(first_rows.size)
    signature_of = np.full(fp.hashes.size, -1, dtype=np.int64)
    signature_of[fp.long_rows] = np.arange(fp.long_rows.size)
    long_keys = np.flatnonzero(signature_of[first_rows] >= 0)
    if long_keys.size < 2:
        return sets
    signatures = fp.signatures[signature_of[first_rows[long_keys]]]
    candidates = long_keys[candidate_pairs(signatures, near_lsh_threshold(settings))]
    join_near(sets, candidates.tolist(), lambda k: fp.block_text(docs, int(first_rows[k])), settings.near_threshold)
    return sets


def near_lsh_threshold(settings: BoilerplateSettings) -> float:
    """The LSH threshold that finds the candidate pairs of near repeats."""
    return max(0.05, settings.near_threshold - 0.15)


def join_near(sets: UnionFind, candidates: Sequence[tuple[int, int]], text_of: Callable[[int], str], threshold: float) -> None:
    """Join each candidate pair of keys whose word-trigram Jaccard reaches ``threshold``.

    Args:
        sets: The keys' sets, joined in place.
        candidates: Pairs of keys (elements of ``sets``).
        text_of: The text of a key's first block.
        threshold: The least Jaccard of keys to join.
    """
    # The trigram sets of the keys in a candidate pair, hashed in one batch.
    involved = sorted({k for pair in candidates for k in pair})
    hashes, bounds = _trigram_hashes([block_key(text_of(k)) for k in involved])
    position = {k: i for i, k in enumerate(involved)}
    trigram_sets: dict[int, np.ndarray] = {}

    def trigrams(k: int) -> np.ndarray:
        found = trigram_sets.get(k)
        if found is None:
            i = position[k]
            found = trigram_sets[k] = np.unique(hashes[bounds[i] : bounds[i + 1]])
        return found

    for x, y in candidates:
        if sets.find(x) == sets.find(y):
            continue  # already joined: the union would change nothing
        a, b = trigrams(x), trigrams(y)
        # The Jaccard is at most the smaller set over the larger (the margin
        # keeps a pair whose figure could round up to the threshold).
        if min(a.size, b.size) < threshold * max(a.size, b.size) * (1 - 1e-9):
            continue
        if jaccard(a, b) >= threshold:
            sets.union(x, y)


def repeat_index(
    docs: Sequence[Document],
    blocks: Sequence[Sequence[Block]] | None,
    settings: BoilerplateSettings,
    engine: Engine | None = None,
    faults: list[StageFault] | None = None,
) -> RepeatIndex:
    """Find the blocks repeated across the corpus.

    Args:
        docs: The documents.
        blocks: Each document's blocks (:func:`dedup.boilerplate.blocks.document_blocks`);
            ``None``: cut where the documents are keyed (on the engine's
            workers), so that no process holds every document's blocks.
        settings: Boilerplate settings.
        engine: Where the block keys and signatures of runs of documents
            are computed (the result is the same for any engine); by
            default, in this process.
        faults: Receives a fault per document whose blocks could not be
            cut or keyed (its blocks are left out of the repeats).

    Returns:
        A :class:`RepeatIndex`.
    """
    with engine_or_local(engine, 1) as running:
        fp = _all_fingerprints(docs, blocks, settings, running, faults)
    return fingerprints_index(docs, fp, settings)


def fingerprints_index(docs: Sequence[Document], fp: BlockFingerprints, settings: BoilerplateSettings) -> RepeatIndex:
    """The :class:`RepeatIndex` of the corpus's block fingerprints (see :func:`repeat_index`)."""
    doc_idx = fp.doc_idx
    unsplit = frozenset(d for d, _ in fp.unsplit)
    if doc_idx.size == 0:
        return RepeatIndex([], {}, unsplit)
    # Exact groups: one per distinct key hash, in hash order.
    _, first_rows, exact = np.unique(fp.hashes, return_index=True, return_inverse=True)
    n_keys = first_rows.size
    group = exact
    near_rows = np.zeros(len(exact), dtype=bool)
    if settings.near_repeats:
        sets = _near_unions(docs, fp, first_rows, settings)
        roots = np.array(sets.roots(), dtype=np.int64)
        # A group is "near" when it joins more than one exact key.
        near_rows = (np.bincount(roots, minlength=n_keys) > 1)[roots][exact]
        group = roots[exact]
    # Documents per group: count distinct (group, doc) pairs.
    # (one int64 key a pair: a sort of numbers, not of rows)
    docs_past = int(doc_idx.max()) + 1
    pairs = np.unique(group.astype(np.int64) * docs_past + doc_idx)
    doc_counts = np.bincount(pairs // docs_past, minlength=n_keys)
    floor = settings.min_corpus_docs(len(docs))
    repeated = np.flatnonzero(doc_counts >= floor)
    if repeated.size == 0:
        return RepeatIndex([], {}, unsplit)
    found = described_groups(docs, fp, settings, group, repeated, near_rows)
    found.unsplit = unsplit
    return found


def described_groups(docs, fp: BlockFingerprints, settings, group, repeated, near_rows) -> RepeatIndex:
    """Turn repeated group ids into :class:`RepeatedBlock` values and a member map."""
    doc_idx, block_idx = fp.doc_idx, fp.block_idx
    is_repeated = np.zeros(group.max() + 1, dtype=bool)
    is_repeated[repeated] = True
    rows = np.flatnonzero(is_repeated[group])
    by_group: dict[int, list[int]] = {}
    for r in rows[np.argsort(group[rows], kind="stable")]:
        by_group.setdefault(int(group[r]), []).append(int(r))
    doc_sets = {g: tuple(sorted({int(doc_idx[r]) for r in found})) for g, found in by_group.items()}
    copied = _copied_groups(docs, fp, by_group, doc_sets, settings)
    ids, all_sources = document_ids(docs), document_sources(docs)
    out: list[RepeatedBlock] = []
    members: dict[tuple[int, int], int] = {}
    for g in sorted(by_group, key=lambda g: (-len(doc_sets[g]), by_group[g][0])):
        found, doc_ids = by_group[g], doc_sets[g]
        text = fp.block_text(docs, found[0])
        sources = sorted({all_sources[d] for d in doc_ids if all_sources[d]})
        spread = UNKNOWN if not sources else (TEMPLATE if len(sources) == 1 else SYNDICATION)
        marked, reason = _verdict(len(doc_ids), spread, len(text.split()), g in copied, settings)
        if marked:
            for r in found:
                members[(int(doc_idx[r]), int(block_idx[r]))] = len(out)
        examples = tuple(ids[d] for d in doc_ids[:_EXAMPLES])
        out.append(RepeatedBlock(text, len(doc_ids), len(found), examples, tuple(sources), spread, bool(near_rows[found[0]]), marked, reason))
    return RepeatIndex(out, members)


def _verdict(count: int, spread: str, words: int, copied: bool, settings: BoilerplateSettings) -> tuple[bool, str]:
    """Whether a repeated group is boilerplate, and why."""
    if copied:
        return False, f"in {count} documents, but as part of a longer copied passage: reuse, not boilerplate"
    if spread == SYNDICATION and words > settings.syndication_max_words:
        return False, f"the same passage in {count} documents from several sources: syndication, not boilerplate"
    if spread == TEMPLATE:
        return True, f"repeated in {count} documents of one source: the site's template"
    if spread == SYNDICATION:
        return True, f"a stock line repeated in {count} documents across sources"
    return True, f"repeated in {count} documents of the corpus"


def _copied_groups(docs, fp: BlockFingerprints, by_group, doc_sets, settings) -> set[int]:
    """Groups that, with the groups sharing their exact set of documents
    (``doc_sets``), cover more than ``copy_share`` of those documents' text."""
    by_docset: dict[tuple[int, ...], list[int]] = {}
    for g in by_group:
        by_docset.setdefault(doc_sets[g], []).append(g)
    copied: set[int] = set()
    chars = document_lengths(docs)
    for docset, groups in by_docset.items():
        covered = np.zeros(len(docset))
        position = {d: i for i, d in enumerate(docset)}
        for g in groups:
            for r in by_group[g]:
                covered[position[int(fp.doc_idx[r])]] += int(fp.ends[r] - fp.starts[r])
        lengths = np.maximum(np.array([chars[d] for d in docset], dtype=np.float64), 1)
        if np.median(covered / lengths) > settings.copy_share:
            copied.update(groups)
    return copied


def corpus_repeats(docs: Sequence[Document], settings, blocks: Sequence[Sequence[Block]] | None = None) -> list[RepeatedBlock]:
    """The blocks repeated across a corpus, most widespread first.

    Args:
        docs: The documents.
        settings: :class:`~dedup.config.Settings` (or its ``boilerplate`` part).
        blocks: Each document's blocks, if already split.

    Returns:
        One :class:`RepeatedBlock` per repeated group, ordered by number of
        documents (descending), then first appearance.
    """
    return repeat_index(docs, blocks, getattr(settings, "boilerplate", settings)).groups
