"""Terminal rendering of :class:`dedup.diff.Diff` with rich.

Colours come from a palette that readers with red-green colour blindness
can tell apart (Okabe and Ito's): verbatim shared text sky blue, a quotation
both documents hold word for word dark blue, an altered quotation purple,
reworded shared text orange, changed words bold white on dark red, each
side's own text plain and boilerplate dimmed. Every colour has a mark as a
second channel, shown instead of the colour when there is none (output
piped, ``--color never``, ``NO_COLOR``): ``[=verbatim=]``,
``["shared quotation"]``, ``[!altered quotation!]``, ``[~reworded~]``,
``[-deleted-]`` (a's words that b does not have), ``{+inserted+}`` (b's
words that a does not have) and ``[#boilerplate#]``. The legend under the
header names them all.

Two layouts: inline (each document in full, shared text marked, then the
passages as word diffs) and side by side (aligned sentences facing each
other, each side's own sentences alone on their side). Unrelated documents
get a short answer unless the full view is asked for.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dedup.diff import (
    ALTERED_LABEL, BOILERPLATE_LABEL, CHANGED_LABEL, QUOTED_LABEL, REWORDED_LABEL, VERBATIM_LABEL, Diff, label_runs,
)
from dedup.views.safe import line_text, visible_body, visible_line

STYLES = {
    0: "",
    REWORDED_LABEL: "black on #E69F00",
    VERBATIM_LABEL: "black on #56B4E9",
    QUOTED_LABEL: "white on #0072B2",
    ALTERED_LABEL: "black on #CC79A7",
    CHANGED_LABEL: "bold white on #A63D00",
    BOILERPLATE_LABEL: "dim",
}
MARKERS = {
    0: ("", ""),
    REWORDED_LABEL: ("[~", "~]"),
    VERBATIM_LABEL: ("[=", "=]"),
    QUOTED_LABEL: ('["', '"]'),
    ALTERED_LABEL: ("[!", "!]"),
    CHANGED_LABEL: ("[-", "-]"),
    BOILERPLATE_LABEL: ("[#", "#]"),
}
# b's changed words are insertions (git's word-diff marks).
INSERTED_MARKERS = ("{+", "+}")
LEGEND = (
    (VERBATIM_LABEL, "verbatim"), (QUOTED_LABEL, "shared quotation"), (ALTERED_LABEL, "altered quotation"),
    (REWORDED_LABEL, "reworded"), (CHANGED_LABEL, "deleted from a"), (None, "inserted in b"),
    (BOILERPLATE_LABEL, "boilerplate"),
)


def _marks(label: int, side: str) -> tuple[str, str]:
    return INSERTED_MARKERS if label == CHANGED_LABEL and side == "b" else MARKERS[label]


def _marked(text: str, labels, color: bool, start: int = 0, end: int | None = None, side: str = "a") -> Text:
    """``text[start:end]`` with each run of one label styled (or bracketed)."""
    out = Text()
    for lo, hi, label in label_runs(labels, start, end):
        piece = visible_body(text[lo:hi])
        if color:
            out.append(piece, style=STYLES[label])
        else:
            left, right = _marks(label, side)
            out.append(f"{left}{piece}{right}")
    return out


def _side_line(doc, side: str) -> str:
    """A document's id, length and what is known of it: date, source, title."""
    known = [value for value in (doc.date, doc.source) if value]
    if doc.title:
        known.append(f"\u201c{doc.title}\u201d")
    return f"{doc.id} ({len(doc.text)} chars)" + ("".join(f" \u00b7 {value}" for value in known))


