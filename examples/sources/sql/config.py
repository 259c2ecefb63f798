"""The CONFIG of the sql data source: its title, icon and params."""

from __future__ import annotations

from typing import Any

from .stream import list_tables

__all__ = ["CONFIG"]

_ICON = (
    "data:image/svg+xml;utf8,"
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
    "<ellipse cx='8' cy='3.5' rx='5.5' ry='2' fill='%23e8eef7' stroke='%23335'/>"
    "<path d='M2.5 3.5v9c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2v-9' fill='%23e8eef7' stroke='%23335'/>"
    "</svg>"
)

CONFIG: dict[str, Any] = {
    "title": "SQL database",
    "icon": _ICON,
    "categories": ["Databases"],
    "keywords": ["sql", "sqlite", "postgresql", "postgres", "incremental"],
    "params": [
        {
            "name": "url",
            "title": "Database URL",
            "type": "string",
            "required": True,
            "help": (
                "sqlite://RELATIVE.db, sqlite:///ABSOLUTE.db or a path to a SQLite file "
                "(opened read-only), or a PostgreSQL URL postgresql://USER@HOST:PORT/DATABASE."
            ),
            "placeholder": "postgresql://reader@127.0.0.1:5432/shop",
        },
        {
            "name": "password",
            "title": "Password",
            "type": "password",
            "required": False,
            "help": "The PostgreSQL password; it replaces a password given in the URL.",
        },
        {
            "name": "tables",
            "title": "Tables",
            "type": "list",
            "required": False,
            "help": "The tables and views to load; all of them when none is chosen.",
            "values": list_tables,
            "dependencies": ["url"],
        },
        {
            "name": "inckey",
            "title": "Incremental key",
            "type": "string",
            "required": False,
            "help": (
                "A column that grows with every new or changed row, such as an id or an "
                "updated_at time. Each run then loads only rows with a greater value than "
                "the last one loaded; without it, every run loads whole tables."
            ),
            "placeholder": "updated_at",
        },
        {
            "name": "incval",
            "title": "Start after",
            "type": "string",
            "required": False,
            "help": "Load only rows whose incremental key is greater than this value.",
            "placeholder": "2024-01-01",
        },
    ],
}
