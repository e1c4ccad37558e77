"""The output flags every command that prints results takes, and what they do
on the command line: -o/--output, --color, --pager/--no-pager, -q, -v; the
consoles and the progress bar of the commands."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import os

import click
from rich.console import Console

from dedup.engine import ENGINES
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
    # Imported here: the progress module costs import time on every run, and most
    # runs (pipes, CI, --no-progress) never draw a bar.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def settings_options(func: Callable) -> Callable:
    """Flags that override settings from setup.cfg / pyproject.toml."""
    options = [
        click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), help="Exact Jaccard for near duplicates [0.8]."),
        click.option("--ngram", type=click.IntRange(1, 50), help="Words per shingle [5]."),
        click.option("--num-perm", type=click.IntRange(16, 1024), help="MinHash permutations [128]."),
        click.option("--seed", type=int, help="MinHash seed [1]."),
        click.option("--jobs", "-j", type=click.IntRange(0), help="Worker processes, 0 for all cores [0]."),
        click.option("--passages/--no-passages", "passages", default=None, help="Look for shared passages (partial copies, rewrites) [on]."),
        click.option("--boilerplate/--no-boilerplate", "boilerplate", default=None, help="Find boilerplate and leave it out of reuse figures [on]."),
        click.option("--keep-boilerplate", "keep_boilerplate", is_flag=True, default=None, help="Count boilerplate in the reuse figures."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def record_field_options(func: Callable) -> Callable:
    """Where JSONL records and Parquet rows keep their id and text."""
    func = click.option("--text-field", default="text", show_default=True, help="Field of the text in JSONL/Parquet records; a dotted path reaches nested fields (meta.body).")(func)
    return click.option("--id-field", default="id", show_default=True, help="Field of the document id in JSONL/Parquet records (e.g. url, meta.url).")(func)


def record_fields(id_field: str, text_field: str):
    """The reader's :class:`~dedup.io.records.RecordFields`, or a usage error."""
    from dedup.io.records import RecordFields

    try:
        return RecordFields(id_field, text_field)
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def _known_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from dedup.io.decoding import check_encoding

    try:
        return None if value is None else check_encoding(value)
    except LookupError:
        raise click.BadParameter(f"unknown text encoding {value!r} (e.g. utf-8, cp1252, latin-1, utf-16)") from None


encoding_option = click.option(
    "--encoding", callback=_known_encoding, metavar="NAME",
    help="Encoding of plain-text files without a byte order mark [utf-8]; also tried for HTML that declares none (JSONL is always UTF-8).",
)


engine_option = click.option("--engine", "engine_kind", type=click.Choice(ENGINES), default="local", show_default=True, help="Where batches run: local processes, or a Ray cluster (the ray extra: pip install '.[ray]').")
ray_address_option = click.option("--ray-address", envvar="RAY_ADDRESS", metavar="HOST:PORT", help="Ray cluster to join with --engine ray [RAY_ADDRESS; else a local one of --jobs CPUs].")
