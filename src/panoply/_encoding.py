"""Record encoding: one Python dict to one JSON line that SQS accepts.

The mapping from Python values to JSON, applied by `SDK.write` and documented in
the README:

- str, int, float, bool, None, dict, list and tuple map as JSON does. Integers
  beyond 64 bits are written as exact JSON numbers.
- NaN and the infinities become ``null``: JSON has no literal for them.
- datetime becomes ISO 8601 text: a naive datetime stays naive (no offset is
  guessed), an aware one keeps its offset. date is ``YYYY-MM-DD`` and time
  ``HH:MM:SS[.ffffff]``.
- Decimal becomes a JSON number with exactly its digits; a NaN or infinite
  Decimal becomes ``null`` like a float.
- UUID becomes its canonical text; bytes, bytearray and memoryview become
  standard base64 text.
- set and frozenset become a list, sorted when the items can be compared so the
  output is deterministic.
- Dict keys that are not strings (int, float, bool, date, UUID, enum) become text.
- dataclasses, enums and numpy values follow orjson's own rules.

Characters that SQS rejects in a message body are escaped as JSON ``\\uXXXX``
sequences, so the data survives and the message is accepted. Control characters
are escaped by JSON itself, U+FFFE and U+FFFF and lone surrogates here.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from panoply.errors import RecordError

__all__ = ["encode_record"]

# The fast path uses no options: each costs time on every record. Records that need
# them (keys that are not str, numpy values) fail there and take the slow path.
_SLOW_PATH_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_dumps_fast = orjson.dumps

# U+FFFE and U+FFFF in UTF-8. Their bytes cannot occur inside any other character,
# and in JSON output they can only occur inside a string, so a byte replacement
# by the JSON escape is exact.
_NONCHARACTER_ESCAPES = ((b"\xef\xbf\xbe", b"\\ufffe"), (b"\xef\xbf\xbf", b"\\uffff"))

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1


def encode_record(table: str, record: Mapping[str, Any]) -> bytes:
    """Encode `record` routed to `table` as one JSON line, without the newline.

    Raises RecordError naming the key path and type of a value that has no JSON
    mapping.
    """
    if type(record) is dict and record and "__table" not in record:
        # Splicing the field into the encoded text is cheaper than copying the dict.
        encoded = _dumps(record)[:-1] + _table_suffix(table)
    else:
        encoded = _dumps({**record, "__table": table})

    if not encoded.isascii() and b"\xef\xbf" in encoded:
        for raw, escaped in _NONCHARACTER_ESCAPES:
            encoded = encoded.replace(raw, escaped)
    return encoded


_table_suffixes: dict[str, bytes] = {}


def _table_suffix(table: str) -> bytes:
    suffix = _table_suffixes.get(table)
    if suffix is None:
        suffix = b',"__table":' + orjson.dumps(_normalize_text(table)) + b"}"
        if len(_table_suffixes) < 10_000:
            _table_suffixes[table] = suffix
    return suffix


def _dumps(value: Any) -> bytes:
    try:
        return _dumps_fast(value, default=_encode_extra)
    except TypeError:
        # The fast path rejects huge ints, lone surrogates, keys that are not str and
        # numpy values, and names no key. Rebuild the value with those made
        # encodable, or find the bad key.
        key_escapes: dict[bytes, bytes] = {}
        try:
            normalized = _normalize(value, (), key_escapes)
            encoded = orjson.dumps(normalized, default=_encode_extra, option=_SLOW_PATH_OPTIONS)
        except (RecursionError, TypeError) as error:
            raise _too_deep(error) from None
        for placeholder, escaped in key_escapes.items():
            encoded = encoded.replace(placeholder, escaped)
        return encoded


def _encode_extra(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value.is_finite():
            return orjson.Fragment(str(value).encode())
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    raise TypeError


def _normalize(value: Any, path: tuple[Any, ...], key_escapes: dict[bytes, bytes]) -> Any:
    """Return `value` with every value orjson rejects replaced by an exact fragment.

    Keys cannot be fragments, so a key with lone surrogates becomes a unique
    placeholder, and `key_escapes` maps the placeholder's JSON to the key's.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if _INT64_MIN <= value <= _UINT64_MAX:
            return value
        return orjson.Fragment(str(int(value)).encode())
    if isinstance(value, str):
        return _normalize_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return _normalize_mapping(value, path, key_escapes)
    if isinstance(value, datetime.time) and value.tzinfo is not None:
        return value.isoformat()  # orjson rejects times with an offset
    if isinstance(value, (list, tuple, set, frozenset)):
        items = _encode_extra(value) if isinstance(value, (set, frozenset)) else value
        return [_normalize(item, (*path, index), key_escapes) for index, item in enumerate(items)]

    try:
        orjson.dumps(value, default=_encode_extra, option=_SLOW_PATH_OPTIONS)
    except TypeError:
        raise _unencodable(value, path) from None
    return value


def _normalize_mapping(
    value: Mapping[Any, Any], path: tuple[Any, ...], key_escapes: dict[bytes, bytes]
) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for key, item in value.items():
        text = _normalize_key(key, path, key_escapes)
        if text in normalized:
            raise RecordError(
                f"record keys at {_format_path(path) or 'the top level'} collide: {key!r} "
                f"becomes the JSON key {text!r}, which another key already is; rename one"
            )
        normalized[text] = _normalize(item, (*path, key), key_escapes)
    return normalized


def _normalize_key(key: Any, path: tuple[Any, ...], key_escapes: dict[bytes, bytes]) -> str:
    if isinstance(key, str):
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            placeholder = f"\ue000{uuid.uuid4().hex}\ue000"
            key_escapes[orjson.dumps(placeholder)] = json.dumps(key).encode("ascii")
            return placeholder
        return key
    try:
        encoded = orjson.dumps({key: None}, option=_SLOW_PATH_OPTIONS)
    except TypeError:
        raise RecordError(
            f"record key {key!r} at {_format_path(path) or 'the top level'} has type "
            f"{type(key).__name__}, which cannot be a JSON object key; use a str key"
        ) from None
    [text] = orjson.loads(encoded)
    return str(text)


def _normalize_text(text: str) -> Any:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: the ASCII-only JSON escape keeps them as \udXXX sequences.
        return orjson.Fragment(json.dumps(text).encode("ascii"))
    return text


def _too_deep(error: Exception) -> RecordError:
    # orjson stops at 255 levels of nesting, Python's own recursion a little later;
    # a dict or list that contains itself reaches either limit.
    return RecordError(
        "the record nests dicts or lists more than 254 levels deep, or contains "
        f"itself ({error}); flatten it or store the deep part as a JSON string"
    )


def _unencodable(value: Any, path: tuple[Any, ...]) -> RecordError:
    type_name = type(value).__module__ + "." + type(value).__qualname__
    type_name = type_name.removeprefix("builtins.")
    return RecordError(
        f"record value at {_format_path(path)} has type {type_name}, which has no JSON "
        "mapping; convert it to str, a number, a list or a dict before write()"
    )


def _format_path(path: tuple[Any, ...]) -> str:
    return "".join(f"[{part!r}]" for part in path)
