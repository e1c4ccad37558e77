"""Text as the other stages see it.

In: a document's raw text. Out: normalised text with offsets back to the
original, word tokens and their hashes, shingles, sampled n-gram
fingerprints, sentences with their spans, quotation masks, TF-IDF sentence
vectors and exact set similarities.
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "ngrams": [
            "word_hashes",
            "ngram_hashes",
            "sampled",
            "sampled_ngrams",
            "by_hash",
        ],
        "normalize": [
            "TOKEN_PATTERN",
            "fold_text",
            "normalize_text",
            "normalize_ascii",
            "NormalizedText",
            "normalize_with_offsets",
            "tokenize",
            "token_spans",
        ],
        "quotes": [
            "quoted_mask",
        ],
        "sentences": [
            "MAX_SENTENCE_TOKENS",
            "sentence_spans",
            "PreparedText",
            "prepare_text",
            "masked_windows",
        ],
        "shingles": [
            "mix64",
            "token_hash",
            "shingle_hash",
            "shingle_hash32",
            "fold32",
            "char_classes",
            "token_bounds",
            "token_hash_array",
            "token_hash_spans",
            "batch_token_hashes",
            "token_hashes",
            "shingle_hashes_from_tokens",
            "shingle_hashes",
            "ShingleBatch",
            "shingle_batch",
            "batch_tokens",
            "shingles_of_tokens",
            "reference_shingles",
        ],
        "similarity": [
            "overlap",
            "jaccard",
            "containment",
            "shingle_set",
            "set_similarity",
            "document_similarity",
        ],
        "vectors": [
            "N_FEATURES",
            "sentence_counts",
            "SentenceVectors",
            "sentence_vectors",
            "cosine_vectors",
            "cosine_matrix",
        ],
    },
)
