"""The scan view: a table cut at its row limit says how many rows it left out."""

from __future__ import annotations

import io

from conftest import synthetic_text
from rich.console import Console

from dedup.config import Settings
from dedup.document import Document
from dedup.scan import scan_documents
from dedup.views.scan_view import render_scan


def test_every_cut_table_says_how_many_rows_it_left_out() -> None:
    docs = [Document(id=f"{k}{copy}", text=synthetic_text(k)) for k in range(3) for copy in "ab"]
    result = scan_documents(docs, Settings())
    assert len(result.clusters) == 3
    out = io.StringIO()
    render_scan(result, Console(file=out, width=200, no_color=True), limit=1)
    shown = out.getvalue()
    assert "… and 2 more pairs" in shown
    assert "… and 2 more clusters" in shown
    assert "… and 5 more documents" in shown
    full = io.StringIO()
    render_scan(result, Console(file=full, width=200, no_color=True), limit=50)
    assert "more" not in full.getvalue()
    one_left = io.StringIO()
    render_scan(result, Console(file=one_left, width=200, no_color=True), limit=2)
    assert "… and 1 more pair " in one_left.getvalue()
    assert "… and 1 more cluster " in one_left.getvalue()


def test_the_summary_line_groups_thousands_and_counts_one_in_the_singular() -> None:
    docs = [Document(f"{k}{copy}", synthetic_text(k)) for k in range(2) for copy in "ab"]
    result = scan_documents(docs, Settings())
    result.stats.update(documents=12345, clusters=1, skipped_inputs=1)
    out = io.StringIO()
    render_scan(result, Console(file=out, width=200, no_color=True))
    assert out.getvalue().startswith("dedup scan: 12,345 documents, 2 pairs, 1 cluster, 1 input skipped (see messages above)")
