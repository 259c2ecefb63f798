"""Column types created from values and widened when later values do not fit."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.destinations.conftest import column_types, read_rows

from panoply.destinations import TableBatch
from panoply.destinations.duckdb import DuckDBDestination

UTC = ZoneInfo("UTC")
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def write_values(destination: DuckDBDestination, table: str, values: list[Any], start: int) -> None:
    records = [{"seq": start + index, "v": value} for index, value in enumerate(values)]
    destination.write([TableBatch(table, records)], None)


def read_values(destination: DuckDBDestination, table: str) -> list[Any]:
    return [v for _, v in read_rows(destination, table, order_by="seq")]


CREATED_TYPES = [
    ([True, False], "BOOLEAN", [True, False]),
    ([1, -(2**63), 2**63 - 1], "BIGINT", [1, -(2**63), 2**63 - 1]),
    ([2**64, -(2**127)], "HUGEINT", [2**64, -(2**127)]),
    ([2**128], "VARCHAR", [str(2**128)]),
    ([1.5, -0.0], "DOUBLE", [1.5, -0.0]),
    (["héllo", ""], "VARCHAR", ["héllo", ""]),
    ([Decimal("12.345"), Decimal("-1")], "DECIMAL(5,3)", [Decimal("12.345"), Decimal("-1.000")]),
    ([Decimal("1" * 40)], "VARCHAR", ["1" * 40]),
    ([Decimal("NaN")], "VARCHAR", ["NaN"]),
    ([dt.date(2024, 2, 29)], "DATE", [dt.date(2024, 2, 29)]),
    ([dt.time(23, 59, 58, 123456)], "TIME", [dt.time(23, 59, 58, 123456)]),
    ([dt.time(10, 30, tzinfo=PLUS_TWO)], "VARCHAR", ["10:30:00+02"]),
    (
        [dt.datetime(2024, 1, 2, 3, 4, 5, 678901)],
        "TIMESTAMP",
        [dt.datetime(2024, 1, 2, 3, 4, 5, 678901)],
    ),
    (
        [dt.datetime(2024, 1, 2, 12, 0, tzinfo=PLUS_TWO)],
        "TIMESTAMP WITH TIME ZONE",
        [dt.datetime(2024, 1, 2, 10, 0, tzinfo=UTC)],
    ),
    ([b"\x00\xffA", bytearray(b"xy")], "BLOB", [b"\x00\xffA", b"xy"]),
]


@pytest.mark.parametrize(("values", "expected_type", "expected"), CREATED_TYPES)
def test_column_created_with_type(
    destination: DuckDBDestination, values: list[Any], expected_type: str, expected: list[Any]
) -> None:
    write_values(destination, "t", values, 0)

    assert column_types(destination, "t") == {"seq": "BIGINT", "v": expected_type}
    assert read_values(destination, "t") == expected


def test_nonfinite_doubles_kept(destination: DuckDBDestination) -> None:
    write_values(destination, "t", [math.nan, math.inf, -math.inf], 0)

    values = read_values(destination, "t")
    assert column_types(destination, "t")["v"] == "DOUBLE"
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf]


WIDENINGS = [
    ([True, False], [7], "BIGINT", [1, 0, 7]),
    ([1], [2**70], "HUGEINT", [1, 2**70]),
    ([2**70], [True], "HUGEINT", [2**70, 1]),
    ([Decimal("2.5")], [True], "DECIMAL(2,1)", [Decimal("2.5"), Decimal("1.0")]),
    ([1], [2.5], "DOUBLE", [1.0, 2.5]),
    ([2**70], [0.5], "DOUBLE", [float(2**70), 0.5]),
    ([True], [0.5], "DOUBLE", [1.0, 0.5]),
    ([1.5], ["x"], "VARCHAR", ["1.5", "x"]),
    ([True], ["x"], "VARCHAR", ["true", "x"]),
    ([1], [2**128], "VARCHAR", ["1", str(2**128)]),
    ([1], [Decimal("2.50")], "DECIMAL(21,2)", [Decimal("1.00"), Decimal("2.50")]),
    ([Decimal("1.5")], [Decimal("123.25")], "DECIMAL(5,2)", [Decimal("1.50"), Decimal("123.25")]),
    ([Decimal("1.5")], [2.25], "DOUBLE", [1.5, 2.25]),
    ([Decimal("0.5")], [Decimal("1" * 38)], "VARCHAR", ["0.5", "1" * 38]),
    ([Decimal("1.25")], ["x"], "VARCHAR", ["1.25", "x"]),
    (
        [dt.date(2024, 1, 2)],
        [dt.datetime(2024, 1, 3, 4, 5)],
        "TIMESTAMP",
        [dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 3, 4, 5)],
    ),
    (
        [dt.datetime(2024, 1, 2, 3, 0)],
        [dt.datetime(2024, 1, 2, 3, 0, tzinfo=PLUS_TWO)],
        "TIMESTAMP WITH TIME ZONE",
        [dt.datetime(2024, 1, 2, 3, 0, tzinfo=UTC), dt.datetime(2024, 1, 2, 1, 0, tzinfo=UTC)],
    ),
    (
        [dt.datetime(2024, 1, 2, 3, 4, 5, 500000)],
        ["soon"],
        "VARCHAR",
        ["2024-01-02 03:04:05.5", "soon"],
    ),
    (
        [dt.datetime(2024, 1, 2, 3, 0, tzinfo=PLUS_TWO)],
        ["soon"],
        "VARCHAR",
        ["2024-01-02 01:00:00+00", "soon"],
    ),
    ([dt.date(2024, 1, 2)], [5], "VARCHAR", ["2024-01-02", "5"]),
    ([dt.time(10, 0, 1, 250000)], [dt.date(2024, 1, 2)], "VARCHAR", ["10:00:01.25", "2024-01-02"]),
    ([b"\x00A\\"], ["x"], "VARCHAR", ["\\x00A\\x5C", "x"]),
    ([5], [b"\x01"], "VARCHAR", ["5", "\\x01"]),
]


@pytest.mark.parametrize(("first", "second", "expected_type", "expected"), WIDENINGS)
def test_column_widened_between_batches(
    destination: DuckDBDestination,
    first: list[Any],
    second: list[Any],
    expected_type: str,
    expected: list[Any],
) -> None:
    write_values(destination, "t", first, 0)
    write_values(destination, "t", second, len(first))

    assert column_types(destination, "t")["v"] == expected_type
    assert read_values(destination, "t") == expected


@pytest.mark.parametrize(("first", "second", "expected_type", "expected"), WIDENINGS)
def test_column_widened_within_batch(
    destination: DuckDBDestination,
    first: list[Any],
    second: list[Any],
    expected_type: str,
    expected: list[Any],
) -> None:
    write_values(destination, "t", first + second, 0)

    assert column_types(destination, "t")["v"] == expected_type
    assert read_values(destination, "t") == expected


def test_varchar_renders_like_duckdb_cast(destination: DuckDBDestination) -> None:
    """Values widened by ALTER and values rendered for a VARCHAR column read the same."""
    values = [
        True,
        12,
        1e20,
        1e-07,
        100.0,
        math.nan,
        -math.inf,
        Decimal("1.50"),
        dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 3, 4, 5, 120000),
        dt.time(1, 2, 3),
        b"\x00\x22'z",
    ]
    for index, value in enumerate(values):
        write_values(destination, f"altered_{index}", [value], 0)
        write_values(destination, f"altered_{index}", ["text"], 1)
    write_values(destination, "rendered", ["text", *values], 0)

    altered = [read_values(destination, f"altered_{i}")[0] for i in range(len(values))]
    assert read_values(destination, "rendered")[1:] == altered
    assert altered[:4] == ["true", "12", "1e+20", "1e-07"]


def test_new_column_added_later(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"a": 1}])], None)
    destination.write(
        [TableBatch("t", [{"a": 2, "b": "x", "__table": "t", "__tablename": "T"}])], None
    )

    assert column_types(destination, "t") == {
        "a": "BIGINT",
        "b": "VARCHAR",
        "__table": "VARCHAR",
        "__tablename": "VARCHAR",
    }
    assert read_rows(destination, "t", order_by="a") == [(1, None, None, None), (2, "x", "t", "T")]


def test_nulls_do_not_fix_type(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"a": 1, "b": None}, {"a": 2}])], None)
    assert column_types(destination, "t") == {"a": "BIGINT"}

    destination.write([TableBatch("t", [{"a": 3, "b": True}, {"a": None, "b": None}])], None)

    assert column_types(destination, "t") == {"a": "BIGINT", "b": "BOOLEAN"}
    assert read_rows(destination, "t", order_by="a NULLS LAST") == [
        (1, None),
        (2, None),
        (3, True),
        (None, None),
    ]


def test_table_of_only_nulls_keeps_rows(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"a": None}, {"a": None}])], None)
    destination.write([TableBatch("t", [{"a": 5}])], None)

    assert column_types(destination, "t") == {"a": "VARCHAR"}
    assert read_rows(destination, "t", order_by="a NULLS FIRST") == [(None,), (None,), ("5",)]


def test_column_names_kept_and_case_merged(destination: DuckDBDestination) -> None:
    records = [{"Name": "a", 'odd "col" name': 1}, {"name": "b"}, {"NAME": "c", "Name": None}]
    destination.write([TableBatch("t", records)], None)

    assert column_types(destination, "t") == {"Name": "VARCHAR", 'odd "col" name': "BIGINT"}
    assert read_rows(destination, "t", order_by="Name") == [("a", 1), ("b", None), ("c", None)]


def test_table_names_with_spaces_and_case(destination: DuckDBDestination) -> None:
    destination.write(
        [TableBatch("my table", [{"x": 1}]), TableBatch("Mixed Case", [{"y": 2}])], None
    )
    destination.write([TableBatch("my table", [{"x": 3}])], None)

    assert read_rows(destination, "my table") == [(1,), (3,)]
    assert read_rows(destination, "Mixed Case") == [(2,)]
    assert column_types(destination, "Mixed Case") == {"y": "BIGINT"}


def test_unknown_value_type_stored_as_text(destination: DuckDBDestination) -> None:
    class Color:
        def __str__(self) -> str:
            return "blue"

    write_values(destination, "t", [Color()], 0)

    assert column_types(destination, "t")["v"] == "VARCHAR"
    assert read_values(destination, "t") == ["blue"]
