"""The ``dedup`` command line: thin click commands over the library.

Each command reads its settings, makes one library call, and hands the
result to a view (terminal) or a formatter (machines). Library errors become
messages that say what to do; exit codes come from :mod:`dedup.report.formats`.
:class:`DedupGroup` ends every command the same way: an unexpected error is
one line on stderr and exit 2 (``--debug`` adds the traceback), Ctrl-C exits
130 and SIGTERM 143, both after the workers are stopped and the temporary
files removed (the library cleans up as the interrupt unwinds it).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from contextlib import nullcontext, redirect_stdout
from typing import Any, Callable

import click
from rich.text import Text

from dedup.config import ConfigError, Settings, find_config, load_settings
from dedup.engine import EngineUnavailable, FaultLog, open_engine
from dedup.engine.memory import collect_less
from dedup.io.json_text import dumps
from dedup.io.problems import ProblemLog, omitted_message, printable
from dedup.io.wording import count_of
from dedup.report.formats import EXIT_BROKEN_PIPE, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED, lint_exit_code, report_pieces, scan_exit_code
from dedup.scan import scan_corpus
from dedup.version import __version__
from dedup.views.safe import visible_line
from dedup.views.options import (
    collect_output, encoding_option, engine_option, note, output_options, progress_bar, ray_address_option, record_field_options,
    record_fields, settings_options, stderr_console, stdout_console, writing,
)
from dedup.views.terminal import emit_pieces, emit_text, emit_view, use_color


# Stage switches on the command line, and the settings they set.
STAGE_FLAGS = {"passages": "passages.enabled", "boilerplate": "boilerplate.enabled", "keep_boilerplate": "boilerplate.keep"}


def load_cli_settings(config_file: str | None = None, **flags: Any) -> Settings:
    """Settings from the config file (``--config``, or found upward from the
    working folder), then ``flags``; the file's warnings go to stderr."""
    flags = {STAGE_FLAGS.get(name, name): value for name, value in flags.items()}
    try:
        found = find_config(".", config_file)
        for warning in found.warnings:
            stderr_console().print(f"dedup: warning: {warning}", markup=False)
        return load_settings(flags, config=found)
    except ConfigError as err:
        raise click.UsageError(str(err)) from None


def print_problem(problem: object) -> None:
    """One problem on stderr, as plain text with control characters escaped."""
    stderr_console().print(Text(f"dedup: {visible_line(problem)}"))


def problem_log(quiet: bool = False) -> ProblemLog:
    """A bounded problem log that prints each problem it keeps on stderr at
    once (with ``quiet``, none: :func:`report_omitted_problems` counts them)."""
    return ProblemLog(None if quiet else print_problem)


def fault_log() -> FaultLog:
    """A bounded log of the documents and pairs a stage fails on, printing
    each one it keeps on stderr at once (with ``-q`` too: they are errors)."""
    return FaultLog(print_problem)


def report_omitted_problems(log: ProblemLog, faults: FaultLog | None = None, quiet: bool = False) -> None:
    """After the run: how many problems of each kind were past the cap and
    not shown (with ``quiet``, one count of all of them); with ``--debug``,
    the traceback of each stage failure shown."""
    err = stderr_console()
    if quiet and log.total:
        err.print(Text(f"dedup: {count_of(log.total, 'input problem')} (run without -q to see them)"))
    for kind, count in [] if quiet else log.omitted():
        err.print(Text(f"dedup: {omitted_message(count)} ({kind})"))
    if faults is None:
        return
    for stage, count in faults.omitted():
        err.print(Text(f"dedup: {omitted_message(count)} ({stage} failures)"))
    if _debugging():
        for fault in faults:
            err.print(Text(f"dedup: traceback of {visible_line(' / '.join(fault.documents))} ({fault.stage}):\n{fault.trace}"))


def report_problems(problems: list[dict[str, Any]]) -> None:
    """Problems a library call collected (:func:`dedup.io.problems.problem_records`), each on stderr."""
    err = stderr_console()
    for problem in problems:
        where = f"{printable(problem['origin'])}: " if problem.get("origin") else ""
        err.print(f"dedup: {where}{printable(problem['message'])}", markup=False, emoji=False)


