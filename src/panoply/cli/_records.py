"""Input for `panoply write`: records from JSON-lines or CSV files, with their line numbers."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from panoply import _exactjson

__all__ = ["InputRecord", "read_records"]


@dataclass(frozen=True)
class InputRecord:
    """One record read from input, or the reason its line could not be read."""

    where: str
    record: dict[str, Any] | None = None
    error: str | None = None


def read_records(paths: tuple[str, ...], as_csv: bool) -> Iterator[InputRecord]:
    """Yield the records of each path in order; ``-`` is standard input."""
    for path in paths:
        name = "<stdin>" if path == "-" else path
        if path == "-":
            stream: IO[bytes] = sys.stdin.buffer
            yield from _read_stream(stream, name, as_csv)
        else:
            with open(path, "rb") as stream:
                yield from _read_stream(stream, name, as_csv)


def _read_stream(stream: IO[bytes], name: str, as_csv: bool) -> Iterator[InputRecord]:
    if as_csv:
        yield from _read_csv(stream, name)
    else:
        yield from _read_json_lines(stream, name)


def _read_json_lines(stream: IO[bytes], name: str) -> Iterator[InputRecord]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            value = _exactjson.loads(line)
        except _exactjson.JSONDecodeError as error:
            yield InputRecord(where, error=f"invalid JSON: {error}")
            continue
        if not isinstance(value, dict):
            yield InputRecord(where, error=f"expected a JSON object, got {type(value).__name__}")
            continue
        yield InputRecord(where, value)


class _InvalidText(Exception):
    def __init__(self, line_number: int, error: UnicodeDecodeError) -> None:
        super().__init__(error.reason)
        self.line_number = line_number


def _decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    # Line by line, so the rows before a bad byte are still read and sent.
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise _InvalidText(number, error) from None


def _read_csv(stream: IO[bytes], name: str) -> Iterator[InputRecord]:
    reader = csv.DictReader(_decoded_lines(stream))
    try:
        yield from _csv_rows(reader, name)
    except _InvalidText as error:
        yield InputRecord(
            f"{name}:{error.line_number}",
            error=f"the line is not valid UTF-8 ({error}); the rest of the file was skipped",
        )


def _csv_rows(reader: csv.DictReader[str], name: str) -> Iterator[InputRecord]:
    header = reader.fieldnames or []
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        yield InputRecord(
            f"{name}:1",
            error=f"the header repeats the column {', '.join(map(repr, repeated))}, so its "
            "values would overwrite each other; rename the columns. The file was skipped",
        )
        return

    for row in reader:
        where = f"{name}:{reader.line_num}"
        if None in row:
            yield InputRecord(where, error="the row has more cells than the header")
            continue
        yield InputRecord(
            where, {key: (value if value != "" else None) for key, value in row.items()}
        )
