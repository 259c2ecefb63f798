"""Helpers for destination tests: DuckDB files in tmp_path and readers for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from panoply.destinations.duckdb import DuckDBDestination


@pytest.fixture(params=["arrow", "json"])
def loader(request: pytest.FixtureRequest) -> str:
    """Each staging path: Arrow tables, and the NDJSON fallback used without pyarrow."""
    return str(request.param)


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def destination(duckdb_path: Path, loader: str) -> Iterator[DuckDBDestination]:
    with DuckDBDestination(duckdb_path, use_arrow=loader == "arrow") as opened:
        assert isinstance(opened, DuckDBDestination)
        yield opened


def column_types(destination: DuckDBDestination, table: str) -> dict[str, str]:
    """Return column name to DuckDB type name, in column order."""
    rows = destination.connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    return dict(rows)


def read_rows(
    destination: DuckDBDestination, table: str, order_by: str = "ALL"
) -> list[tuple[Any, ...]]:
    quoted = '"' + table.replace('"', '""') + '"'
    return destination.connection.execute(f"SELECT * FROM {quoted} ORDER BY {order_by}").fetchall()


def table_names(destination: DuckDBDestination) -> list[str]:
    rows = destination.connection.execute(
        "SELECT table_name FROM duckdb_tables() ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]
