"""Parsing raw records (``DataSource.raw``) into plain records.

A raw record carries base64 content in one of three formats: a JSON document (an
object, or an array of objects), JSON lines, or CSV with a header row. The format
comes from the tag's file extension when it has one, else from the content.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from typing import Any

from panoply import _exactjson
from panoply.errors import SourceError

__all__ = ["is_raw", "parse_raw"]

_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", "json")
_CSV_SUFFIXES = (".csv", "csv")


def is_raw(record: Any) -> bool:
    """Tell whether `record` is what `DataSource.raw` builds: type, tag and raw content."""
    return (
        isinstance(record, dict)
        and record.get("type") == "raw"
        and "raw" in record
        and "tag" in record
    )


def parse_raw(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the records in the content of raw `record`, each with its metadata fields.

    Metadata fields, and the raw record's ``__state``, override fields of the same
    name in the content. JSON array items that are not objects become ``{"value": item}``.

    Raises:
        SourceError: the content is not valid base64, UTF-8, JSON or CSV. Not retryable.
    """
    tag = str(record.get("tag") or "")
    text = _decode(record["raw"], tag)
    extra = dict(record.get("metadata") or {})
    if "__state" in record:
        extra["__state"] = record["__state"]

    if tag.lower().endswith(_CSV_SUFFIXES):
        parsed = _parse_csv(text)
    elif tag.lower().endswith(_JSON_SUFFIXES) or text.lstrip()[:1] in ("{", "["):
        parsed = _parse_json(text, tag)
    else:
        parsed = _parse_csv(text)
    return [{**item, **extra} for item in parsed]


def _decode(content: Any, tag: str) -> str:
    try:
        data = base64.b64decode(content, validate=True)
        return data.decode("utf-8-sig")
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as error:
        raise SourceError(
            f"raw record {tag!r} has content that is not base64-encoded UTF-8: {error}; "
            "build raw records with DataSource.raw(tag, bytes, metadata)",
            retryable=False,
        ) from error


def _parse_json(text: str, tag: str) -> list[dict[str, Any]]:
    try:
        document = _exactjson.loads(text)
    except _exactjson.JSONDecodeError:
        return _parse_json_lines(text, tag)

    items = document if isinstance(document, list) else [document]
    return [item if isinstance(item, dict) else {"value": item} for item in items]


def _parse_json_lines(text: str, tag: str) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _exactjson.loads(line)
        except _exactjson.JSONDecodeError as error:
            raise SourceError(
                f"raw record {tag!r} is neither a JSON document nor JSON lines: "
                f"line {number} is invalid ({error})",
                retryable=False,
            ) from error
        records.append(item if isinstance(item, dict) else {"value": item})
    return records


def _parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    # Cells beyond the header row have no column name (key None) and are dropped.
    return [{key: value for key, value in row.items() if key is not None} for row in reader]
