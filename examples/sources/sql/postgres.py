"""PostgreSQL through psycopg 3, with server-side cursors so big tables stream in batches."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from panoply.errors import PanoplyException

from .databases import (
    TableName,
    order_clause,
    quote_identifier,
    redact_url,
    table_not_found,
    where_clause,
)

try:
    import psycopg
    from psycopg.rows import dict_row
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise PanoplyException(
        "reading PostgreSQL needs psycopg 3; install it with pip install 'panoply-sdk[postgres]'",
        retryable=False,
    ) from error

__all__ = ["CONNECT_TIMEOUT", "PostgresDatabase"]

CONNECT_TIMEOUT = 10
"""Seconds to wait for the server to accept a connection."""

# Connection errors that a retry cannot fix, because the server rejected the login.
_PERMANENT_CONNECT_ERRORS = ("password authentication failed", "does not exist", "no password")

_LIST_TABLES = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
    ORDER BY table_schema, table_name
"""
_COLUMNS = """
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position
"""
_PRIMARY_KEY = """
    SELECT attribute.attname
    FROM pg_index AS index
    JOIN pg_attribute AS attribute
      ON attribute.attrelid = index.indrelid AND attribute.attnum = ANY(index.indkey)
    WHERE index.indrelid = %s::regclass AND index.indisprimary
    ORDER BY array_position(index.indkey::int2[], attribute.attnum)
"""


class PostgresDatabase:
    """A PostgreSQL database. Reads run in read-only transactions."""

    def __init__(self, url: str, password: str | None) -> None:
        extra: dict[str, Any] = {"password": password} if password else {}
        try:
            self._connection = psycopg.connect(
                url, connect_timeout=CONNECT_TIMEOUT, row_factory=dict_row, **extra
            )
        except psycopg.OperationalError as error:
            permanent = any(text in str(error) for text in _PERMANENT_CONNECT_ERRORS)
            raise PanoplyException(
                f"cannot connect to PostgreSQL at {redact_url(url)}: {error}".rstrip()
                + "; check --url and --password, and that the server accepts connections",
                retryable=not permanent,
            ) from error
        self._connection.read_only = True

    def list_tables(self) -> list[TableName]:
        rows = self._query(_LIST_TABLES)
        return [TableName(row["table_schema"], row["table_name"]) for row in rows]

    def find_table(self, name: str) -> TableName:
        tables = self.list_tables()
        schema, _, table_name = name.rpartition(".")
        matches = [
            table
            for table in tables
            if table.name == table_name and (table.schema == schema or not schema)
        ]
        if len(matches) > 1:
            matches = [table for table in matches if table.schema == "public"]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise table_not_found(name, tables)
        raise PanoplyException(
            f"table name {name!r} exists in several schemas; pass it as SCHEMA.{name} in --tables",
            retryable=False,
        )

    def columns(self, table: TableName) -> list[str]:
        return [row["column_name"] for row in self._query(_COLUMNS, (table.schema, table.name))]

    def primary_key(self, table: TableName) -> list[str]:
        return [row["attname"] for row in self._query(_PRIMARY_KEY, (_qualified(table),))]

    def count(self, table: TableName, inckey: str | None, incval: Any) -> int:
        where, parameters = where_clause(inckey, incval, "%s")
        rows = self._query(f"SELECT count(*) AS rows FROM {_qualified(table)}{where}", parameters)
        return int(rows[0]["rows"])

    def select(
        self, table: TableName, inckey: str | None, incval: Any, batch_size: int
    ) -> Generator[list[dict[str, Any]], None, None]:
        where, parameters = where_clause(inckey, incval, "%s")
        order = order_clause(inckey, self.primary_key(table))
        sql = f"SELECT * FROM {_qualified(table)}{where}{order}"
        try:
            # A named cursor lives on the server, so only one batch is in memory here.
            with self._connection.cursor(name="panoply_sql_select") as cursor:
                cursor.execute(sql, parameters)
                while rows := cursor.fetchmany(batch_size):
                    yield rows
        finally:
            self._connection.rollback()

    def close(self) -> None:
        self._connection.close()

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            rows = cursor.fetchall()
        self._connection.rollback()
        return rows


def _qualified(table: TableName) -> str:
    return f"{quote_identifier(table.schema)}.{quote_identifier(table.name)}"
