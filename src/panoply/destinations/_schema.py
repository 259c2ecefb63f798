"""Column types inferred from Python values, and the rules that widen them.

A column's type is the narrowest DuckDB type that fits every value written to it so
far. When a value does not fit, the column is widened along these rules:

- numbers: BOOLEAN -> BIGINT -> HUGEINT -> DOUBLE; DECIMAL(p, s) joins an integer
  type or another DECIMAL as a DECIMAL wide enough for both, or VARCHAR when that
  needs more than 38 digits; any DECIMAL joined with DOUBLE is DOUBLE.
- dates and times: DATE -> TIMESTAMP -> TIMESTAMPTZ (naive values read as UTC).
- anything else that differs (TIME, BLOB, JSON, a number meeting a date) -> VARCHAR.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["ColumnType", "JsonText", "infer_type", "parse_type", "widen"]

MAX_DECIMAL_PRECISION = 38
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT128_MIN, _INT128_MAX = -(2**127), 2**127 - 1


class JsonText(str):
    """A nested value already encoded as JSON text, stored in a JSON column."""

    __slots__ = ()


@dataclass(frozen=True)
class ColumnType:
    """A DuckDB column type; `precision` and `scale` are used by DECIMAL only."""

    name: str
    precision: int = 0
    scale: int = 0

    @property
    def sql(self) -> str:
        if self.name == "DECIMAL":
            return f"DECIMAL({self.precision},{self.scale})"
        return self.name

    def __str__(self) -> str:
        return self.sql


BOOLEAN = ColumnType("BOOLEAN")
BIGINT = ColumnType("BIGINT")
HUGEINT = ColumnType("HUGEINT")
DOUBLE = ColumnType("DOUBLE")
VARCHAR = ColumnType("VARCHAR")
DATE = ColumnType("DATE")
TIME = ColumnType("TIME")
TIMESTAMP = ColumnType("TIMESTAMP")
TIMESTAMPTZ = ColumnType("TIMESTAMPTZ")
BLOB = ColumnType("BLOB")
JSON = ColumnType("JSON")

_INTEGER_RANK = {BOOLEAN: 0, BIGINT: 1, HUGEINT: 2}
# Digits left of the decimal point that a DECIMAL needs to hold any value of the type.
_INTEGER_DIGITS = {BOOLEAN: 1, BIGINT: 19, HUGEINT: 39}
_TEMPORAL_RANK = {DATE: 0, TIMESTAMP: 1, TIMESTAMPTZ: 2}
_DECIMAL_PATTERN = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_TYPE_ALIASES = {"TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ}


def decimal_type(precision: int, scale: int) -> ColumnType:
    """Return DECIMAL(precision, scale), or VARCHAR when it needs more than 38 digits."""
    if precision > MAX_DECIMAL_PRECISION:
        return VARCHAR
    return ColumnType("DECIMAL", max(precision, 1), scale)


def parse_type(sql: str) -> ColumnType:
    """Read a type name as `duckdb_columns()` reports it."""
    match = _DECIMAL_PATTERN.fullmatch(sql)
    if match:
        return ColumnType("DECIMAL", int(match[1]), int(match[2]))
    return _TYPE_ALIASES.get(sql, ColumnType(sql))


def widen(current: ColumnType, new: ColumnType) -> ColumnType:
    """Return the narrowest type that fits values of both `current` and `new`."""
    if current == new:
        return current
    if _is_numeric(current) and _is_numeric(new):
        return _widen_numeric(current, new)
    if current in _TEMPORAL_RANK and new in _TEMPORAL_RANK:
        return max(current, new, key=_TEMPORAL_RANK.__getitem__)
    return VARCHAR


def _is_numeric(column_type: ColumnType) -> bool:
    return column_type in _INTEGER_RANK or column_type == DOUBLE or column_type.name == "DECIMAL"


def _widen_numeric(a: ColumnType, b: ColumnType) -> ColumnType:
    if DOUBLE in (a, b):
        return DOUBLE
    if a.name != "DECIMAL" and b.name != "DECIMAL":
        return max(a, b, key=_INTEGER_RANK.__getitem__)

    integer_digits = max(_integer_digits(a), _integer_digits(b))
    scale = max(a.scale, b.scale)
    return decimal_type(integer_digits + scale, scale)


def _integer_digits(column_type: ColumnType) -> int:
    if column_type.name == "DECIMAL":
        return column_type.precision - column_type.scale
    return _INTEGER_DIGITS[column_type]


def infer_type(values: Sequence[Any], types: Iterable[type]) -> ColumnType | None:
    """Infer the type of a column from its values; ``None`` when every value is None.

    `types` is the set of ``type(value)`` over `values`, computed once by the caller.
    """
    result: ColumnType | None = None
    for value_type in types:
        if value_type is type(None):
            continue
        found = _type_of_values(value_type, values)
        result = found if result is None else widen(result, found)
    return result


def _type_of_values(value_type: type, values: Sequence[Any]) -> ColumnType:
    """Return the type that fits every value of `values` whose type is `value_type`."""
    base = python_base_type(value_type)
    if base is None:
        return VARCHAR
    if base not in _NEEDS_VALUES:
        return _SIMPLE_TYPES.get(base, VARCHAR)
    matching = _values_of_type(values, value_type)
    if base is int:
        return _integer_type(matching)
    if base is dt.datetime:
        aware = any(value.tzinfo is not None for value in matching)
        return TIMESTAMPTZ if aware else TIMESTAMP
    if base is dt.time:
        # Arrow has no time-with-zone type, so zoned times keep their offset as text.
        aware = any(value.tzinfo is not None for value in matching)
        return VARCHAR if aware else TIME
    if base is Decimal:
        return _decimal_type(matching)
    return _SIMPLE_TYPES.get(base, VARCHAR)


def _values_of_type(values: Sequence[Any], value_type: type) -> list[Any]:
    """Return the distinct values of `value_type`; a set is built in C, a filter is not."""
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value of a type stored as text
        return [value for value in values if type(value) is value_type]
    distinct.discard(None)
    if all(type(value) is value_type for value in distinct):
        return list(distinct)
    return [value for value in values if type(value) is value_type]


_SIMPLE_TYPES: dict[type, ColumnType] = {
    bool: BOOLEAN,
    float: DOUBLE,
    str: VARCHAR,
    dt.date: DATE,
    bytes: BLOB,
    JsonText: JSON,
}

# Base types whose column type depends on the values, not only on the type.
_NEEDS_VALUES = frozenset([int, dt.datetime, dt.time, Decimal])

# Checked in order, so subclasses come before their bases (bool before int).
_BASE_TYPES: tuple[type, ...] = (
    JsonText,
    bool,
    int,
    float,
    str,
    dt.datetime,
    dt.date,
    dt.time,
    Decimal,
    bytes,
)


def python_base_type(value_type: type) -> type | None:
    """Map a value's type to the built-in type it is stored as, or None (stored as text)."""
    if value_type in _BASE_TYPES:
        return value_type
    if issubclass(value_type, (bytearray, memoryview)):
        return bytes
    for base in _BASE_TYPES:
        if issubclass(value_type, base):
            return base
    return None


def is_nested_type(value_type: type) -> bool:
    """Tell whether values of this type go to a child table (or a JSON column)."""
    return value_type in (dict, list, tuple) or (
        issubclass(value_type, (Mapping, list, tuple)) and not issubclass(value_type, str)
    )


def _integer_type(values: list[int]) -> ColumnType:
    low, high = min(values), max(values)
    if low >= _INT64_MIN and high <= _INT64_MAX:
        return BIGINT
    if low >= _INT128_MIN and high <= _INT128_MAX:
        return HUGEINT
    return VARCHAR


def _decimal_type(values: list[Decimal]) -> ColumnType:
    # At least one integer digit, so DuckDB renders 0.5 as "0.5" rather than ".5".
    integer_digits, scale = 1, 0
    for value in values:
        if not value.is_finite():
            return VARCHAR
        _, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            return VARCHAR
        scale = max(scale, -exponent)
        integer_digits = max(integer_digits, len(digits) + exponent)
    return decimal_type(integer_digits + scale, scale)
