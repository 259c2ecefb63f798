"""`panoply write`: stream JSON lines or CSV from files or stdin to Panoply."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import click

from panoply.cli._records import InputRecord, read_records
from panoply.errors import PanoplyException, RecordError

__all__ = ["write_command"]

MAX_REPORTED_REJECTIONS = 20


@dataclass
class _Tally:
    written: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)

    def reject(self, where: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append(f"{where}: {reason}")


@click.command("write")
@click.argument("table")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--apikey",
    envvar="PANOPLY_API_KEY",
    help="Panoply API key [env PANOPLY_API_KEY].",
)
@click.option(
    "--apisecret",
    envvar="PANOPLY_API_SECRET",
    help="Panoply API secret [env PANOPLY_API_SECRET]. Prefer the variable: options show in ps.",
)
@click.option(
    "--endpoint-url",
    envvar="PANOPLY_ENDPOINT_URL",
    help="Base URL of an SQS-compatible server to send to instead of AWS "
    "[env PANOPLY_ENDPOINT_URL].",
)
@click.option("--csv", "as_csv", is_flag=True, help="Read CSV with a header row, not JSON lines.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds to wait at the end for every record to be acknowledged.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Show a progress bar [default: on a terminal]."
)
def write_command(
    table: str,
    files: tuple[str, ...],
    apikey: str | None,
    apisecret: str | None,
    endpoint_url: str | None,
    as_csv: bool,
    timeout: float,
    progress: bool | None,
) -> None:
    """Send records from FILES (or stdin) to TABLE in Panoply.

    Each line of JSON-lines input is one JSON object. CSV values are sent as text,
    with empty cells as null. The exit status is 1 when any record was rejected or
    not delivered; each rejected record is reported with its file and line number.
    """
    from panoply.sdk import SDK

    if not apikey:
        raise click.UsageError("missing the Panoply API key: set PANOPLY_API_KEY or pass --apikey")
    if not apisecret:
        raise click.UsageError(
            "missing the Panoply API secret: set PANOPLY_API_SECRET or pass --apisecret"
        )
    if not table.strip():
        raise click.UsageError("TABLE must not be empty; name the Panoply table to write to")
    _show_client_log()
    try:
        # --timeout bounds the whole wait at the end, so retries need not outlast it.
        sdk = SDK(apikey, apisecret, endpoint_url=endpoint_url, delivery_timeout=max(timeout, 1.0))
    except PanoplyException as error:
        raise click.UsageError(str(error)) from None

    started = time.monotonic()
    tally = _Tally()
    show_progress = sys.stderr.isatty() if progress is None else progress
    try:
        for item in _with_progress(read_records(files or ("-",), as_csv), files, show_progress):
            _write_one(sdk, table, item, tally)
    finally:
        undelivered = sdk.close(timeout)

    _report(tally, sdk.stats.sent, undelivered, time.monotonic() - started)
    if tally.rejected or undelivered:
        sys.exit(1)


def _show_client_log() -> None:
    """Print the client's warnings and errors (retries, records given up on) to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    package_logger = logging.getLogger("panoply")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.WARNING)


def _write_one(sdk: Any, table: str, item: InputRecord, tally: _Tally) -> None:
    if item.error is not None:
        tally.reject(item.where, item.error)
        return
    try:
        sdk.write(table, item.record)
    except RecordError as error:
        tally.reject(item.where, str(error))
        return
    tally.written += 1


def _with_progress(
    items: Iterator[InputRecord], files: tuple[str, ...], enabled: bool
) -> Iterator[InputRecord]:
    if not enabled:
        yield from items
        return

    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("writing", total=None)
        for count, item in enumerate(items, start=1):
            yield item
            if count % 1000 == 0:
                bar.update(task, completed=count, description=f"{count:,} records")


def _report(tally: _Tally, sent: int, undelivered: int, elapsed: float) -> None:
    err: IO[str] = sys.stderr
    for line in tally.rejections:
        click.echo(f"rejected {line}", err=True)
    if tally.rejected > len(tally.rejections):
        click.echo(f"... and {tally.rejected - len(tally.rejections)} more rejected", err=True)

    rate = sent / elapsed if elapsed > 0 else 0.0
    records = "record" if sent == 1 else "records"
    click.echo(
        f"{sent:,} {records} sent, {undelivered:,} not delivered, {tally.rejected:,} rejected "
        f"in {elapsed:.1f} s ({rate:,.0f} records/s)",
        file=err,
    )
