"""Python values rendered as text the way DuckDB casts them to VARCHAR.

A column widened to VARCHAR keeps its old values as DuckDB's cast renders them
(``true``, ``1.5``, ``2024-01-02 10:00:00.5``); new values of other types are
rendered here in the same form, so a column reads the same whichever batch a value
came from. The same text is what the JSON loader casts back to typed columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from panoply.destinations._json import encode_record_value
from panoply.destinations._schema import JsonText, is_nested_type, python_base_type

__all__ = ["render_text"]

_BLOB_PLAIN_BYTES = frozenset(range(0x20, 0x7F)) - {ord("\\"), ord("'"), ord('"')}


def render_text(value: Any) -> str | None:
    """Render `value` as DuckDB would cast it to VARCHAR; None stays None."""
    if value is None:
        return None
    renderer = _RENDERERS.get(type(value))
    if renderer is None:
        renderer = _renderer_for_subclass(type(value))
    return renderer(value)


def _render_bool(value: bool) -> str:
    return "true" if value else "false"


def _render_float(value: float) -> str:
    # repr matches DuckDB's shortest round-trip form, including nan, inf and -inf.
    return repr(float(value))


def _render_decimal(value: Decimal) -> str:
    return format(value, "f") if value.is_finite() else str(value)


def _render_fraction(microseconds: int) -> str:
    if not microseconds:
        return ""
    return f".{microseconds:06d}".rstrip("0")


def _render_time(value: dt.time) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    text += _render_fraction(value.microsecond)
    offset = value.utcoffset()
    if offset is not None:
        text += _render_offset(offset)
    return text


def _render_offset(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")


def _render_datetime(value: dt.datetime) -> str:
    # Aware values are shown in UTC with a +00 suffix, like TIMESTAMPTZ under TimeZone=UTC.
    suffix = ""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        suffix = "+00"
    return f"{value.date().isoformat()} {_render_time(value.time())}{suffix}"


def _render_bytes(value: bytes | bytearray | memoryview) -> str:
    return "".join(
        chr(byte) if byte in _BLOB_PLAIN_BYTES else f"\\x{byte:02X}" for byte in bytes(value)
    )


def _render_nested(value: Any) -> str:
    return orjson.dumps(encode_record_value(value)).decode()


_RENDERERS: dict[type, Callable[[Any], str]] = {
    str: str,
    JsonText: str,
    bool: _render_bool,
    int: str,
    float: _render_float,
    Decimal: _render_decimal,
    dt.datetime: _render_datetime,
    dt.date: dt.date.isoformat,
    dt.time: _render_time,
    bytes: _render_bytes,
}


def _renderer_for_subclass(value_type: type) -> Callable[[Any], str]:
    if is_nested_type(value_type):
        return _render_nested
    base = python_base_type(value_type)
    if base is None:
        return str
    if base is int:
        return lambda value: str(int(value))
    if base is str:
        return str.__str__
    return _RENDERERS[base]
