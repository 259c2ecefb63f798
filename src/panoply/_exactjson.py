"""JSON parsing that keeps integers of any size exact.

orjson parses integers beyond the 64-bit range as floats, so 12345678901234567890123
would silently become 1.2345678901234568e+22, and every parser that reads numbers
as floats rounds 1.0000000000000001 to 1.0 and turns 1e400 into infinity. So text
that may hold such a number is parsed by the standard library instead. It keeps
integers exact and reads other numbers as `decimal.Decimal`, which the client
encodes with exactly its digits. Everything else takes orjson's faster path.

Text orjson rejects gets a second try with the standard library too, which accepts
escaped lone surrogates (``"\ud800"``, as `SDK.write` produces them) but, like
orjson, not NaN or Infinity.
"""

from __future__ import annotations

import decimal
import json
import re
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "loads"]

JSONDecodeError = (orjson.JSONDecodeError, json.JSONDecodeError, UnicodeDecodeError)

# 16 digits in a row, or a 3-digit exponent: a number that a float may not hold
# exactly (every integer beyond 64 bits has such a run too).
_INEXACT_NUMBER = re.compile(rb"\d{16}|[eE][+-]?\d{3}")


def loads(data: bytes | str) -> Any:
    """Parse one JSON document; raises one of `JSONDecodeError` on invalid input."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _INEXACT_NUMBER.search(raw):
        return json.loads(raw, parse_float=decimal.Decimal, parse_constant=_reject_constant)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)
