"""dedup: find duplicate, rewritten and boilerplate text in corpora."""

from dedup.config import ConfigError, Settings, load_settings
from dedup.document import Document, Span
from dedup.io.corpus import CorpusReader, InputProblem, read_corpus
from dedup.results import ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.scan import scan_corpus, scan_documents
from dedup.text.normalize import NormalizedText, normalize_text, normalize_with_offsets, tokenize
from dedup.version import __version__

# The passage and boilerplate modules pull in scikit-learn and SciPy (about
# 0.3 s); they load on first use, so a document-level scan never pays for them.
_LAZY = {
    "Alignment": "dedup.passages.align",
    "Passage": "dedup.passages.align",
    "align_documents": "dedup.passages.align",
    "PassagePair": "dedup.passages.pairs",
    "find_passage_pairs": "dedup.passages.pairs",
    "BoilerplateSpan": "dedup.boilerplate.detect",
    "find_boilerplate": "dedup.boilerplate.detect",
    "RepeatedBlock": "dedup.boilerplate.repeats",
    "corpus_repeats": "dedup.boilerplate.repeats",
    "Diff": "dedup.diff",
    "diff_documents": "dedup.diff",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "Alignment",
    "BoilerplateSpan",
    "Diff",
    "Passage",
    "PassagePair",
    "RepeatedBlock",
    "align_documents",
    "corpus_repeats",
    "diff_documents",
    "find_boilerplate",
    "find_passage_pairs",
    "scan_corpus",
    "ClusterResult",
    "ConfigError",
    "CorpusReader",
    "Document",
    "DocumentResult",
    "InputProblem",
    "NormalizedText",
    "PairResult",
    "ScanResult",
    "Settings",
    "Span",
    "__version__",
    "load_settings",
    "normalize_text",
    "normalize_with_offsets",
    "read_corpus",
    "scan_documents",
    "tokenize",
]
