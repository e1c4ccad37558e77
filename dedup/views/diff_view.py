"""Terminal rendering of :class:`dedup.diff.Diff` with rich.

Verbatim shared text is green, a quotation both documents hold cyan,
reworded shared text yellow, each side's own text plain. Without colour
(output piped, ``NO_COLOR`` set) the same view is plain text with markers:
``[=verbatim=]``, ``["quotation"]`` and ``[~reworded~]``.

Two layouts: inline (each document in full, shared text marked, then the
list of passages) and side by side (aligned sentences facing each other,
each side's own sentences alone on their side).
"""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dedup.diff import BOILERPLATE_LABEL, QUOTED_LABEL, REWORDED_LABEL, VERBATIM_LABEL, Diff
from dedup.views.safe import body_text, line_text, visible_body, visible_line

STYLES = {0: "", REWORDED_LABEL: "black on yellow", VERBATIM_LABEL: "black on green", QUOTED_LABEL: "black on cyan", BOILERPLATE_LABEL: "dim"}
MARKERS = {0: ("", ""), REWORDED_LABEL: ("[~", "~]"), VERBATIM_LABEL: ("[=", "=]"), QUOTED_LABEL: ('["', '"]'), BOILERPLATE_LABEL: ("[#", "#]")}


def _marked(text: str, labels, color: bool, start: int = 0, end: int | None = None) -> Text:
    """``text[start:end]`` with each run of one label styled (or bracketed)."""
    end = len(text) if end is None else end
    out = Text()
    if start >= end:
        return out
    part = np.asarray(labels[start:end])
    cuts = (np.flatnonzero(part[1:] != part[:-1]) + 1 + start).tolist()
    for lo, hi in zip([start, *cuts], [*cuts, end]):
        label = int(labels[lo])
        piece = visible_body(text[lo:hi])
        if color:
            out.append(piece, style=STYLES[label])
        else:
            left, right = MARKERS[label]
            out.append(f"{left}{piece}{right}")
    return out


def header(diff: Diff) -> Table:
    """Figures of the pair: exact Jaccard, containments, passage counts."""
    al = diff.alignment
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("a", line_text(f"{visible_line(diff.a.id)} ({len(diff.a.text)} chars)"))
    table.add_row("b", line_text(f"{visible_line(diff.b.id)} ({len(diff.b.text)} chars)"))
    table.add_row("relation", diff.relation or "unrelated")
    table.add_row("jaccard", f"{al.stats.get('jaccard', 0.0):.4f} (exact, word {al.stats.get('ngram', '')}-grams)")
    table.add_row("containment", f"a in b {al.stats.get('containment_a', 0.0):.4f}, b in a {al.stats.get('containment_b', 0.0):.4f}")
    open_a, open_b = diff.measured_chars or (len(diff.a.text), len(diff.b.text))
    note = "; boilerplate left out" if open_a < len(diff.a.text) or open_b < len(diff.b.text) else ""
    table.add_row(
        "shared",
        f"a {al.shared_chars_a} of {open_a} chars ({al.share_a:.1%}), "
        f"b {al.shared_chars_b} of {open_b} chars ({al.share_b:.1%}){note}",
    )
    quoted = sum(p.quoted for p in al.passages)
    table.add_row(
        "passages",
        f"{al.count('verbatim')} verbatim ({quoted} quoted), {al.count('reworded')} reworded; "
        f"{len(al.sentence_pairs)} aligned sentence pairs",
    )
    return table


def _legend(color: bool) -> Text:
    if color:
        return Text.assemble(
            ("verbatim", STYLES[VERBATIM_LABEL]), "  ", ("shared quotation", STYLES[QUOTED_LABEL]), "  ",
            ("reworded", STYLES[REWORDED_LABEL]), "  ", ("boilerplate", STYLES[BOILERPLATE_LABEL]), "  own text",
        )
    return Text('[=verbatim=]  ["shared quotation"]  [~reworded~]  [#boilerplate#]  own text unmarked')


def inline_view(diff: Diff, color: bool) -> RenderableType:
    """Each document in full with shared text marked, then the passages."""
    parts: list[RenderableType] = [header(diff), _legend(color)]
    for side, doc in (("a", diff.a), ("b", diff.b)):
        parts.append(Text(f"\n── {side}: {visible_line(doc.id)} ──", style="bold"))
        parts.append(_marked(doc.text, diff.labels(side), color))
    table = Table(title="\nshared passages", expand=True, show_lines=True)
    for name in ("kind", "score", "a", "b"):
        table.add_column(name, overflow="fold")
    for p in diff.alignment.passages:
        kind = p.kind + (" (quoted)" if p.quoted else "")
        table.add_row(kind, f"{p.score:.2f}", body_text(f"[{p.a.start}:{p.a.end}] {p.a.text(diff.a.text)}"),
                      body_text(f"[{p.b.start}:{p.b.end}] {p.b.text(diff.b.text)}"))
    parts.append(table)
    return Group(*parts)


def side_by_side_view(diff: Diff, color: bool) -> RenderableType:
    """Aligned sentences facing each other; each side's own sentences alone."""
    la, lb = diff.labels("a"), diff.labels("b")
    sa, sb = diff.alignment.sentences_a, diff.alignment.sentences_b
    pairs = sorted(diff.alignment.sentence_pairs, key=lambda p: (p.a.start, p.b.start))
    table = Table(expand=True, show_lines=True)
    table.add_column(line_text(f"a: {visible_line(diff.a.id)}"), ratio=1, overflow="fold")
    table.add_column("score", justify="right", width=5)
    table.add_column(line_text(f"b: {visible_line(diff.b.id)}"), ratio=1, overflow="fold")
    used_a = {(p.a.start, p.a.end) for p in pairs}
    used_b = {(p.b.start, p.b.end) for p in pairs}
    own_a = [s for s in sa if (s.start, s.end) not in used_a]
    own_b = [s for s in sb if (s.start, s.end) not in used_b]
    ia = ib = 0
    for pair in pairs:
        while ia < len(own_a) and own_a[ia].start < pair.a.start:
            table.add_row(_marked(diff.a.text, la, color, own_a[ia].start, own_a[ia].end), "", "")
            ia += 1
        while ib < len(own_b) and own_b[ib].start < pair.b.start:
            table.add_row("", "", _marked(diff.b.text, lb, color, own_b[ib].start, own_b[ib].end))
            ib += 1
        table.add_row(
            _marked(diff.a.text, la, color, pair.a.start, pair.a.end),
            f"{pair.score:.2f}",
            _marked(diff.b.text, lb, color, pair.b.start, pair.b.end),
        )
    for s in own_a[ia:]:
        table.add_row(_marked(diff.a.text, la, color, s.start, s.end), "", "")
    for s in own_b[ib:]:
        table.add_row("", "", _marked(diff.b.text, lb, color, s.start, s.end))
    return Group(header(diff), _legend(color), table)


def render_diff(diff: Diff, side_by_side: bool = False, console: Console | None = None) -> None:
    """Print the diff on ``console`` (default: stdout, colour when it is a
    terminal and ``NO_COLOR`` is not set)."""
    console = console or Console()
    color = console.is_terminal and not console.no_color and console.color_system is not None
    view = side_by_side_view(diff, color) if side_by_side else inline_view(diff, color)
    console.print(view)


def render_text(diff: Diff, side_by_side: bool = False, width: int = 120) -> str:
    """The plain-text rendering (no ANSI codes), as a string."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, color_system=None, width=width, no_color=True)
    render_diff(diff, side_by_side, console)
    return buffer.getvalue()
