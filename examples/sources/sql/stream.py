"""The sql data source: tables of a SQLite or PostgreSQL database, loaded incrementally."""

from __future__ import annotations

import base64
import datetime
import decimal
import logging
import uuid
from collections.abc import Generator
from typing import Any

from panoply import DataSource
from panoply.errors import PanoplyException

from .databases import TableName, connect

__all__ = ["DEFAULT_BATCH_SIZE", "DESTINATION", "Stream", "list_tables"]

logger = logging.getLogger(__name__)

Batches = Generator[list[dict[str, Any]], None, None]

DEFAULT_BATCH_SIZE = 2000
"""Rows per `Stream.read` call when neither ``read(n)`` nor ``source["__batchSize"]`` sets it."""

DESTINATION = "sql_{__tablename}"
"""The table template the source sets when the source has no ``destination``."""


class Stream(DataSource):
    """Read the selected tables one after the other, a batch of rows per `read` call.

    With ``inckey``, each table is read with ``WHERE inckey > incval ORDER BY inckey``
    and every batch fires the state ``{TABLE: {"incval": LAST_VALUE}}``, so a source
    rebuilt after a failure continues after the last value stored. At the end of the
    stream the last value of each table goes to ``source["incvals"]``, which the
    runtime keeps for the next run. A single ``incval`` for all tables would skip the
    rows of a table whose keys are lower than another table's.

    A table starts after its value in ``source["state"]``; else, once a run has
    finished, after its value in ``source["incvals"]`` (from the first row for a
    table added since); else after ``source["incval"]``; else from the first row.
    Without ``inckey`` every run loads the whole tables, in primary-key order, and
    fires no state.
    """

    def __init__(self, source: dict[str, Any], options: dict[str, Any] | None = None) -> None:
        super().__init__(source, options)
        self._inckey = self.source.get("inckey") or self.source.get("incKey") or None
        self._batch_size = int(self.source.get("__batchSize") or DEFAULT_BATCH_SIZE)
        self._database = connect(str(self.source.get("url") or ""), self.source.get("password"))
        try:
            self._tables = self._selected_tables()
            self._check_inckey()
            self._set_routing()
        except BaseException:
            self._database.close()
            raise

        self._state = self.source.get("state") or {}
        self._last_values: dict[str, Any] = {}
        self._position = 0
        self._batches: Batches | None = None
        self._loaded = 0
        self._total = 0

    def read(self, n: int | None = None) -> list[dict[str, Any]] | None:
        """Return the next batch of rows of the current table, or None after the last table."""
        while self._position < len(self._tables):
            table = self._tables[self._position]
            if self._batches is None:
                self._batches = self._start_table(table, n or self._batch_size)

            rows = next(self._batches, None)
            if rows is None:
                self._batches = None
                self._position += 1
                continue
            return self._finish_batch(table, rows)

        self._store_last_values()
        return None

    def close(self) -> None:
        """Stop the running query and close the connection."""
        if self._batches is not None:
            self._batches.close()
            self._batches = None
        self._database.close()

    def _selected_tables(self) -> list[TableName]:
        names = _table_names(self.source.get("tables"))
        if not names:
            return self._database.list_tables()
        return [self._database.find_table(name) for name in names]

    def _check_inckey(self) -> None:
        if self._inckey is None:
            return
        for table in self._tables:
            columns = self._database.columns(table)
            if self._inckey not in columns:
                raise PanoplyException(
                    f"incremental key column {self._inckey!r} was not found in table "
                    f"{str(table)!r}, which has: {', '.join(columns)}; check --inckey",
                    retryable=False,
                )

    def _set_routing(self) -> None:
        """Set ``destination``, and ``idpattern`` when every table has the same primary key."""
        if not self.source.get("destination"):
            self.source["destination"] = DESTINATION
        if self.source.get("idpattern"):
            return

        keys = {tuple(self._database.primary_key(table)) for table in self._tables}
        if len(keys) == 1 and () not in keys:
            (key,) = keys
            self.source["idpattern"] = "#".join("{" + column + "}" for column in key)
        elif len(keys) > 1:
            logger.info("the tables have different primary keys, so no idpattern is set")

    def _start_table(self, table: TableName, batch_size: int) -> Batches:
        incval = self._start_value(table)
        if incval is not None:
            self._last_values[str(table)] = incval
        self._loaded = 0
        self._total = self._database.count(table, self._inckey, incval)
        if self._inckey and incval is not None:
            logger.info("reading %s: %d rows after %s=%r", table, self._total, self._inckey, incval)
        else:
            logger.info("reading %s: %d rows", table, self._total)
        return self._database.select(table, self._inckey, incval, batch_size)

    def _start_value(self, table: TableName) -> Any:
        saved = self._state.get(str(table))
        if isinstance(saved, dict) and saved.get("incval") is not None:
            return saved["incval"]
        finished = self.source.get("incvals")
        if isinstance(finished, dict):
            return finished.get(str(table))
        return self.source.get("incval", self.source.get("incVal"))

    def _store_last_values(self) -> None:
        """Keep each table's last incremental value in the source for the next run."""
        if self._inckey is None or not self._last_values:
            return
        stored = self.source.get("incvals")
        self.source["incvals"] = {
            **(stored if isinstance(stored, dict) else {}),
            **self._last_values,
        }
        self._last_values = {}

    def _finish_batch(self, table: TableName, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        records = [_to_record(row, table) for row in rows]
        self._loaded += len(records)
        if self._inckey is not None:
            state_id = f"{table}:{self._loaded}"
            last_value = records[-1][self._inckey]
            self._last_values[str(table)] = last_value
            self.state(state_id, {str(table): {"incval": last_value}})
            for record in records:
                record["__state"] = state_id
        self.progress(self._loaded, self._total, f"table {table}")
        return records


def list_tables(source: dict[str, Any]) -> list[str]:
    """List the tables of the source's database: the ``values`` of the ``tables`` param."""
    database = connect(str(source.get("url") or ""), source.get("password"))
    try:
        return [str(table) for table in database.list_tables()]
    finally:
        database.close()


def _table_names(value: Any) -> list[str]:
    """Read the ``tables`` param: names, ``{"value": name}`` items, or a comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    names: list[str] = []
    for item in value or []:
        name = item.get("value", item.get("name")) if isinstance(item, dict) else item
        if name and str(name).strip():
            names.append(str(name).strip())
    return names


def _to_record(row: dict[str, Any], table: TableName) -> dict[str, Any]:
    record = {column: _to_json_value(value) for column, value in row.items()}
    record["__tablename"] = table.name
    if table.schema:
        record["__schemaname"] = table.schema
    return record


def _to_json_value(value: Any) -> Any:
    """Convert driver values that JSON has no type for; other values pass unchanged."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()  # datetime is a date subclass, so it is covered too.
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, decimal.Decimal):
        # NOTE: floats keep about 15 significant digits; wider NUMERIC values lose precision.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value
