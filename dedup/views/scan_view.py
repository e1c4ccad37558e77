"""The terminal report of ``dedup scan``."""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dedup.results import ScanResult
from dedup.views.safe import line_text, visible_line

RELATION_STYLES = {
    "exact_duplicate": "bold red",
    "near_duplicate": "red",
    "partial_copy": "yellow",
    "rewrite": "magenta",
}


def render_scan(result: ScanResult, console: Console, limit: int = 50) -> None:
    """Print the summary, the pairs and the clusters of a scan."""
    stats = result.stats
    console.print(
        f"[bold]dedup scan[/]: {_count(stats['documents'], 'document')}, "
        f"{_count(len(result.pairs), 'pair')}, {_count(stats['clusters'], 'cluster')}"
        + (f", [yellow]{stats['skipped_inputs']} inputs skipped (see messages above)[/]" if stats["skipped_inputs"] else "")
        + (f", [red]{_count(stats['processing_errors'], 'processing error')} (see messages above)[/]" if stats.get("processing_errors") else "")
        + f" ({result.timing.get('seconds', 0.0):.2f} s)"
    )
    if not result.pairs:
        console.print("[green]No duplicate or reused text found.[/]")
    else:
        console.print(_pairs_table(result, limit))
        if len(result.pairs) > limit:
            console.print(f"… and {len(result.pairs) - limit} more pairs (use --format json for all)")
    if result.clusters:
        console.print(_clusters_table(result, limit))
    if any(d.extra.get("boilerplate") for d in result.documents):
        console.print(_boilerplate_table(result, limit))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _pairs_table(result: ScanResult, limit: int) -> Table:
    table = Table(title="Pairs", title_justify="left", box=box.SIMPLE_HEAD, caption=_PAIRS_CAPTION, caption_justify="left")
    table.add_column("documents (a, b)", overflow="fold")
    table.add_column("relation")
    table.add_column("jaccard", justify="right")
    table.add_column("in other", justify="right")
    table.add_column("shared", justify="right")
    table.add_column("passages", justify="right")
    for pair in result.pairs[:limit]:
        style = RELATION_STYLES.get(pair.relation, "")
        shared = f"{pair.shared_share_a:.0%}\n{pair.shared_share_b:.0%}" if pair.passages else ""
        table.add_row(
            Text(f"{visible_line(pair.a)}\n{visible_line(pair.b)}"),
            line_text(pair.relation, style),
            f"{pair.jaccard:.3f}",
            f"{pair.containment_a:.0%}\n{pair.containment_b:.0%}",
            shared,
            _passage_counts(pair),
        )
    return table


_PAIRS_CAPTION = (
    "jaccard: exact, word shingles; in other: share of each side's shingles found in the other; "
    "shared: share of each side's characters in shared passages; passages: verbatim (v), reworded (r)"
)


def _passage_counts(pair) -> str:
    if not pair.passages:
        return ""
    verbatim = sum(p["kind"] == "verbatim" for p in pair.passages)
    return f"{verbatim}v {len(pair.passages) - verbatim}r"


def _clusters_table(result: ScanResult, limit: int) -> Table:
    table = Table(title="Clusters", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("keep", overflow="fold")
    table.add_column("duplicates", overflow="fold")
    for index, cluster in enumerate(result.clusters[:limit]):
        others = [m for m in cluster.members if m != cluster.representative]
        table.add_row(str(index), line_text(cluster.representative), Text(", ".join(map(visible_line, others))))
    return table


def _boilerplate_table(result: ScanResult, limit: int) -> Table:
    table = Table(title="Boilerplate (left out of the reuse figures)", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("document", overflow="fold")
    table.add_column("share", justify="right")
    table.add_column("spans by kind", overflow="fold")
    rows = [d for d in result.documents if d.extra.get("boilerplate")]
    for doc in rows[:limit]:
        kinds = Counter(span["kind"] for span in doc.extra["boilerplate"])
        by_kind = ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in sorted(kinds.items()))
        table.add_row(line_text(doc.id), f"{doc.extra['boilerplate_share']:.0%}", line_text(by_kind))
    return table
