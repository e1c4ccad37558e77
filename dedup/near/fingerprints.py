"""The fingerprint stage: texts in, exact-text hashes, shingle sets and MinHash out.

Every function here is a pure function of a batch of texts and the settings,
so batches can run in worker processes (:mod:`dedup.engine.local`) in any number
without changing the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import xxhash

from dedup.config import Settings
from dedup.near.candidates import band_keys, lsh_params
from dedup.near.index_spill import by_partition
from dedup.near.shingle_store import write_batch
from dedup.near.signatures import shingle_minhash
from dedup.text.ngrams import TextFingerprints
from dedup.text.normalize import normalize_text
from dedup.text.shingles import HASH_CHUNK_CHARS, ShingleBatch, ascii_collapsed, batch_tokens, code_tokens, shingles_of_tokens

# Texts per inner step: keeps the code-point arrays and the MinHash block in
# cache (measured: about 3x faster than whole 2,000-text batches).
SUB_BATCH = 128


@dataclass
class Fingerprints:
    """Per-document hashes for a batch.

    Attributes:
        exact: ``(n, 2)`` uint64: the 128-bit hash of each normalised text.
        counts: Distinct shingles of each document.
        signatures: ``(n, num_perm)`` uint32 MinHash matrix (``None`` where
            only the band keys were kept).
        shingles: Each document's sorted unique uint64 shingle hashes
            (``shingles[k]``), when asked for; otherwise ``None``.
        spilled: The file the shingle sets were written to, if they were.
        band_keys: ``(n, bands)`` uint64 LSH band keys, if computed.
        index_hashes: The passage index's sampled word n-gram hashes of the
            batch (:func:`dedup.passages.pairs.fingerprints` without masks), when asked for.
        index_owners: The document (in the batch) of each of ``index_hashes``.
    """

    exact: np.ndarray
    counts: np.ndarray
    signatures: np.ndarray
    shingles: ShingleBatch | None = None
    spilled: str | None = None
    band_keys: np.ndarray | None = None
    index_hashes: np.ndarray | None = None
    index_owners: np.ndarray | None = None


def exact_digests(normalized: Sequence[str]) -> np.ndarray:
    """``(n, 2)`` uint64 xxh3-128 of each normalised text's UTF-8 bytes."""
    digest = xxhash.xxh3_128_digest
    raw = b"".join(digest(t.encode("utf-8")) for t in normalized)
    return np.frombuffer(raw, dtype=np.uint64).reshape(len(normalized), 2).copy()


def ascii_space(codes: np.ndarray) -> np.ndarray:
    """``str.isspace()`` of ASCII codes (what ``str.split`` and the regex ``\\s``
    split on: 9-13 and 28-32), by comparisons, faster than a table lookup."""
    return (codes == 32) | ((codes - np.uint8(9)) <= 4) | ((codes - np.uint8(28)) <= 4)


def ascii_exact_digests(lowered: Sequence[str]) -> np.ndarray:
    """:func:`exact_digests` of ``normalize_text(t)`` for lowercased ASCII texts."""
    if not lowered:
        return np.zeros((0, 2), dtype=np.uint64)
    codes, lengths = ascii_codes(lowered)
    return code_digests(codes, lengths)


