"""The `panoply` command line: thin click commands over the library."""

from __future__ import annotations

import click

from panoply import __version__
from panoply.cli.run import run_command
from panoply.cli.write import write_command

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="panoply")
def main() -> None:
    """Stream records to Panoply, or run a Panoply data source into a warehouse."""


main.add_command(write_command)
main.add_command(run_command)