def _fail(message: str) -> int:
    stderr_console().print(Text(f"dedup: error: {visible_line(message)}"))
    return EXIT_ERROR


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the run unwinds (workers
    stopped, temporary files removed) as it does for Ctrl-C. A BaseException,
    like KeyboardInterrupt, so that no fault barrier takes it for an error."""


def _stop(signum, frame) -> None:
    """SIGINT and SIGTERM: the run unwinds (KeyboardInterrupt, Terminated);
    a second signal while it cleans up is ignored, so that the cleanup ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated


_DEBUG = "dedup.debug"


def _debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get(_DEBUG))


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta[_DEBUG] = True


def debug_option(func: Callable) -> Callable:
    """``--debug``: show the traceback of unexpected errors (on the group or a command)."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug, help="Show tracebacks of unexpected errors.")(func)


class DedupGroup(click.Group):
    """The command group; it turns whatever ends a command into an exit code
    (see :mod:`dedup.report.formats`) and at most a line of message."""

    def invoke(self, ctx: click.Context) -> Any:
        previous = {signum: signal.signal(signum, _stop) for signum in (signal.SIGINT, signal.SIGTERM)}
        collect_less()  # a batch run: the modules loaded are frozen out of collections, fewer collections
        try:
            return _flushed(super().invoke, ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            stderr_console().print("dedup: interrupted", markup=False)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            stderr_console().print("dedup: terminated", markup=False)
            raise click.exceptions.Exit(EXIT_TERMINATED) from None
        except BrokenPipeError:
            # The reader of the output has gone (``| head``): nothing to say to it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_BROKEN_PIPE) from None
        except EngineUnavailable as error:  # --engine ray: Ray missing, or its cluster not answering
            raise click.exceptions.Exit(_fail(str(error))) from None
        except Exception as error:  # noqa: BLE001 - the one place unexpected errors end
            if _debugging():
                stderr_console().print(Text(traceback.format_exc().rstrip()))
            first = " ".join(str(error).split())[:300]
            hint = "" if _debugging() else " (run with --debug for the traceback)"
            raise click.exceptions.Exit(_fail(f"internal error: {type(error).__name__}{': ' + first if first else ''}{hint}")) from None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _flushed(command: Callable[[click.Context], Any], ctx: click.Context) -> Any:
    """Run ``command``, then flush standard output, so that an error writing
    it (a full disk, a closed pipe) is met here and not at interpreter exit."""
    try:
        value = command(ctx)
    except SystemExit:
        sys.stdout.flush()
        raise
    sys.stdout.flush()
    return value


@click.group(cls=DedupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
@debug_option
def main() -> None:
    """Find duplicate, rewritten and boilerplate text in corpora.

    Inputs are folders (.txt, .md, .html files and .jsonl), JSONL files with
    id and text fields, or - for JSONL on standard input.
    """


def config_option(func: Callable) -> Callable:
    """``--config FILE``: the settings file to use instead of searching upward."""
    return click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Read settings from this file (pyproject.toml or setup.cfg) instead of searching upward from the working folder.")(func)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@settings_options
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv", "html"]), default="text", show_default=True, help="text: terminal report; json: everything; jsonl/csv: one pair per row; html: a report to open in a browser.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (only on a terminal).")
@encoding_option
@debug_option
@record_field_options
@engine_option
@ray_address_option
@output_options
def scan(
    paths: tuple[str, ...], fmt: str, progress: bool, encoding: str | None, id_field: str, text_field: str, engine_kind: str, ray_address: str | None, config_file: str | None, **flags: Any
) -> None:
    """Find duplicate and near-duplicate documents in PATHS.

    \b
    Examples:
      dedup scan corpus/
      dedup scan news.jsonl --threshold 0.7 --format json -o pairs.json
      dedup scan corpus/ --format html -o report.html
      cat new.jsonl | dedup scan corpus/ -
      dedup scan dump.parquet --id-field url --text-field maintext
    """
    output = collect_output(flags)
    settings = load_cli_settings(config_file, **flags)
    fields = record_fields(id_field, text_field)
    problems = problem_log(output.quiet)
    # Ray prints its notices (a lost worker, a retried batch) on stdout: they go to stderr, stdout is the report.
    with open_engine(engine_kind, settings.workers, ray_address) or nullcontext() as engine, progress_bar(progress and not output.quiet) as update, redirect_stdout(sys.stderr):
        if fmt == "html":
            from dedup.report.html import scan_report

            report = scan_report(paths, settings, progress=update, encoding=encoding, problems=problems, faults=fault_log(), fields=fields, engine=engine)
            result = report.result
        else:
            result = scan_corpus(paths, settings, progress=update, encoding=encoding, problems=problems, faults=fault_log(), fields=fields, engine=engine)
    report_omitted_problems(problems, result.faults, output.quiet)
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
            emit_pieces(report_pieces(result, fmt), output)
    sys.exit(scan_exit_code(result))


@main.command()
@click.argument("first")
@click.argument("second")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True), help="Read FIRST and SECOND as document ids of this corpus (folder or JSONL; repeatable).")
@click.option("--side-by-side", is_flag=True, help="Aligned sentences facing each other instead of inline.")
@click.option("--full", is_flag=True, help="Show unrelated documents in full too (by default they get a short answer).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True, help="text: coloured terminal view; json: every span, for machines; html: a page to open in a browser.")
@config_option
@encoding_option
@debug_option
@output_options
def diff(first: str, second: str, corpus: tuple[str, ...], side_by_side: bool, full: bool, fmt: str, encoding: str | None, config_file: str | None, **flags: Any) -> None:
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
    settings = load_cli_settings(config_file)
    started = time.perf_counter()
    try:
        result = diff_documents(first, second, settings, list(corpus) or None, encoding=encoding, problems=problem_log(output.quiet))
    except DiffInputError as err:
        raise click.exceptions.Exit(_fail(str(err))) from None
    note(output, f"aligned in {time.perf_counter() - started:.2f} s: {count_of(len(result.alignment.passages), 'passage')}, "
                 f"{count_of(len(result.alignment.sentence_pairs), 'aligned sentence pair')}; settings {settings.passages}")
    with writing(output):
        if fmt == "json":
            emit_text(dumps(result.to_dict(), indent=True) + "\n", output)
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
@config_option
@encoding_option
@debug_option
@output_options
def boilerplate(paths: tuple[str, ...], fmt: str, min_docs: int | None, no_classifier: bool, limit: int, encoding: str | None, config_file: str | None, **flags: Any) -> None:
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
    settings = load_cli_settings(config_file, **{"boilerplate.corpus_min_docs": min_docs, "boilerplate.classifier": False if no_classifier else None})
    docs, problems = read_corpus(paths, encoding=encoding, problems=problem_log(output.quiet))
    if not docs:
        report_omitted_problems(problems, quiet=output.quiet)
        raise click.exceptions.Exit(_fail("no usable documents were read; check the paths and formats above"))
    started = time.perf_counter()
    faults = fault_log()
    found, repeats = boilerplate_report(docs, settings, faults=faults)
    report_omitted_problems(problems, faults, output.quiet)
    note(output, f"{count_of(len(docs), 'document')}, {count_of(len(repeats), 'repeated block')} in {time.perf_counter() - started:.2f} s; settings {settings.boilerplate}")
    if fmt == "json":
        payload = {
            "repeated_blocks": [r.to_dict() for r in repeats],
            "documents": [{"id": d.id, **summarize(d.text, found[d.id])} for d in docs],
            "problems": problem_records(problems) + faults.records(),
        }
        with writing(output):
            emit_text(dumps(payload, indent=True) + "\n", output)
        return
    from dedup.views.boilerplate_view import render_boilerplate
    from dedup.views.terminal import capture

    with writing(output):
        emit_view(capture(lambda console: render_boilerplate(console, docs, found, repeats, limit)), output)


def _lint_call(call: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run one library call of the lint commands; its errors become a message and exit code 2."""
    from dedup.lint.errors import LintError

    try:
        return call(*args, **kwargs)
    except LintError as err:
        raise click.exceptions.Exit(_fail(str(err))) from None


