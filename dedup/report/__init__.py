"""Machine formats of a scan and its exit code.

In: a :class:`~dedup.results.ScanResult` (and, for the HTML report, the
documents or a :class:`~dedup.diff.Diff`). Out: JSON, JSONL, CSV or HTML
text, and the exit codes (0 clean, 1 findings, 2 error, 130/143
interrupted/terminated).
"""

import lazy_loader

# Loaded on first use: importing one stage never pays for another's
# dependencies (scikit-learn and SciPy load only with the stages that use them).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "formats": [
            "EXIT_OK",
            "EXIT_FINDINGS",
            "EXIT_ERROR",
            "EXIT_INTERRUPTED",
            "EXIT_BROKEN_PIPE",
            "EXIT_TERMINATED",
            "PAIR_COLUMNS",
            "to_json",
            "json_pieces",
            "report_pieces",
            "dumps_indented",
            "to_jsonl",
            "to_csv",
            "csv_cell",
            "FORMATTERS",
            "scan_exit_code",
        ],
        "html": [
            "MAX_PAIR_SECTIONS",
            "content_security_policy",
            "pair_context",
            "diff_page",
            "ScanReport",
            "render_scan_report",
            "scan_report",
        ],
    },
)
