"""The embedded DuckDB destination, the default of `panoply run`.

Each `write` is one transaction: tables and columns are created or widened, keyed
tables get their replaced rows (and those rows' children) deleted, every table is
bulk-loaded from a staged Arrow table (or NDJSON file), and the checkpoint row is
upserted. Any error rolls all of it back, schema changes included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb

from panoply.destinations._catalog import TABLES_TABLE, Catalog, quote
from panoply.destinations._flatten import (
    PARENT_ID,
    ROW_ID,
    ColumnarRows,
    deduplicate,
    split_records,
)
from panoply.destinations._json import dumps_checkpoint_value, loads_checkpoint_value
from panoply.destinations._schema import ColumnType, infer_type, widen
from panoply.destinations._staging import StagedColumn, arrow_available, stage_rows
from panoply.destinations.base import Checkpoint, Destination, TableBatch

__all__ = ["CHECKPOINTS_TABLE", "DuckDBDestination"]

logger = logging.getLogger(__name__)

CHECKPOINTS_TABLE = "_panoply_checkpoints"
MEMORY = ":memory:"


class DuckDBDestination(Destination):
    """Load records into tables of a DuckDB database file.

    Args:
        path: the database file, created with its parent directories when missing,
            or ``":memory:"``.
        nested_as_json: store nested objects and lists in JSON columns instead of
            child tables.
        use_arrow: stage rows as Arrow tables (the fast path); ``False`` stages them
            as NDJSON files read by DuckDB's JSON reader. ``None`` uses Arrow when
            pyarrow is installed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = "panoply.duckdb",
        *,
        nested_as_json: bool = False,
        use_arrow: bool | None = None,
    ) -> None:
        self.path = str(path)
        self.nested_as_json = nested_as_json
        self.use_arrow = arrow_available() if use_arrow is None else use_arrow
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

        self._connection: duckdb.DuckDBPyConnection | None = duckdb.connect(self.path)
        self._connection.execute("SET TimeZone = 'UTC'")
        self._create_internal_tables()
        self._catalog = Catalog(self._connection)
        self._next_relation = 0

    def __repr__(self) -> str:
        return f"DuckDBDestination({self.path!r}, nested_as_json={self.nested_as_json})"

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection; raises RuntimeError after `close()`."""
        if self._connection is None:
            raise RuntimeError(f"the DuckDB destination {self.path} is closed")
        return self._connection

    def _create_internal_tables(self) -> None:
        self.connection.execute(
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} ("
            "source_id VARCHAR PRIMARY KEY, state JSON, source JSON, "
            "updated_at TIMESTAMPTZ)"
        )
        self.connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLES_TABLE} ("
            "table_name VARCHAR PRIMARY KEY, parent_table VARCHAR)"
        )

    def write(self, batches: Sequence[TableBatch], checkpoint: Checkpoint | None) -> None:
        """Load `batches` and store `checkpoint` in one transaction."""
        groups = [
            split_records(table, records, key, nested_as_json=self.nested_as_json)
            for (table, key), records in _group_batches(batches).items()
        ]
        if not groups and checkpoint is None:
            return

        first_relation = self._next_relation
        self.connection.execute("BEGIN TRANSACTION")
        try:
            self._load(groups)
            if checkpoint is not None:
                self._store_checkpoint(checkpoint)
            self.connection.execute("COMMIT")
        except BaseException:
            self._rollback(first_relation)
            raise

    def _rollback(self, first_relation: int) -> None:
        self._catalog.forget()
        try:
            self.connection.execute("ROLLBACK")
        except duckdb.Error:
            logger.exception("ROLLBACK failed on %s", self.path)
        for index in range(first_relation, self._next_relation):
            with contextlib.suppress(duckdb.Error):
                self.connection.unregister(_relation_name(index))

    def _load(self, groups: list[list[ColumnarRows]]) -> None:
        all_rows = [rows for group in groups for rows in group if rows.columns]
        types = self._evolve_schemas(all_rows)
        for group in groups:
            for rows in group:
                if rows.key is not None and rows.columns:
                    self._delete_replaced(rows, types[rows.table])
            for rows in group:
                if rows.columns:
                    self._insert(rows, types[rows.table])

    def _evolve_schemas(self, all_rows: list[ColumnarRows]) -> dict[str, dict[str, ColumnType]]:
        """Apply all DDL before any row is written, and return each table's column types."""
        inferred: dict[str, dict[str, ColumnType | None]] = {}
        for rows in all_rows:
            table_types = inferred.setdefault(rows.table, {})
            for name, values in rows.columns.items():
                found = infer_type(values, rows.types_of(name))
                previous = table_types.get(name)
                if previous is None or found is None:
                    table_types[name] = previous or found
                else:
                    table_types[name] = widen(previous, found)

        result = {table: self._catalog.evolve(table, t) for table, t in inferred.items()}
        for rows in all_rows:
            if rows.parent is not None:
                self._catalog.link_child(rows.parent, rows.table)
        return result

    def _delete_replaced(self, rows: ColumnarRows, types: dict[str, ColumnType]) -> None:
        """Delete the stored rows, and their child rows, that `rows` replaces by key."""
        key = rows.key
        if key is None or key not in rows.columns:
            return
        key_columns = {key: rows.columns[key]}
        with self._staged(key_columns, types) as (source, staged):
            keys_sql = f"SELECT {staged[0].expression} FROM {source}"
            keys_text_sql = f"SELECT CAST({staged[0].expression} AS VARCHAR) FROM {source}"
            for child in self._catalog.children(rows.table):
                self._delete_descendants(child, keys_text_sql)
            stored_key = quote(self._catalog.stored_name(rows.table, key))
            self.connection.execute(
                f"DELETE FROM {quote(rows.table)} WHERE {stored_key} IN ({keys_sql})"
            )

    def _delete_descendants(self, table: str, parent_ids_sql: str) -> None:
        """Delete rows of `table` linked to `parent_ids_sql`, and their own children."""
        if not self._catalog.has_column(table, PARENT_ID):
            return
        match = f"CAST({quote(PARENT_ID)} AS VARCHAR) IN ({parent_ids_sql})"
        if self._catalog.has_column(table, ROW_ID):
            row_ids_sql = (
                f"SELECT CAST({quote(ROW_ID)} AS VARCHAR) FROM {quote(table)} WHERE {match}"
            )
            for child in self._catalog.children(table):
                self._delete_descendants(child, row_ids_sql)
        self.connection.execute(f"DELETE FROM {quote(table)} WHERE {match}")

    def _insert(self, rows: ColumnarRows, types: dict[str, ColumnType]) -> None:
        # Columns missing from `types` hold only None and were never created.
        columns = {name: values for name, values in rows.columns.items() if name in types}
        if not columns:
            logger.debug("skipped %d rows of %s without any value", rows.count, rows.table)
            return
        value_types = {name: rows.types_of(name) for name in columns}
        with self._staged(columns, types, value_types) as (source, staged):
            names = ", ".join(
                quote(self._catalog.stored_name(rows.table, column.name)) for column in staged
            )
            expressions = ", ".join(column.expression for column in staged)
            self.connection.execute(
                f"INSERT INTO {quote(rows.table)} ({names}) SELECT {expressions} FROM {source}"
            )

    def _staged(
        self,
        columns: dict[str, list[Any]],
        types: dict[str, ColumnType],
        value_types: dict[str, set[type]] | None = None,
    ) -> AbstractContextManager[tuple[str, list[StagedColumn]]]:
        relation = _relation_name(self._next_relation)
        self._next_relation += 1
        return stage_rows(
            self.connection,
            relation,
            columns,
            types,
            value_types=value_types or {},
            use_arrow=self.use_arrow,
        )

    def _store_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.connection.execute(
            f"INSERT INTO {CHECKPOINTS_TABLE} (source_id, state, source, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET "
            "state = excluded.state, source = excluded.source, updated_at = excluded.updated_at",
            [
                checkpoint.source_id,
                dumps_checkpoint_value(checkpoint.state),
                dumps_checkpoint_value(checkpoint.source),
                dt.datetime.now(dt.timezone.utc),
            ],
        )

    def read_checkpoint(self, source_id: str) -> Checkpoint | None:
        """Return the checkpoint last committed for `source_id`, or None."""
        row = self.connection.execute(
            f"SELECT state, source FROM {CHECKPOINTS_TABLE} WHERE source_id = ?", [source_id]
        ).fetchone()
        if row is None:
            return None
        state, source = row
        return Checkpoint(source_id, loads_checkpoint_value(state), loads_checkpoint_value(source))

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _relation_name(index: int) -> str:
    return f"_panoply_stage_{index}"


def _group_batches(batches: Sequence[TableBatch]) -> dict[tuple[str, str | None], list[Any]]:
    """Merge batches for the same table and key, keeping record order.

    Keyed groups keep only the last record of each key, so a batch never inserts a
    key twice.
    """
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for batch in batches:
        if batch.records:
            groups.setdefault((batch.table, batch.key), []).extend(batch.records)
    for (_, key), records in groups.items():
        if key is not None:
            records[:] = deduplicate(records, key)
    return groups
