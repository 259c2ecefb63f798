"""Checkpoints stored in the same transaction as the rows, and rollback on failure."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pytest
from tests.destinations.conftest import column_types, read_rows, table_names

from panoply.destinations import Checkpoint, TableBatch
from panoply.destinations.duckdb import DuckDBDestination

SOURCE_WITH_ODD_VALUES = {
    "id": "src-1",
    "type": "postgres",
    "shards": [{"shard": "a", "since": dt.datetime(2024, 5, 6, 7, 8, 9, 123000)}],
    "aware": dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    "day": dt.date(2024, 5, 6),
    "at": dt.time(7, 8),
    "price": Decimal("10.250"),
    "blob": b"\x00\x01",
    "ratio": math.inf,
    "huge": 2**100,
    "look_alike": {"$panoply": "datetime", "value": "x", "extra": 1},
    "nested": {"deep": [1, 2.5, None, True, "s"]},
}


def test_checkpoint_round_trip(destination: DuckDBDestination) -> None:
    checkpoint = Checkpoint("src-1", {"cursor": 42, "page": "p2"}, SOURCE_WITH_ODD_VALUES)
    destination.write([], checkpoint)

    assert destination.read_checkpoint("src-1") == checkpoint
    assert destination.read_checkpoint("other") is None


def test_checkpoint_survives_reopen(duckdb_path: Path) -> None:
    with DuckDBDestination(duckdb_path) as destination:
        destination.write([TableBatch("t", [{"a": 1}])], Checkpoint("s", {"n": 1}, {"id": "s"}))
        destination.write([TableBatch("t", [{"a": 2}])], Checkpoint("s", {"n": 2}, {"id": "s"}))

    with DuckDBDestination(duckdb_path) as reopened:
        assert isinstance(reopened, DuckDBDestination)
        assert reopened.read_checkpoint("s") == Checkpoint("s", {"n": 2}, {"id": "s"})
        assert read_rows(reopened, "t") == [(1,), (2,)]


def test_failing_checkpoint_rolls_back_everything(destination: DuckDBDestination) -> None:
    destination.write(
        [TableBatch("t", [{"id": 1, "v": True}], key="id")], Checkpoint("s", {"n": 1})
    )

    batches = [
        TableBatch("t", [{"id": 1, "v": "text", "new": 1.5, "tags": ["x"]}], key="id"),
        TableBatch("fresh", [{"a": 1}]),
    ]
    with pytest.raises(TypeError, match="cannot store a set value in a checkpoint"):
        destination.write(batches, Checkpoint("s", {"n": 2, "bad": {1, 2}}))

    assert table_names(destination) == ["_panoply_checkpoints", "_panoply_tables", "t"]
    assert column_types(destination, "t") == {"id": "BIGINT", "v": "BOOLEAN"}
    assert read_rows(destination, "t") == [(1, True)]
    assert read_rows(destination, "_panoply_tables") == []
    assert destination.read_checkpoint("s") == Checkpoint("s", {"n": 1})


def test_failing_table_rolls_back_earlier_tables(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"a": 1}])], Checkpoint("s", {"n": 1}))

    # DuckDB rejects a zero-length table name, after "t" was already widened.
    batches = [TableBatch("t", [{"a": "x"}]), TableBatch("", [{"b": 1}])]
    with pytest.raises(Exception, match="zero-length"):
        destination.write(batches, Checkpoint("s", {"n": 2}))

    assert column_types(destination, "t") == {"a": "BIGINT"}
    assert read_rows(destination, "t") == [(1,)]
    assert destination.read_checkpoint("s") == Checkpoint("s", {"n": 1})


def test_write_after_rollback_sees_schema(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [{"a": 1}])], None)
    with pytest.raises(TypeError):
        destination.write(
            [TableBatch("t", [{"a": 2, "b": "new"}])], Checkpoint("s", {"x": object()})
        )

    destination.write([TableBatch("t", [{"a": 3, "b": "again"}])], None)

    assert column_types(destination, "t") == {"a": "BIGINT", "b": "VARCHAR"}
    assert read_rows(destination, "t") == [(1, None), (3, "again")]


def test_empty_write_changes_nothing(destination: DuckDBDestination) -> None:
    destination.write([TableBatch("t", [])], None)

    assert table_names(destination) == ["_panoply_checkpoints", "_panoply_tables"]


def test_close_twice_and_write_after_close(duckdb_path: Path) -> None:
    destination = DuckDBDestination(duckdb_path)
    destination.close()
    destination.close()

    with pytest.raises(RuntimeError, match="is closed"):
        destination.write([TableBatch("t", [{"a": 1}])], None)
