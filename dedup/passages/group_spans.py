"""Where each shared-passage group lies in each of its documents.

The group's fingerprints are found again in each member's words (the
same words and sampled n-grams the index took, boilerplate masks left
out): a run of them, no more than ``passages.anchor_window`` words apart,
is one span, from the first word of its first n-gram to the last word of
its last. Sampling keeps one n-gram in ``index_sample``, so a span may
start or end a few words inside the text shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Mapping, Sequence

import numpy as np

from dedup.config import PassageSettings
from dedup.document import Document, Span, document_ids, document_lengths, span_mask, take
from dedup.engine import Engine, engine_or_local
from dedup.passages.estimates import fingerprint_share, unmasked_chars
from dedup.passages.groups import Groups, run_positions
from dedup.text.ngrams import sampled
from dedup.text.normalize import normalize_with_offsets
from dedup.text.shingles import HASH_CHUNK_CHARS, shingle_hashes_from_tokens, token_hash_spans


def indexed_words(doc: Document, spans: Sequence[Span] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The words the passage index reads in ``doc`` (as
    :func:`dedup.passages.candidates.index_text` gives them), with where
    each starts and ends in the original text.

    Returns:
        ``(hashes, starts, ends)``: uint64 word hashes and int64 offsets.
    """
    if not spans and doc.text.isascii():  # folding ASCII is lowering it, one character for one
        return token_hash_spans(doc.text.lower())
    normalized = normalize_with_offsets(doc.text)
    text = normalized.text
    if spans:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
        codes[span_mask(len(doc.text), spans)[normalized.starts]] = 32
        text = codes.tobytes().decode("utf-32-le")
    hashes, starts, ends = token_hash_spans(text)
    return hashes, normalized.starts[starts], normalized.ends[ends - 1]


@dataclass
class GroupSpans:
    """What :func:`group_spans` finds, each member document read once: an
    entry per member document holding its group, in arrays (a scan finds
    hundreds of thousands; a list and a tuple each cost more to send from a
    worker and to read than the row made of them).

    Attributes:
        group: The group of each entry, ascending; a group's entries are in
            corpus order.
        document: The document index of each entry.
        estimates: The characters each entry's document shares by the
            index's estimate (as :func:`dedup.passages.estimates.estimated_shares`
            makes it for a pair: the sampled fingerprints found, plus the words
            sampling and the last n-gram leave out). The spans start and end at
            sampled fingerprints, so they fall short of the text shared by up to
            ``index_sample`` words at each end.
        chars: The characters each entry's spans cover.
        span_ends: Where each entry's spans end in ``spans`` (they start
            where the previous entry's end).
        spans: ``(n, 2)`` ``[start, end]`` of every span, entry after entry.
        texts: Per group, the text of its first span in its first document.
        dates: The date of each member document that has one.
    """

    group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    document: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    estimates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    chars: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    span_ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    texts: dict[int, str] = field(default_factory=dict)
    dates: dict[int, str] = field(default_factory=dict)

    def group_bounds(self, n_groups: int) -> np.ndarray:
        """Where the entries of each of ``n_groups`` groups begin, and the last ends (``n_groups + 1`` values)."""
        return np.searchsorted(self.group, np.arange(n_groups + 1))


# Below this many member documents per worker, the spans are found in this process.
_DOCS_PER_WORKER = 2000
# Runs of documents per worker: each carries the groups' hashes.
_RUNS_PER_WORKER = 1
# Member documents a run carries, at most: a worker holds them and their
# findings at once, so a larger corpus is cut into more runs.
_DOCS_PER_RUN = 25_000