def header(diff: Diff) -> Table:
    """Figures of the pair: who is who, exact Jaccard, containments, passage counts."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("a", line_text(_side_line(diff.a, "a")))
    table.add_row("b", line_text(_side_line(diff.b, "b")))
    for name, value in diff.figures():
        table.add_row(name, line_text(value))  # the likely source's id and evidence come from the corpus
    return table


def legend(color: bool) -> Text:
    """Every colour with its mark and its name."""
    out = Text()
    for label, name in LEGEND:
        left, right = INSERTED_MARKERS if label is None else MARKERS[label]
        style = STYLES[CHANGED_LABEL if label is None else label]
        out.append(f"{left}{name}{right}", style=style if color else "")
        out.append("  ")
    out.append("own text unmarked")
    return out


# The terminal label of each kind of word-diff piece.
PIECE_LABELS = {
    "": 0, "verbatim": VERBATIM_LABEL, "shared_quotation": QUOTED_LABEL, "altered_quotation": ALTERED_LABEL,
    "reworded": REWORDED_LABEL, "deleted": CHANGED_LABEL, "inserted": CHANGED_LABEL,
}


def word_diff_line(diff: Diff, passage: int, color: bool) -> Text:
    """One passage as a word diff: shared words once, ``[-a's-]{+b's+}`` where they differ."""
    out = Text()
    for text, kind in diff.word_pieces(passage):
        if kind == "flags":
            out.append(f"\u2039{text}\u203a", style="bold" if color else "")
            continue
        label = PIECE_LABELS[kind]
        left, right = INSERTED_MARKERS if kind == "inserted" else MARKERS[label]
        if color and kind not in ("deleted", "inserted"):
            left = right = ""  # colour alone marks shared words; changes keep their marks
        out.append(f"{left}{visible_body(text)}{right}", style=STYLES[label] if color else "")
    return out


def nothing_shared(diff: Diff) -> RenderableType:
    """The short answer for two documents that are not reuse of each other."""
    al = diff.alignment
    if al.passages:
        detail = (f"only {len(al.passages)} short passage(s) ({al.shared_chars_a} chars of a), "
                  "below what makes a copy or a rewrite")
    else:
        detail = "no passage, verbatim or reworded"
    return Group(header(diff), Text(f"\nnothing shared: {detail}. Use --full to see both documents anyway."))


def inline_view(diff: Diff, color: bool) -> RenderableType:
    """Each document in full with shared text marked, then the passages as word diffs."""
    parts: list[RenderableType] = [header(diff), legend(color)]
    for side, doc in (("a", diff.a), ("b", diff.b)):
        parts.append(Text(f"\n\u2500\u2500 {side}: {visible_line(doc.id)} \u2500\u2500", style="bold"))
        parts.append(_marked(doc.text, diff.labels(side), color, side=side))
    table = Table(title="\nshared passages", expand=True, show_lines=True)
    table.add_column("kind", overflow="fold")
    table.add_column("score", justify="right")
    table.add_column("a, b", overflow="fold")
    table.add_column("words: shared once, [-a's-]{+b's+} where they differ", ratio=1, overflow="fold")
    for index, (p, words) in enumerate(zip(diff.alignment.passages, diff.words.passages)):
        kind = words.kind + (" (moved)" if words.moved else "")
        table.add_row(kind, f"{p.score:.2f}", f"{p.a.start}:{p.a.end}\n{p.b.start}:{p.b.end}", word_diff_line(diff, index, color))
    parts.append(table)
    return Group(*parts)


def side_by_side_view(diff: Diff, color: bool) -> RenderableType:
    """Aligned sentences facing each other; each side's own sentences alone."""
    la, lb = diff.labels("a"), diff.labels("b")
    table = Table(expand=True, show_lines=True)
    table.add_column(line_text(f"a: {visible_line(diff.a.id)}"), ratio=1, overflow="fold")
    table.add_column("score", justify="right", width=5)
    table.add_column(line_text(f"b: {visible_line(diff.b.id)}"), ratio=1, overflow="fold")
    for a, score, b in diff.rows():
        table.add_row(
            _marked(diff.a.text, la, color, a.start, a.end) if a else "",
            f"{score:.2f}" if score is not None else "",
            _marked(diff.b.text, lb, color, b.start, b.end, "b") if b else "",
        )
    return Group(header(diff), legend(color), table)


def diff_view(diff: Diff, color: bool, side_by_side: bool = False, full: bool = False) -> RenderableType:
    """The view of a pair: the short answer for unrelated documents (unless
    ``full``), else inline or side by side."""
    if diff.relation is None and not full:
        return nothing_shared(diff)
    return side_by_side_view(diff, color) if side_by_side else inline_view(diff, color)


def render_diff(diff: Diff, side_by_side: bool = False, console: Console | None = None, full: bool = False) -> None:
    """Print the diff on ``console`` (default: stdout, colour when it is a
    terminal and ``NO_COLOR`` is not set)."""
    console = console or Console()
    color = console.is_terminal and not console.no_color and console.color_system is not None
    console.print(diff_view(diff, color, side_by_side, full))


def render_text(diff: Diff, side_by_side: bool = False, width: int = 120, full: bool = True) -> str:
    """The plain-text rendering (no ANSI codes), as a string."""
    from dedup.views.terminal import render

    return render(diff_view(diff, False, side_by_side, full), False, width)
