"""The tables of a DuckDB file as the loader knows them, and the DDL that evolves them.

Column types are read from `duckdb_columns()` once per table and then kept in memory.
DDL runs inside the caller's transaction, so after a ROLLBACK the cache must be
dropped with `forget()`: DuckDB rolls the schema changes back with the data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from panoply.destinations._schema import VARCHAR, ColumnType, parse_type, widen

if TYPE_CHECKING:
    import duckdb

__all__ = ["TABLES_TABLE", "Catalog", "quote"]

logger = logging.getLogger(__name__)

TABLES_TABLE = "_panoply_tables"


def quote(identifier: str) -> str:
    """Quote an SQL identifier, doubling embedded quotes."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class TableSchema:
    """The columns of one table, looked up by lower-cased name as DuckDB does."""

    columns: dict[str, tuple[str, ColumnType]] = field(default_factory=dict)

    def get(self, name: str) -> tuple[str, ColumnType] | None:
        return self.columns.get(name.lower())

    def set(self, name: str, column_type: ColumnType) -> None:
        self.columns[name.lower()] = (name, column_type)


class Catalog:
    """Cached table schemas and parent-child links of one DuckDB connection."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection
        self._schemas: dict[str, TableSchema | None] = {}
        self._children: dict[str, list[str]] | None = None

    def forget(self) -> None:
        """Drop everything cached, after a rollback undid the DDL it described."""
        self._schemas.clear()
        self._children = None

    def schema(self, table: str) -> TableSchema | None:
        """Return the columns of `table`, or None when it does not exist."""
        if table not in self._schemas:
            self._schemas[table] = self._load_schema(table)
        return self._schemas[table]

    def _load_schema(self, table: str) -> TableSchema | None:
        rows = self._connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "AND lower(table_name) = lower(?) ORDER BY column_index",
            [table],
        ).fetchall()
        if not rows:
            return None
        schema = TableSchema()
        for name, type_name in rows:
            schema.set(name, parse_type(type_name))
        return schema

    def evolve(self, table: str, types: dict[str, ColumnType | None]) -> dict[str, ColumnType]:
        """Create `table` or change its columns so they hold values of `types`.

        Returns the type of each column after the change. A new column whose values
        are all None is left out, because None does not decide a type, unless every
        column of a new table is all None: those are created as VARCHAR.
        """
        schema = self.schema(table)
        if schema is None:
            return self._create_table(table, types)

        result: dict[str, ColumnType] = {}
        for name, new_type in types.items():
            column_type = self._evolve_column(table, schema, name, new_type)
            if column_type is not None:
                result[name] = column_type
        return result

    def _create_table(
        self, table: str, types: dict[str, ColumnType | None]
    ) -> dict[str, ColumnType]:
        known = {name: t for name, t in types.items() if t is not None}
        if not known:
            known = {name: VARCHAR for name in types}
        columns = ", ".join(f"{quote(name)} {t.sql}" for name, t in known.items())
        self._connection.execute(f"CREATE TABLE {quote(table)} ({columns})")
        logger.debug("created table %s (%s)", table, columns)

        schema = TableSchema()
        for name, column_type in known.items():
            schema.set(name, column_type)
        self._schemas[table] = schema
        return known

    def _evolve_column(
        self, table: str, schema: TableSchema, name: str, new_type: ColumnType | None
    ) -> ColumnType | None:
        existing = schema.get(name)
        if existing is None:
            if new_type is not None:
                self._alter(table, f"ADD COLUMN {quote(name)} {new_type.sql}")
                schema.set(name, new_type)
            return new_type

        stored_name, stored_type = existing
        if new_type is None:
            return stored_type
        widened = widen(stored_type, new_type)
        if widened != stored_type:
            ddl = f"ALTER COLUMN {quote(stored_name)} SET DATA TYPE {widened.sql}"
            self._alter(table, ddl)
            schema.set(stored_name, widened)
        return widened

    def _alter(self, table: str, ddl: str) -> None:
        self._connection.execute(f"ALTER TABLE {quote(table)} {ddl}")
        logger.debug("table %s: %s", table, ddl)

    def stored_name(self, table: str, column: str) -> str:
        """Return the spelling `table` stores `column` under (names ignore case)."""
        schema = self.schema(table)
        found = schema.get(column) if schema is not None else None
        return found[0] if found is not None else column

    def has_column(self, table: str, column: str) -> bool:
        schema = self.schema(table)
        return schema is not None and schema.get(column) is not None

    def children(self, table: str) -> list[str]:
        """Return the child tables that nested values of `table` were stored in."""
        if self._children is None:
            self._children = {}
            rows = self._connection.execute(
                f"SELECT parent_table, table_name FROM {TABLES_TABLE} ORDER BY table_name"
            ).fetchall()
            for parent, child in rows:
                self._children.setdefault(parent, []).append(child)
        return self._children.get(table, [])

    def link_child(self, parent: str, child: str) -> None:
        """Record that `child` holds nested values of `parent`, once."""
        if child in self.children(parent):
            return
        self._connection.execute(
            f"INSERT INTO {TABLES_TABLE} (table_name, parent_table) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            [child, parent],
        )
        assert self._children is not None
        self._children.setdefault(parent, []).append(child)
