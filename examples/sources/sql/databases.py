"""Connections to SQLite and PostgreSQL behind one small interface.

`connect` picks the driver from the URL. SQLite (stdlib ``sqlite3``, opened
read-only) takes ``sqlite://RELATIVE.db``, ``sqlite:///ABSOLUTE.db`` or a path to an
existing file. The path is what follows ``sqlite://``, as in the project's
``duckdb://`` destination URLs. PostgreSQL (psycopg 3, the ``postgres`` extra)
takes ``postgresql://`` or ``postgres://`` libpq URLs.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from panoply.errors import PanoplyException

__all__ = [
    "Database",
    "TableName",
    "connect",
    "order_clause",
    "quote_identifier",
    "redact_url",
    "table_not_found",
    "where_clause",
]

_SQLITE_PREFIX = "sqlite://"
_POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class TableName:
    """A table: its schema (``""`` where the database has none) and name."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


class Database(Protocol):
    """The database operations that the sql source uses."""

    def list_tables(self) -> list[TableName]:
        """Return the tables and views, sorted by schema and name."""

    def find_table(self, name: str) -> TableName:
        """Resolve `name` (``table`` or ``schema.table``), raising if it does not exist."""

    def columns(self, table: TableName) -> list[str]:
        """Return the column names of `table` in table order."""

    def primary_key(self, table: TableName) -> list[str]:
        """Return the primary key columns of `table` in key order; ``[]`` when it has none."""

    def count(self, table: TableName, inckey: str | None, incval: Any) -> int:
        """Count the rows of `table` that a `select` with the same arguments returns."""

    def select(
        self, table: TableName, inckey: str | None, incval: Any, batch_size: int
    ) -> Generator[list[dict[str, Any]], None, None]:
        """Yield the rows with ``inckey > incval`` ordered by `inckey`, in batches.

        Without `inckey`, every row in primary-key order when there is one.
        """

    def close(self) -> None:
        """Close the connection."""


def connect(url: str, password: str | None = None) -> Database:
    """Open the database at `url`; `password` overrides one given in a PostgreSQL URL."""
    if not url:
        raise PanoplyException(
            "param 'url' is missing; pass --url sqlite://RELATIVE.db, sqlite:///ABSOLUTE.db or "
            "--url postgresql://USER@HOST:PORT/DATABASE",
            retryable=False,
        )
    if urlsplit(url).scheme in _POSTGRES_SCHEMES:
        from .postgres import PostgresDatabase  # psycopg is an optional dependency.

        return PostgresDatabase(url, password)
    return SqliteDatabase(_sqlite_path(url))


def redact_url(url: str) -> str:
    """Return `url` with its password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _sqlite_path(url: str) -> str:
    if url.startswith(_SQLITE_PREFIX):
        return url[len(_SQLITE_PREFIX) :]
    if os.path.isfile(url):
        return url
    raise PanoplyException(
        f"unsupported database URL {redact_url(url)!r}; use sqlite://RELATIVE.db, "
        "sqlite:///ABSOLUTE.db, a path to a SQLite file, or postgresql://USER@HOST/DATABASE",
        retryable=False,
    )


def quote_identifier(name: str) -> str:
    """Quote `name` as a SQL identifier; SQLite and PostgreSQL both double inner quotes."""
    return '"' + name.replace('"', '""') + '"'


class SqliteDatabase:
    """A SQLite file, opened read-only so a wrong path never creates an empty database."""

    def __init__(self, path: str) -> None:
        if not os.path.isfile(path):
            raise PanoplyException(
                f"SQLite database file {path!r} was not found (working directory "
                f"{os.getcwd()}); check --url: sqlite://RELATIVE.db or sqlite:///ABSOLUTE.db",
                retryable=False,
            )
        uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
        self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)

    def list_tables(self) -> list[TableName]:
        rows = self._connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        return [TableName("", name) for (name,) in rows]

    def find_table(self, name: str) -> TableName:
        for table in self.list_tables():
            if table.name == name:
                return table
        raise table_not_found(name, self.list_tables())

    def columns(self, table: TableName) -> list[str]:
        return [row[1] for row in self._table_info(table)]

    def primary_key(self, table: TableName) -> list[str]:
        # table_info's sixth field is the 1-based position in the primary key, 0 outside it.
        key = sorted((row[5], row[1]) for row in self._table_info(table) if row[5] > 0)
        return [name for _, name in key]

    def count(self, table: TableName, inckey: str | None, incval: Any) -> int:
        where, parameters = where_clause(inckey, incval, "?")
        sql = f"SELECT count(*) FROM {quote_identifier(table.name)}{where}"
        return int(self._connection.execute(sql, parameters).fetchone()[0])

    def select(
        self, table: TableName, inckey: str | None, incval: Any, batch_size: int
    ) -> Generator[list[dict[str, Any]], None, None]:
        where, parameters = where_clause(inckey, incval, "?")
        order = order_clause(inckey, self.primary_key(table))
        cursor = self._connection.execute(
            f"SELECT * FROM {quote_identifier(table.name)}{where}{order}", parameters
        )
        try:
            columns = [description[0] for description in cursor.description]
            while rows := cursor.fetchmany(batch_size):
                yield [dict(zip(columns, row, strict=True)) for row in rows]
        finally:
            cursor.close()

    def close(self) -> None:
        self._connection.close()

    def _table_info(self, table: TableName) -> list[Any]:
        return self._connection.execute(
            f"PRAGMA table_info({quote_identifier(table.name)})"
        ).fetchall()


def where_clause(inckey: str | None, incval: Any, placeholder: str) -> tuple[str, tuple[Any, ...]]:
    if inckey is None or incval is None:
        return "", ()
    return f" WHERE {quote_identifier(inckey)} > {placeholder}", (incval,)


def order_clause(inckey: str | None, primary_key: list[str]) -> str:
    columns = [inckey] if inckey else primary_key
    if not columns:
        return ""
    return " ORDER BY " + ", ".join(quote_identifier(column) for column in columns)


def table_not_found(name: str, tables: list[TableName]) -> PanoplyException:
    listed = ", ".join(str(table) for table in tables) or "none"
    return PanoplyException(
        f"table {name!r} was not found; the database has: {listed}. Check --tables",
        retryable=False,
    )
