"""Rows staged for one bulk INSERT: an Arrow table, or an NDJSON file without pyarrow.

Staged columns are named ``c0``, ``c1``... so that column names DuckDB would treat
as equal (they ignore case) or that need quoting never reach the staging relation.
Each staged column comes with the SQL expression that turns it into the target type.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from panoply.destinations._schema import ColumnType
from panoply.destinations._text import render_text

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["StagedColumn", "arrow_available", "stage_rows"]


@dataclass(frozen=True)
class StagedColumn:
    """A target column and the expression that reads it from the staging relation."""

    name: str
    expression: str


def arrow_available() -> bool:
    """Tell whether pyarrow can be imported."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def stage_rows(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    columns: dict[str, list[Any]],
    types: dict[str, ColumnType],
    *,
    value_types: dict[str, set[type]],
    use_arrow: bool,
) -> Iterator[tuple[str, list[StagedColumn]]]:
    """Stage `columns` typed as `types`; yield the SQL to select from and its columns.

    `value_types` may give the set of Python types in a column, to skip computing it.
    """
    staged = [
        StagedColumn(name, _cast(f"c{index}", types[name], use_arrow))
        for index, name in enumerate(columns)
    ]
    if use_arrow:
        with _staged_arrow(connection, relation, columns, types, value_types) as source:
            yield source, staged
    else:
        with _staged_ndjson(columns, types, value_types) as source:
            yield source, staged


def _cast(staged_name: str, column_type: ColumnType, use_arrow: bool) -> str:
    if use_arrow and column_type.name in _ARROW_NATIVE:
        return staged_name
    return f"CAST({staged_name} AS {column_type.sql})"


@contextlib.contextmanager
def _staged_arrow(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    columns: dict[str, list[Any]],
    types: dict[str, ColumnType],
    value_types: dict[str, set[type]],
) -> Iterator[str]:
    import pyarrow as pa

    arrays = [
        _arrow_array(_convert(values, types[name], value_types.get(name)), types[name])
        for name, values in columns.items()
    ]
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    connection.register(relation, table)
    yield relation
    # On an error the transaction is aborted and DuckDB rejects unregister until the
    # ROLLBACK, so the caller unregisters the relations of a failed write afterwards.
    connection.unregister(relation)


def _arrow_array(values: list[Any], column_type: ColumnType) -> pa.Array:
    import pyarrow as pa

    arrow_type = _arrow_type(column_type.name)
    if arrow_type is None:
        return pa.array([render_text(value) for value in values], pa.string())
    return pa.array(values, arrow_type)


def _convert(
    values: list[Any], column_type: ColumnType, present: set[type] | None = None
) -> list[Any]:
    """Convert values of a narrower type (True in a BIGINT column) to the column's type."""
    exact_types = _EXACT_PYTHON_TYPES.get(column_type.name)
    if present is None:
        present = set(map(type, values))
    if exact_types is not None and present <= exact_types:
        return values
    convert = _CONVERTERS.get(column_type.name)
    if convert is None:
        return values
    return [None if value is None else convert(value) for value in values]


def _arrow_type(type_name: str) -> pa.DataType | None:
    import pyarrow as pa

    factories: dict[str, Callable[[], pa.DataType]] = {
        "BOOLEAN": pa.bool_,
        "BIGINT": pa.int64,
        "DOUBLE": pa.float64,
        "VARCHAR": pa.string,
        "DATE": pa.date32,
        "TIME": lambda: pa.time64("us"),
        "TIMESTAMP": lambda: pa.timestamp("us"),
        "TIMESTAMPTZ": lambda: pa.timestamp("us", tz="UTC"),
        "BLOB": pa.binary,
    }
    factory = factories.get(type_name)
    return None if factory is None else factory()


_ARROW_NATIVE = frozenset(
    ["BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ", "BLOB"]
)

_NONE = type(None)
# Python types pyarrow converts to each column type as they are, with nothing lost.
_EXACT_PYTHON_TYPES: dict[str, set[type]] = {
    "BOOLEAN": {bool, _NONE},
    "BIGINT": {int, _NONE},
    "DOUBLE": {float, _NONE},
    "VARCHAR": {str, _NONE},
    "DATE": {dt.date, _NONE},
    "TIME": {dt.time, _NONE},
    "TIMESTAMP": {dt.datetime, _NONE},
    "TIMESTAMPTZ": {dt.datetime, _NONE},
    "BLOB": {bytes, _NONE},
}


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _integer_if_bool(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "BOOLEAN": bool,
    "BIGINT": int,
    "DOUBLE": float,
    "VARCHAR": render_text,
    "DATE": lambda value: value,
    "TIME": lambda value: value,
    "TIMESTAMP": _as_datetime,
    "TIMESTAMPTZ": _as_datetime,
    "BLOB": bytes,
    "HUGEINT": int,
    "DECIMAL": _integer_if_bool,
}


@contextlib.contextmanager
def _staged_ndjson(
    columns: dict[str, list[Any]],
    types: dict[str, ColumnType],
    value_types: dict[str, set[type]],
) -> Iterator[str]:
    """Write every value as DuckDB-castable text to a temporary NDJSON file."""
    names = [f"c{i}" for i in range(len(columns))]
    rendered = [
        [render_text(value) for value in _convert(values, types[name], value_types.get(name))]
        for name, values in columns.items()
    ]
    handle, path = tempfile.mkstemp(prefix="panoply-stage-", suffix=".ndjson")
    try:
        with os.fdopen(handle, "wb") as output:
            for row in zip(*rendered, strict=True):
                output.write(orjson.dumps(dict(zip(names, row, strict=True))))
                output.write(b"\n")
        column_spec = ", ".join(f"{name}: 'VARCHAR'" for name in names)
        quoted_path = path.replace("'", "''")
        yield (
            f"read_json('{quoted_path}', format = 'newline_delimited', columns = {{{column_spec}}})"
        )
    finally:
        os.unlink(path)
