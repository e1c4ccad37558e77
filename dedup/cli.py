"""The ``dedup`` command line: thin click commands over the library.

Each command reads its settings, makes one library call, and hands the
result to a view (terminal) or a formatter (machines). Library errors become
messages that say what to do; exit codes come from :mod:`dedup.report.formats`.
"""

from __future__ import annotations

import json
import os
import sys
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


def stdout_console() -> Console:
    """The console for results: no colour when piped or when NO_COLOR is set."""
    return Console(highlight=False, no_color="NO_COLOR" in os.environ)


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


def problem_log() -> ProblemLog:
    """A bounded problem log that prints each problem it keeps on stderr at once."""
    err = stderr_console()
    return ProblemLog(lambda problem: err.print(f"dedup: {problem}", markup=False, emoji=False))


def report_omitted_problems(log: ProblemLog) -> None:
    """After the run: how many problems of each kind were past the cap and not shown."""
    err = stderr_console()
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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv"]), default="text", show_default=True, help="text: terminal report; json: everything; jsonl/csv: one pair per row.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (only on a terminal).")
@encoding_option
def scan(paths: tuple[str, ...], fmt: str, progress: bool, encoding: str | None, **flags: Any) -> None:
    """Find duplicate and near-duplicate documents in PATHS.

    \b
    Examples:
      dedup scan corpus/
      dedup scan news.jsonl --threshold 0.7 --format json > pairs.json
      cat new.jsonl | dedup scan corpus/ -
    """
    settings = load_cli_settings(**flags)
    problems = problem_log()
    with progress_bar(progress) as update:
        result = scan_corpus(paths, settings, progress=update, encoding=encoding, problems=problems)
    report_omitted_problems(problems)
    if not result.documents:
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    if fmt == "text":
        from dedup.views.scan_view import render_scan

        render_scan(result, stdout_console())
    else:
        sys.stdout.write(FORMATTERS[fmt](result))
        if fmt == "json":
            sys.stdout.write("\n")
    sys.exit(scan_exit_code(result))


@main.command()
@click.argument("first")
@click.argument("second")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True), help="Read FIRST and SECOND as document ids of this corpus (folder or JSONL; repeatable).")
@click.option("--side-by-side", is_flag=True, help="Aligned sentences facing each other instead of inline.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="text: coloured terminal view; json: every span, for machines.")
@encoding_option
def diff(first: str, second: str, corpus: tuple[str, ...], side_by_side: bool, fmt: str, encoding: str | None) -> None:
    """Show what two documents share: verbatim and reworded passages, and each one's own text.

    FIRST and SECOND are two files, or two document ids with --corpus PATH.

    \b
    Examples:
      dedup diff corpus/000_8aaba136161a1b97.txt corpus/001_1edf69fc7060fb53.txt
      dedup diff 000_8aaba136161a1b97.txt 001_1edf69fc7060fb53.txt --corpus corpus/ --side-by-side
    """
    from dedup.diff import DiffInputError, diff_documents

    settings = load_cli_settings()
    try:
        result = diff_documents(first, second, settings, list(corpus) or None, encoding=encoding, problems=problem_log())
    except DiffInputError as err:
        raise click.exceptions.Exit(_fail(str(err))) from None
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    from dedup.views.diff_view import render_diff

    render_diff(result, side_by_side, stdout_console())


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Terminal report or JSON.")
@click.option("--min-docs", type=click.IntRange(2), default=None, help="Fewest documents a block must recur in to count as a corpus-level repeat.")
@click.option("--no-classifier", is_flag=True, help="Use only repeats and named patterns, not the block classifier.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Rows to show per table (text format).")
@encoding_option
def boilerplate(paths: tuple[str, ...], fmt: str, min_docs: int | None, no_classifier: bool, limit: int, encoding: str | None) -> None:
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

    settings = load_cli_settings(**{"boilerplate.corpus_min_docs": min_docs, "boilerplate.classifier": False if no_classifier else None})
    docs, problems = read_corpus(paths, encoding=encoding, problems=problem_log())
    report_omitted_problems(problems)
    if not docs:
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    found, repeats = boilerplate_report(docs, settings)
    if fmt == "json":
        payload = {
            "repeated_blocks": [r.to_dict() for r in repeats],
            "documents": [{"id": d.id, **summarize(d.text, found[d.id])} for d in docs],
            "problems": problem_records(problems),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    from dedup.views.boilerplate_view import render_boilerplate

    render_boilerplate(stdout_console(), docs, found, repeats, limit)
