"""Shared passages between documents, verbatim or reworded.

In: documents (with their boilerplate masks) and the sampled n-gram
fingerprints of :mod:`dedup.text.ngrams`. Out: candidate pairs from the
n-gram index, each aligned to character spans (:class:`Alignment`), and the
pairs worth reporting with their relation label (:class:`PassagePair`),
the same whichever document comes first; and the word-level comparison of
each passage's two sides (:func:`word_diff`).
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "align": [
            "VERBATIM",
            "REWORDED",
            "Passage",
            "SentencePair",
            "Alignment",
            "Prepared",
            "prepare",
            "select_sentence_pairs",
            "FAST_PATH_SHARE",
            "align_prepared",
            "whole_document_stats",
            "align_documents",
        ],
        "index": [
            "Anchors",
            "distinct",
            "anchors",
            "word_anchors",
            "context_overlap",
            "candidate_pairs",
        ],
        "pairs": [
            "PassagePair",
            "ANCHORS_ENOUGH",
            "fingerprints",
            "candidate_pairs",
            "verify_pairs",
            "verify_pairs_pooled",
            "find_passage_pairs",
        ],
        "pair_model": [
            "FEATURES",
            "PairModel",
            "pair_features",
            "shipped_model",
            "label_pair",
        ],
        "relations": [
            "SideMeasure",
            "measure_side",
            "evidence",
            "classify",
            "extent",
            "pair_fields",
            "mirror",
            "align_symmetric",
            "align_documents_symmetric",
            "verbatim_share",
        ],
        "verbatim": [
            "TokenMatch",
            "SeedTable",
            "seed_table",
            "seed_pairs",
            "exact_runs",
            "split_runs",
            "capped_verbatim_matches",
        ],
        "words": [
            "SHARED_QUOTATION",
            "ALTERED_QUOTATION",
            "CHANGED",
            "EDITED",
            "SEGMENT_KINDS",
            "Words",
            "words_of",
            "Segment",
            "PassageWords",
            "WordDiff",
            "same_quotation",
            "word_diff",
        ],
    },
)
