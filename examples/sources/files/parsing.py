"""Parse CSV and JSON lines documents into records, one row at a time.

CSV cells are text. Two rules turn them into typed values, the same for every run
of the same file:

1. A cell that is empty, or equal to one of the null values (``NA`` by default),
   becomes ``None``.
2. A column whose every other cell is a JSON integer literal (``-12``, ``0``; no
   leading zeros, no ``+``) becomes ``int``. A column whose every other cell is a
   JSON number literal (``1.5``, ``-2e3``, ``7``) becomes ``float``, the integers
   included. Any other column stays text, so ``007`` and ``1,5`` keep their text.

Rule 2 needs the whole column, so `scan_csv_columns` reads the document once before
its rows are emitted; memory stays one row per pass. JSON lines keep the types JSON
gives them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson

from panoply.errors import PanoplyException

__all__ = ["CsvLayout", "iter_csv_records", "iter_jsonl_records", "scan_csv_columns"]

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")

Converter = Callable[[str], Any]


@dataclass(frozen=True)
class CsvLayout:
    """The result of scanning a CSV document: column names, converters and row count."""

    columns: tuple[str, ...]
    converters: tuple[Converter, ...]
    rows: int


def open_text(stream: IO[bytes], encoding: str) -> io.TextIOWrapper:
    """Wrap a binary stream for the csv module, which wants ``newline=""``."""
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def scan_csv_columns(
    text: IO[str], delimiter: str, null_values: frozenset[str], name: str
) -> CsvLayout:
    """Read a whole CSV document once and choose each column's converter (rules 1 and 2)."""
    reader = csv.reader(text, delimiter=delimiter)
    columns = _column_names(next(reader, []))
    may_be_integer = [True] * len(columns)
    may_be_number = [True] * len(columns)

    rows = 0
    for row in reader:
        rows += 1
        _check_width(row, columns, reader.line_num, name)
        for index, cell in enumerate(row):
            if not may_be_number[index] or cell in null_values:
                continue
            if may_be_integer[index] and not _INTEGER.fullmatch(cell):
                may_be_integer[index] = False
            if not may_be_integer[index] and not _NUMBER.fullmatch(cell):
                may_be_number[index] = False

    converters = tuple(
        int if integer else float if number else str
        for integer, number in zip(may_be_integer, may_be_number, strict=True)
    )
    return CsvLayout(columns, converters, rows)


def iter_csv_records(
    text: IO[str],
    layout: CsvLayout,
    delimiter: str,
    null_values: frozenset[str],
    skip: int,
) -> Iterator[dict[str, Any]]:
    """Yield the records of a CSV document after its first `skip` data rows."""
    reader = csv.reader(text, delimiter=delimiter)
    next(reader, None)
    for _ in range(skip):
        next(reader, None)

    columns = layout.columns
    converters = layout.converters
    for row in reader:
        record: dict[str, Any] = dict.fromkeys(columns)
        for column, convert, cell in zip(columns, converters, row, strict=False):
            if cell not in null_values:
                record[column] = convert(cell)
        yield record


def iter_jsonl_records(text: IO[str], skip: int, name: str) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSON lines document after its first `skip` records.

    Blank lines are ignored and do not count as records.
    """
    count = 0
    for line_number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        count += 1
        if count <= skip:
            continue
        yield _parse_json_line(line, line_number, name)


# orjson parses integers beyond 64 bits as floats; the standard library keeps them
# exact, so lines with a run of 19 or more digits take that slower path.
_LONG_DIGIT_RUN = re.compile(r"\d{19}")


def _loads_exact(line: str) -> Any:
    if _LONG_DIGIT_RUN.search(line):
        return json.loads(line)
    return orjson.loads(line)


def _parse_json_line(line: str, line_number: int, name: str) -> dict[str, Any]:
    try:
        value = _loads_exact(line)
    except (orjson.JSONDecodeError, json.JSONDecodeError) as error:
        raise PanoplyException(
            f"line {line_number} of {name!r} is not valid JSON ({error}); every line of a "
            "JSON lines file must contain one JSON object",
            retryable=False,
        ) from error

    if not isinstance(value, dict):
        raise PanoplyException(
            f"line {line_number} of {name!r} contains a JSON {type(value).__name__}, not an "
            "object; every line of a JSON lines file must contain one JSON object",
            retryable=False,
        )
    return value


def _column_names(header: Sequence[str]) -> tuple[str, ...]:
    """Name blank header cells ``column_N`` (1-based) and suffix repeats with ``_2``, ``_3``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        name = cell.strip() or f"column_{position}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return tuple(names)


def _check_width(row: Sequence[str], columns: Sequence[str], line_number: int, name: str) -> None:
    # Shorter rows are allowed: their missing cells become None.
    if len(row) <= len(columns):
        return
    raise PanoplyException(
        f"line {line_number} of {name!r} has {len(row)} cells but the header has "
        f"{len(columns)}; fix the row, or pass --delimiter if the file is not comma-separated",
        retryable=False,
    )
