"""The passage stage's settings (``[dedup.passages]``)."""

from __future__ import annotations

from dataclasses import dataclass

from dedup.config.checks import ConfigError, check_counts, check_shares


@dataclass(frozen=True)
class PassageSettings:
    """Passage reuse: finding and aligning shared passages between documents.

    Attributes:
        enabled: Look for shared passages in ``dedup scan``.
        verbatim_ngram: Tokens per seed of a verbatim match.
        verbatim_gap: Tokens that may differ inside one near-verbatim passage.
        min_verbatim_tokens: Shortest verbatim passage reported, in tokens.
        sentence_threshold: Cosine (character n-gram TF-IDF) at which two
            sentences are taken to say the same thing.
        context_threshold: Lower cosine accepted for a sentence pair next to
            an aligned pair (a rewrite keeps the order of its source).
        sentence_gap: Sentences that may be skipped inside one passage.
        min_passage_chars: Shortest reworded passage reported, in characters
            (on each side).
        index_ngram: Tokens per fingerprint in the corpus-wide index.
        index_sample: Keep one fingerprint in this many (by hash value).
        index_max_docs: A fingerprint found in more documents than this is
            too common to propose a pair.
        min_shared_fingerprints: Sampled fingerprints two documents must
            share to be aligned.
        anchor_window: Words taken on each side of a shared fingerprint
            (its context) when a candidate pair is checked before alignment.
        min_anchor_overlap: Share of the distinct words of the smaller
            context found in the other that at least one shared fingerprint
            must reach for a candidate pair to be aligned (two documents
            that share a passage share the words around its n-grams; two
            that use the same stock phrase do not); 0 aligns every candidate.
        max_partners: Candidate partners reported per document: a pair is
            kept when either document ranks the other among its
            ``max_partners`` strongest by shared fingerprints; the others are
            counted (``passage_candidates_unaligned``) and not reported.
            0 (the default) keeps every candidate.
        align_partners: Candidate partners aligned per document, ranked as
            for ``max_partners``: a pair is aligned when either document ranks
            the other among its ``align_partners`` strongest, so the stage's
            alignments grow with the documents, not with the pairs popular
            text makes. Every other candidate kept is reported from the
            index's figures (``aligned: false``, estimated shares, no
            passages) when they pass the floors. 0 aligns every candidate.
        align_share: A candidate whose estimated share of either document
            (from the fingerprints, as for the pairs reported without an
            alignment) reaches this is aligned whatever its rank: near
            copies keep their spans and labels; the many partners popular
            sentences make share a few per cent.
        max_pair_matches: Exact verbatim runs, and sentence pairs at or above
            ``context_threshold``, kept at most per pair (of documents or of
            their ``max_chars`` parts): the longest runs and best pairs; a
            capped pair is marked ``matches_capped`` and the scan warns; 0: no cap.
        min_shared_chars: Shared characters (on the smaller side) below
            which a pair is not reported.
        min_shared_share: Share of the smaller document that must be shared
            for a pair to be reported.
        min_aligned_sentences: Aligned sentence pairs a pair needs when it has
            no verbatim passage of ``min_verbatim_tokens``.
        near_duplicate_share: Share of both documents, mostly verbatim, from
            which a pair is a near duplicate.
        verbatim_floor_chars: A verbatim passage (outside shared quotations)
            this long makes a pair a partial copy however small a share of
            either document it is.
        short_story_share: Share of both documents, outside shared
            quotations, from which a pair with fewer than
            ``min_aligned_sentences`` aligned sentences is still a rewrite
            (a short story told again in one or two sentences).
        dense_verbatim_score: In scripts written without spaces (a token is
            a character), the share of a near-verbatim passage's characters
            that must lie in exact runs for it to count as verbatim in a
            label; below it the passage is a rewording and counts as reworded.
        classifier_threshold: Where the rules find no relation but a pair
            shares passages of ``min_shared_chars``, the probability of the
            related classes together at which the shipped pair classifier
            calls it related (above 1: never).
        wholly_share: Coverage from which a side is ``wholly`` derived
            (COUNTER/METER ``extent``); below it, a related side is ``partially``.
        group_min_docs: Documents that must hold the same verbatim text
            (the same sampled fingerprints) for it to be a shared-passage
            group, reported once with its documents; a pair whose shared
            text lies wholly in groups, below ``align_share``, is reported
            through them only. 0: no groups (every such pair reported).
    """

    enabled: bool = True
    verbatim_ngram: int = 4
    verbatim_gap: int = 6
    min_verbatim_tokens: int = 8
    sentence_threshold: float = 0.5
    context_threshold: float = 0.3
    sentence_gap: int = 2
    min_passage_chars: int = 60
    index_ngram: int = 4
    index_sample: int = 3
    index_max_docs: int = 50
    min_shared_fingerprints: int = 2
    anchor_window: int = 20
    min_anchor_overlap: float = 0.3
    max_partners: int = 0
    align_partners: int = 1
    align_share: float = 0.2
    max_pair_matches: int = 200_000
    min_shared_chars: int = 100
    min_shared_share: float = 0.05
    min_aligned_sentences: int = 3
    near_duplicate_share: float = 0.8
    verbatim_floor_chars: int = 300
    short_story_share: float = 0.5
    dense_verbatim_score: float = 0.9
    classifier_threshold: float = 0.5
    wholly_share: float = 0.8
    group_min_docs: int = 3

    def __post_init__(self) -> None:
        check_counts(self, "passages", ("verbatim_ngram", "min_verbatim_tokens", "index_ngram", "index_sample", "index_max_docs", "anchor_window"))
        check_shares(self, "passages", ("sentence_threshold", "context_threshold", "min_shared_share", "near_duplicate_share", "min_anchor_overlap", "short_story_share", "wholly_share", "align_share", "dense_verbatim_score"))
        if self.context_threshold > self.sentence_threshold:
            raise ConfigError("passages.context_threshold must not exceed passages.sentence_threshold")
        if self.max_partners < 0:
            raise ConfigError(f"passages.max_partners must be 0 (every candidate) or more, got {self.max_partners}")
        if self.align_partners < 0:
            raise ConfigError(f"passages.align_partners must be 0 (every candidate) or more, got {self.align_partners}")
        if self.group_min_docs < 0 or self.group_min_docs in (1, 2):
            raise ConfigError(f"passages.group_min_docs must be 0 (no groups) or 3 or more, got {self.group_min_docs}")
        if self.max_pair_matches < 0:
            raise ConfigError(f"passages.max_pair_matches must be 0 (no cap) or more, got {self.max_pair_matches}")
