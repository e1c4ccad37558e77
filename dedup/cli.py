"""The ``dedup`` command line: thin click commands over the library."""

from __future__ import annotations

import click

from dedup import __version__


@click.group()
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find duplicate, rewritten and boilerplate text in corpora."""


class InputError(click.ClickException):
    """A usage or input problem: exit code 2."""

    exit_code = 2


@main.command()
@click.argument("first")
@click.argument("second")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True),
              help="Read FIRST and SECOND as document ids of this corpus (folder or JSONL; repeatable).")
@click.option("--side-by-side", is_flag=True, help="Aligned sentences facing each other instead of inline.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: coloured terminal view; json: every span, for machines.")
def diff(first: str, second: str, corpus: tuple[str, ...], side_by_side: bool, fmt: str) -> None:
    """Show what two documents share: verbatim and reworded passages, and each one's own text.

    FIRST and SECOND are two files, or two document ids with --corpus PATH.
    """
    import json

    from dedup.config import ConfigError, load_settings
    from dedup.diff import DiffInputError, diff_documents

    try:
        result = diff_documents(first, second, load_settings(), list(corpus) or None)
    except (DiffInputError, ConfigError) as err:
        raise InputError(str(err)) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    from dedup.views.diff_view import render_diff

    render_diff(result, side_by_side)
