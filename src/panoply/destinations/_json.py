"""JSON encodings for records and checkpoints.

Records (JSON columns, jsonl lines) use plain JSON: datetimes, dates and times become
ISO 8601 strings, Decimal its exact digits as a string, bytes base64, and NaN and the
infinities the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (JSON has no
literal for them, and orjson would write ``null``), and integers beyond 64 bits their
digits as a string (orjson writes no larger numbers).

Checkpoints must come back as they went in, so values that JSON cannot hold are
written as a tagged object ``{"$panoply": TYPE, "value": TEXT}`` with TYPE one of
``datetime``, ``date``, ``time``, ``decimal``, ``bytes`` (base64), ``float``
(non-finite floats) and ``int`` (beyond 64 bits), and turned back into those Python
values when read.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["decode_checkpoint_value", "encode_checkpoint_value", "encode_record_value"]

TAG = "$panoply"
# orjson writes integers in this range only.
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def encode_record_value(value: Any) -> Any:
    """Return `value` with everything orjson cannot write faithfully made JSON-safe."""
    if isinstance(value, Mapping):
        return {str(key): encode_record_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_record_value(item) for item in value]
    return _encode_record_scalar(value)


def _encode_record_scalar(value: Any) -> Any:
    if isinstance(value, int) and not _INT64_MIN <= value <= _UINT64_MAX:
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _nonfinite_text(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if value is None or isinstance(value, (str, int, float, dt.date, dt.time)):
        return value
    return str(value)


def _nonfinite_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def encode_checkpoint_value(value: Any) -> Any:
    """Return `value` as plain JSON data, tagging the values JSON cannot hold.

    Raises:
        TypeError: for a value of a type that has no JSON form (a set, an object).
    """
    if isinstance(value, Mapping):
        return {_checkpoint_key(key): encode_checkpoint_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_checkpoint_value(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        in_range = _INT64_MIN <= value <= _UINT64_MAX
        return value if in_range else _tagged("int", str(value))
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _tagged("float", repr(value))
    return _encode_tagged(value)


def _checkpoint_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"checkpoint keys must be strings, got {key!r}: convert it with str()")
    return key


def _encode_tagged(value: Any) -> dict[str, str]:
    if isinstance(value, dt.datetime):
        return _tagged("datetime", value.isoformat())
    if isinstance(value, dt.date):
        return _tagged("date", value.isoformat())
    if isinstance(value, dt.time):
        return _tagged("time", value.isoformat())
    if isinstance(value, Decimal):
        return _tagged("decimal", str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _tagged("bytes", base64.b64encode(bytes(value)).decode("ascii"))
    raise TypeError(
        f"cannot store a {type(value).__name__} value in a checkpoint: {value!r}; "
        "use JSON types, datetime, date, time, Decimal or bytes"
    )


def _tagged(type_name: str, text: str) -> dict[str, str]:
    return {TAG: type_name, "value": text}


_DECODERS: dict[str, Callable[[str], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "decimal": Decimal,
    "bytes": base64.b64decode,
    "float": float,
    "int": int,
}


def decode_checkpoint_value(value: Any) -> Any:
    """Undo `encode_checkpoint_value` on data parsed from JSON.

    NOTE: a stored dict that is exactly ``{"$panoply": TYPE, "value": TEXT}`` with a
    known TYPE comes back as that value, since nothing marks it as plain data.
    """
    if isinstance(value, list):
        return [decode_checkpoint_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    decoder = _DECODERS.get(value.get(TAG, "")) if len(value) == 2 else None
    if decoder is not None and isinstance(value.get("value"), str):
        return decoder(value["value"])
    return {key: decode_checkpoint_value(item) for key, item in value.items()}


def dumps_checkpoint_value(value: Any) -> str:
    """Encode a checkpoint's state or source dict as JSON text."""
    return orjson.dumps(encode_checkpoint_value(value)).decode()


def loads_checkpoint_value(text: str | bytes) -> Any:
    """Decode JSON text written by `dumps_checkpoint_value`."""
    return decode_checkpoint_value(orjson.loads(text))