def _print_update(update: Any, fmt: str) -> None:
    report_problems(update.problems)
    if fmt == "json":
        sys.stdout.write(dumps(update.to_dict(), indent=True) + "\n")
        return
    stats = update.stats
    click.echo(
        f"{stats['path']}: {stats['documents']} documents ({update.added} added, {update.removed} removed), "
        f"{stats['bytes']:,} bytes ({stats['bytes_per_document']:,.0f} per document)"
    )


@main.group()
def index() -> None:
    """Build and update the corpus index that `dedup lint` checks new documents against.

    The index (one SQLite file, kept at the corpus repository's root and
    committed with it) stores fingerprints, not texts: a match is verified
    by re-reading the matched documents' files.
    """


@index.command("build")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The index file to write (replaced atomically).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
@click.option("--jobs", "-j", type=click.IntRange(0), help="Worker processes, 0 for all cores [0].")
@engine_option
@ray_address_option
def index_build(paths: tuple[str, ...], output: str, fmt: str, config_file: str | None, jobs: int | None, engine_kind: str, ray_address: str | None) -> None:
    """Index every document under PATHS into a new file OUTPUT.

    \b
    Example:
      dedup index build corpus/ -o corpus.dedup
    """
    from dedup.lint.build import build_index

    settings = load_cli_settings(config_file, jobs=jobs)
    with open_engine(engine_kind, settings.workers, ray_address) or nullcontext() as engine:
        _print_update(_lint_call(build_index, paths, output, settings, engine=engine), fmt)


