"""`panoply run`: load a data source into a destination."""

from __future__ import annotations

import click


@click.command("run")
def run_command() -> None:
    """Run a Panoply data source (not implemented yet)."""
    raise click.ClickException("panoply run is not implemented yet")
