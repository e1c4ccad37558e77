"""The ``dedup`` command line: thin click commands over the library."""

from __future__ import annotations

import click

from dedup import __version__


@click.group()
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find duplicate, rewritten and boilerplate text in corpora."""
