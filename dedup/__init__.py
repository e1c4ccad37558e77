"""dedup: find duplicate, rewritten and boilerplate text in corpora."""

__version__ = "0.1.0"

from dedup.config import ConfigError, Settings, load_settings
from dedup.corpus import CorpusReader, InputProblem, read_corpus
from dedup.document import Document, Span
from dedup.normalize import NormalizedText, normalize_text, normalize_with_offsets, tokenize
from dedup.results import ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.scan import scan_corpus, scan_documents

# The passage and boilerplate modules pull in scikit-learn and SciPy (about
# 0.3 s); they load on first use, so a document-level scan never pays for them.
_LAZY = {
    "Alignment": "dedup.align",
    "Passage": "dedup.align",
    "align_documents": "dedup.align",
    "PassagePair": "dedup.passages",
    "find_passage_pairs": "dedup.passages",
    "BoilerplateSpan": "dedup.boilerplate",
    "find_boilerplate": "dedup.boilerplate",
    "RepeatedBlock": "dedup.repeats",
    "corpus_repeats": "dedup.repeats",
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