@index.command("add")
@click.argument("index_file", metavar="INDEX")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
def index_add(index_file: str, paths: tuple[str, ...], fmt: str, config_file: str | None) -> None:
    """Add the documents under PATHS to INDEX (replacing those already there), in one transaction."""
    from dedup.lint.build import add_to_index

    _print_update(_lint_call(add_to_index, index_file, paths, load_cli_settings(config_file)), fmt)


@index.command("remove")
@click.argument("index_file", metavar="INDEX")
@click.argument("names", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
def index_remove(index_file: str, names: tuple[str, ...], fmt: str, config_file: str | None) -> None:
    """Remove documents from INDEX: files (every record of a JSONL file) or FILE#ID for one record."""
    from dedup.lint.build import remove_from_index

    update = _lint_call(remove_from_index, index_file, names, load_cli_settings(config_file))
    _print_update(update, fmt)
    if update.not_found:
        raise click.exceptions.Exit(_fail(f"not in the index: {', '.join(update.not_found)}"))


@index.command("stats")
@click.argument("index_file", metavar="INDEX")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
def index_stats_command(index_file: str, fmt: str, config_file: str | None) -> None:
    """Check INDEX and show its documents, size, versions and settings."""
    from dedup.lint.build import index_stats

    stats = _lint_call(index_stats, index_file, load_cli_settings(config_file))
    if fmt == "json":
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
        return
    for key, value in stats.items():
        click.echo(f"{key:22} {json.dumps(value) if isinstance(value, dict) else value}")


def lint_options(func: Callable) -> Callable:
    """The options `dedup lint` and `dedup baseline` share."""
    options = [
        click.option("--index", "index_file", type=click.Path(dir_okay=False), default=None, help="The corpus index to check against [lint.index]."),
        click.option("--diff-against", "diff_against", metavar="REF", default=None, help="Also lint the files the working tree adds or changes relative to git revision REF."),
        click.option("--select", default=None, help="Comma-separated rule ids to run [lint.select: all]."),
        click.option("--ignore", default=None, help="Comma-separated rule ids to switch off [lint.ignore]."),
        config_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("paths", nargs=-1)
@lint_options
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None, help="Accepted findings, which do not fail the run [lint.baseline].")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif", "gitlab"]), default="text", show_default=True, help="text: path:line:col: RULE message; github: workflow annotations; sarif 2.1.0; gitlab: code quality.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@output_options
def lint(paths: tuple[str, ...], index_file: str | None, diff_against: str | None, select: str | None, ignore: str | None, config_file: str | None, baseline_file: str | None, fmt: str, exit_zero: bool, **flags: Any) -> None:
    """Check new documents for duplicates, near duplicates, partial copies and
    rewrites of the indexed corpus or of each other, and for documents that
    are mostly boilerplate. Exit 0 clean, 1 findings, 2 error.

    \b
    Rules: DUP001 exact duplicate, DUP002 near duplicate, DUP003 partial
    copy, DUP004 rewrite, BOIL001 mostly boilerplate.
    \b
    Examples:
      dedup lint new/*.txt --index corpus.dedup --baseline .dedup-baseline.json
      dedup lint --diff-against origin/main --index corpus.dedup --format sarif > dedup.sarif
    """
    from dedup.lint.run import lint_paths
    from dedup.report.lint_formats import LINT_FORMATTERS

    output = collect_output(flags)
    # --index and --baseline land in the settings too, so that -v names the files the run used.
    settings = load_cli_settings(config_file, **{"lint.select": select, "lint.ignore": ignore, "lint.index": index_file, "lint.baseline": baseline_file})
    started = time.perf_counter()
    report = _lint_call(lint_paths, paths, settings, index_file, baseline_file, diff_against)
    if not output.quiet:
        report_problems(report.problems)
    note(output, f"linted {count_of(report.documents, 'document')} in {time.perf_counter() - started:.2f} s: "
                 f"{count_of(len(report.findings), 'finding')}; settings {settings.lint}")
    with writing(output):
        # Findings are the product here: written plain (no pager, no colour) so CI logs and files get them whole.
        emit_text(LINT_FORMATTERS[fmt](report), output)
    sys.exit(lint_exit_code(len(report.findings), exit_zero))


@main.command()
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The baseline file (entries of documents not linted now are kept).")
@lint_options
def baseline(paths: tuple[str, ...], output: str, index_file: str | None, diff_against: str | None, select: str | None, ignore: str | None, config_file: str | None) -> None:
    """Accept today's findings for PATHS: write them to the baseline OUTPUT,
    so that `dedup lint --baseline OUTPUT` fails only on new ones.

    \b
    Example:
      dedup baseline new/ --index corpus.dedup -o .dedup-baseline.json
    """
    from dedup.lint.run import baseline_paths

    settings = load_cli_settings(config_file, **{"lint.select": select, "lint.ignore": ignore})
    report = _lint_call(baseline_paths, paths, output, settings, index_file, diff_against)
    report_problems(report.problems)
    click.echo(f"{output}: {count_of(len(report.baselined), 'finding')} accepted in {count_of(report.documents, 'document')}")

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
@config_option
@encoding_option
@debug_option
@engine_option
@ray_address_option
def clean(paths: tuple[str, ...], output: str, id_field: str, text_field: str, progress: bool, encoding: str | None, engine_kind: str, ray_address: str | None, config_file: str | None, **options: Any) -> None:
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
    settings = load_cli_settings(config_file, **flags)
    to, overwrite = options.pop("to"), options.pop("overwrite")
    problems, faults = problem_log(), fault_log()
    try:
        clean_settings = CleanSettings(**options)
        with open_engine(engine_kind, settings.workers, ray_address) or nullcontext() as engine, progress_bar(progress) as update, redirect_stdout(sys.stderr):
            report = clean_corpus(
                paths, output, settings, clean_settings, record_fields(id_field, text_field), to, overwrite,
                progress=update, engine=engine, encoding=encoding, problems=problems, faults=faults,
            )
    except (CleanInputError, OSError, ValueError) as err:
        report_omitted_problems(problems)
        raise click.exceptions.Exit(_fail(str(err))) from None
    report_omitted_problems(problems, faults)
    for message in report.messages:
        print_problem(message)
    removed = ", ".join(f"{reason} {count:,}" for reason, count in report.removed.items()) or "none"
    stdout_console().print(
        f"dedup clean: {report.documents:,} documents read; {report.kept:,} kept ({report.edited:,} edited), "
        f"{sum(report.removed.values()):,} removed ({removed}), {report.refused:,} refused; "
        f"written to {report.output} (log: {report.log}) in {report.seconds:.2f} s",
        markup=False,
    )
