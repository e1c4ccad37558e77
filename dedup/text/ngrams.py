"""Word n-gram hashes of many texts at once, and the sampled ones kept as fingerprints.

Words and their hashes are those of :mod:`dedup.text.shingles` (whole-array,
the tokens of :func:`dedup.text.normalize.tokenize`), computed for a batch of
texts at once; an n-gram never spans two texts. The document-level stage
takes the passage fingerprints here in the same pass as its shingles; the
passage index (:mod:`dedup.passages.index`) pairs them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from dedup.text.shingles import batch_token_hashes, compiled_loop, shingle_hashes_from_tokens

_sampled_ngrams = compiled_loop("sampled_ngrams")
_sort_by_hash = compiled_loop("sort_by_hash")


def word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the words of many normalised texts.

    Returns:
        ``(hashes, owners)``: uint64 hash of each word in text order, and the
        index of the text it belongs to.
    """
    return batch_token_hashes(texts)


def ngram_hashes(word: np.ndarray, owners: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every ``n`` consecutive words that belong to one text.

    Returns:
        ``(hashes, owners)`` of the n-grams.
    """
    count = word.size - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    out = shingle_hashes_from_tokens(word, n)
    same = owners[:count] == owners[n - 1 :]
    return out[same], owners[:count][same]


def sampled(hashes: np.ndarray, sample: int) -> np.ndarray:
    """Which n-gram hashes are fingerprints: one in ``sample``, chosen by hash value."""
    return (hashes >> np.uint64(23)) % np.uint64(sample) == 0


def sampled_ngrams(word: np.ndarray, owners: np.ndarray, n: int, sample: int) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints of many texts: their :func:`ngram_hashes` kept by :func:`sampled`.

    Returns:
        ``(hashes, owners)`` of the sampled n-grams, in text order.
    """
    hashes, owners = ngram_hashes(word, owners, n)
    keep = sampled(hashes, sample)
    return hashes[keep], owners[keep]


class TextFingerprints:
    """:func:`sampled_ngrams` of batch after batch of texts, gathered in one
    pair of arrays that grows (by doubling) as they come.

    The compiled loop, where it is built, takes the n-grams of a batch in
    one pass and writes the sampled ones at the end of the arrays: numpy's
    n-gram hashes, sample test and owners are arrays as long as the words,
    most of them dropped, and one more copy of the rest for each batch.

    Args:
        n: Words per n-gram.
        sample: As for :func:`sampled`.
        room: Fingerprints to make room for at once (the words of the texts
            to come, when known: the arrays then never grow).

    Examples:
        >>> from dedup.text.shingles import batch_tokens
        >>> found = TextFingerprints(2, 1)
        >>> found.add(*batch_tokens(["one two three", "four"]), base=0)
        >>> found.owners.tolist()
        [0, 0]
    """

    def __init__(self, n: int, sample: int, room: int = 0) -> None:
        self.n, self.sample = n, sample
        self._hashes, self._owners = np.empty(room, dtype=np.uint64), np.empty(room, dtype=np.int64)
        self._count = 0

    def add(self, word: np.ndarray, first: np.ndarray, base: int) -> None:
        """Append the fingerprints of some texts.

        Args:
            word: uint64 word hashes of the texts, in text order.
            first: int64, one more than the texts: text ``k`` holds ``word[first[k]:first[k + 1]]``.
            base: The number of the first text (owners are ``base + k``).
        """
        first = np.ascontiguousarray(first, dtype=np.int64)
        if _sampled_ngrams is None:
            owners = np.repeat(np.arange(base, base + first.size - 1, dtype=np.int64), np.diff(first))
            hashes, owners = sampled_ngrams(word[first[0] : first[-1]] if first.size else word[:0], owners, self.n, self.sample)
            self._room(hashes.size)
            self._hashes[self._count : self._count + hashes.size] = hashes
            self._owners[self._count : self._count + hashes.size] = owners
            self._count += hashes.size
            return
        # The loop writes up to one item per word past the count.
        self._room(word.size)
        hashes, owners = self._hashes[self._count :], self._owners[self._count :]
        self._count += _sampled_ngrams(np.ascontiguousarray(word, dtype=np.uint64), first, int(self.n), int(self.sample), int(base), hashes, owners)

    def _room(self, more: int) -> None:
        if self._count + more > self._hashes.size:
            size = max(2 * self._hashes.size, self._count + more, 1 << 12)
            for name in ("_hashes", "_owners"):
                old = getattr(self, name)
                grown = np.empty(size, dtype=old.dtype)
                grown[: self._count] = old[: self._count]
                setattr(self, name, grown)

    @property
    def hashes(self) -> np.ndarray:
        """The uint64 fingerprints, in text order (a view of the arrays)."""
        return self._hashes[: self._count]

    @property
    def owners(self) -> np.ndarray:
        """The int64 text of each fingerprint (a view of the arrays)."""
        return self._owners[: self._count]


def by_hash(hashes: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints ordered by hash, those of one hash in the order given
    (a stable sort; the compiled one, where built, counts the top bits and
    sorts the few fingerprints of each bucket). :func:`dedup.passages.index.candidate_pairs`
    of hashes that come in such runs (one per batch, say) sorts them much faster."""
    if _sort_by_hash is None:
        order = np.argsort(hashes, kind="stable")
        return hashes[order], owners[order]
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    owners = np.ascontiguousarray(owners, dtype=np.int64)
    ordered, holders = np.empty_like(hashes), np.empty_like(owners)
    _sort_by_hash(hashes, owners, ordered, holders)
    return ordered, holders
