"""The ``dedup`` command line: thin click commands over the library.

Each command reads its settings, makes one library call, and hands the
result to a view (terminal) or a formatter (machines). Library errors become
messages that say what to do; exit codes come from :mod:`dedup.report.formats`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dedup.config import ConfigError, Settings, load_settings
from dedup.io.problems import ProblemLog, omitted_message
from dedup.report.formats import EXIT_ERROR, FORMATTERS, scan_exit_code
from dedup.scan import scan_corpus
from dedup.version import __version__
from dedup.views.terminal import OutputOptions, emit_text, emit_view, use_color


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
    except OSError as err:
        target = output.path or "standard output"
        raise click.exceptions.Exit(_fail(f"cannot write {target}: {err.strerror or err}; check the folder exists and is writable")) from None


def note(output: OutputOptions, message: str) -> None:
    """A line on standard error for ``-v`` (verbose) runs."""
    if output.verbose:
        stderr_console().print(f"dedup: {message}", markup=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, no_color="NO_COLOR" in os.environ)


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


# Stage switches on the command line, and the settings they set.
STAGE_FLAGS = {"passages": "passages.enabled", "boilerplate": "boilerplate.enabled", "keep_boilerplate": "boilerplate.keep"}


def load_cli_settings(**flags: Any) -> Settings:
    """Settings from the config file in the working folder, then ``flags``."""
    flags = {STAGE_FLAGS.get(name, name): value for name, value in flags.items()}
    try:
        return load_settings(flags)
    except ConfigError as err:
        raise click.UsageError(str(err)) from None


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


def problem_log(quiet: bool = False) -> ProblemLog:
    """A bounded problem log that prints each problem it keeps on stderr at
    once (with ``quiet``, nothing until :func:`report_omitted_problems`)."""
    err = stderr_console()
    if quiet:
        return ProblemLog(lambda problem: None)
    return ProblemLog(lambda problem: err.print(f"dedup: {problem}", markup=False, emoji=False))


def report_omitted_problems(log: ProblemLog, quiet: bool = False) -> None:
    """After the run: how many problems of each kind were past the cap and
    not shown (with ``quiet``, one count of them all)."""
    err = stderr_console()
    if quiet:
        if log.total():
            err.print(f"dedup: {log.total()} input problems (run without -q to see them)", markup=False, emoji=False)
        return
    for kind, count in log.omitted():
        err.print(f"dedup: {omitted_message(count)} ({kind})", markup=False, emoji=False)


def _fail(message: str) -> int:
    stderr_console().print(f"dedup: error: {message}", markup=False)
    return EXIT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find duplicate, rewritten and boilerplate text in corpora.

    Inputs are folders (.txt, .md, .html files and .jsonl), JSONL files with
    id and text fields, or - for JSONL on standard input.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@settings_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv", "html"]), default="text", show_default=True, help="text: terminal report; json: everything; jsonl/csv: one pair per row; html: a report to open in a browser.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (only on a terminal).")
@encoding_option
@output_options
def scan(paths: tuple[str, ...], fmt: str, progress: bool, encoding: str | None, **flags: Any) -> None:
    """Find duplicate and near-duplicate documents in PATHS.

    \b
    Examples:
      dedup scan corpus/
      dedup scan news.jsonl --threshold 0.7 --format json -o pairs.json
      dedup scan corpus/ --format html -o report.html
      cat new.jsonl | dedup scan corpus/ -
    """
    output = collect_output(flags)
    settings = load_cli_settings(**flags)
    problems = problem_log(output.quiet)
    with progress_bar(progress and not output.quiet) as update:
        if fmt == "html":
            from dedup.report.html import scan_report

            report = scan_report(paths, settings, progress=update, encoding=encoding, problems=problems)
            result = report.result
        else:
            result = scan_corpus(paths, settings, progress=update, encoding=encoding, problems=problems)
    report_omitted_problems(problems, output.quiet)
    if not result.documents:
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    note(output, f"{result.stats['documents']} documents in {result.timing.get('seconds', 0.0):.2f} s; stages: {result.timing.get('stage_seconds', {})}")
    with writing(output):
        if fmt == "text":
            from dedup.views.scan_view import render_scan
            from dedup.views.terminal import capture

            emit_view(capture(lambda console: render_scan(result, console)), output)
        elif fmt == "html":
            emit_text(report.html, output)
        else:
            emit_text(FORMATTERS[fmt](result) + ("\n" if fmt == "json" else ""), output)
    sys.exit(scan_exit_code(result))


@main.command()
@click.argument("first")
@click.argument("second")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True), help="Read FIRST and SECOND as document ids of this corpus (folder or JSONL; repeatable).")
@click.option("--side-by-side", is_flag=True, help="Aligned sentences facing each other instead of inline.")
@click.option("--full", is_flag=True, help="Show unrelated documents in full too (by default they get a short answer).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True, help="text: coloured terminal view; json: every span, for machines; html: a page to open in a browser.")
@encoding_option
@output_options
def diff(first: str, second: str, corpus: tuple[str, ...], side_by_side: bool, full: bool, fmt: str, encoding: str | None, **flags: Any) -> None:
    """Show what two documents share: verbatim and reworded passages, the
    words that differ inside them, and each one's own text.

    FIRST and SECOND are two files, or two document ids with --corpus PATH.

    \b
    Examples:
      dedup diff corpus/000_8aaba136161a1b97.txt corpus/001_1edf69fc7060fb53.txt
      dedup diff 000_8aaba136161a1b97.txt 001_1edf69fc7060fb53.txt --corpus corpus/ --side-by-side
      dedup diff a.txt b.txt --format html -o pair.html
    """
    from dedup.diff import DiffInputError, diff_documents

    output = collect_output(flags)
    settings = load_cli_settings()
    started = time.perf_counter()
    try:
        result = diff_documents(first, second, settings, list(corpus) or None, encoding=encoding, problems=problem_log(output.quiet))
    except DiffInputError as err:
        raise click.exceptions.Exit(_fail(str(err))) from None
    note(output, f"aligned in {time.perf_counter() - started:.2f} s: {len(result.alignment.passages)} passages, "
                 f"{len(result.alignment.sentence_pairs)} aligned sentence pairs; settings {settings.passages}")
    with writing(output):
        if fmt == "json":
            emit_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
        elif fmt == "html":
            from dedup.report.html import diff_page

            emit_text(diff_page(result), output)
        else:
            from dedup.views.diff_view import diff_view

            emit_view(diff_view(result, use_color(output.color), side_by_side, full), output)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Terminal report or JSON.")
@click.option("--min-docs", type=click.IntRange(2), default=None, help="Fewest documents a block must recur in to count as a corpus-level repeat.")
@click.option("--no-classifier", is_flag=True, help="Use only repeats and named patterns, not the block classifier.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Rows to show per table (text format).")
@encoding_option
@output_options
def boilerplate(paths: tuple[str, ...], fmt: str, min_docs: int | None, no_classifier: bool, limit: int, encoding: str | None, **flags: Any) -> None:
    """List boilerplate in PATHS: blocks repeated across the corpus (with
    counts and example ids) and, per document, the spans marked as
    boilerplate with their kind and reason.

    \b
    Examples:
      dedup boilerplate corpus/
      dedup boilerplate site-dump/ --min-docs 5 --format json
    """
    from dedup.boilerplate.detect import boilerplate_report, summarize
    from dedup.io.corpus import read_corpus
    from dedup.io.problems import problem_records

    output = collect_output(flags)
    settings = load_cli_settings(**{"boilerplate.corpus_min_docs": min_docs, "boilerplate.classifier": False if no_classifier else None})
    docs, problems = read_corpus(paths, encoding=encoding, problems=problem_log(output.quiet))
    report_omitted_problems(problems, output.quiet)
    if not docs:
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    started = time.perf_counter()
    found, repeats = boilerplate_report(docs, settings)
    note(output, f"{len(docs)} documents, {len(repeats)} repeated blocks in {time.perf_counter() - started:.2f} s; settings {settings.boilerplate}")
    if fmt == "json":
        payload = {
            "repeated_blocks": [r.to_dict() for r in repeats],
            "documents": [{"id": d.id, **summarize(d.text, found[d.id])} for d in docs],
            "problems": problem_records(problems),
        }
        with writing(output):
            emit_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", output)
        return
    from dedup.views.boilerplate_view import render_boilerplate
    from dedup.views.terminal import capture

    with writing(output):
        emit_view(capture(lambda console: render_boilerplate(console, docs, found, repeats, limit)), output)
