"""Where a view goes: colour or not, how wide, through a pager or not, or to a file.

The conventions a terminal user expects:

* colour with ``--color auto`` only when standard output is a terminal and
  ``NO_COLOR`` is not set (``FORCE_COLOR`` turns it on when piped);
  ``--color always`` and ``--color never`` decide alone;
* lines fit the terminal: when the output is piped its width is still the
  width of the terminal the command runs in (``COLUMNS``, else standard
  error's terminal), so ``| head`` or ``| less`` shows no wrapped lines;
* a pager when the output is taller than the terminal: ``$DEDUP_PAGER``,
  then ``$PAGER``, then ``less -R`` (``LESS=FRX`` unless set); ``cat`` or an
  empty value means none, and ``--no-pager`` turns it off;
* ``-o FILE``: the plain view (no colour) written atomically.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from dedup.io.output import write_atomic
from dedup.io.writers import write_pieces

DEFAULT_PAGER = "less -R"
FALLBACK_WIDTH = 100


@dataclass(frozen=True)
class OutputOptions:
    """How the user asked for results.

    Attributes:
        path: ``-o FILE``, or ``None`` for standard output.
        color: ``auto``, ``always`` or ``never``.
        pager: ``False`` with ``--no-pager``.
        quiet: ``-q``: no progress and no notes on standard error.
        verbose: ``-v``: settings and timings on standard error.
    """

    path: str | None = None
    color: str = "auto"
    pager: bool = True
    quiet: bool = False
    verbose: bool = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(mode: str, stream: TextIO | None = None, environ: dict | None = None) -> bool:
    """Whether to draw colour on ``stream`` (default: standard output)."""
    environ = os.environ if environ is None else environ
    if mode in ("always", "never"):
        return mode == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    return _is_terminal(stream or sys.stdout) and environ.get("TERM") != "dumb"


def terminal_size(stream: TextIO | None = None) -> tuple[int, int | None]:
    """``(columns, lines)`` of the terminal the output is for.

    ``COLUMNS``/``LINES`` first; then the terminal of ``stream``, of standard
    error or of standard input, whichever is one and knows its size (so that
    piped output still fits the screen); else ``FALLBACK_WIDTH`` columns and
    an unknown height (``None``: nothing is paged).
    """
    width = _int(os.environ.get("COLUMNS"))
    height = _int(os.environ.get("LINES"))
    for candidate in (stream or sys.stdout, sys.stderr, sys.stdin):
        try:
            size = os.get_terminal_size(candidate.fileno())
        except (AttributeError, OSError, ValueError):
            continue
        if size.columns > 0 and size.lines > 0:  # a pseudo-terminal nobody sized says 0 by 0
            return width or size.columns, height or size.lines
    return width or FALLBACK_WIDTH, height


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def render(view: RenderableType, color: bool, width: int) -> str:
    """``view`` as text ``width`` columns wide, with ANSI colour codes or none."""
    buffer = io.StringIO()
    system = "truecolor" if os.environ.get("COLORTERM") in ("truecolor", "24bit") else "256"
    console = Console(
        file=buffer, force_terminal=color, color_system=system if color else None, no_color=not color,
        width=width, highlight=False, emoji=False, legacy_windows=False, soft_wrap=False,
    )
    console.print(view)
    text = buffer.getvalue()
    # Plain text: the padding of table cells at the line ends is not content.
    return text if color else "\n".join(line.rstrip() for line in text.split("\n"))


class capture:  # noqa: N801 - used like a function: capture(draw)
    """A view drawn by a function that prints on a console (``draw(console)``),
    as a renderable: drawn at the width and with the colours it is shown with."""

    def __init__(self, draw: Callable[[Console], None]) -> None:
        self.draw = draw

    def __rich_console__(self, console: Console, options) -> Iterator[Text]:
        buffer = io.StringIO()
        color = console.color_system is not None and not console.no_color
        inner = Console(
            file=buffer, force_terminal=color, color_system=console.color_system if color else None,
            no_color=not color, width=options.max_width, highlight=False, emoji=False,
        )
        self.draw(inner)
        yield Text.from_ansi(buffer.getvalue().rstrip("\n"))


def pager_command(environ: dict | None = None) -> str | None:
    """The pager to use, or ``None`` when the user chose none."""
    environ = os.environ if environ is None else environ
    for name in ("DEDUP_PAGER", "PAGER"):
        if name in environ:
            value = environ[name].strip()
            return None if value in ("", "cat") else value
    return DEFAULT_PAGER if shutil.which("less") else None


def page(text: str, command: str) -> bool:
    """Show ``text`` through the pager ``command``.

    Returns:
        ``False`` when the pager could not be started (the caller prints).
    """
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LESSCHARSET", "utf-8")
    try:
        # The user's pager setting is a shell command line, as for git.
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        assert process.stdin is not None
        process.stdin.write(text.encode("utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager early
    while True:
        try:
            return process.wait() != 127  # 127: the shell found no such command
        except KeyboardInterrupt:
            continue  # the pager handles Ctrl-C itself; wait for it to close


def emit_view(view: RenderableType, options: OutputOptions, stream: TextIO | None = None) -> None:
    """Show a rich view: to ``options.path`` as plain text, or on the terminal
    (coloured, fitted to its width, paged when taller than it)."""
    stream = stream or sys.stdout
    width, height = terminal_size(stream)
    if options.path:
        write_atomic(options.path, render(view, False, width))
        return
    color = use_color(options.color, stream)
    text = render(view, color, width)
    if options.pager and height and _is_terminal(stream) and text.count("\n") > height - 1:
        command = pager_command()
        if command and page(text, command):
            return
    write_out(text, stream)


def write_out(text: str, stream: TextIO) -> None:
    """Write ``text`` to ``stream`` in pieces of 64 KiB, then flush.

    One write of a large string to a pipe whose reader has gone can end
    without an error (the rest is dropped); in pieces, the write after the
    reader left raises ``BrokenPipeError``, which the command turns into its
    exit code.
    """
    for start in range(0, len(text), 1 << 16):
        stream.write(text[start : start + (1 << 16)])
    stream.flush()


def emit_text(text: str, options: OutputOptions, stream: TextIO | None = None) -> None:
    """Write machine output (JSON, CSV, HTML) to ``options.path`` or standard output."""
    if options.path:
        write_atomic(options.path, text)
        return
    write_out(text, stream or sys.stdout)


def emit_pieces(pieces: Iterable[str | bytes], options: OutputOptions, stream: TextIO | None = None) -> None:
    """Write machine output produced piece by piece (a scan's JSON) to
    ``options.path`` (whole or not at all) or standard output, as it comes."""
    write_pieces(pieces, options.path, stream or sys.stdout)