def ascii_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """ASCII texts as one uint8 array, each followed by a newline, and their lengths."""
    codes = np.frombuffer(("\n".join(texts) + "\n").encode("ascii"), dtype=np.uint8)
    return codes, np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def code_digests(codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`ascii_exact_digests` of texts given as :func:`ascii_codes` gives them.

    The collapsed texts come from the compiled loop where it is built
    (one pass), else from :func:`numpy_code_digests`.
    """
    if ascii_collapsed is None or not lengths.size:
        return numpy_code_digests(codes, lengths)
    out = np.empty(codes.size, dtype=np.uint8)
    ends = np.empty(lengths.size, dtype=np.int64)
    ascii_collapsed(codes, np.ascontiguousarray(lengths, dtype=np.int64), out, ends)
    view = memoryview(out)
    digest = xxhash.xxh3_128_digest
    raw = b"".join([digest(view[a:b]) for a, b in zip([0, *ends[:-1].tolist()], ends.tolist())])
    return np.frombuffer(raw, dtype=np.uint64).reshape(lengths.size, 2).copy()


def numpy_code_digests(codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """:func:`code_digests` with numpy alone.

    The whitespace is collapsed for the whole batch at once: a whitespace
    character is kept, as a space, if it starts a run; a run at the start
    of a text is dropped (the separator before it is whitespace too), and
    one at the end is cut from the text's slice.
    """
    if not lengths.size:
        return np.zeros((0, 2), dtype=np.uint64)
    # Every text is followed by a separator, so every bound is inside the array.
    begins = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    space = ascii_space(codes)
    keep = ~space
    keep[1:] |= space[1:] & ~space[:-1]
    # Whitespace becomes a space: codes + (32 - codes) * space, in wrapping uint8.
    text = codes + (np.uint8(32) - codes) * space.view(np.uint8)
    # Kept characters per text and per separator, alternately.
    bounds = np.stack([begins, begins + lengths], axis=1).reshape(-1)
    counts = np.add.reduceat(keep.view(np.uint8), bounds, dtype=np.int64)
    counts[0::2][lengths == 0] = 0  # reduceat gives a[i], not 0, for an empty range
    ends = np.cumsum(counts)[0::2]
    starts = ends - counts[0::2]
    kept = text[keep].tobytes()
    view = memoryview(kept)
    digest = xxhash.xxh3_128_digest
    out = []
    for a, b in zip(starts.tolist(), ends.tolist()):
        if b > a and kept[b - 1] == 32:
            b -= 1
        out.append(digest(view[a:b]))
    return np.frombuffer(b"".join(out), dtype=np.uint64).reshape(lengths.size, 2).copy()


def prepare(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Exact-text digests and token-ready texts of a batch of original texts.

    ASCII texts are only lowercased (their tokens do not depend on the rest
    of normalisation) and their digests are computed together; other texts
    are normalised one by one.

    Returns:
        ``(digests, texts)``: ``(n, 2)`` uint64 and texts to shingle.
    """
    ready = [t.lower() if t.isascii() else normalize_text(t) for t in texts]
    ascii_rows = [k for k, t in enumerate(texts) if t.isascii()]
    digests = np.empty((len(texts), 2), dtype=np.uint64)
    if len(ascii_rows) == len(texts):
        digests[:] = ascii_exact_digests(ready)
        return digests, ready
    other = [k for k, t in enumerate(texts) if not t.isascii()]
    if ascii_rows:
        digests[ascii_rows] = ascii_exact_digests([ready[k] for k in ascii_rows])
    digests[other] = exact_digests([ready[k] for k in other])
    return digests, ready


def fingerprint_batch(
    texts: Sequence[str], settings: Settings, keep_shingles: bool = False, spill: tuple[str, int] | None = None, index: bool = False,
    permutations: int | None = None,
) -> Fingerprints:
    """Fingerprint a batch of original texts (a pure function of its input).

    Args:
        texts: Original document texts.
        settings: ``ngram``, ``num_perm`` and ``seed`` are used.
        keep_shingles: Also return the shingle sets (memory grows with the batch).
        spill: ``(folder, batch number)``: write the shingle sets there
            (:mod:`dedup.near.shingle_store`) and name the file in ``spilled``.
        index: Also take the passage index's fingerprints (``settings.passages``'s
            ``index_ngram`` and ``index_sample``) from the same tokens: the
            tokens of normalised text are those of the folded text the
            index reads.
        permutations: Only the first this many MinHash permutations (the
            signature columns LSH bands read); all ``num_perm`` by default.

    Returns:
        The batch's :class:`Fingerprints`.
    """
    exact, sigs, parts = [], [], []
    # Room for every word at once (pages never written cost nothing), not grown batch by batch.
    words_at_most = sum(map(len, texts)) + len(texts) if index else 0
    grams = TextFingerprints(settings.passages.index_ngram, settings.passages.index_sample, words_at_most) if index else None
    for i in range(0, len(texts), SUB_BATCH):
        digests, tokens, first = prepare_tokens(texts[i : i + SUB_BATCH])
        exact.append(digests)
        batch = shingles_of_tokens(tokens, first, settings.ngram)
        if grams is not None:
            grams.add(tokens, first, i)
        sigs.append(shingle_minhash(batch.hashes, batch.offsets, settings.num_perm, settings.seed, permutations))
        parts.append(batch)
    return Fingerprints(
        exact=np.concatenate(exact) if exact else np.zeros((0, 2), dtype=np.uint64),
        counts=np.concatenate([p.counts for p in parts]) if parts else np.zeros(0, dtype=np.int64),
        signatures=np.concatenate(sigs) if sigs else np.zeros((0, permutations or settings.num_perm), dtype=np.uint32),
        shingles=_join(parts) if keep_shingles else None,
        # spilled, the parts are written one after the other: joining them would copy every set once more
        spilled=write_batch(spill[0], spill[1], parts) if spill else None,
        index_hashes=grams.hashes if grams is not None else None,
        index_owners=grams.owners if grams is not None else None,
    )


def prepare_tokens(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact-text digests and the tokens of a few original texts.

    When they are all ASCII (and not too long to hash at once) both come
    from one lowercased code array of the batch, made once instead of once
    for each; otherwise from :func:`prepare` and
    :func:`~dedup.text.shingles.batch_tokens`.

    Args:
        texts: Original document texts.

    Returns:
        ``(digests, hashes, first)``: ``(n, 2)`` uint64 exact-text digests,
        the uint64 token hashes, and where each text's tokens begin (as
        :func:`~dedup.text.shingles.batch_tokens` gives them).
    """
    if texts:
        joined = "\n".join(texts) + "\n"
        if len(joined) <= HASH_CHUNK_CHARS and joined.isascii():
            codes = np.frombuffer(joined.encode("ascii").lower(), dtype=np.uint8)
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            return code_digests(codes, lengths), *code_tokens(codes, lengths)
    digests, ready = prepare(texts)
    return digests, *batch_tokens(ready)


def fingerprint_job(job: tuple[int, list[str]], settings: Settings, folder: str | None) -> Fingerprints:
    """What the scan needs of a numbered batch: its shingle sets spilled to
    ``folder`` (kept in ``shingles`` when it is ``None``), and in place of
    the signatures their LSH band keys (``bands * 8`` bytes a document
    instead of ``num_perm * 4``); the passage index's fingerprints, when
    passages are enabled, ordered by partition of the spilled index."""
    batch_no, texts = job
    spill = (folder, batch_no) if folder is not None else None
    bands, rows = lsh_params(settings.candidate_threshold, settings.num_perm)
    # The band keys read bands * rows columns (126 of 128 by default): the rest are never computed.
    fp = fingerprint_batch(texts, settings, keep_shingles=spill is None, spill=spill, index=settings.passages.enabled, permutations=bands * rows)
    fp.band_keys = band_keys(fp.signatures, bands, rows)
    fp.signatures = None
    if fp.index_hashes is not None:
        fp.index_hashes, fp.index_owners = by_partition(fp.index_hashes, fp.index_owners)
    return fp


def _join(parts: list[ShingleBatch]) -> ShingleBatch:
    if not parts:
        return ShingleBatch(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))
    if len(parts) == 1:
        return parts[0]
    shift = np.cumsum([0] + [p.hashes.size for p in parts[:-1]])
    offsets = np.concatenate([parts[0].offsets[:1]] + [p.offsets[1:] + s for p, s in zip(parts, shift)])
    return ShingleBatch(np.concatenate([p.hashes for p in parts]), offsets)


def join_fingerprints(parts: list[Fingerprints], num_perm: int) -> Fingerprints:
    """Concatenate the fingerprints of consecutive batches."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Fingerprints(np.zeros((0, 2), dtype=np.uint64), empty, np.zeros((0, num_perm), dtype=np.uint32))

    def join(attr: str):
        values = [getattr(p, attr) for p in parts]
        return None if any(v is None for v in values) else np.concatenate(values)

    shingles = None
    if all(p.shingles is not None for p in parts):
        shingles = _join([p.shingles for p in parts])
    index_owners = None
    if all(p.index_owners is not None for p in parts):
        shift = np.cumsum([0] + [p.counts.size for p in parts[:-1]])
        index_owners = np.concatenate([p.index_owners + s for p, s in zip(parts, shift)])
    return Fingerprints(
        exact=join("exact"),
        counts=join("counts"),
        signatures=join("signatures"),
        shingles=shingles,
        band_keys=join("band_keys"),
        index_hashes=join("index_hashes"),
        index_owners=index_owners,
    )


def job_size(job: tuple[int, list[str]]) -> int:
    """Documents in a numbered batch (for :class:`~dedup.engine.FaultBarrier`)."""
    return len(job[1])


def blank_texts(job: tuple[int, list[str]], positions: set[int]) -> tuple[int, list[str]]:
    """The batch with the texts at ``positions`` made empty: they keep their
    place (so every other document keeps its index) and yield no shingles."""
    number, texts = job
    return number, ["" if k in positions else text for k, text in enumerate(texts)]
