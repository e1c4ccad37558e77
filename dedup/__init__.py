"""dedup: find duplicate, rewritten and boilerplate text in corpora."""

__version__ = "0.1.0"

from dedup.config import ConfigError, Settings, load_settings
from dedup.corpus import CorpusReader, InputProblem, read_corpus
from dedup.document import Document, Span
from dedup.normalize import NormalizedText, normalize_text, normalize_with_offsets, tokenize
from dedup.results import ClusterResult, DocumentResult, PairResult, ScanResult
from dedup.scan import scan_documents

__all__ = [
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
