"""The ``dedup`` command line: thin click commands over the library."""

from __future__ import annotations

import click

from dedup import __version__


@click.group()
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find duplicate, rewritten and boilerplate text in corpora."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Terminal report or JSON.")
@click.option("--min-docs", type=int, default=None,
              help="Fewest documents a block must recur in to count as a corpus-level repeat.")
@click.option("--no-classifier", is_flag=True, help="Use only repeats and named patterns, not the block classifier.")
@click.option("--limit", type=int, default=20, show_default=True, help="Rows to show per table (text format).")
def boilerplate(paths: tuple[str, ...], fmt: str, min_docs: int | None, no_classifier: bool, limit: int) -> None:
    """List boilerplate in the documents under PATHS: blocks repeated across
    the corpus (with counts and example ids) and, per document, the spans
    marked as boilerplate with their kind and reason."""
    import json

    from dedup.boilerplate import boilerplate_report, summarize
    from dedup.config import ConfigError, load_settings
    from dedup.corpus import read_corpus

    overrides = {"boilerplate.corpus_min_docs": min_docs, "boilerplate.classifier": False if no_classifier else None}
    try:
        settings = load_settings(overrides)
    except ConfigError as err:
        raise click.UsageError(str(err)) from None
    docs, problems = read_corpus(paths)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    if not docs:
        raise click.UsageError("no readable documents in the given paths (folders of .txt/.md/.html, JSONL, or -)")
    found, repeats = boilerplate_report(docs, settings)
    if fmt == "json":
        payload = {
            "repeated_blocks": [r.to_dict() for r in repeats],
            "documents": [{"id": d.id, **summarize(d.text, found[d.id])} for d in docs],
            "problems": [{"origin": p.origin, "message": p.message} for p in problems],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from dedup.views.boilerplate_view import render_boilerplate

    render_boilerplate(Console(), docs, found, repeats, limit)
