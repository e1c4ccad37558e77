"""The terminal tables on the sample corpus, drawn by rich at several widths:
document ids stay whole on one line (cut with … and a note when they cannot
fit, never folded), and the composition bars keep their characters in colour."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from dedup.boilerplate.detect import boilerplate_report
from dedup.config import Settings
from dedup.io.corpus import read_corpus
from dedup.scan import scan_corpus
from dedup.views.boilerplate_view import render_boilerplate
from dedup.views.fit import CUT_NOTE, KeepIdsWhole
from dedup.views.scan_view import BAR_PARTS, BAR_WIDTH, composition_bar, render_scan

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
IDS = sorted(p.name for p in CORPUS.glob("*.txt"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@lru_cache(maxsize=None)
def _scan():
    return scan_corpus([CORPUS], Settings(jobs=1))


@lru_cache(maxsize=None)
def _boilerplate():
    docs, _ = read_corpus([CORPUS])
    found, repeats = boilerplate_report(docs, Settings(jobs=1))
    return docs, found, repeats


def _draw(draw, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=color, color_system="truecolor" if color else None, no_color=not color, highlight=False)
    draw(console)
    return out.getvalue()


def _scan_view(width: int, color: bool = False) -> str:
    return _draw(lambda console: render_scan(_scan(), console), width, color)


def _boilerplate_view(width: int, color: bool = False) -> str:
    docs, found, repeats = _boilerplate()
    return _draw(lambda console: render_boilerplate(console, docs, found, repeats), width, color)


def _lines_holding_part_of(text: str, doc_id: str) -> list[str]:
    """Lines with the start or the end of ``doc_id`` in them."""
    head, tail = doc_id[:8], doc_id[-8:]
    return [line for line in ANSI.sub("", text).splitlines() if head in line or tail in line]


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("width", [80, 100, 200])
def test_scan_tables_keep_every_id_whole_on_one_line(width: int, color: bool) -> None:
    shown = _scan_view(width, color)
    for section in ("Pairs", "Composition of each document", "Boilerplate (left out"):
        assert section in shown
    for doc_id in IDS:
        lines = _lines_holding_part_of(shown, doc_id)
        assert lines, doc_id
        for line in lines:
            assert doc_id in line, f"{doc_id} broken at {width} columns: {line!r}"
    assert CUT_NOTE not in shown


@pytest.mark.parametrize("width", [100, 200])
def test_boilerplate_view_keeps_every_id_whole_on_one_line(width: int) -> None:
    shown = _boilerplate_view(width)
    assert "Boilerplate per document" in shown
    for doc_id in IDS:
        lines = _lines_holding_part_of(shown, doc_id)
        assert lines, doc_id
        assert all(doc_id in line for line in lines), (width, doc_id, lines)


@pytest.mark.parametrize("view, width", [(_scan_view, 50), (_boilerplate_view, 80), (_boilerplate_view, 60)])
def test_an_id_that_cannot_fit_is_cut_with_an_ellipsis_never_folded(view, width: int) -> None:
    shown = view(width)
    assert " ".join(CUT_NOTE.split()) in " ".join(shown.split())
    plain = ANSI.sub("", shown)
    for doc_id in IDS:
        for line in plain.splitlines():
            if doc_id[-8:] in line:  # the end of an id only with its start: never folded
                assert doc_id in line, (width, doc_id, line)
    # the start of an id, and the ellipsis right after it
    assert re.search(r"\b00\d_?[0-9a-f_.tx]*…", plain)


def test_other_columns_wrap_before_an_id_is_cut() -> None:
    table = Table()
    table.add_column("document", overflow="ellipsis")
    table.add_column("text")
    long_id = "2026/politics/abcdef0123456789.html"
    table.add_row(long_id, "several words of text that can wrap " * 3)
    out = _draw(lambda console: console.print(KeepIdsWhole(table, {0: len(long_id)})), 60, False)
    assert long_id in out and CUT_NOTE not in out
    narrow = _draw(lambda console: console.print(KeepIdsWhole(table, {0: len(long_id)})), 30, False)
    assert long_id not in narrow and "2026/politics/" in narrow and "…" in narrow
    assert "0123456789.html" not in narrow  # never folded onto the next line
    # drawn by rich alone, the same table folds the id
    folded = Table()
    folded.add_column("document", overflow="fold")
    folded.add_column("text")
    folded.add_row(long_id, "several words of text that can wrap " * 3)
    assert long_id not in _draw(lambda console: console.print(folded), 60, False)


def test_a_table_that_fits_is_drawn_as_rich_draws_it() -> None:
    table = Table()
    table.add_column("document", overflow="ellipsis")
    table.add_column("text")
    table.add_row("a.txt", "short")
    assert _draw(lambda c: c.print(KeepIdsWhole(table, {0: 5})), 80, False) == _draw(lambda c: c.print(table), 80, False)


COMPOSITION = {"original": 0.25, "shared_as_source": 0.25, "shared_undetermined": 0.2, "shared_as_copy": 0.2, "boilerplate": 0.1}


def test_coloured_bars_keep_each_part_in_its_own_character() -> None:
    plain, coloured = composition_bar(COMPOSITION, plain=True), composition_bar(COMPOSITION, plain=False)
    assert coloured.plain == plain.plain == "·····SSSSS????CCCC##"
    assert len(coloured.plain) == BAR_WIDTH
    for _, _, char, style in BAR_PARTS:
        assert any(str(span.style) == style and set(coloured.plain[span.start : span.end]) == {char} for span in coloured.spans), char


@pytest.mark.parametrize("width", [80, 100, 200])
def test_the_coloured_scan_view_draws_characters_in_the_palette(width: int) -> None:
    shown = _scan_view(width, color=True)
    assert "█" not in shown
    # the report's Okabe and Ito colours behind the characters (truecolor)
    assert re.search(r"\x1b\[[0-9;]*48;2;0;114;178m[S]+\x1b", shown)  # as source: blue
    assert re.search(r"\x1b\[[0-9;]*48;2;230;159;0m[C]+\x1b", shown)  # as copy: orange
    assert re.search(r"\x1b\[[0-9;]*48;2;89;89;89m[#]+\x1b", shown)  # boilerplate: grey
    # original text: dim dots on no colour, the lightest part of the bar
    assert re.search(r"\x1b\[2m·+\x1b", shown)
    legend = ANSI.sub("", shown)
    assert "· original  S shared, as source  ? shared, direction undetermined  C shared, as" in legend


def test_original_text_is_the_lightest_part() -> None:
    styles = {field: style for field, _, _, style in BAR_PARTS}
    assert styles["original"] == "dim"
    for field, style in styles.items():
        if field != "original":
            assert " on #" in style, f"{field} has no colour behind its character"


def test_cluster_ids_stay_whole_at_80_columns() -> None:
    from conftest import synthetic_text

    from dedup.document import Document
    from dedup.scan import scan_documents

    ids = {f"2026/politics/world/{k}-{copy}-0123456789abcdef0123.txt": k for k in range(2) for copy in "ab"}
    docs = [Document(id=doc_id, text=synthetic_text(k)) for doc_id, k in ids.items()]
    result = scan_documents(docs, Settings())
    assert result.clusters
    shown = _draw(lambda console: render_scan(result, console), 80, False)
    clusters = shown.split("Clusters", 1)[1]
    for doc_id in ids:
        assert doc_id in shown
        for line in clusters.splitlines():
            if "abcdef0123.txt" in line:
                assert "2026/politics/" in line, line
