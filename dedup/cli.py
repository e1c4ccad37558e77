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


def report_problems(problems: list[dict[str, str]]) -> None:
    """Each skipped input on stderr, with its file and line."""
    err = stderr_console()
    for problem in problems:
        err.print(f"dedup: {problem['origin']}: {problem['message']}", markup=False)


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
@record_field_options
def scan(paths: tuple[str, ...], fmt: str, progress: bool, id_field: str, text_field: str, **flags: Any) -> None:
    """Find duplicate and near-duplicate documents in PATHS.

    \b
    Examples:
      dedup scan corpus/
      dedup scan news.jsonl --threshold 0.7 --format json > pairs.json
      cat new.jsonl | dedup scan corpus/ -
      dedup scan dump.parquet --id-field url --text-field maintext
    """
    settings = load_cli_settings(**flags)
    fields = record_fields(id_field, text_field)
    with progress_bar(progress) as update:
        result = scan_corpus(paths, settings, progress=update, fields=fields)
    report_problems(result.problems)
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
def diff(first: str, second: str, corpus: tuple[str, ...], side_by_side: bool, fmt: str) -> None:
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
        result = diff_documents(first, second, settings, list(corpus) or None)
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
def boilerplate(paths: tuple[str, ...], fmt: str, min_docs: int | None, no_classifier: bool, limit: int) -> None:
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

    settings = load_cli_settings(**{"boilerplate.corpus_min_docs": min_docs, "boilerplate.classifier": False if no_classifier else None})
    docs, problems = read_corpus(paths)
    report_problems([p.to_dict() for p in problems])
    if not docs:
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    found, repeats = boilerplate_report(docs, settings)
    if fmt == "json":
        payload = {
            "repeated_blocks": [r.to_dict() for r in repeats],
            "documents": [{"id": d.id, **summarize(d.text, found[d.id])} for d in docs],
            "problems": [p.to_dict() for p in problems],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    from dedup.views.boilerplate_view import render_boilerplate

    render_boilerplate(stdout_console(), docs, found, repeats, limit)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write the cleaned corpus to (created; see --overwrite).")
@click.option("--keep", type=click.Choice(["source", "earliest", "longest"]), default="source", show_default=True, help="Which document of a duplicate cluster is kept.")
@click.option("--keep-boilerplate", is_flag=True, help="Leave boilerplate in the kept text.")
@click.option("--drop-derived", type=click.FloatRange(0.0, 1.0, min_open=True), default=None, help="Remove documents with at least this share in passages shared with a kept one (e.g. 0.8).")
@click.option("--drop-shared-passages", is_flag=True, help="Cut from each kept document the passages it shares with one kept before it.")
@click.option("--min-chars", type=click.IntRange(0), default=200, show_default=True, help="Remove a document edited down to fewer non-space characters.")
@click.option("--to", "to", type=click.Choice(["same", "files", "jsonl"]), default="same", show_default=True, help="same: each input in its own format; files: a text file per document, named by its id; jsonl: one corpus.jsonl.")
@click.option("--overwrite", is_flag=True, help="Replace the output folder if it exists.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), help="Exact Jaccard for near duplicates [0.8].")
@click.option("--ngram", type=click.IntRange(1, 50), help="Words per shingle [5].")
@click.option("--jobs", "-j", type=click.IntRange(0), help="Worker processes, 0 for all cores [0].")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (only on a terminal).")
@record_field_options
def clean(paths: tuple[str, ...], output: str, id_field: str, text_field: str, progress: bool, **options: Any) -> None:
    """Write PATHS back to OUTPUT without duplicates and boilerplate, with a log.

    One document per duplicate cluster is kept; the log
    (OUTPUT/.dedup-clean-log.jsonl) has a line per input document: its id,
    the action, the reason, the id it was kept or removed for, and figures.

    \b
    Examples:
      dedup clean corpus/ -o cleaned/
      dedup clean news.jsonl.gz -o cleaned/ --keep earliest --drop-derived 0.8
      dedup clean dump/ -o cleaned/ --text-field maintext --drop-shared-passages
    """
    from dedup.clean import CleanInputError, CleanSettings, clean_corpus

    flags = {name: options.pop(name) for name in ("threshold", "ngram", "jobs")}
    settings = load_cli_settings(**flags)
    to, overwrite = options.pop("to"), options.pop("overwrite")
    try:
        clean_settings = CleanSettings(**options)
        with progress_bar(progress) as update:
            report = clean_corpus(paths, output, settings, clean_settings, record_fields(id_field, text_field), to, overwrite, progress=update)
    except (CleanInputError, OSError, ValueError) as err:
        raise click.exceptions.Exit(_fail(str(err))) from None
    report_problems(report.problems)
    for message in report.messages:
        stderr_console().print(f"dedup: {message}", markup=False)
    removed = ", ".join(f"{reason} {count:,}" for reason, count in report.removed.items()) or "none"
    stdout_console().print(
        f"dedup clean: {report.documents:,} documents read; {report.kept:,} kept ({report.edited:,} edited), "
        f"{sum(report.removed.values()):,} removed ({removed}), {report.refused:,} refused; "
        f"written to {report.output} (log: {report.log}) in {report.seconds:.2f} s",
        markup=False,
    )
