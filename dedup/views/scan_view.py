"""The terminal report of ``dedup scan``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from dedup.results import ScanResult

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
        f"[bold]dedup scan[/]: {stats['documents']} documents, "
        f"{len(result.pairs)} pairs, {stats['clusters']} clusters"
        + (f", [yellow]{stats['skipped_inputs']} inputs skipped (see messages above)[/]" if stats["skipped_inputs"] else "")
        + f" ({stats['seconds']:.2f} s)"
    )
    if not result.pairs:
        console.print("[green]No duplicate or reused text found.[/]")
    else:
        console.print(_pairs_table(result, limit))
        if len(result.pairs) > limit:
            console.print(f"… and {len(result.pairs) - limit} more pairs (use --format json for all)")
    if result.clusters:
        console.print(_clusters_table(result, limit))


def _pairs_table(result: ScanResult, limit: int) -> Table:
    table = Table(title="Pairs", title_justify="left", show_lines=False)
    table.add_column("document a", overflow="fold")
    table.add_column("document b", overflow="fold")
    table.add_column("relation")
    table.add_column("jaccard", justify="right")
    table.add_column("a in b", justify="right")
    table.add_column("b in a", justify="right")
    table.add_column("shared a/b", justify="right")
    table.add_column("passages", justify="right")
    for pair in result.pairs[:limit]:
        style = RELATION_STYLES.get(pair.relation, "")
        table.add_row(
            pair.a,
            pair.b,
            f"[{style}]{pair.relation}[/]" if style else pair.relation,
            f"{pair.jaccard:.3f}",
            f"{pair.containment_a:.0%}",
            f"{pair.containment_b:.0%}",
            f"{pair.shared_share_a:.0%}/{pair.shared_share_b:.0%}" if pair.passages else "",
            _passage_counts(pair),
        )
    return table


def _passage_counts(pair) -> str:
    if not pair.passages:
        return ""
    verbatim = sum(p["kind"] == "verbatim" for p in pair.passages)
    return f"{verbatim} verbatim, {len(pair.passages) - verbatim} reworded"


def _clusters_table(result: ScanResult, limit: int) -> Table:
    table = Table(title="Clusters", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("keep", overflow="fold")
    table.add_column("duplicates", overflow="fold")
    for index, cluster in enumerate(result.clusters[:limit]):
        others = [m for m in cluster.members if m != cluster.representative]
        table.add_row(str(index), cluster.representative, ", ".join(others))
    return table
