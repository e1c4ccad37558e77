"""Reading corpora, writing them back, and writing results files.

In: paths (folders of .txt/.md/.html files, JSONL and Parquet files, ``-``
for standard input; JSONL and text gzip/bzip2/xz/zstd-compressed). Out:
:class:`~dedup.document.Document` objects in a stable order, and a bounded
:class:`ProblemLog` of everything that could not be read or was repaired.
:mod:`dedup.io.writers` writes kept documents back in the format they came in;
results are written to a file atomically (:func:`write_atomic`), or piece by
piece as they are produced (:func:`write_pieces`).
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "corpus": [
            "TEXT_SUFFIXES",
            "HTML_SUFFIXES",
            "JSONL_SUFFIXES",
            "PARQUET_SUFFIXES",
            "METADATA_FIELDS",
            "CorpusReader",
            "read_corpus",
        ],
        "decoding": ["decode_text", "check_encoding"],
        "files": ["COMPRESSION_SUFFIXES", "open_input", "format_suffix"],
        "problems": ["InputProblem", "ProblemLog", "problem_records", "problem_stats", "omitted_message"],
        "records": ["RecordFields", "field_value", "with_field"],
        "wording": ["count_of"],
        "writers": ["UnsafePathError", "OutputExistsError", "OutputFolder", "safe_relative_path", "rewrite_jsonl", "rewrite_parquet", "atomic_text_file", "write_pieces"],
        "html": [
            "BLOCK_TAGS",
            "SKIP_TAGS",
            "DOM_FLAGS",
            "decode_html",
            "html_blocks",
            "document_from_html",
        ],
        "output": ["write_atomic"],
    },
)
