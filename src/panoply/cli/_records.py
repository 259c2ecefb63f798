"""Input for `panoply write`: records from JSON-lines or CSV files, with their line numbers."""

from __future__ import annotations

import csv
import io
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


def _read_csv(stream: IO[bytes], name: str) -> Iterator[InputRecord]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    for row in reader:
        where = f"{name}:{reader.line_num}"
        if None in row:
            yield InputRecord(where, error="the row has more cells than the header")
            continue
        yield InputRecord(
            where, {key: (value if value != "" else None) for key, value in row.items()}
        )
