"""Nested values in child tables or JSON columns, and upserts that replace them."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

from tests.destinations.conftest import column_types, read_rows, table_names

from panoply.destinations import TableBatch
from panoply.destinations.duckdb import DuckDBDestination


def test_nested_values_go_to_child_tables(destination: DuckDBDestination) -> None:
    record = {
        "id": 7,
        "name": "order",
        "customer": {"name": "Ann", "address": {"city": "Oslo"}},
        "tags": ["a", "b"],
        "lines": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 1, "notes": ["gift"]}],
    }
    destination.write([TableBatch("orders", [record], key="id")], None)

    assert table_names(destination) == [
        "_panoply_checkpoints",
        "_panoply_tables",
        "orders",
        "orders_customer",
        "orders_customer_address",
        "orders_lines",
        "orders_lines_notes",
        "orders_tags",
    ]
    assert read_rows(destination, "orders") == [(7, "order")]
    assert column_types(destination, "orders_tags") == {
        "value": "VARCHAR",
        "__parent_id": "BIGINT",
        "__index": "BIGINT",
    }
    assert read_rows(destination, "orders_tags") == [("a", 7, 0), ("b", 7, 1)]

    customer = read_rows(destination, "orders_customer")
    assert column_types(destination, "orders_customer") == {
        "name": "VARCHAR",
        "__parent_id": "BIGINT",
        "__row_id": "VARCHAR",
    }
    assert [row[:2] for row in customer] == [("Ann", 7)]
    customer_row_id = customer[0][2]
    assert read_rows(destination, "orders_customer_address") == [("Oslo", customer_row_id)]

    lines = read_rows(destination, "orders_lines", order_by="__index")
    assert column_types(destination, "orders_lines") == {
        "sku": "VARCHAR",
        "qty": "BIGINT",
        "__parent_id": "BIGINT",
        "__index": "BIGINT",
        "__row_id": "VARCHAR",
    }
    assert [row[:4] for row in lines] == [("x", 2, 7, 0), ("y", 1, 7, 1)]
    assert lines[0][4] is None
    assert read_rows(destination, "orders_lines_notes") == [("gift", lines[1][4], 0)]


def test_children_without_key_link_row_id(destination: DuckDBDestination) -> None:
    records = [{"n": 1, "items": [10, 20]}, {"n": 2}, {"n": 3, "items": []}]
    destination.write([TableBatch("events", records)], None)

    parents = read_rows(destination, "events", order_by="n")
    assert column_types(destination, "events") == {"n": "BIGINT", "__row_id": "VARCHAR"}
    assert [row[0] for row in parents] == [1, 2, 3]
    assert parents[1][1] is None
    assert parents[2][1] is None
    row_id = parents[0][1]
    assert len(row_id) == 36
    assert read_rows(destination, "events_items") == [(10, row_id, 0), (20, row_id, 1)]


def test_list_of_lists_goes_to_grandchild(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("grid", [{"id": "g", "rows": [[1, 2], [3]]}], key="id")], None)

    rows = read_rows(destination, "grid_rows", order_by="__index")
    assert column_types(destination, "grid_rows") == {
        "__parent_id": "VARCHAR",
        "__index": "BIGINT",
        "__row_id": "VARCHAR",
    }
    assert [row[:2] for row in rows] == [("g", 0), ("g", 1)]
    first, second = rows[0][2], rows[1][2]
    assert read_rows(destination, "grid_rows_value", order_by="value") == [
        (1, first, 0),
        (2, first, 1),
        (3, second, 0),
    ]


def test_field_scalar_in_some_rows_nested_in_others(destination: DuckDBDestination) -> None:
    records = [{"id": 1, "meta": "plain"}, {"id": 2, "meta": {"k": "v"}}]
    destination.write([TableBatch("t", records, key="id")], None)

    assert read_rows(destination, "t") == [(1, "plain"), (2, None)]
    assert read_rows(destination, "t_meta") == [("v", 2)]


def test_upsert_replaces_rows_and_children(destination: DuckDBDestination) -> None:
    first = [
        {"id": 1, "name": "a", "tags": ["x", "y"], "owner": {"name": "o1", "pets": ["cat"]}},
        {"id": 2, "name": "b", "tags": ["z"]},
    ]
    destination.write([TableBatch("items", first, key="id")], None)
    second = [{"id": 1, "name": "a2", "tags": ["w"]}, {"id": 3, "name": "c"}]
    destination.write([TableBatch("items", second, key="id")], None)

    assert read_rows(destination, "items") == [(1, "a2"), (2, "b"), (3, "c")]
    assert read_rows(destination, "items_tags") == [("w", 1, 0), ("z", 2, 0)]
    assert read_rows(destination, "items_owner") == []
    assert read_rows(destination, "items_owner_pets") == []


def test_upsert_last_record_in_batch_wins(destination: DuckDBDestination) -> None:
    records = [
        {"id": 1, "v": "first", "tags": ["old"]},
        {"id": 2, "v": "other"},
        {"id": 1, "v": "last", "tags": ["new"]},
        {"v": "no key"},
        {"v": "no key"},
    ]
    destination.write([TableBatch("t", records, key="id")], None)

    assert read_rows(destination, "t", order_by="id NULLS LAST, v") == [
        (1, "last"),
        (2, "other"),
        (None, "no key"),
        (None, "no key"),
    ]
    assert read_rows(destination, "t_tags") == [("new", 1, 0)]


def test_upsert_across_batches_of_one_write(destination: DuckDBDestination) -> None:
    batches = [
        TableBatch("t", [{"id": 1, "v": "a"}], key="id"),
        TableBatch("t", [{"id": 1, "v": "b"}], key="id"),
    ]
    destination.write(batches, None)

    assert read_rows(destination, "t") == [(1, "b")]


def test_upsert_after_key_widened(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"id": 1, "v": "a"}], key="id")], None)
    destination.write(
        [TableBatch("t", [{"id": "1", "v": "b"}, {"id": "k", "v": "c"}], key="id")], None
    )

    assert column_types(destination, "t")["id"] == "VARCHAR"
    assert read_rows(destination, "t") == [("1", "b"), ("k", "c")]


def test_append_keeps_duplicates(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"id": 1}, {"id": 1}])], None)
    destination.write([TableBatch("t", [{"id": 1}])], None)

    assert read_rows(destination, "t") == [(1,), (1,), (1,)]


def test_nested_as_json_columns(tmp_path: Path, loader: str) -> None:
    record = {
        "id": 1,
        "doc": {"when": dt.datetime(2024, 1, 2, 3, 4), "price": Decimal("1.10"), "x": math.nan},
        "tags": ["a", 1, None],
    }
    with DuckDBDestination(
        tmp_path / "j.duckdb", nested_as_json=True, use_arrow=loader == "arrow"
    ) as destination:
        assert isinstance(destination, DuckDBDestination)
        destination.write([TableBatch("t", [record, {"id": 2, "doc": "plain"}], key="id")], None)

        assert table_names(destination) == ["_panoply_checkpoints", "_panoply_tables", "t"]
        assert column_types(destination, "t") == {"id": "BIGINT", "doc": "VARCHAR", "tags": "JSON"}
        rows = read_rows(destination, "t")

    assert json.loads(rows[0][1]) == {"when": "2024-01-02T03:04:00", "price": "1.10", "x": "NaN"}
    assert json.loads(rows[0][2]) == ["a", 1, None]
    assert rows[1][1:] == ("plain", None)