def group_spans(
    docs: Sequence[Document], groups: Groups, settings: PassageSettings, masks: Mapping[str, Sequence[Span]] | None = None,
    text_chars: int = 300, engine: Engine | None = None, workers: int = 1, docs_per_worker: int = _DOCS_PER_WORKER,
) -> GroupSpans:
    """The character spans of every group in every one of its documents.

    The member documents are cut into contiguous runs of about equal text,
    each read and searched on the engine's workers (in this process below
    two workers, or ``docs_per_worker`` members a worker); the runs' findings
    are joined in corpus order, so the result is the same for any engine and
    any number of workers.

    Args:
        docs: The documents.
        groups: The groups (:meth:`dedup.passages.groups.GroupCollector.groups`).
        settings: ``index_ngram``, ``index_sample`` and ``anchor_window``.
        masks: Boilerplate spans per document id (left out, as the index leaves them).
        text_chars: Characters kept of each group's text.
        engine: What runs the runs of documents; by default a local engine
            of ``workers`` for this call.
        workers: Workers to spread the documents over.
        docs_per_worker: Fewest member documents per worker worth a pool.

    Returns:
        A :class:`GroupSpans`.
    """
    masks = masks or {}
    members = member_documents(groups, len(docs))
    workers = min(workers, members.size // max(1, docs_per_worker))
    find = partial(_run_spans, hashes=groups.hashes, group_of=groups.group_of, settings=settings, text_chars=text_chars)
    if workers < 2:  # in this process: smaller batches, so that their word arrays do not add to its peak
        return _by_group([find(_member_run(docs, members, masks), batch_chars=_LOCAL_BATCH_CHARS)])
    lengths = np.asarray(document_lengths(docs), dtype=np.int64)[members]
    bounds = _even_cuts(lengths, max(workers * _RUNS_PER_WORKER, -(-members.size // _DOCS_PER_RUN)))
    runs = (_member_run(docs, members[lo:hi], masks) for lo, hi in zip(bounds[:-1], bounds[1:]))
    with engine_or_local(engine, workers) as running:
        return _by_group(list(running.map(find, runs, in_flight=1)))


def member_documents(groups: Groups, n_docs: int) -> np.ndarray:
    """Every document some group holds, sorted (marked, not sorted: the
    groups' members run to several a document on a high-reuse corpus)."""
    held = np.zeros(n_docs, dtype=bool)
    held[groups.members.flat] = True
    return np.flatnonzero(held)


def _member_run(docs: Sequence[Document], chosen: np.ndarray, masks: Mapping[str, Sequence[Span]]) -> tuple:
    """What a run of member documents sends to where its spans are found:
    the documents (from a store, where they are, not their texts), their
    indices and their masks."""
    run = take(docs, chosen.tolist())
    ids = document_ids(run)
    return run, chosen, {doc_id: masks[doc_id] for doc_id in ids if doc_id in masks}


def _even_cuts(lengths: np.ndarray, parts: int) -> list[int]:
    """Where to cut ``lengths`` into at most ``parts`` contiguous runs of about equal sums (each run non-empty)."""
    ends = np.cumsum(lengths)
    targets = ends[-1] * np.arange(1, parts) / parts
    cuts = np.searchsorted(ends, targets, side="right")
    return sorted({0, *np.clip(cuts, 1, lengths.size - 1).tolist(), int(lengths.size)}) if lengths.size > 1 else [0, int(lengths.size)]


@dataclass
class _RunFindings:
    """What :func:`_batch_spans` finds in a run of documents, one entry per
    member document of a group, in the order of the documents.

    Attributes:
        columns: Per batch, its entries' ``(group, document, estimates,
            chars, span counts)`` and ``spans``, as in :class:`GroupSpans`
            (joined into one of each when the run ends).
        texts: Per group, the text of its first span in its first document of the run.
        dates: The date of each document of the run that has one.
    """

    columns: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    dates: dict[int, str] = field(default_factory=dict)
    texted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)  # per group, whether ``texts`` has it

    def joined(self) -> "_RunFindings":
        """The batches' columns as one of each."""
        if len(self.columns) > 1:
            self.columns = [tuple(np.concatenate(column) for column in zip(*self.columns))]
        return self


def _run_spans(
    run: tuple, hashes: np.ndarray, group_of: np.ndarray, settings: PassageSettings, text_chars: int, batch_chars: int | None = None,
) -> _RunFindings:
    """What one run of member documents ``(documents, indices, masks)`` holds of the groups, found in batches
    of about ``batch_chars`` characters (by default :data:`_BATCH_CHARS`; the findings are the same for any)."""
    batch_chars = batch_chars or _BATCH_CHARS
    run_docs, indices, masks = run
    out = _RunFindings(texted=np.zeros(int(group_of.max()) + 1 if group_of.size else 0, dtype=bool))
    table = HashTable(hashes)
    batch: list[tuple[int, Document]] = []
    chars = 0
    for k, doc in zip(indices.tolist(), run_docs):
        if doc.date:
            out.dates[k] = doc.date
        # the batch's texts joined by a space stay one hashing call (a longer text is hashed in pieces, each copied)
        if batch and chars + len(doc.text) + 1 > batch_chars:
            _batch_spans(batch, table, group_of, settings, masks, text_chars, out)
            batch, chars = [], 0
        batch.append((k, doc))
        chars += len(doc.text) + 1
    if batch:
        _batch_spans(batch, table, group_of, settings, masks, text_chars, out)
    out.texted = np.zeros(0, dtype=bool)  # not sent back
    return out.joined()


def _by_group(runs: list[_RunFindings]) -> GroupSpans:
    """The findings of consecutive runs of documents, gathered by group: a
    stable sort of every entry by its group keeps each group's documents in
    corpus order, so the runs are joined without a step per group and run."""
    out = GroupSpans()
    for run in reversed(runs):  # a group's text is the one of its earliest run
        out.texts.update(run.texts)
    for run in runs:
        out.dates.update(run.dates)
    pieces = [piece for run in runs for piece in run.columns]
    if not pieces:
        return out
    group, document, estimates, chars, span_counts, spans = (np.concatenate(column) for column in zip(*pieces))
    order = np.argsort(group, kind="stable")
    span_starts = (np.cumsum(span_counts) - span_counts)[order]
    span_counts = span_counts[order]
    out.group, out.document, out.estimates, out.chars = group[order], document[order], estimates[order], chars[order]
    out.span_ends = np.cumsum(span_counts)
    out.spans = spans[run_positions(span_starts, span_counts)].reshape(-1, 2)
    return out


# Top bits a hash table's buckets are found by, at most (4 million buckets, 32 MB of their entries).
_MOST_BUCKET_BITS = 22
# Bits of a bucket's entry that hold its size, its start above them.
_SIZE_BITS = 32
_SIZE_MASK = (1 << _SIZE_BITS) - 1


class HashTable:
    """Where each of a sorted array of 64-bit hashes is, found by the top
    bits of a hash, then the few hashes that share them: the first
    position of each key in ``hashes``, as ``np.searchsorted`` gives it when
    the key is there, in a few passes over the keys instead of a binary
    search each (the keys are document n-grams, millions of them).

    Each bucket's start and size are packed in one int64, read in one pass
    (the buckets of millions of hashes lie outside the caches: a read of
    the start and another of the next bucket's missed them twice).

    Args:
        hashes: Sorted uint64 hashes (repeats allowed, fewer than 2**31).
    """

    def __init__(self, hashes: np.ndarray) -> None:
        if hashes.size > _SIZE_MASK >> 1:
            raise ValueError(f"a hash table holds fewer than 2**31 hashes, not {hashes.size}")
        self.hashes = hashes
        self.shift = np.uint64(64 - min(max(1, int(hashes.size).bit_length()), _MOST_BUCKET_BITS))
        buckets = 1 << (64 - int(self.shift))
        sizes = np.bincount((hashes >> self.shift).astype(np.intp), minlength=buckets).astype(np.int64)
        self.buckets = ((np.cumsum(sizes) - sizes) << _SIZE_BITS) | sizes

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The first position of each key in ``hashes``, -1 where it is not there."""
        bucket = self.buckets[(keys.astype(np.uint64, copy=False) >> self.shift).astype(np.intp)]
        at, left = bucket >> _SIZE_BITS, bucket & _SIZE_MASK
        out = np.full(keys.size, -1, dtype=np.int64)
        pending = np.flatnonzero(left > 0)
        step = 0
        while pending.size:  # a pass per hash of the fullest bucket asked for (a few: the top bits spread them)
            where = at[pending] + step
            found = self.hashes[where] == keys[pending]
            out[pending[found]] = where[found]
            step += 1
            pending = pending[~found & (left[pending] > step)]
        return out


# Characters of the documents whose words are hashed in one call (a space after each): a longer
# document is a batch of its own.
_BATCH_CHARS = HASH_CHUNK_CHARS
# The same where the spans are found in the calling process (a scan's driver): its words' hashes and
# offsets take 12 bytes a character of a batch, several MB at a time for a batch of the size above.
_LOCAL_BATCH_CHARS = 1 << 16


def _batch_words(batch: list[tuple[int, Document]], masks: Mapping[str, Sequence[Span]]) -> tuple[np.ndarray, ...]:
    """:func:`indexed_words` of a batch of documents, one after the other:
    ``(hashes, starts, ends, owner, base)``, ``owner`` the batch position of
    each word's document. ASCII texts without masks are hashed in one call,
    their offsets left where they are in the texts joined: a word's offset
    in its own text is its offset less ``base`` of its document (a batch's
    spans need a few of them, not all of its words')."""
    fast = [b for b, (_, doc) in enumerate(batch) if not masks.get(doc.id) and doc.text.isascii()]
    texts = [batch[b][1].text for b in fast]
    bases = np.cumsum([0] + [len(t) + 1 for t in texts])[:-1]
    hashes, starts, ends = token_hash_spans(" ".join(texts).lower())
    # the words of each text, in order: where each text's first word is, looked up once a text, not once a word
    words_of = np.diff(np.searchsorted(starts, bases), append=starts.size)
    base = np.zeros(len(batch), dtype=np.int64)
    base[fast] = bases
    columns = [(hashes, starts, ends, np.repeat(np.array(fast, dtype=np.int64), words_of))]
    for b in sorted(set(range(len(batch))) - set(fast)):
        doc = batch[b][1]
        words, first, last = indexed_words(doc, masks.get(doc.id))
        columns.append((words, first, last, np.full(words.size, b, dtype=np.int64)))
    if len(columns) == 1:
        return (*columns[0], base)
    return (*(np.concatenate(column) for column in zip(*columns)), base)


def document_group_position_sorted(
    document: np.ndarray, group: np.ndarray, position: np.ndarray, n_documents: int, n_groups: int, n_positions: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The triples ``(document, group, position)`` sorted by document, then
    group, then position (each non-negative and below its ``n_``): one sort
    of the three packed in an int64 where they fit, a few times faster than
    ``np.lexsort`` of the three columns.

    Returns:
        ``(document, group, position)``, sorted.
    """
    group_bits, position_bits = int(n_groups).bit_length(), int(n_positions).bit_length()
    if int(n_documents).bit_length() + group_bits + position_bits > 63:
        order = np.lexsort((position, group, document))
        return document[order], group[order], position[order]
    packed = (document.astype(np.int64) << (group_bits + position_bits)) | (group.astype(np.int64) << position_bits) | position
    packed.sort()
    return packed >> (group_bits + position_bits), (packed >> position_bits) & ((1 << group_bits) - 1), packed & ((1 << position_bits) - 1)


def _batch_spans(
    batch: list[tuple[int, Document]], table: "HashTable", group_of: np.ndarray, settings: PassageSettings,
    masks: Mapping[str, Sequence[Span]], text_chars: int, out: _RunFindings,
) -> None:
    """The spans of the groups (``table`` of their hashes, and the group of
    each hash) in a batch of their documents, added to ``out``."""
    n = settings.index_ngram
    words, starts, ends, owner, base = _batch_words(batch, masks)
    if words.size < n or table.hashes.size == 0:
        return
    grams = shingle_hashes_from_tokens(words, n)
    position = np.flatnonzero((owner[: grams.size] == owner[n - 1 : n - 1 + grams.size]) & sampled(grams, settings.index_sample))
    held = np.bincount(owner[position], minlength=len(batch))
    at = table.find(grams[position])
    hit = at >= 0
    position, group = position[hit], group_of[at[hit]]
    doc_at, group, position = document_group_position_sorted(owner[position], group, position, len(batch), out.texted.size, words.size)
    new = np.ones(group.size, dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (doc_at[1:] != doc_at[:-1]) | (position[1:] - position[:-1] > settings.anchor_window)
    begins = np.flatnonzero(new)
    if begins.size == 0:
        return
    last = position[np.append(begins[1:], position.size) - 1]  # positions ascend within a run
    found = np.diff(np.append(begins, position.size))
    # a member: the runs of one document in one group (consecutive in the sort)
    run_doc, run_group = doc_at[begins], group[begins]
    head = np.ones(begins.size, dtype=bool)
    head[1:] = (run_doc[1:] != run_doc[:-1]) | (run_group[1:] != run_group[:-1])
    heads = np.flatnonzero(head)
    member_doc = run_doc[heads]
    chars = np.array([unmasked_chars(doc, masks) for _, doc in batch], dtype=np.int64)[member_doc]
    shares = fingerprint_share(np.add.reduceat(found, heads), held[member_doc], settings)
    estimated = np.rint(shares * chars).astype(np.int64)
    run_base = base[run_doc]
    span_bounds = np.stack((starts[position[begins]] - run_base, ends[last + n - 1] - run_base), axis=1).astype(np.int64, copy=False)
    covered = np.add.reduceat(span_bounds[:, 1] - span_bounds[:, 0], heads)
    member_group = run_group[heads]
    span_counts = np.diff(np.append(heads, begins.size))
    documents = np.fromiter((k for k, _ in batch), dtype=np.int64, count=len(batch))
    out.columns.append((member_group, documents[member_doc], estimated, covered, span_counts, span_bounds))
    # documents come in corpus order: a group's first entry is in its first document
    groups, first = np.unique(member_group, return_index=True)
    untexted = ~out.texted[groups]
    groups, first = groups[untexted], first[untexted]
    out.texted[groups] = True
    text_bounds = span_bounds[heads[first]].tolist()
    for g, b, (start, end) in zip(groups.tolist(), member_doc[first].tolist(), text_bounds):
        out.texts[g] = batch[b][1].text[start : min(end, start + text_chars)]
