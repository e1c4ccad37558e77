"""dedup: find duplicate, rewritten and boilerplate text in corpora."""

__version__ = "0.1.0"

from dedup.config import ConfigError, Settings, load_settings
from dedup.corpus import CorpusReader, InputProblem, read_corpus
from dedup.document import Document, Span
from dedup.normalize import NormalizedText, normalize_text, normalize_with_offsets, tokenize
from dedup.results import ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.scan import scan_corpus, scan_documents
from dedup.align import Alignment, Passage, align_documents
from dedup.passages import PassagePair, find_passage_pairs
from dedup.boilerplate import BoilerplateSpan, find_boilerplate
from dedup.repeats import RepeatedBlock, corpus_repeats
from dedup.diff import Diff, diff_documents

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
