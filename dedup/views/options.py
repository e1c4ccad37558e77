"""The output flags every command that prints results takes, and what they do
on the command line: -o/--output, --color, --pager/--no-pager, -q, -v; the
consoles and the progress bar of the commands."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import os

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dedup.views.terminal import OutputOptions

# The exit code of a usage or input error (dedup.report.formats.EXIT_ERROR).
USAGE_ERROR = 2


def output_options(func: Callable) -> Callable:
    """-o/--output, --color, --pager/--no-pager, -q/--quiet and -v/--verbose:
    the flags of every command that prints results (collected as ``output``)."""
    options = [
        click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False, writable=True), help="Write the results to FILE (atomically) instead of standard output."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour: auto is on for a terminal unless NO_COLOR is set (FORCE_COLOR forces it)."),
        click.option("--pager/--no-pager", default=True, help="Page output taller than the terminal ($DEDUP_PAGER, $PAGER, less -R) [on]."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notes on standard error (errors still show)."),
        click.option("-v", "--verbose", is_flag=True, help="Settings and timings on standard error."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def collect_output(flags: dict[str, Any]) -> OutputOptions:
    """Take the output flags out of a command's keyword arguments."""
    if flags.get("quiet") and flags.get("verbose"):
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    return OutputOptions(
        path=flags.pop("output_path"), color=flags.pop("color"), pager=flags.pop("pager"),
        quiet=flags.pop("quiet"), verbose=flags.pop("verbose"),
    )


@contextmanager
def writing(output: OutputOptions) -> Iterator[None]:
    """A results file that cannot be written is a usage error (exit 2), not a traceback."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader has gone: the command group ends quietly with its exit code
    except OSError as err:
        target = output.path or "standard output"
        click.echo(f"dedup: error: cannot write {target}: {err.strerror or err}; check the folder exists and is writable", err=True)
        raise click.exceptions.Exit(USAGE_ERROR) from None


def note(output: OutputOptions, message: str) -> None:
    """A line on standard error for ``-v`` (verbose) runs."""
    if output.verbose:
        click.echo(f"dedup: {message}", err=True)


def stdout_console() -> Console:
    """The console for a one-line summary: no colour when piped or when NO_COLOR is set."""
    return Console(highlight=False, no_color="NO_COLOR" in os.environ)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, no_color="NO_COLOR" in os.environ)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing on stderr, or ``None`` when stderr is not a terminal."""
    console = stderr_console()
    if not enabled or not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update
