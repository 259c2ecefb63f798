"""JSON parsing that keeps integers of any size exact.

orjson parses integers beyond the 64-bit range as floats, so 12345678901234567890123
would silently become 1.2345678901234568e+22. Text with a run of 19 or more digits
(every such integer has one) is parsed by the standard library instead, which keeps
integers exact; everything else takes orjson's faster path. Text orjson rejects gets a
second try with the standard library too, which accepts escaped lone surrogates
(``"\ud800"``, as `SDK.write` produces them) but, like orjson, not NaN or Infinity.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "loads"]

JSONDecodeError = (orjson.JSONDecodeError, json.JSONDecodeError, UnicodeDecodeError)

_LONG_DIGIT_RUN = re.compile(rb"\d{19}")


def loads(data: bytes | str) -> Any:
    """Parse one JSON document; raises one of `JSONDecodeError` on invalid input."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _LONG_DIGIT_RUN.search(raw):
        return json.loads(raw, parse_constant=_reject_constant)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)
