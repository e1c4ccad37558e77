"""Terminal rendering of boilerplate findings (``dedup boilerplate``) with rich."""

from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dedup.boilerplate.detect import BoilerplateSpan
from dedup.boilerplate.repeats import RepeatedBlock
from dedup.document import Document
from dedup.views.fit import KeepIdsWhole, longest_id
from dedup.views.safe import line_text, visible_line

KIND_STYLES = {
    "repeat_in_document": "magenta",
    "repeat_in_corpus": "cyan",
    "sharing": "yellow",
    "recirculation": "yellow",
    "comments": "blue",
    "navigation": "bright_black",
    "legal": "red",
    "caption": "green",
    "metadata": "bright_black",
}


def _snippet(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def repeats_table(repeats: Sequence[RepeatedBlock], limit: int) -> KeepIdsWhole:
    """The repeated blocks, most widespread first."""
    table = Table(title=f"Blocks repeated across the corpus ({len(repeats)})", title_justify="left")
    table.add_column("docs", justify="right")
    table.add_column("times", justify="right")
    table.add_column("spread")
    table.add_column("boilerplate")
    table.add_column("text")
    table.add_column("e.g. in", overflow="ellipsis")
    for r in repeats[:limit]:
        verdict = Text("yes", style="yellow") if r.boilerplate else Text("no", style="green")
        spread = r.spread + (" (near)" if r.near else "")
        examples = ", ".join(map(visible_line, r.examples[:3]))
        table.add_row(str(r.documents), str(r.occurrences), spread, verdict, line_text(_snippet(r.text)), Text(examples))
    return KeepIdsWhole(table, {5: longest_id(e for r in repeats[:limit] for e in r.examples[:3])})


def spans_table(docs: Sequence[Document], found: dict[str, list[BoilerplateSpan]], limit: int) -> KeepIdsWhole:
    """Per document: share of boilerplate and each span with kind and reason."""
    table = Table(title="Boilerplate per document", title_justify="left", show_lines=False)
    table.add_column("document", overflow="ellipsis")
    table.add_column("share", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("chars", justify="right", no_wrap=True)
    table.add_column("text", ratio=1)
    table.add_column("why", ratio=1)
    for doc in docs:
        spans = found.get(doc.id, [])
        covered = sum(s.end - s.start for s in spans)
        share = f"{covered / len(doc.text):.0%}" if doc.text else "-"
        if not spans:
            table.add_row(line_text(doc.id), share, Text("none", style="green"), "", "", "")
            continue
        for k, span in enumerate(spans[:limit]):
            style = KIND_STYLES.get(span.kind, "white")
            table.add_row(
                line_text(doc.id) if k == 0 else "",
                share if k == 0 else "",
                line_text(span.kind, style),
                str(span.end - span.start),
                line_text(_snippet(doc.text[span.start : span.end], 40)),
                line_text(span.reason),
            )
        if len(spans) > limit:
            table.add_row("", "", Text(f"… {len(spans) - limit} more", style="dim"), "", "", "")
    return KeepIdsWhole(table, {0: longest_id(doc.id for doc in docs)})


def render_boilerplate(
    console: Console,
    docs: Sequence[Document],
    found: dict[str, list[BoilerplateSpan]],
    repeats: Sequence[RepeatedBlock],
    limit: int = 20,
) -> None:
    """Print the repeated blocks and the per-document boilerplate."""
    if repeats:
        console.print(repeats_table(repeats, limit))
    else:
        console.print("[green]No block recurs in enough documents to be a corpus-level repeat.[/green]")
    console.print(spans_table(docs, found, limit))
