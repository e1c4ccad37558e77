"""Boilerplate: text that is neither reporting nor reuse.

In: documents. Out: for each document the :class:`BoilerplateSpan` s that are
boilerplate (repeated inside it or across the corpus, or classified as
sharing prompts, recirculation, comments, navigation, metadata), and the
blocks repeated across the corpus. The shipped block classifier lives in
``models/`` as JSON, with the script that trains it.
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "blocks": [
            "Block",
            "is_hard_wrapped",
            "split_text_blocks",
            "document_blocks",
        ],
        "detect": [
            "REPEAT_IN_DOCUMENT",
            "REPEAT_IN_CORPUS",
            "OTHER",
            "BoilerplateSpan",
            "document_boilerplate",
            "find_boilerplate",
            "boilerplate_report",
            "score_blocks",
            "reuse_masks",
            "kept_text",
            "summarize",
        ],
        "features": [
            "STOPWORDS",
            "BASE_FEATURES",
            "LINK_FEATURES",
            "DOM_FEATURES",
            "TEXT_FEATURES",
            "HTML_FEATURES",
            "char_table",
            "block_features",
            "documents_block_features",
        ],
        "model": [
            "MODEL_FILES",
            "BlockModel",
            "model_from_dict",
            "load_model",
            "shipped_model",
            "model_from_sklearn",
        ],
        "repeats": [
            "TEMPLATE",
            "SYNDICATION",
            "UNKNOWN",
            "RepeatedBlock",
            "RepeatIndex",
            "block_key",
            "repeat_index",
            "corpus_repeats",
        ],
        "rules": [
            "SHARING",
            "RECIRCULATION",
            "COMMENTS",
            "NAVIGATION",
            "LEGAL",
            "CAPTION",
            "METADATA",
            "ADVERTISING",
            "SECTION_KINDS",
            "SECTION_MAX_WORDS",
            "METADATA_PREFIX",
            "BYLINE",
            "block_kind",
            "section_header_kind",
            "metadata_prefix",
        ],
    },
)
