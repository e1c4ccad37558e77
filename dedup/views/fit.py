"""Tables that keep document ids whole.

rich narrows a table that does not fit by shrinking its widest wrapping
column first, whatever that column holds, so a column of ids is folded
mid-name (``001_1edf69fc7060`` / ``fb53.txt``) while other columns keep
room to spare. :class:`KeepIdsWhole` lays the table out itself, in this
order: the other columns wrap at their words, then fold; the columns of ids
narrow last, and then cut each id visibly with ``…`` (never fold it) and
say under the table where the full ids are.
"""

from __future__ import annotations

import copy
from typing import Iterable, Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from dedup.views.safe import visible_line

# Narrowest a column of wrapping text is made before ids are cut.
TEXT_FLOOR = 6
# Narrowest a column of ids is made: room for a few characters and the ellipsis.
ID_FLOOR = 4
CUT_NOTE = "…: an id cut to fit the width; --format json, or a wider terminal (COLUMNS), shows it whole"


def longest_id(ids: Iterable[object]) -> int:
    """The width of the longest id as shown (control characters escaped)."""
    return max((cell_len(visible_line(i)) for i in ids), default=0)


class KeepIdsWhole:
    """``table`` drawn with the ids in ``id_widths`` (column index → width of
    its longest id) kept whole where the width allows.

    The columns of ids must overflow with an ellipsis (``overflow="ellipsis"``)
    so that an id cut at the last resort shows it.
    """

    def __init__(self, table: Table, id_widths: dict[int, int]) -> None:
        self.table = table
        self.id_widths = {k: w for k, w in id_widths.items() if w > 0}

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        layout = self._widths(console, options)
        if layout is None:
            yield self.table  # it fits as it is
            return
        widths, lows = layout
        table = copy.copy(self.table)
        table.columns = [copy.copy(column) for column in self.table.columns]
        pads = _paddings(table)
        for k, (column, width) in enumerate(zip(table.columns, widths)):
            column.width = max(width - pads[k], 1)
            if k not in self.id_widths and width < lows[k]:
                column.overflow = "fold"  # a word of text too long for its column is folded, not cut
        if any(widths[k] - pads[k] < w for k, w in self.id_widths.items()):
            note = Text(CUT_NOTE, style="dim")
            caption = table.caption
            table.caption_justify = "left"
            if caption is None:
                table.caption = note
            else:
                text = caption.copy() if isinstance(caption, Text) else Text(str(caption))
                table.caption = text + Text("\n") + note
        yield table

    def _widths(self, console: Console, options: ConsoleOptions) -> tuple[list[int], list[int]] | None:
        """Each column's width with its padding, and the width it needs to
        wrap at its words; or ``None`` when the table fits without narrowing."""
        table = self.table
        pads = _paddings(table)
        columns = table.columns
        lows, highs = [], []
        for column, pad in zip(columns, pads):
            cells = list(column.cells)
            if table.show_header:
                cells.append(column.header)
            measured = [Measurement.get(console, options, cell) for cell in cells] or [Measurement(1, 1)]
            lows.append(max(m.minimum for m in measured) + pad)
            highs.append(max(m.maximum for m in measured) + pad)
        room = options.max_width - _extra_width(table)
        if sum(highs) <= room:
            return None
        widths = list(highs)
        others = [k for k in range(len(columns)) if k not in self.id_widths]
        id_columns = list(self.id_widths)
        whole = {k: min(self.id_widths[k] + pads[k], highs[k]) for k in id_columns}
        # 1. columns wrap at their words (those of ids down to their longest
        # id); 2. columns that do not wrap, such as the bars, shrink to their
        # narrowest; 3. other columns fold; 4. ids are cut.
        wrapping = [k for k in range(len(columns)) if not columns[k].no_wrap]
        _narrow(widths, wrapping, {k: whole[k] if k in whole else lows[k] for k in wrapping}, room)
        _narrow(widths, others, lows, room)
        floors = [lows[k] if columns[k].no_wrap else min(lows[k], TEXT_FLOOR + pads[k]) for k in range(len(columns))]
        _narrow(widths, others, floors, room)
        _narrow(widths, id_columns, {k: ID_FLOOR + pads[k] for k in id_columns}, room)
        return widths, lows


def _narrow(widths: list[int], which: list[int], floors, room: int) -> None:
    """Narrow the widest of the columns ``which`` one cell at a time, none
    below its floor, until the widths fit in ``room``."""
    while sum(widths) > room:
        narrowable = [k for k in which if widths[k] > floors[k]]
        if not narrowable:
            return
        widest = max(narrowable, key=lambda k: (widths[k], -k))
        widths[widest] -= 1


def _paddings(table: Table) -> list[int]:
    """The padding of each column, left and right (none at the table's
    edges without ``pad_edge``)."""
    _, right, _, left = table.padding
    pads = [left + right] * len(table.columns)
    if pads and not table.pad_edge:
        pads[0] -= left
        pads[-1] -= right
    return pads


def _extra_width(table: Table) -> int:
    """The width of the borders and column separators."""
    if not table.box:
        return 0
    return (2 if table.show_edge else 0) + len(table.columns) - 1


__all__ = ["KeepIdsWhole", "longest_id", "CUT_NOTE"]
