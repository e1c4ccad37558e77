"""The terminal report of ``dedup scan``.

Corpus strings (ids, dates, sources, evidence) are shown as plain
:class:`rich.text.Text`, never as markup, so a bracket in an id is shown as
it stands.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from rich import box
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from dedup.io.wording import count_of
from dedup.results import DocumentResult, GroupResult, PairResult, ScanResult
from dedup.views.fit import KeepIdsWhole, longest_id
from dedup.views.safe import line_text, visible_line

RELATION_STYLES = {
    "exact_duplicate": "bold red",
    "near_duplicate": "red",
    "partial_copy": "yellow",
    "rewrite": "magenta",
}

# The parts of a composition bar: (field, legend, character, style in colour).
# Each part keeps its character in colour too, so the bar reads without
# telling colours apart; the colours are the HTML report's (Okabe and Ito's,
# apart for colour-blind readers), behind the characters as in the diff
# view. A document's own text is the lightest: a dim dot on no colour.
BAR_PARTS = (
    ("original", "original", "·", "dim"),
    ("shared_as_source", "shared, as source", "S", "bold white on #0072B2"),
    ("shared_undetermined", "shared, direction undetermined", "?", "bold black on #56B4E9"),
    ("shared_as_copy", "shared, as copy", "C", "bold black on #E69F00"),
    ("boilerplate", "boilerplate", "#", "white on #595959"),
)
BAR_WIDTH = 20
# The narrowest a bar is drawn when the table needs the room for ids.
BAR_MIN_WIDTH = 10


def render_scan(result: ScanResult, console: Console, limit: int = 50) -> None:
    """Print the summary, the pairs, the clusters, each document's composition
    and boilerplate of a scan."""
    stats = result.stats
    console.print(
        f"[bold]dedup scan[/]: {count_of(stats['documents'], 'document', ',')}, "
        f"{count_of(len(result.pairs), 'pair', ',')}, {count_of(stats['clusters'], 'cluster', ',')}"
        + (f", [yellow]{count_of(stats['skipped_inputs'], 'input', ',')} skipped (see messages above)[/]" if stats["skipped_inputs"] else "")
        + (f", [red]{count_of(stats['processing_errors'], 'processing error', ',')} (see messages above)[/]" if stats.get("processing_errors") else "")
        + (f", {count_of(len(result.shared_passages), 'shared-passage group', ',')}" if result.shared_passages else "")
        + f" ({result.timing.get('seconds', 0.0):.2f} s)"
    )
    if not result.pairs and not result.shared_passages:
        console.print("[green]No duplicate or reused text found.[/]")
    elif result.pairs:
        console.print(_pairs_table(result, limit))
        if any(p.direction_evidence for p in result.pairs):
            console.print(_evidence(result, limit))
        if len(result.pairs) > limit:
            console.print(_more(len(result.pairs), limit, "pair"))
    if result.shared_passages:
        console.print(_groups_table(result, limit))
    if result.clusters:
        console.print(_clusters_table(result, limit))
    if any(d.composition is not None for d in result.documents):
        console.print(_composition_table(result, limit, console.no_color or not console.is_terminal))
        console.print(_sharing_nothing(result, limit))
    if any(d.extra.get("boilerplate") for d in result.documents):
        console.print(_boilerplate_table(result, limit))


def _more(total: int, limit: int, noun: str) -> str:
    """What a table cut at ``limit`` rows leaves out (``noun``: a row's, singular), or nothing."""
    return f"… and {count_of(total - limit, 'more ' + noun)} (use --format json for all)" if total > limit else ""


def _ordered(pair: PairResult) -> tuple[str, str, bool]:
    """The pair's ids, source first when the direction is known."""
    if pair.source and pair.derived:
        return pair.source, pair.derived, True
    return pair.a, pair.b, False


def _document_line(doc_id: str, rows: dict[str, DocumentResult]) -> Text:
    """An id, then its date and source where known."""
    meta = rows[doc_id].metadata if doc_id in rows else {}
    line = line_text(doc_id)
    known = [visible_line(meta[key]) for key in ("date", "source") if meta.get(key)]
    if known:
        line.append("  " + ", ".join(known), style="dim")
    return line


def _pairs_table(result: ScanResult, limit: int) -> KeepIdsWhole:
    table = Table(title="Pairs (source first where known)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, caption=_PAIRS_CAPTION, caption_justify="left")
    table.add_column("documents (source, copy)", overflow="ellipsis", ratio=1)
    table.add_column("relation")
    table.add_column("direction")
    table.add_column("jaccard", justify="right")
    table.add_column("shared", justify="right")
    table.add_column("passages", justify="right")
    rows = {d.id: d for d in result.documents}
    for pair in result.pairs[:limit]:
        first, second, directed = _ordered(pair)
        shares = (pair.shared_share_a, pair.shared_share_b) if first == pair.a else (pair.shared_share_b, pair.shared_share_a)
        ids = Text()
        ids.append_text(_document_line(first, rows))
        ids.append("\n")
        ids.append_text(_document_line(second, rows))
        table.add_row(
            ids,
            Text(pair.relation, style=RELATION_STYLES.get(pair.relation, "")),
            _direction(pair, directed),
            f"{pair.jaccard:.3f}",
            _shares(pair, shares),
            _passage_counts(pair),
        )
    return KeepIdsWhole(table, {0: longest_id(i for pair in result.pairs[:limit] for i in (pair.a, pair.b))})


def _direction(pair: PairResult, directed: bool) -> Text:
    if not directed:
        return Text("undetermined", style="dim")
    return Text(f"{pair.direction_confidence:.0%} sure\n{pair.extent or ''} derived")


def _evidence(result: ScanResult, limit: int) -> Text:
    """Why each pair's first document is taken for the source."""
    out = Text("Direction evidence", style="bold")
    for pair in result.pairs[:limit]:
        first, second, directed = _ordered(pair)
        first, second = visible_line(first), visible_line(second)
        out.append(f"\n{first} → {second}: " if directed else f"\n{first} – {second}: ")
        out.append(visible_line("; ".join(pair.direction_evidence) or "none"), style="dim")
    return out


_PAIRS_CAPTION = (
    "jaccard: exact, word shingles; shared: share of each side's characters in shared passages; "
    "~: estimated from the passage index, not aligned; passages: verbatim (v), reworded (r); direction: how sure the first is the source, and how much "
    "of the copy is derived (wholly, partially)"
)


def _shares(pair: PairResult, shares: tuple[float, float]) -> str:
    if not pair.aligned:
        return f"~{shares[0]:.0%}\n~{shares[1]:.0%}"
    return f"{shares[0]:.0%}\n{shares[1]:.0%}" if pair.passages else ""


def _passage_counts(pair) -> str:
    if not pair.aligned:
        return "not aligned"
    if not pair.passages:
        return ""
    verbatim = sum(p["kind"] == "verbatim" for p in pair.passages)
    return f"{verbatim}v {len(pair.passages) - verbatim}r"


def _groups_table(result: ScanResult, limit: int) -> KeepIdsWhole:
    """Text several documents share verbatim, one row a group, the most widely shared first."""
    groups = GroupResult.widest_first(result.shared_passages)
    more = _more(len(groups), limit, "group")
    table = Table(title="Shared passages (text several documents hold, reported once)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, caption=more or None, caption_justify="left")
    table.add_column("group")
    table.add_column("documents", overflow="ellipsis")
    table.add_column("chars", justify="right")
    table.add_column("likely source", overflow="ellipsis")
    table.add_column("text", overflow="fold")
    shown_groups = groups[:limit]
    for group in shown_groups:
        ids = group.member_ids()
        shown = ", ".join(map(visible_line, ids[:5])) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        table.add_row(group.id, Text(f"{len(ids)}: {shown}"), str(group.chars), line_text(group.source or "undetermined"), line_text(group.text[:120]))
    return KeepIdsWhole(table, {
        1: longest_id(i for group in shown_groups for i in group.member_ids()[:5]),
        3: longest_id(group.source for group in shown_groups if group.source),
    })


def _clusters_table(result: ScanResult, limit: int) -> KeepIdsWhole:
    more = _more(len(result.clusters), limit, "cluster")
    table = Table(title="Clusters", title_justify="left", caption=more or None, caption_justify="left")
    table.add_column("#", justify="right")
    table.add_column("keep", overflow="ellipsis")
    table.add_column("duplicates", overflow="ellipsis")
    for index, cluster in enumerate(result.clusters[:limit]):
        others = [m for m in cluster.members if m != cluster.representative]
        table.add_row(str(index), line_text(cluster.representative), Text(", ".join(map(visible_line, others))))
    shown = result.clusters[:limit]
    return KeepIdsWhole(table, {
        1: longest_id(c.representative for c in shown),
        2: longest_id(m for c in shown for m in c.members if m != c.representative),
    })


def composition_bar(composition: dict, width: int = BAR_WIDTH, plain: bool = False) -> Text:
    """A bar of ``width`` cells, each part of the composition in its own
    character (and, unless ``plain``, its colour)."""
    shares = [composition.get(name, 0.0) for name, *_ in BAR_PARTS]
    cells = _cells(shares, width)
    bar = Text()
    for (_, _, char, style), n in zip(BAR_PARTS, cells):
        if n:
            bar.append(char * n, style=None if plain else style)
    return bar


class CompositionBarCell:
    """A composition bar as a table cell: ``BAR_WIDTH`` cells wide, down to
    ``BAR_MIN_WIDTH`` when the table needs the room."""

    def __init__(self, composition: dict, plain: bool) -> None:
        self.composition = composition
        self.plain = plain

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(BAR_MIN_WIDTH, BAR_WIDTH).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        yield composition_bar(self.composition, max(1, min(BAR_WIDTH, options.max_width)), self.plain)


def _cells(shares: list[float], width: int) -> list[int]:
    """Whole cells per share, summing to ``width`` (largest remainders first)."""
    total = sum(shares) or 1.0
    raw = [share / total * width for share in shares]
    cells = [int(x) for x in raw]
    for k in sorted(range(len(raw)), key=lambda k: (cells[k] - raw[k], k))[: width - sum(cells)]:
        cells[k] += 1
    return cells


def _legend(plain: bool) -> Text:
    legend = Text()
    for k, (_, label, char, style) in enumerate(BAR_PARTS):
        if k:
            legend.append("  ")
        legend.append(char, style=None if plain else style)
        legend.append(f" {label}")
    return legend


def _composition_table(result: ScanResult, limit: int, plain: bool) -> KeepIdsWhole:
    composed = [d for d in result.documents if d.composition is not None]
    more = _more(len(composed), limit, "document")
    caption = _legend(plain) + Text("\n" + more) if more else _legend(plain)
    table = Table(title="Composition of each document", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, caption=caption, caption_justify="left")
    table.add_column("document", overflow="ellipsis")
    table.add_column("composition", no_wrap=True)
    table.add_column("own", justify="right")
    table.add_column("shared with", overflow="ellipsis")
    for doc in composed[:limit]:
        comp = doc.composition
        others = Text()
        for k, item in enumerate(comp["shared_with"][:5]):
            others.append(("\n" if k else "") + f"{visible_line(item['id'])} ({item['role']}, {item['relation']})")
        if len(comp["shared_with"]) > 5:
            others.append(f"\n… {len(comp['shared_with']) - 5} more")
        table.add_row(line_text(doc.id), CompositionBarCell(comp, plain), f"{comp['original_of_text']:.0%}", others)
    shown = composed[:limit]
    return KeepIdsWhole(table, {
        0: longest_id(doc.id for doc in shown),
        3: longest_id(item["id"] for doc in shown for item in doc.composition["shared_with"][:5]),
    })


def _sharing_nothing(result: ScanResult, limit: int) -> Text:
    alone = [d.id for d in result.documents if d.composition is not None and not d.composition["shared_with"]]
    if not alone:
        return Text("Every document shares text with another.")
    shown = ", ".join(map(visible_line, alone[:limit])) + (f" and {len(alone) - limit} more" if len(alone) > limit else "")
    return Text(f"Sharing nothing with any other document ({len(alone)}): {shown}")


def _boilerplate_table(result: ScanResult, limit: int) -> KeepIdsWhole:
    rows = [d for d in result.documents if d.extra.get("boilerplate")]
    more = _more(len(rows), limit, "document")
    table = Table(title="Boilerplate (left out of the reuse figures)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, caption=more or None, caption_justify="left")
    table.add_column("document", overflow="ellipsis")
    table.add_column("share", justify="right")
    table.add_column("spans by kind", overflow="fold")
    for doc in rows[:limit]:
        kinds = Counter(span["kind"] for span in doc.extra["boilerplate"])
        by_kind = ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in sorted(kinds.items()))
        table.add_row(line_text(doc.id), f"{doc.extra['boilerplate_share']:.0%}", line_text(by_kind))
    return KeepIdsWhole(table, {0: longest_id(doc.id for doc in rows[:limit])})


__all__ = ["render_scan", "composition_bar"]
