"""`panoply run SOURCE`: load a data source into a destination.

The options of a source come from its CONFIG, so the command first imports SOURCE,
then builds a click command with the runtime options and one option per param,
and parses the rest of the command line with it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from panoply._retry import RetryPolicy
from panoply.errors import ConfigurationError, PanoplyException, SourceError
from panoply.runtime.display import open_display
from panoply.runtime.launch import RunRequest, launch
from panoply.runtime.loader import LoadedSource, load_source
from panoply.runtime.params import Param, click_options, convert_given, parse_params
from panoply.runtime.runner import SOURCE_RETRY_POLICY, RunSummary
from panoply.runtime.secrets import MaskingFilter, SecretMasker

__all__ = ["run_command"]

logger = logging.getLogger(__name__)

HELP_FLAGS = ("-h", "--help")
RUNTIME_FLAGS = (
    *HELP_FLAGS,
    "--config",
    "--state",
    "--to",
    "--id",
    "--log-file",
    "--retry-delay",
    "--verbose",
    "-v",
)


@click.command(
    "run",
    add_help_option=False,
    options_metavar="",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED, metavar="SOURCE [OPTIONS]")
@click.pass_context
def run_command(context: click.Context, arguments: tuple[str, ...]) -> None:
    """Run the data source SOURCE and load its records into a destination.

    SOURCE is a .py file, a package directory or a module name such as
    panoply.postgres; it must define Stream and CONFIG. Run
    `panoply run SOURCE --help` to list the options its CONFIG defines.
    """
    if not arguments or arguments[0] in HELP_FLAGS:
        click.echo(context.get_help())
        context.exit(0)

    spec, rest = arguments[0], list(arguments[1:])
    try:
        loaded = load_source(spec)
        params = parse_params(loaded.config)
    except ConfigurationError as error:
        raise click.UsageError(str(error), context) from error

    command = _source_command(spec, loaded, params)
    # No parent context: click would repeat this command's own usage in the sub-usage.
    with command.make_context(f"{context.command_path} {spec}", rest) as sub:
        command.invoke(sub)


def _source_command(spec: str, loaded: LoadedSource, params: list[Param]) -> click.Command:
    title = loaded.config.get("title") or loaded.name
    return click.Command(
        name=spec,
        callback=partial(_run, loaded, params),
        help=f"Run the {title} data source and load its records into a destination.",
        context_settings={"help_option_names": list(HELP_FLAGS)},
        params=[*_runtime_options(), *click_options(params, RUNTIME_FLAGS)],
    )


def _runtime_options() -> list[click.Option]:
    path = click.Path(dir_okay=False, path_type=Path)
    return [
        click.Option(
            ["--config", "config_path"],
            type=path,
            help="JSON (or .toml) file of source params; command-line params override it. "
            "Refreshed OAuth2 tokens are written back to it.",
        ),
        click.Option(
            ["--state", "state_path"],
            type=path,
            help="File that keeps the state, the source and refreshed OAuth2 tokens to "
            "resume from; written with mode 0600.",
        ),
        click.Option(
            ["--to", "destination_url"],
            metavar="URL",
            help="Destination URL: duckdb:///PATH, jsonl:///DIRECTORY or panoply. "
            "Default: panoply.duckdb in the current directory.",
        ),
        click.Option(
            ["--id", "source_id"],
            metavar="ID",
            help="Source id that keys the checkpoint. Default: the type and a hash of "
            "the non-secret params.",
        ),
        click.Option(
            ["--log-file", "log_file"],
            type=path,
            help="Also write log lines, secrets masked, to this file.",
        ),
        click.Option(
            ["--retry-delay", "retry_delay"],
            type=click.FloatRange(min=0),
            default=SOURCE_RETRY_POLICY.base_delay,
            show_default=True,
            help="Seconds of the first backoff before a failed source is retried; "
            "later retries wait up to twice as long each.",
        ),
        click.Option(
            ["--verbose", "-v", "verbose"],
            is_flag=True,
            help="Log DEBUG lines too, and the traceback of the error that ends a failed "
            "run (the --log-file always gets the traceback).",
        ),
    ]


def _run(
    loaded: LoadedSource,
    params: list[Param],
    *,
    config_path: Path | None,
    state_path: Path | None,
    destination_url: str | None,
    source_id: str | None,
    log_file: Path | None,
    retry_delay: float,
    verbose: bool,
    **given: Any,
) -> None:
    masker = SecretMasker(param.name for param in params if param.is_secret)
    with _masked_logging(masker, log_file, verbose):
        try:
            request = RunRequest(
                loaded=loaded,
                params=params,
                given=convert_given(params, given),
                config_path=config_path,
                state_path=state_path,
                destination_url=destination_url,
                source_id=source_id,
                interactive=sys.stdin.isatty(),
                retry_policy=RetryPolicy(
                    max_attempts=SOURCE_RETRY_POLICY.max_attempts,
                    base_delay=retry_delay,
                    max_delay=max(retry_delay, SOURCE_RETRY_POLICY.max_delay),
                ),
            )
            summary = _launch(request, masker)
        except ConfigurationError as error:
            raise click.UsageError(masker.mask(str(error))) from error
        except PanoplyException as error:
            # The log file and --verbose get the traceback; the terminal gets click's
            # one "Error:" line instead of the same message twice.
            logger.error("%s", error, exc_info=True, extra={_FINAL_ERROR: True})
            message = masker.mask(str(error))
            if isinstance(error, SourceError):
                message += (
                    "\nRecords up to the last committed state are stored; run the same "
                    "command again to resume from there (give secret params again: they "
                    "are never stored)."
                )
            raise click.ClickException(message) from error
    _print_summary(summary)


def _launch(request: RunRequest, masker: SecretMasker) -> RunSummary:
    from panoply.destinations import open_destination

    console = Console(stderr=True)
    display = open_display(console, request.loaded.name, masker.mask)
    try:
        with open_destination(request.destination_url) as destination:
            return launch(request, destination, masker, display)
    finally:
        display.close()


_FINAL_ERROR = "panoply_final_error"


def _not_final_error(record: logging.LogRecord) -> bool:
    return not getattr(record, _FINAL_ERROR, False)


@contextmanager
def _masked_logging(masker: SecretMasker, log_file: Path | None, verbose: bool) -> Iterator[None]:
    """Log INFO (DEBUG when `verbose`) and above to stderr and `log_file`, secrets masked."""
    console = logging.StreamHandler(sys.stderr)
    if not verbose:
        console.addFilter(_not_final_error)
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(MaskingFilter(masker))

    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(previous_level)


def _print_summary(summary: RunSummary) -> None:
    tables = "table" if len(summary.rows) == 1 else "tables"
    click.echo(
        f"Loaded {summary.total_rows:,} rows into {len(summary.rows)} {tables} in "
        f"{summary.elapsed:.2f} s ({summary.records_per_second:,.0f} records/s, "
        f"attempts: {summary.attempts})"
    )
    width = max((len(table) for table in summary.rows), default=5)
    for table, rows in sorted(summary.rows.items()):
        click.echo(f"  {table:<{width}}  {rows:>10,}")
