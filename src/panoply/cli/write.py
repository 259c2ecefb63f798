"""`panoply write`: stream JSON lines or CSV to Panoply."""

from __future__ import annotations

import click


@click.command("write")
def write_command() -> None:
    """Stream records to Panoply (not implemented yet)."""
    raise click.ClickException("panoply write is not implemented yet")
